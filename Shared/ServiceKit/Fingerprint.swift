import Contracts

/// A stable 128-bit digest of a command's meaning (type, actor, body), stored with its reply so
/// that a retry is recognised and an id reused for a different command is refused. FNV-1a twice
/// with different offsets: stable across processes and releases, unlike `Hasher`.
public enum Fingerprint {
    public static func of(_ command: CommandEnvelope) -> [UInt8] {
        var bytes = Array(command.type.utf8)
        bytes.append(0)
        bytes.append(contentsOf: command.actor.utf8)
        bytes.append(0)
        bytes.append(contentsOf: JSONCodec.serialize(command.body))
        return digest(bytes)
    }

    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let (first, second) = hashPair(bytes)
        return withUnsafeBytes(of: first.bigEndian, Array.init) + withUnsafeBytes(of: second.bigEndian, Array.init)
    }

    /// The two 64-bit FNV-1a hashes behind both fingerprints and `CommandIDFilter`. The values
    /// are stored in journals (as fingerprints): never change the constants.
    static func hashPair(_ bytes: some Sequence<UInt8>) -> (UInt64, UInt64) {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x6c62_272e_07bb_0142
        for byte in bytes {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second ^ UInt64(byte ^ 0x5a)) &* 0x0000_0100_0000_01b3
        }
        return (first, second)
    }
}
