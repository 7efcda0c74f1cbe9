/// Limits on envelope fields (docs/PROTOCOL.md §3). Lengths are in UTF-8 bytes; the fields with
/// a restricted alphabet are ASCII, so there bytes and characters are the same.
public enum EnvelopeLimits {
    /// Command `id`: 1…128 bytes of `[A-Za-z0-9._:-]` (a UUID, ULID or `client:counter` fits).
    /// Reply `id`: 0…128 bytes of anything: the command's id as sent (even an invalid one, so
    /// the client can match the error), or empty when it could not be read.
    public static let idLengthMax = 128
    /// Command and event `type`: 1…128 bytes, `[a-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*`.
    public static let typeLengthMax = 128
    /// Command `actor`: 1…128 bytes of any characters; the owning service checks who it is.
    public static let actorLengthMax = 128
    /// Event `source`: 1…32 bytes of `[a-z]`, the name of the publishing service.
    public static let sourceLengthMax = 32
    /// Reply `error.code`: 1…64 bytes of `[a-z][a-z0-9_]*` (snake_case).
    public static let errorCodeLengthMax = 64
}
