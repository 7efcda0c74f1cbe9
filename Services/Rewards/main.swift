import Domains
import ServiceKit

/// stakeline-rewards: the epoch clock and the performance model (Shared/Domains/RewardsDomain).
await ServiceMain.run(RewardsDomain.self)
