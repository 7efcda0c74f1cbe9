import ServiceKit

/// stakeline-ledger: the plumbing domain until its staking logic lands.
enum LedgerIdentity: ServiceIdentity {
    static let serviceName = "ledger"
    static let followedSources = ServiceName.allCases.map(\.rawValue).filter { $0 != serviceName }
}

await ServiceMain.run(PlumbingDomain<LedgerIdentity>.self)
