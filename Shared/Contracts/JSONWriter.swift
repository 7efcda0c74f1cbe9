/// Writes compact JSON into a byte array: no whitespace, object keys sorted by their UTF-8
/// bytes (the same as Unicode code point order), strings escaped minimally (`\"`, `\\`, and
/// every control character below U+0020 as `\u00xx`), everything else as raw UTF-8.
struct JSONWriter {
    var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: JSON) {
        switch value {
        case .null: writeASCII("null")
        case .bool(let flag): writeASCII(flag ? "true" : "false")
        case .number(let text): writeNumber(text)
        case .string(let string): writeString(string)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            writeObject(object)
        }
    }

    mutating func writeObject(_ object: [String: JSON]) {
        bytes.append(UInt8(ascii: "{"))
        switch object.count {
        case 0:
            break
        case 1:
            let (key, value) = object.first.unsafelyUnwrapped
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
            write(value)
        default:
            let entries = object.sorted { utf8Precedes($0.key, $1.key) }
            var first = true
            for (key, value) in entries {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(value)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    @inline(__always)
    mutating func writeASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Writes a number's text. The text must follow the JSON number grammar; anything else is a
    /// programmer error (numbers are built with `JSON.int(_:)` or come from the parser).
    mutating func writeNumber(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            precondition(
                JSONCodec.isValidNumber(utf8),
                "JSON.number(\"\(String(decoding: utf8, as: UTF8.self))\") is not a JSON number")
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func writeUInt64(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes ≥ 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var remaining = value
            var position = buffer.count
            while remaining > 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position...]))
        }
    }

    mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in writeStringBytes(utf8) }
    }

    mutating func writeStringBytes(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        var position = 0
        let count = utf8.count
        while position < count {
            let c = utf8[position]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            if position > runStart {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
            }
            switch c {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            default:
                let hex: StaticString = "0123456789abcdef"
                let digits = hex.utf8Start
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    digits[Int(c >> 4)], digits[Int(c & 0xF)],
                ])
            }
            position += 1
            runStart = position
        }
        if position > runStart {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Orders strings by their UTF-8 bytes, which is Unicode code point order.
@inline(__always)
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    if let result = a.utf8.withContiguousStorageIfAvailable({ a in
        b.utf8.withContiguousStorageIfAvailable { b in a.lexicographicallyPrecedes(b) }
    }), let result {
        return result
    }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
}
