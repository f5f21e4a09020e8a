import Foundation

/// The fast path gave up: the message is outside what it handles (or is invalid), so the
/// reference decoder decides, and names the problem.
struct FastPathUnsupported: Error {}

/// Typed field access over a ``JSONTape`` with the semantics of the synthesized `Decodable`
/// conformances read by `JSONDecoder` (a missing or `null` optional is `nil`, unknown keys are
/// ignored), restricted to the unambiguous cases: a value of another JSON type, a number that is
/// not a plain integer in range, or a malformed time throws ``FastPathUnsupported``.
///
/// A reader borrows its bytes, tokens and member hints: it is valid only inside
/// ``withReader(_:_:_:)``, which lends them.
struct JSONTapeReader {
    typealias Failure = FastPathUnsupported

    let bytes: UnsafeBufferPointer<UInt8>
    let tokens: UnsafeBufferPointer<JSONTape.Token>
    /// Where ``member(_:_:)`` starts looking in recently read objects (see ``MemberHint``).
    private let hints: UnsafeMutablePointer<MemberHint>

    /// For an object recently read: the key token after the member found last. Decoders ask for
    /// fields in the order encoders write them, so the next lookup mostly matches at once instead
    /// of scanning the object's keys from the first. Slots are chosen by object token index
    /// (direct-mapped, ``hintSlots`` of them); a slot naming another object is ignored.
    struct MemberHint {
        var object: Int32
        var key: Int32
    }

    static let hintSlots = 8

    /// Runs `body` with a reader over `bytes` and their `tokens` (``JSONTape/withTokens(of:_:)``).
    static func withReader<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ tokens: UnsafeBufferPointer<JSONTape.Token>,
                              _ body: (JSONTapeReader) throws(Failure) -> R) throws(Failure) -> R {
        try withUnsafeTemporaryAllocation(of: MemberHint.self, capacity: hintSlots) { (hints) throws(Failure) -> R in
            let base = hints.baseAddress!
            base.initialize(repeating: MemberHint(object: -1, key: 0), count: hintSlots)
            return try body(JSONTapeReader(bytes: bytes, tokens: tokens, hints: base))
        }
    }

    @inline(__always) func token(_ index: Int) -> JSONTape.Token { tokens[index] }

    /// Whether string token `index` is exactly `text` (bytes; no unescaping).
    @inline(__always) func equals(_ index: Int, _ text: StaticString) -> Bool {
        let t = tokens[index]
        guard t.kind == .string, !t.escaped else { return false }
        return bytesEqual(Int(t.start), Int(t.end), text)
    }

    @inline(__always) func bytesEqual(_ start: Int, _ end: Int, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard end - start == count else { return false }
        let p = text.utf8Start
        for k in 0..<count where bytes[start + k] != p[k] { return false }
        return true
    }

    /// Whether tokens `a` and `b` are strings without escapes with the same bytes (so the same text).
    func sameUnescapedString(_ a: Int, _ b: Int) -> Bool {
        let x = tokens[a], y = tokens[b]
        guard x.kind == .string, y.kind == .string, !x.escaped, !y.escaped else { return false }
        return JSONTape.sameBytes(x, y, in: bytes)
    }

    /// The value of key `name` in object token `object`, if present: its keys are searched from
    /// the object's hint to the end, then from the first up to the hint (keys are unique, so
    /// where the search starts changes only its cost).
    func member(_ object: Int, _ name: StaticString) -> Int? {
        let end = Int(tokens[object].next)
        let first = object + 1
        let hint = hints + (object & (Self.hintSlots - 1))
        let from = hint.pointee.object == Int32(truncatingIfNeeded: object) ? Int(hint.pointee.key) : first
        var k = from
        while k < end {
            if let value = matches(k, name, hint: hint, object: object) { return value }
            k = Int(tokens[k + 1].next)
        }
        k = first
        while k < from {
            if let value = matches(k, name, hint: hint, object: object) { return value }
            k = Int(tokens[k + 1].next)
        }
        return nil
    }

    /// The value of key token `k` when the key is `name` (and the hint moved past it).
    @inline(__always) private func matches(_ k: Int, _ name: StaticString, hint: UnsafeMutablePointer<MemberHint>, object: Int) -> Int? {
        let key = tokens[k]
        guard bytesEqual(Int(key.start), Int(key.end), name) else { return nil }
        hint.pointee = MemberHint(object: Int32(truncatingIfNeeded: object), key: tokens[k + 1].next)
        return k + 1
    }

    /// A member that is present and not `null`.
    @inline(__always) func present(_ object: Int, _ name: StaticString) -> Int? {
        guard let value = member(object, name), tokens[value].kind != .null else { return nil }
        return value
    }

    func required(_ object: Int, _ name: StaticString) throws(Failure) -> Int {
        guard let value = member(object, name) else { throw Failure() }
        return value
    }

    // MARK: Values

    func object(_ index: Int) throws(Failure) -> Int {
        guard tokens[index].kind == .object else { throw Failure() }
        return index
    }

    func string(at index: Int) throws(Failure) -> String {
        let t = tokens[index]
        guard t.kind == .string else { throw Failure() }
        let start = Int(t.start), end = Int(t.end)
        if !t.escaped { return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }
        return unescaped(start, end)
    }

    /// Text of an escaped string (the escapes were validated by the parse).
    private func unescaped(_ start: Int, _ end: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in at..<(at + 4) { v = v * 16 + (JSONTape.hexDigit(bytes[k]) ?? 0) }
            return v
        }
        while i < end {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(i + 2) - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: out.append(e)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A plain integer (no fraction, no exponent, not `-0`) in `Int64`.
    func int64(at index: Int) throws(Failure) -> Int64 {
        let t = tokens[index]
        guard t.kind == .integer else { throw Failure() }
        var i = Int(t.start)
        let end = Int(t.end)
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard end - i <= 19 else { throw Failure() }
        var magnitude: UInt64 = 0
        while i < end {
            magnitude = magnitude * 10 + UInt64(bytes[i] - UInt8(ascii: "0"))
            i += 1
        }
        if negative {
            guard magnitude != 0, magnitude <= UInt64(Int64.max) + 1 else { throw Failure() }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw Failure() }
        return Int64(magnitude)
    }

    func int32(at index: Int) throws(Failure) -> Int32 {
        let value = try int64(at: index)
        guard let narrow = Int32(exactly: value) else { throw Failure() }
        return narrow
    }

    func bool(at index: Int) throws(Failure) -> Bool {
        switch tokens[index].kind {
        case .trueValue: return true
        case .falseValue: return false
        default: throw Failure()
        }
    }

    /// An RFC 3339 instant (``RFC3339/parse(_:)-(UnsafeBufferPointer<UInt8>)``), as `JSONDecoder` reads dates for events.
    func date(at index: Int) throws(Failure) -> Date {
        let t = tokens[index]
        guard t.kind == .string, !t.escaped,
              let date = RFC3339.parse(UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.end)])) else { throw Failure() }
        return date
    }

    func array(_ index: Int) throws(Failure) -> [Int] {
        let t = tokens[index]
        guard t.kind == .array else { throw Failure() }
        var elements: [Int] = []
        var k = index + 1
        while k < Int(t.next) {
            elements.append(k)
            k = Int(tokens[k].next)
        }
        return elements
    }

    /// Any JSON as ``JSONValue`` does (`JSONValue.init(from:)`): integers as `.int`; other numbers throw.
    func jsonValue(at index: Int) throws(Failure) -> JSONValue {
        let t = tokens[index]
        switch t.kind {
        case .null: return .null
        case .trueValue: return .bool(true)
        case .falseValue: return .bool(false)
        case .integer: return .int(try int64(at: index))
        case .number: throw Failure()
        case .string: return .string(try string(at: index))
        case .array:
            var values: [JSONValue] = []
            for element in try array(index) { values.append(try jsonValue(at: element)) }
            return .array(values)
        case .object:
            var values: [String: JSONValue] = [:]
            var k = index + 1
            while k < Int(t.next) {
                values[try string(at: k)] = try jsonValue(at: k + 1)
                k = Int(tokens[k + 1].next)
            }
            return .object(values)
        }
    }

    // MARK: Fields

    func string(_ object: Int, _ name: StaticString) throws(Failure) -> String {
        try string(at: try required(object, name))
    }

    func optionalString(_ object: Int, _ name: StaticString) throws(Failure) -> String? {
        guard let value = present(object, name) else { return nil }
        return try string(at: value)
    }

    func int64(_ object: Int, _ name: StaticString) throws(Failure) -> Int64 { try int64(at: try required(object, name)) }
    func int(_ object: Int, _ name: StaticString) throws(Failure) -> Int { Int(try int64(at: try required(object, name))) }
    func date(_ object: Int, _ name: StaticString) throws(Failure) -> Date { try date(at: try required(object, name)) }

    func optionalDate(_ object: Int, _ name: StaticString) throws(Failure) -> Date? {
        guard let value = present(object, name) else { return nil }
        return try date(at: value)
    }

    func enumValue<T: RawRepresentable>(_ object: Int, _ name: StaticString, _: T.Type) throws(Failure) -> T where T.RawValue == String {
        guard let value = T(rawValue: try string(object, name)) else { throw Failure() }
        return value
    }

    func jobKey(_ object: Int, _ name: StaticString) throws(Failure) -> JobKey {
        let key = try self.object(try required(object, name))
        return JobKey(account: try string(key, "account"), app: try string(key, "app"), job: try string(key, "job"))
    }
}
