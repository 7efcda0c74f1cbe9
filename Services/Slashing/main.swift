import ServiceKit

/// stakeline-slashing: the plumbing domain until its staking logic lands.
enum SlashingIdentity: ServiceIdentity {
    static let serviceName = "slashing"
    static let followedSources = ServiceName.allCases.map(\.rawValue).filter { $0 != serviceName }
}

await ServiceMain.run(PlumbingDomain<SlashingIdentity>.self)
