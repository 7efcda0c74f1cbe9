import Contracts

/// The error code `body` throws, or nil if it returns.
func errorCode<T>(_ body: () throws -> T) -> ErrorCode? {
    do {
        _ = try body()
        return nil
    } catch let error as ContractError {
        return error.code
    } catch {
        return ErrorCode(rawValue: "not a ContractError: \(error)")
    }
}

/// The error `body` throws, or nil if it returns.
func contractError<T>(_ body: () throws -> T) -> ContractError? {
    do {
        _ = try body()
        return nil
    } catch let error as ContractError {
        return error
    } catch {
        return ContractError(ErrorCode(rawValue: "not a ContractError"), "\(error)")
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

func parse(_ text: String) throws -> JSON { try JSONCodec.parse(text.bytes) }

func serialized(_ value: JSON) -> String { JSONCodec.serialize(value).text }
