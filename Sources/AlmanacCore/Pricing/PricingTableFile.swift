import Foundation

/// The pricing file (`ops/pricing.yaml`), decoded by any `Decoder` (JSON here, YAML in the
/// `Almanac` module): a list of versions, each one object of `schemas/pricing.v1.json`, or a single
/// such object.
///
/// ```yaml
/// - version: "2026-01-standard"
///   effectiveFrom: "2026-01-01T00:00:00Z"      # RFC 3339; UTC `Z` recommended
///   baseByComplexity: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
///   aiModels: {gpt-4o: {inputPer1000: 2500, outputPer1000: 10000}}
///   defaultAIModel: gpt-4o
///   emailEach: 100
///   smsEach: 1000
/// ```
///
/// Decoding checks shape only (required keys, unknown keys refused, integers, RFC 3339 instants);
/// ``PricingSchedule/validate(_:)`` checks the rules. All amounts are integer millicredits.
public struct PricingTableFile: Decodable, Sendable {
    /// The versions in file order.
    public var tables: [PricingTable]

    public init(tables: [PricingTable]) { self.tables = tables }

    public init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var tables: [PricingTable] = []
            while !list.isAtEnd { tables.append(try list.decode(Entry.self).table) }
            self.tables = tables
        } else {
            tables = [try Entry(from: decoder).table]
        }
    }

    /// Decodes and validates a JSON pricing document.
    /// - Throws: ``PricingFileError`` naming each problem's field (`[1].defaultAIModel`).
    public static func decodeJSON(_ data: Data, source: String? = nil) throws(PricingFileError) -> PricingSchedule {
        let file: PricingTableFile
        do {
            file = try JSONDecoder().decode(PricingTableFile.self, from: data)
        } catch let error as DecodingError {
            throw PricingFileError(source: source, problems: [PricingFileError.problem(from: error)])
        } catch {
            throw PricingFileError(source: source, problems: [ConfigError(field: "(file)", reason: "not valid JSON: \(error)")])
        }
        return try PricingSchedule(validating: file.tables, source: source)
    }

    /// One version as written in the file.
    struct Entry: Decodable {
        var table: PricingTable

        enum CodingKeys: String, CodingKey, CaseIterable {
            case version, effectiveFrom, baseByComplexity, aiModels, defaultAIModel, emailEach, smsEach
        }

        /// An amount: a whole number of millicredits. A fraction is refused by name, at its path
        /// (Foundation's JSON decoder reports it without one).
        struct Amount: Decodable {
            var value: Millicredits
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let whole = try? c.decode(Int64.self) {
                    value = Millicredits(whole)
                } else if let number = try? c.decode(Double.self) {
                    throw DecodingError.dataCorruptedError(
                        in: c, debugDescription: "\(number) is not a whole number of millicredits in range (1 credit = 1000)")
                } else {
                    value = Millicredits(try c.decode(Int64.self))
                }
            }
        }

        struct Rate: Decodable {
            enum CodingKeys: String, CodingKey, CaseIterable { case inputPer1000, outputPer1000 }
            var rate: PricingTable.AIRate
            init(from decoder: any Decoder) throws {
                try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                rate = PricingTable.AIRate(inputPer1000: try c.decode(Amount.self, forKey: .inputPer1000).value,
                                           outputPer1000: try c.decode(Amount.self, forKey: .outputPer1000).value)
            }
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let text = try c.decode(String.self, forKey: .effectiveFrom)
            guard let effectiveFrom = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .effectiveFrom, in: c,
                    debugDescription: "\"\(text)\" is not an RFC 3339 instant (e.g. 2026-07-01T00:00:00Z)")
            }
            table = PricingTable(
                version: try c.decode(String.self, forKey: .version),
                effectiveFrom: effectiveFrom,
                baseByComplexity: try c.decode([Amount].self, forKey: .baseByComplexity).map(\.value),
                aiModels: try c.decode([String: Rate].self, forKey: .aiModels).mapValues(\.rate),
                defaultAIModel: try c.decode(String.self, forKey: .defaultAIModel),
                emailEach: try c.decode(Amount.self, forKey: .emailEach).value,
                smsEach: try c.decode(Amount.self, forKey: .smsEach).value)
        }
    }
}

/// A pricing file that was refused: every problem with its field path (`[1].baseByComplexity`).
public struct PricingFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, if known.
    public var source: String?
    public var problems: [ConfigError]

    public init(source: String?, problems: [ConfigError]) {
        self.source = source
        self.problems = problems
    }

    /// `pricing file ops/pricing.yaml: [1].defaultAIModel: …`, one problem per line.
    public var description: String {
        let head = "pricing file\(source.map { " \($0)" } ?? "")"
        return problems.map { "\(head): \($0.field): \($0.reason)" }.joined(separator: "\n")
    }

    /// A decoding error as a problem at its field path (`[0].aiModels.gpt-4o.inputPer1000`).
    public static func problem(from error: DecodingError) -> ConfigError {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "(file)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return ConfigError(field: path(context.codingPath + [key]), reason: "required field is missing")
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "a string" : (type == Int64.self ? "an integer (millicredits)" : "\(type)")
            return ConfigError(field: path(context.codingPath), reason: "expected \(expected)")
        case .valueNotFound(let type, let context):
            return ConfigError(field: path(context.codingPath), reason: "expected \(type), found null")
        case .dataCorrupted(let context):
            return ConfigError(field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return ConfigError(field: "(file)", reason: "\(error)")
        }
    }
}

extension PricingSchedule {
    /// A schedule of validated tables.
    /// - Throws: ``PricingFileError`` with every problem ``validate(_:)`` finds.
    public init(validating tables: [PricingTable], source: String? = nil) throws(PricingFileError) {
        let problems = Self.validate(tables)
        guard problems.isEmpty else { throw PricingFileError(source: source, problems: problems) }
        self.init(tables)
    }

    /// Checks the rules a schema cannot: at least one version; versions and `effectiveFrom`
    /// instants unique; exactly 10 base prices (complexity 1…10); every amount from 0 to
    /// ``PricingTable/maximumPrice``; `defaultAIModel` is one of `aiModels`.
    /// - Returns: all problems, by table index in file order (`[1].version`); empty when valid.
    public static func validate(_ tables: [PricingTable]) -> [ConfigError] {
        var problems: [ConfigError] = []
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) {
            if !ok { problems.append(ConfigError(field: field, reason: reason())) }
        }
        func checkPrice(_ price: Millicredits, _ field: String) {
            check(price >= .zero, field, "\(price.rawValue) is negative")
            check(price <= PricingTable.maximumPrice, field,
                  "\(price.rawValue) is more than the largest price, \(PricingTable.maximumPrice.rawValue) millicredits (1,000 credits)")
        }
        check(!tables.isEmpty, "(file)", "a pricing file needs at least one version")
        var versions: [String: Int] = [:]
        var instants: [Date: Int] = [:]
        for (index, table) in tables.enumerated() {
            let at = "[\(index)]"
            check(!table.version.isEmpty, "\(at).version", "must not be empty")
            if let other = versions[table.version] {
                check(false, "\(at).version", "\"\(table.version)\" is also the version of [\(other)]; versions must be unique")
            } else {
                versions[table.version] = index
            }
            if let other = instants[table.effectiveFrom] {
                check(false, "\(at).effectiveFrom",
                      "\(RFC3339.utcMilliseconds(table.effectiveFrom)) is also when [\(other)] takes effect; two versions cannot start at one instant")
            } else {
                instants[table.effectiveFrom] = index
            }
            check(table.baseByComplexity.count == 10, "\(at).baseByComplexity",
                  "needs exactly 10 prices (complexity 1-10), found \(table.baseByComplexity.count)")
            for (k, price) in table.baseByComplexity.enumerated() {
                checkPrice(price, "\(at).baseByComplexity[\(k)]")
            }
            for model in table.aiModels.keys.sorted() {
                let rate = table.aiModels[model]!
                check(!model.isEmpty, "\(at).aiModels", "a model name must not be empty")
                checkPrice(rate.inputPer1000, "\(at).aiModels.\(model).inputPer1000")
                checkPrice(rate.outputPer1000, "\(at).aiModels.\(model).outputPer1000")
            }
            check(table.aiModels[table.defaultAIModel] != nil, "\(at).defaultAIModel",
                  "\"\(table.defaultAIModel)\" is not one of aiModels (\(table.aiModels.keys.sorted().joined(separator: ", ")))")
            checkPrice(table.emailEach, "\(at).emailEach")
            checkPrice(table.smsEach, "\(at).smsEach")
        }
        return problems
    }
}
