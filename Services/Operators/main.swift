import ServiceKit

/// stakeline-operators: the plumbing domain until its staking logic lands.
enum OperatorsIdentity: ServiceIdentity {
    static let serviceName = "operators"
    static let followedSources = ServiceName.allCases.map(\.rawValue).filter { $0 != serviceName }
}

await ServiceMain.run(PlumbingDomain<OperatorsIdentity>.self)
