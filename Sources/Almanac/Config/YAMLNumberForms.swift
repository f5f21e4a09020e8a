import AlmanacCore
import Yams

/// Numbers a YAML file means in decimal but YAML 1.1 (Yams' resolver) reads otherwise: `0777` is
/// octal 511, `1:00` is sexagesimal 60, `0x10` is 16, `0b101` is 5 (digit separators, `1_000`, are
/// kept: they read as meant). A price written so would change without a word, and the same text
/// in a JSON file is refused or read in decimal. Pricing files refuse them, naming the field.
///
/// Only the values of numeric keys are checked: `schedule: 9:00` is the platform's daily-at-a-time
/// form, which YAML 1.1 also resolves as a (sexagesimal) number but the app decodes as text.
enum YAMLNumberForms {
    /// The keys of a pricing file whose values (or list elements) are amounts.
    static let pricingAmounts: Set<String> = ["baseByComplexity", "inputPer1000", "outputPer1000", "emailEach", "smsEach"]

    /// The first value of one of `numericKeys` (or an element of its list) in `text` written in a
    /// form other than plain decimal, or nil (also for text that is not YAML: the decoder reports
    /// that).
    static func firstProblem(in text: String, numericKeys: Set<String>) -> ConfigError? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        return problem(in: node, path: "", key: nil, numericKeys: numericKeys)
    }

    private static func problem(in node: Node, path: String, key: String?, numericKeys: Set<String>) -> ConfigError? {
        switch node {
        case .scalar(let scalar):
            guard let key, numericKeys.contains(key) else { return nil }
            // Quoted and explicitly tagged scalars are what they say; only a plain, untagged one is
            // resolved. (Read the declared tag first: resolving it rewrites the same tag object.)
            guard scalar.tag.description == Tag.Name.implicit.rawValue, scalar.style == .plain || scalar.style == .any else { return nil }
            let resolved = node.tag.description
            guard resolved == Tag.Name.int.rawValue || resolved == Tag.Name.float.rawValue else { return nil }
            let text = scalar.string
            let decimal = resolved == Tag.Name.int.rawValue ? isDecimalInteger(text) : !text.contains(":")
            guard !decimal else { return nil }
            return ConfigError(field: path.isEmpty ? "(file)" : path,
                               reason: "\(text) is not a decimal number (YAML 1.1 reads 0777 as octal, 1:00 as 60, 0x10 as hex); write it in decimal")
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? "?"
                if let found = problem(in: value, path: path.isEmpty ? name : "\(path).\(name)", key: name, numericKeys: numericKeys) { return found }
            }
            return nil
        case .sequence(let sequence):
            for (index, value) in sequence.enumerated() {
                if let found = problem(in: value, path: "\(path)[\(index)]", key: key, numericKeys: numericKeys) { return found }
            }
            return nil
        case .alias:
            return nil
        }
    }

    /// `-?(0|[1-9][0-9]*)`, with an optional `+` and `_` between digits.
    private static func isDecimalInteger(_ text: String) -> Bool {
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return digits == "0" || digits.first != "0"
    }
}
