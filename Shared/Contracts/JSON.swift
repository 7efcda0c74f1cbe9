/// A parsed JSON value.
///
/// Numbers keep their source text (`.number("42")`) so that nothing is lost to `Double`;
/// amounts never travel as numbers anyway (they are decimal strings, DESIGN.md §4).
/// Objects keep their keys in a dictionary; the writer emits them sorted so bytes are
/// deterministic (journal, golden tests, idempotency fingerprints).
///
/// Equality is structural: numbers compare by their text (`.number("1.0") != .number("1")`),
/// strings and keys by Swift `String` equality (Unicode canonical equivalence). Build numbers
/// with `JSON.int(_:)`; a `.number` whose text is not a JSON number traps when serialized.
/// Values nested deeper than `JSONCodec.nestingDepthMax` serialize, but the parser rejects them.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])
}
