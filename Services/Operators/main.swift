import Domains
import ServiceKit

/// stakeline-operators: the plumbing domain until its staking logic lands.
await ServiceMain.run(PlumbingDomain<OperatorsIdentity>.self)
