/// Why a schedule expression or its time zone was refused.
///
/// `description` is the message shown to users and written to the DLQ, e.g.
/// `"8-25:00": hour 25 is out of range 0-23 (column 3)`.
///
/// - `field`: `"minute"`, `"hour"`, `"day-of-month"`, `"month"`, `"day-of-week"`,
///   `"expression"` (the shape of the whole text) or `"zone"`.
/// - `column`: 1-based, counted in characters of `expression`, where the problem starts.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of refusal this is; errors of one kind share a code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The text does not follow the grammar (wrong field count, empty item, stray character).
        public static let syntax = Code("syntax")
        /// A number or name outside its field's range, or a step that selects nothing sensible.
        public static let outOfRange = Code("outOfRange")
        /// A construct from another cron dialect that Almanac refuses on purpose
        /// (seconds, Quartz `?`, `15W`, `@every`, wrap-around ranges, …).
        public static let unsupported = Code("unsupported")
        /// The zone identifier is not a known IANA time zone.
        public static let unknownZone = Code("unknownZone")
    }

    public var expression: String
    public var field: String?
    public var column: Int?
    public var reason: String
    public var code: Code

    public init(expression: String, field: String?, column: Int?, reason: String, code: Code = .syntax) {
        self.expression = expression
        self.field = field
        self.column = column
        self.reason = reason
        self.code = code
    }

    public var description: String {
        var text = "\"\(Self.quoted(expression))\": \(reason)"
        if let column { text += " (column \(column))" }
        return text
    }

    /// Escapes quotes, backslashes and control characters, and shortens very long input,
    /// so that the message stays on one readable line.
    static func quoted(_ text: String) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 120 { out += "…"; break }
            count += 1
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
