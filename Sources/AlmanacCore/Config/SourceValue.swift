/// A parsed config document (YAML or JSON) that remembers where each value was written, so that
/// a problem can name its line and column. Built by the loader from the parser's nodes; read by
/// ``AppFileChecker``.
///
/// Shape: scalars keep the text as written (``text``) beside the value the YAML core schema
/// resolves it to (``kind``), because a field that wants text takes the text (`schedule: 9:00`
/// is the schedule "9:00", not YAML 1.1's sexagesimal 540).
public struct SourceValue: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case string(String)
        case array([SourceValue])
        /// Entries in document order.
        case object([Entry])
    }

    /// One key of an object, with where the key was written.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var line: Int?
        public var value: SourceValue
        public init(key: String, line: Int?, value: SourceValue) {
            self.key = key
            self.line = line
            self.value = value
        }
    }

    public var kind: Kind
    /// A scalar's text as written, without quotes; `nil` for arrays and objects.
    public var text: String?
    /// Whether a scalar was quoted (a quoted scalar is always text).
    public var quoted: Bool
    /// 1-based line and column of the value's start, when known.
    public var line: Int?
    public var column: Int?

    public init(_ kind: Kind, text: String? = nil, quoted: Bool = false, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.text = text
        self.quoted = quoted
        self.line = line
        self.column = column
    }

    /// The value as written, for messages: text in quotes, or the kind of a structure.
    var shown: String {
        switch kind {
        case .array: "a list"
        case .object: "a mapping"
        case .null: "null"
        case .string(let s): "\"\(s)\""
        default: text ?? "a value"
        }
    }

    /// The value as ``JSONValue`` (for `params`).
    var json: JSONValue {
        switch kind {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(\.json))
        case .object(let entries): .object(Dictionary(entries.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
