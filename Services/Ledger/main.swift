import Domains
import ServiceKit

/// stakeline-ledger: every balance, and the simulated chain's validators (Shared/Domains/LedgerDomain).
await ServiceMain.run(LedgerDomain.self)
