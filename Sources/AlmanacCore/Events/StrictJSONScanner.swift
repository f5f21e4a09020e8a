import Foundation

// MARK: - Strict JSON

/// One pass over a message's bytes before `JSONDecoder` reads them, so that what Foundation accepts
/// silently (a trailing comma, a repeated key, a byte order mark, UTF-16) or reports vaguely (a
/// truncated character, deep nesting) is rejected with the byte offset and the path.
///
/// Accepts exactly RFC 8259 JSON in UTF-8 (RFC 3629: no overlong forms, no surrogates), without a
/// byte order mark, nested at most ``maximumDepth`` deep, with unique keys per object (RFC 7493 §2.3),
/// and `\u` escapes that pair surrogates.
struct StrictJSONScanner {
    /// Deepest nesting of arrays and objects accepted. Almanac's own events nest 5 deep; job params
    /// are user data and get the rest.
    static let maximumDepth = 64

    enum Kind: String { case object, array, string, number, boolean, null }

    struct Result {
        var root: Kind
        /// Numbers that may not fit an `Int32` field (fractional, exponent, or ten digits and more),
        /// with their paths, first 16 only.
        var numbersOutsideInt32: [(path: String, text: String)]
    }

    private enum PathComponent { case key(String), index(Int) }

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    private var path: [PathComponent] = []
    private var numbers: [(path: String, text: String)] = []

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// - Throws: `not_json` naming the byte offset; `schema_violation` for a repeated key.
    static func scan(_ bytes: [UInt8]) throws(EventDecodingError) -> Result {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw notJSON("the message starts with a UTF-8 byte order mark; CloudEvents JSON is UTF-8 without one")
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.prefix(4).contains(0) {
            throw notJSON("the message looks like UTF-16 or UTF-32; CloudEvents JSON must be UTF-8")
        }
        if let (offset, problem) = firstInvalidUTF8(bytes) {
            switch problem {
            case .truncated:
                throw notJSON("not valid UTF-8: the message ends inside a multi-byte character at byte \(offset) (truncated?)")
            case .badStart:
                throw notJSON("not valid UTF-8 at byte \(offset) (byte 0x\(hex(bytes[offset])) cannot start a character)")
            case .badContinuation:
                throw notJSON("not valid UTF-8 at byte \(offset) (byte 0x\(hex(bytes[offset])) starts a character the next bytes do not complete)")
            }
        }
        var scanner = StrictJSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.i < bytes.count else { throw notJSON(bytes.isEmpty ? "the message is empty" : "the message is only whitespace") }
        let root = try scanner.value()
        scanner.skipWhitespace()
        if scanner.i < bytes.count {
            throw notJSON("unexpected \(scanner.current) at byte \(scanner.i) after the end of the JSON value")
        }
        return Result(root: root, numbersOutsideInt32: scanner.numbers)
    }

    private static func notJSON(_ detail: String) -> EventDecodingError {
        EventDecodingError(.notJSON, "not valid JSON: \(detail)")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
    }

    enum UTF8Problem { case badStart, badContinuation, truncated }

    /// Offset of the first character that breaks UTF-8 (RFC 3629; Unicode Table 3-7) and how.
    static func firstInvalidUTF8(_ b: [UInt8]) -> (Int, UTF8Problem)? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return (i, .badStart)
            }
            for k in 1..<length {
                guard i + k < b.count else { return (i, .truncated) }
                let ok = k == 1 ? (low...high).contains(b[i + k]) : (0x80...0xBF).contains(b[i + k])
                guard ok else { return (i, .badContinuation) }
            }
            i += length
        }
        return nil
    }

    private var current: String {
        guard i < bytes.count else { return "end of message" }
        let c = bytes[i]
        if c == UInt8(ascii: "'") { return "a single quote" }
        return c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(Self.hex(c))"
    }

    /// `data.config.jobs[0]`; deep paths keep their first four and last two steps.
    private var pathText: String {
        var text = ""
        let shown = path.count > 8 ? Array(path.prefix(4)) + [.key("…")] + Array(path.suffix(2)) : path
        for component in shown {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "(root)" : text
    }

    private func expected(_ what: String) -> EventDecodingError {
        let truncated = i >= bytes.count ? " (the message is truncated?)" : ""
        return Self.notJSON("expected \(what) at byte \(i) in \(pathText), found \(current)\(truncated)")
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws(EventDecodingError) -> Kind {
        guard i < bytes.count else { throw expected("a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"): try object(); return .object
        case UInt8(ascii: "["): try array(); return .array
        case UInt8(ascii: "\""): _ = try string(keep: false); return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(); return .number
        case UInt8(ascii: "t"): try literal("true"); return .boolean
        case UInt8(ascii: "f"): try literal("false"); return .boolean
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            throw expected("a value (NaN, Infinity and unquoted words are not JSON)")
        default: throw expected("a value")
        }
    }

    private mutating func enter() throws(EventDecodingError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw Self.notJSON("nested deeper than \(Self.maximumDepth) arrays and objects at byte \(i) in \(pathText)")
        }
        i += 1
        skipWhitespace()
    }

    private mutating func object() throws(EventDecodingError) {
        try enter()
        var keys = Set<String>()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return }
        while true {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw expected(bytes.get(i) == UInt8(ascii: "}") ? "a quoted key (a trailing comma?)" : "a quoted key")
            }
            let key = try string(keep: true)
            if !keys.insert(key).inserted {
                let at = path.isEmpty ? "" : "\(pathText): "
                throw EventDecodingError(.schemaViolation, "\(at)duplicate key \"\(key)\" (a JSON object must not repeat a name: RFC 7493 §2.3; readers disagree on which one wins)")
            }
            skipWhitespace()
            guard bytes.get(i) == UInt8(ascii: ":") else { throw expected("':' after the key \"\(key)\"") }
            i += 1
            skipWhitespace()
            path.append(.key(key))
            _ = try value()
            path.removeLast()
            skipWhitespace()
            switch bytes.get(i) {
            case UInt8(ascii: ","): i += 1; skipWhitespace()
            case UInt8(ascii: "}"): i += 1; depth -= 1; return
            default: throw expected("',' or '}'")
            }
        }
    }

    private mutating func array() throws(EventDecodingError) {
        try enter()
        if bytes.get(i) == UInt8(ascii: "]") { i += 1; depth -= 1; return }
        var index = 0
        while true {
            if bytes.get(i) == UInt8(ascii: "]") { throw expected("a value (a trailing comma?)") }
            path.append(.index(index))
            _ = try value()
            path.removeLast()
            index += 1
            skipWhitespace()
            switch bytes.get(i) {
            case UInt8(ascii: ","): i += 1; skipWhitespace()
            case UInt8(ascii: "]"): i += 1; depth -= 1; return
            default: throw expected("',' or ']'")
            }
        }
    }

    /// Reads a string at `i` (the opening quote); returns its value when `keep` (keys).
    private mutating func string(keep: Bool) throws(EventDecodingError) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw Self.notJSON("unterminated string starting at byte \(start) in \(pathText) (the message is truncated?)") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 {
                throw Self.notJSON("control character 0x\(Self.hex(c)) inside a string at byte \(i) in \(pathText) (write it as an escape such as \\n)")
            }
            guard c == UInt8(ascii: "\\") else {
                if keep { out.append(c) }
                i += 1
                continue
            }
            let escape = bytes.get(i + 1)
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                out.append(escape!); i += 2
            case UInt8(ascii: "b"): out.append(0x08); i += 2
            case UInt8(ascii: "f"): out.append(0x0C); i += 2
            case UInt8(ascii: "n"): out.append(0x0A); i += 2
            case UInt8(ascii: "r"): out.append(0x0D); i += 2
            case UInt8(ascii: "t"): out.append(0x09); i += 2
            case UInt8(ascii: "u"):
                let scalar = try unicodeEscape()
                if keep { out += Array(String(Character(scalar)).utf8) }
            default:
                throw Self.notJSON("invalid escape at byte \(i) in \(pathText) (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
            }
        }
        return keep ? String(decoding: out, as: UTF8.self) : ""
    }

    /// Reads `\uXXXX` (and its low surrogate, if it is a high one) at `i`.
    private mutating func unicodeEscape() throws(EventDecodingError) -> Unicode.Scalar {
        func hex4(at offset: Int) -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for b in bytes[offset..<(offset + 4)] {
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v * 16 + UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v * 16 + UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v * 16 + UInt32(b - UInt8(ascii: "A") + 10)
                default: return nil
                }
            }
            return v
        }
        let start = i
        guard let unit = hex4(at: i + 2) else { throw Self.notJSON("invalid \\u escape at byte \(start) in \(pathText) (needs four hex digits)") }
        i += 6
        switch unit {
        case 0xD800...0xDBFF:
            guard bytes.get(i) == UInt8(ascii: "\\"), bytes.get(i + 1) == UInt8(ascii: "u"), let low = hex4(at: i + 2), (0xDC00...0xDFFF).contains(low) else {
                throw Self.notJSON("unpaired surrogate \\u\(String(unit, radix: 16, uppercase: true)) at byte \(start) in \(pathText)")
            }
            i += 6
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw Self.notJSON("unpaired surrogate \\u\(String(unit, radix: 16, uppercase: true)) at byte \(start) in \(pathText)")
        default:
            return Unicode.Scalar(unit)!
        }
    }

    private mutating func number() throws(EventDecodingError) {
        let start = i
        func digits() -> Int {
            let from = i
            while let b = bytes.get(i), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { i += 1 }
            return i - from
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let integerStart = i
        let integerDigits = digits()
        guard integerDigits > 0 else { throw expected("a digit") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw Self.notJSON("number with a leading zero at byte \(start) in \(pathText)")
        }
        var whole = integerDigits < 10
        if bytes.get(i) == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw expected("a digit after '.'") }
            whole = false
        }
        if bytes.get(i) == UInt8(ascii: "e") || bytes.get(i) == UInt8(ascii: "E") {
            i += 1
            if bytes.get(i) == UInt8(ascii: "+") || bytes.get(i) == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw expected("a digit in the exponent") }
            whole = false
        }
        if !whole, numbers.count < 16 {
            numbers.append((pathText, String(decoding: bytes[start..<i], as: UTF8.self)))
        }
    }

    private mutating func literal(_ word: String) throws(EventDecodingError) {
        let expectedBytes = Array(word.utf8)
        guard i + expectedBytes.count <= bytes.count, bytes[i..<(i + expectedBytes.count)].elementsEqual(expectedBytes) else {
            throw Self.notJSON("invalid literal at byte \(i) in \(pathText) (JSON allows true, false, null; not NaN or Infinity)")
        }
        i += expectedBytes.count
    }
}

private extension Array where Element == UInt8 {
    func get(_ index: Int) -> UInt8? { index < count ? self[index] : nil }
}
