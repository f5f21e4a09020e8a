/// The text being parsed, with helpers to slice it and to build errors that point into it.
struct ScheduleSource {
    let text: String
    /// UTF-8 of `text` with ASCII letters upper-cased.
    let bytes: [UInt8]

    init(_ text: String) {
        self.text = text
        self.bytes = text.utf8.map { ($0 >= 0x61 && $0 <= 0x7A) ? $0 - 0x20 : $0 }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Ranges of the runs of non-whitespace (ASCII whitespace separates fields).
    func tokens() -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (index, byte) in bytes.enumerated() {
            if Self.isSpace(byte) {
                if let s = start { result.append(s..<index); start = nil }
            } else if start == nil {
                start = index
            }
        }
        if let s = start { result.append(s..<bytes.count) }
        return result
    }

    /// The original spelling of a byte range.
    func original(_ range: Range<Int>) -> String {
        let scalars = Array(text.utf8)[range]
        let string = String(decoding: scalars, as: UTF8.self)
        return string.count > 40 ? String(string.prefix(40)) + "…" : string
    }

    /// The character starting at byte `index` (a whole scalar, also when it is not ASCII).
    func character(at index: Int) -> String {
        let utf8 = Array(text.utf8)
        var end = index + 1
        while end < utf8.count && utf8[end] & 0xC0 == 0x80 { end += 1 }
        let scalar = String(decoding: utf8[index..<end], as: UTF8.self)
        return ScheduleError.quoted(scalar)
    }

    /// 1-based character column of byte `index` (`bytes.count` means just past the end).
    func column(_ index: Int) -> Int {
        String(decoding: Array(text.utf8)[0..<min(index, bytes.count)], as: UTF8.self).count + 1
    }

    func error(
        field: String?, at index: Int?, _ reason: String, code: ScheduleError.Code = .syntax
    ) -> ScheduleError {
        ScheduleError(expression: text, field: field, column: index.map(column), reason: reason, code: code)
    }

    /// Reads the unsigned decimal number in `range`; nil unless it is all ASCII digits.
    /// Values above a billion saturate (they are out of every range anyway).
    func number(_ range: Range<Int>) -> Int? {
        guard !range.isEmpty else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard Self.isDigit(byte) else { return nil }
            value = min(value * 10 + Int(byte - 0x30), 1_000_000_000)
        }
        return value
    }

    /// Whether the bytes in `range` spell `word` (already upper-case ASCII).
    func equals(_ range: Range<Int>, _ word: String) -> Bool {
        bytes[range].elementsEqual(word.utf8)
    }

    func firstIndex(of ascii: Unicode.Scalar, in range: Range<Int>) -> Int? {
        bytes[range].firstIndex(of: UInt8(ascii: ascii))
    }
}
