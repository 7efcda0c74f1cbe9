import ServiceKit

/// stakeline-rewards: the plumbing domain until its staking logic lands.
enum RewardsIdentity: ServiceIdentity {
    static let serviceName = "rewards"
    static let followedSources = ServiceName.allCases.map(\.rawValue).filter { $0 != serviceName }
}

await ServiceMain.run(PlumbingDomain<RewardsIdentity>.self)
