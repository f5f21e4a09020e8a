/// A strict JSON document parsed in one pass into a flat tape of tokens (no tree; on the stack for
/// documents of events' size), for ``EventFastDecoder``: the fast path of ``EventCodec/decode(_:)``.
///
/// It accepts a subset of what ``StrictJSONScanner`` accepts and never more: RFC 8259 JSON whose
/// root is an object, nested at most ``StrictJSONScanner/maximumDepth`` deep, with valid UTF-8,
/// valid escapes (paired surrogates), and unique keys that are plain ASCII without escapes. A
/// document outside that subset (a non-ASCII or escaped key, anything malformed) yields `nil`, and
/// the caller falls back to the reference decoder, which names the problem.
///
/// Tokens, in document order: an object is its token followed by key (a string token) and value
/// pairs; an array is its token followed by its elements; ``Token/next`` is the index of the token
/// after the value's whole subtree, so siblings are walked without reading what is nested.
enum JSONTape {
    enum Kind: UInt8 {
        case object, array, string, integer, number, trueValue, falseValue, null
    }

    struct Token {
        var kind: Kind
        /// A string with at least one backslash escape (its text must be unescaped).
        var escaped: Bool
        /// Strings: the bytes between the quotes; numbers: the number's bytes.
        var start: Int32
        var end: Int32
        /// Index of the first token after this value's subtree.
        var next: Int32
    }

    /// Tokens parsed in a buffer on the stack (2 KiB); an event has about 40-70. A document with
    /// more is parsed again into a buffer on the heap.
    static let stackTokens = 128

    /// Parses `bytes` and returns what `body` makes of their tokens; `nil` when they are not strict
    /// JSON or fall outside the subset above. The tokens are valid only inside `body`.
    static func withTokens<R>(of bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<Token>) -> R?) -> R? {
        guard bytes.count < Int(Int32.max) else { return nil }
        let onStack = withUnsafeTemporaryAllocation(of: Token.self, capacity: stackTokens) { buffer in
            parse(bytes, into: buffer, body)
        }
        switch onStack {
        case .parsed(let result):
            return result
        case .invalid:
            return nil
        case .full:
            // A token takes at least one byte of the document: `bytes.count` tokens always suffice.
            let heap = UnsafeMutableBufferPointer<Token>.allocate(capacity: bytes.count)
            defer { heap.deallocate() }  // `Token` is a trivial type: nothing to deinitialize
            if case .parsed(let result) = parse(bytes, into: heap, body) { return result }
            return nil
        }
    }

    private enum Pass<R> {
        case parsed(R?)
        case invalid
        /// The buffer holds fewer tokens than the document has.
        case full
    }

    private static func parse<R>(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<Token>,
                                 _ body: (UnsafeBufferPointer<Token>) -> R?) -> Pass<R> {
        var parser = Parser(bytes: bytes, tokens: TokenStore(base: buffer.baseAddress!, capacity: buffer.count))
        parser.skipWhitespace()
        guard parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: "{"), parser.value() else {
            return parser.tokens.full ? .full : .invalid
        }
        parser.skipWhitespace()
        guard parser.i == bytes.count else { return .invalid }
        if parser.sawNonASCII, StrictJSONScanner.firstInvalidUTF8(Array(bytes)) != nil { return .invalid }
        return .parsed(body(UnsafeBufferPointer(start: buffer.baseAddress, count: parser.tokens.count)))
    }

    /// Appends tokens to a buffer it does not own, up to its capacity.
    private struct TokenStore {
        let base: UnsafeMutablePointer<Token>
        let capacity: Int
        private(set) var count = 0
        /// An append found the buffer full.
        private(set) var full = false

        init(base: UnsafeMutablePointer<Token>, capacity: Int) {
            self.base = base
            self.capacity = capacity
        }

        /// Appends `token`; false (and ``full``) when there is no room.
        @inline(__always) mutating func append(_ token: Token) -> Bool {
            guard count < capacity else {
                full = true
                return false
            }
            (base + count).initialize(to: token)
            count += 1
            return true
        }

        @inline(__always) subscript(index: Int) -> Token {
            get { base[index] }
            nonmutating set { base[index] = newValue }
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var depth = 0
        var tokens: TokenStore
        var sawNonASCII = false

        init(bytes: UnsafeBufferPointer<UInt8>, tokens: TokenStore) {
            self.bytes = bytes
            self.tokens = tokens
        }

        @inline(__always) mutating func skipWhitespace() {
            while i < bytes.count {
                let c = bytes[i]
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                i += 1
            }
        }

        mutating func value() -> Bool {
            guard i < bytes.count else { return false }
            switch bytes[i] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string(key: false)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            case UInt8(ascii: "t"): return literal("true", .trueValue)
            case UInt8(ascii: "f"): return literal("false", .falseValue)
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return false
            }
        }

        private mutating func open(_ kind: Kind) -> Int? {
            depth += 1
            guard depth <= StrictJSONScanner.maximumDepth else { return nil }
            guard tokens.append(Token(kind: kind, escaped: false, start: Int32(i), end: Int32(i), next: 0)) else { return nil }
            i += 1
            skipWhitespace()
            return tokens.count - 1
        }

        private mutating func close(_ index: Int) {
            i += 1
            depth -= 1
            tokens[index].end = Int32(i)
            tokens[index].next = Int32(tokens.count)
        }

        private mutating func object() -> Bool {
            guard let index = open(.object) else { return false }
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { close(index); return true }
            var count = 0
            while true {
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), string(key: true) else { return false }
                count += 1
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                i += 1
                skipWhitespace()
                guard value() else { return false }
                skipWhitespace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    skipWhitespace()
                } else if bytes[i] == UInt8(ascii: "}") {
                    close(index)
                    return uniqueKeys(object: index, count: count)
                } else {
                    return false
                }
            }
        }

        /// Whether the `count` keys of the closed object token `object` differ. Its keys are
        /// walked in place (a key's value token links to the next key), and are unescaped ASCII
        /// here, so comparing bytes is comparing strings.
        private func uniqueKeys(object: Int, count: Int) -> Bool {
            if count < 2 { return true }
            let end = Int(tokens[object].next)
            // Keys in strictly ascending byte order (as Almanac's encoders sort them) are unique:
            // one comparison per key.
            var previous = object + 1
            var k = Int(tokens[previous + 1].next)
            while k < end, precedes(tokens[previous], tokens[k]) {
                previous = k
                k = Int(tokens[k + 1].next)
            }
            if k >= end { return true }
            if count <= 24 {
                var a = object + 1
                while a < end {
                    let ka = tokens[a]
                    var b = Int(tokens[a + 1].next)
                    while b < end {
                        if sameBytes(ka, tokens[b]) { return false }
                        b = Int(tokens[b + 1].next)
                    }
                    a = Int(tokens[a + 1].next)
                }
                return true
            }
            var seen = Set<String>(minimumCapacity: count)
            k = object + 1
            while k < end {
                let t = tokens[k]
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.end)]), as: UTF8.self)
                if !seen.insert(text).inserted { return false }
                k = Int(tokens[k + 1].next)
            }
            return true
        }

        /// Whether string token `a`'s bytes sort strictly before `b`'s (a proper prefix first).
        @inline(__always) private func precedes(_ a: Token, _ b: Token) -> Bool {
            let la = Int(a.end - a.start), lb = Int(b.end - b.start)
            var k = 0
            while k < la, k < lb {
                let x = bytes[Int(a.start) + k], y = bytes[Int(b.start) + k]
                if x != y { return x < y }
                k += 1
            }
            return la < lb
        }

        @inline(__always) private func sameBytes(_ a: Token, _ b: Token) -> Bool { JSONTape.sameBytes(a, b, in: bytes) }

        private mutating func array() -> Bool {
            guard let index = open(.array) else { return false }
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { close(index); return true }
            while true {
                guard value() else { return false }
                skipWhitespace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    skipWhitespace()
                } else if bytes[i] == UInt8(ascii: "]") {
                    close(index)
                    return true
                } else {
                    return false
                }
            }
        }

        /// A string at `i` (the opening quote). Keys must be ASCII without escapes.
        private mutating func string(key: Bool) -> Bool {
            i += 1
            let start = i
            var escaped = false
            var nonASCII = false
            while true {
                skipPlainBytes()
                guard i < bytes.count else { return false }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 { return false }
                if c >= 0x80 { nonASCII = true; i += 1; continue }
                if c != UInt8(ascii: "\\") { i += 1; continue }
                escaped = true
                guard i + 1 < bytes.count else { return false }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard let unit = hex4(at: i + 2) else { return false }
                    i += 6
                    switch unit {
                    case 0xD800...0xDBFF:
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                              let low = hex4(at: i + 2), (0xDC00...0xDFFF).contains(low) else { return false }
                        i += 6
                    case 0xDC00...0xDFFF:
                        return false
                    default:
                        break
                    }
                default:
                    return false
                }
            }
            if nonASCII { sawNonASCII = true }
            if key, escaped || nonASCII { return false }
            guard tokens.append(Token(kind: .string, escaped: escaped, start: Int32(start), end: Int32(i), next: Int32(tokens.count + 1))) else { return false }
            i += 1
            return true
        }

        /// Advances `i` over plain string bytes (ASCII, not a control, quote or backslash), 8 at a
        /// time (SWAR, "Bit Twiddling Hacks": a zero byte of `x` shows as a high bit of
        /// `(x - 0x01…01) & ~x & 0x80…80`), up to the first byte that is not plain; the byte loop
        /// decides that byte and the last few of the buffer. Most of an event's bytes are such string text.
        @inline(__always) private mutating func skipPlainBytes() {
            guard let base = bytes.baseAddress else { return }
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let hasQuote = (quote &- ones) & ~quote & highs
                let hasBackslash = (backslash &- ones) & ~backslash & highs
                // A byte below 0x20, or one with its high bit set (non-ASCII): left to the byte loop.
                let hasControl = (word &- ones &* 0x20) & ~word & highs
                let special = hasQuote | hasBackslash | hasControl | (word & highs)
                guard special == 0 else {
                    // A borrow can flag bytes after the first special one, never before it: the
                    // lowest flag is the first special byte, and the bytes before it are plain.
                    i += special.trailingZeroBitCount >> 3
                    return
                }
                i += 8
            }
        }

        func hex4(at offset: Int) -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for k in offset..<(offset + 4) {
                guard let digit = JSONTape.hexDigit(bytes[k]) else { return nil }
                v = v &* 16 &+ digit
            }
            return v
        }

        private mutating func number() -> Bool {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            let integerStart = i
            let integerDigits = digits()
            guard integerDigits > 0 else { return false }
            if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { return false }
            var kind = Kind.integer
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { return false }
                kind = .number
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { return false }
                kind = .number
            }
            return tokens.append(Token(kind: kind, escaped: false, start: Int32(start), end: Int32(i), next: Int32(tokens.count + 1)))
        }

        @inline(__always) private mutating func digits() -> Int {
            let from = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - from
        }

        private mutating func literal(_ word: StaticString, _ kind: Kind) -> Bool {
            let count = word.utf8CodeUnitCount
            guard i + count <= bytes.count else { return false }
            for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
            guard tokens.append(Token(kind: kind, escaped: false, start: Int32(i), end: Int32(i + count), next: Int32(tokens.count + 1))) else { return false }
            i += count
            return true
        }
    }

    /// Whether tokens `a` and `b` span the same bytes of `bytes` (for strings without escapes,
    /// the same text).
    @inline(__always) static func sameBytes(_ a: Token, _ b: Token, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = a.end - a.start
        guard length == b.end - b.start else { return false }
        var k: Int32 = 0
        while k < length {
            if bytes[Int(a.start + k)] != bytes[Int(b.start + k)] { return false }
            k += 1
        }
        return true
    }

    @inline(__always) static func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
