import Domains
import ServiceKit

/// stakeline-slashing: validator slashings (Shared/Domains/SlashingDomain).
await ServiceMain.run(SlashingDomain.self)
