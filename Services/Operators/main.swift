import Domains
import ServiceKit

/// stakeline-operators: the liquid pools' node-operator registry (Shared/Domains/OperatorsDomain).
await ServiceMain.run(OperatorsDomain.self)
