import Contracts
import Foundation
import Testing

/// Every code declared in ErrorCode.swift is distinct, snake_case and documented in
/// docs/PROTOCOL.md's error table. Read from the sources so a new code cannot be forgotten.
@Suite struct ErrorCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func declaredCodes() throws -> [String] {
        let source = try String(contentsOf: root.appendingPathComponent("Shared/Contracts/ErrorCode.swift"), encoding: .utf8)
        return source.components(separatedBy: "\n").compactMap { line in
            guard let range = line.range(of: #"ErrorCode(rawValue: ""#) else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test func codesAreDistinctAndSnakeCase() throws {
        let codes = try Self.declaredCodes()
        #expect(codes.count >= 17)
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil, "\(code)")
        }
        #expect(ErrorCode.malformedJSON.rawValue == "malformed_json")
        #expect(ErrorCode.internalError.rawValue == "internal")
    }

    @Test func everyCodeIsInTheProtocolErrorTable() throws {
        let protocolText = try String(contentsOf: Self.root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        for code in try Self.declaredCodes() {
            #expect(protocolText.contains("| `\(code)` |"), "docs/PROTOCOL.md does not document \(code)")
        }
    }

    @Test func documentedLimitsMatchTheCode() throws {
        let protocolText = try String(contentsOf: Self.root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        #expect(JSONCodec.messageBytesMax == 1_048_576 && protocolText.contains("1 048 576 bytes"))
        #expect(protocolText.contains("at most **\(JSONCodec.nestingDepthMax)** levels"))
        #expect(protocolText.contains("1–\(EnvelopeLimits.idLengthMax) characters of `[A-Za-z0-9._:-]`"))
        #expect(protocolText.contains("1–\(EnvelopeLimits.sourceLengthMax) lowercase letters"))
        #expect(protocolText.contains("1–\(EnvelopeLimits.errorCodeLengthMax) characters of snake_case"))
        #expect(schemaVersion == 1 && protocolText.contains(#""v":1"#))
    }
}
