import Foundation

/// Appends JSON tokens to a byte buffer the way Foundation's `JSONEncoder` writes them (with
/// `.withoutEscapingSlashes`), for ``EventFastEncoder``.
struct JSONByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends ASCII text that needs no escaping (punctuation and keys).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends a decimal integer.
    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Appends a JSON string: `"`, escapes as Foundation writes them, `"`.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)]])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends an instant as the reference encodes dates: the ``RFC3339/utcMilliseconds(_:)``
    /// string (`"2026-03-02T13:00:00.000Z"`), its digits written directly for years 0-9999.
    mutating func date(_ date: Date) {
        let ms = RFC3339.epochMilliseconds(date)
        let (days, msOfDay) = ms.floorDivided(by: 86_400_000)
        let (y, m, d) = RFC3339.civil(fromDays: days)
        guard (0...9999).contains(y) else {
            string(RFC3339.utcMilliseconds(date))
            return
        }
        let s = msOfDay / 1000
        // `"YYYY-MM-DDTHH:MM:SS.mmmZ"`: 26 bytes written in place, then appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 26) { out in
            func put(_ value: Int64, _ width: Int, at position: Int) {
                var rest = value
                for index in stride(from: position + width - 1, through: position, by: -1) {
                    out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            out[0] = UInt8(ascii: "\"")
            put(y, 4, at: 1)
            out[5] = UInt8(ascii: "-")
            put(m, 2, at: 6)
            out[8] = UInt8(ascii: "-")
            put(d, 2, at: 9)
            out[11] = UInt8(ascii: "T")
            put(s / 3600, 2, at: 12)
            out[14] = UInt8(ascii: ":")
            put(s / 60 % 60, 2, at: 15)
            out[17] = UInt8(ascii: ":")
            put(s % 60, 2, at: 18)
            out[20] = UInt8(ascii: ".")
            put(msOfDay % 1000, 3, at: 21)
            out[24] = UInt8(ascii: "Z")
            out[25] = UInt8(ascii: "\"")
            bytes.append(contentsOf: UnsafeBufferPointer(out))
        }
    }
}
