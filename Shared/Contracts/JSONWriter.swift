/// Writes compact JSON into a growable byte buffer: no whitespace, object keys sorted by their
/// UTF-8 bytes (the same as Unicode code point order), strings escaped minimally (`\"`, `\\`,
/// and every control character below U+0020 as `\u00xx`), everything else as raw UTF-8.
///
/// The buffer is raw memory written through a pointer (no per-byte `Array.append` checks) and
/// is copied once into the resulting `[UInt8]`.
struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        self.base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    consuming func finish() -> [UInt8] {
        let count = self.count
        let base = self.base
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress.unsafelyUnwrapped.update(from: base, count: count) }
            initialized = count
        }
    }

    // MARK: Raw output

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    mutating func grow(_ minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func writeASCII(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    // MARK: Values

    mutating func write(_ value: JSON) {
        switch value {
        case .null: writeASCII("null")
        case .bool(let flag): if flag { writeASCII("true") } else { writeASCII("false") }
        case .number(let text): writeNumber(text)
        case .string(let string): writeString(string)
        case .array(let elements):
            append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            append(UInt8(ascii: "]"))
        case .object(let object):
            writeObject(object)
        }
    }

    mutating func writeObject(_ object: [String: JSON]) {
        append(UInt8(ascii: "{"))
        let entryCount = object.count
        if entryCount == 1 {
            let (key, value) = object.first.unsafelyUnwrapped
            writeString(key)
            append(UInt8(ascii: ":"))
            write(value)
        } else if entryCount > 1 {
            // Sort positions, not entries: each carries the key's first 8 UTF-8 bytes as a
            // big-endian integer, so most comparisons are one integer compare; ties fall back
            // to comparing the whole keys.
            withUnsafeTemporaryAllocation(of: SortEntry.self, capacity: entryCount) { buffer in
                var entries = buffer
                var position = 0
                var index = object.startIndex
                while index != object.endIndex {
                    entries.initializeElement(at: position, to: SortEntry(prefix: keyPrefix(object[index].key), index: index))
                    position += 1
                    object.formIndex(after: &index)
                }
                entries.sort { a, b in
                    if a.prefix != b.prefix { return a.prefix < b.prefix }
                    return utf8Precedes(object[a.index].key, object[b.index].key)
                }
                for position in 0..<entryCount {
                    if position > 0 { append(UInt8(ascii: ",")) }
                    let (key, value) = object[entries[position].index]
                    writeString(key)
                    append(UInt8(ascii: ":"))
                    write(value)
                }
                _ = entries.deinitialize()
            }
        }
        append(UInt8(ascii: "}"))
    }

    /// Writes a number's text. The text must follow the JSON number grammar; anything else is a
    /// programmer error (numbers are built with `JSON.int(_:)` or come from the parser).
    mutating func writeNumber(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            precondition(
                JSONCodec.isValidNumber(utf8),
                "JSON.number(\"\(String(decoding: utf8, as: UTF8.self))\") is not a JSON number")
            append(utf8)
        }
    }

    mutating func writeUInt64(_ value: UInt64) {
        if value < 10 {
            append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digitCount = 0
        var remaining = value
        while remaining > 0 {
            digitCount += 1
            remaining /= 10
        }
        reserve(digitCount)
        remaining = value
        var position = count + digitCount
        while remaining > 0 {
            position -= 1
            base[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        count += digitCount
    }

    mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in writeStringBytes(utf8) }
    }

    mutating func writeStringBytes(_ utf8: UnsafeBufferPointer<UInt8>) {
        let length = utf8.count
        reserve(length + 2)
        base[count] = UInt8(ascii: "\"")
        count += 1
        guard let source = utf8.baseAddress else {
            append(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        var position = 0
        while true {
            var found = false
            while position + 8 <= length {
                let escapes = SWAR.escapeBytes(SWAR.load(source + position))
                if escapes != 0 {
                    position += SWAR.firstByte(escapes)
                    found = true
                    break
                }
                position += 8
            }
            if !found {
                while position < length {
                    let c = source[position]
                    if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { break }
                    position += 1
                }
            }
            if position > runStart {
                append(UnsafeBufferPointer(start: source + runStart, count: position - runStart))
            }
            if position == length { break }
            writeEscape(source[position])
            position += 1
            runStart = position
        }
        append(UInt8(ascii: "\""))
    }

    mutating func writeEscape(_ c: UInt8) {
        reserve(6)
        switch c {
        case UInt8(ascii: "\""):
            base[count] = UInt8(ascii: "\\")
            base[count + 1] = UInt8(ascii: "\"")
            count += 2
        case UInt8(ascii: "\\"):
            base[count] = UInt8(ascii: "\\")
            base[count + 1] = UInt8(ascii: "\\")
            count += 2
        default:
            let hex: StaticString = "0123456789abcdef"
            base[count] = UInt8(ascii: "\\")
            base[count + 1] = UInt8(ascii: "u")
            base[count + 2] = UInt8(ascii: "0")
            base[count + 3] = UInt8(ascii: "0")
            base[count + 4] = hex.utf8Start[Int(c >> 4)]
            base[count + 5] = hex.utf8Start[Int(c & 0xF)]
            count += 6
        }
    }
}

private struct SortEntry {
    var prefix: UInt64
    var index: Dictionary<String, JSON>.Index
}

/// The first 8 UTF-8 bytes of `key`, big-endian, zero-padded: comparing prefixes orders keys as
/// comparing their bytes does, except that equal prefixes need a full comparison.
@inline(__always)
private func keyPrefix(_ key: String) -> UInt64 {
    var key = key
    return key.withUTF8 { utf8 in
        guard let start = utf8.baseAddress else { return 0 }
        if utf8.count >= 8 { return SWAR.load(start).byteSwapped }  // first byte most significant
        var prefix: UInt64 = 0
        for position in 0..<utf8.count { prefix |= UInt64(start[position]) << (56 - 8 * position) }
        return prefix
    }
}

/// Orders strings by their UTF-8 bytes, which is Unicode code point order.
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { a in b.withUTF8 { b in a.lexicographicallyPrecedes(b) } }
}
