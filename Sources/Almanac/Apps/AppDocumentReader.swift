import AlmanacCore
import Foundation
import Yams

/// Parses an app file's text (YAML, or JSON, which YAML reads too) into a ``SourceValue`` that
/// keeps each value's line and column (Yams node marks), for ``AppFileChecker``.
enum AppDocumentReader {
    /// - Parameter json: the file is JSON: its syntax is checked as JSON first, so a JSON error
    ///   reads as one.
    /// - Throws: ``ConfigError`` for field `(file)` with the line and column of a syntax error.
    static func read(_ text: String, json: Bool) throws(ConfigError) -> SourceValue {
        if json {
            do { _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) } catch {
                let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "not valid JSON"
                throw ConfigError(field: "(file)", reason: "JSON syntax: \(detail)")
            }
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw syntaxError(error, json: json)
        } catch {
            throw ConfigError(field: "(file)", reason: "cannot be read as \(json ? "JSON" : "YAML")")
        }
        guard let node else { throw ConfigError(field: "(file)", reason: "the file is empty: an app file is a mapping with app, account and jobs") }
        return value(node)
    }

    static func syntaxError(_ error: YamlError, json: Bool) -> ConfigError {
        let language = json ? "JSON" : "YAML"
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return ConfigError(field: "(file)", reason: "\(language) syntax: \(problem)\(while_)", line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(field: "(file)", reason: "\(language): key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) given twice in one mapping",
                               line: context.mark.line, column: context.mark.column)
        case .reader(let problem, _, _, _):
            return ConfigError(field: "(file)", reason: "\(language): \(problem)")
        default:
            return ConfigError(field: "(file)", reason: "cannot be read as \(language)")
        }
    }

    static func value(_ node: Node) -> SourceValue {
        let line = node.mark?.line, column = node.mark?.column
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            guard scalar.style == .plain || scalar.style == .any else { return SourceValue(.string(text), text: text, quoted: true, line: line, column: column) }
            let kind: SourceValue.Kind
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: kind = .null
            case .bool: kind = node.bool.map(SourceValue.Kind.bool) ?? .string(text)
            case .int: kind = node.int.map { SourceValue.Kind.int(Int64($0)) } ?? .string(text)
            case .float: kind = node.float.map(SourceValue.Kind.double) ?? .string(text)
            default: kind = .string(text)
            }
            return SourceValue(kind, text: text, line: line, column: column)
        case .sequence(let sequence):
            return SourceValue(.array(sequence.map(value)), line: line, column: column)
        case .mapping(let mapping):
            let entries = mapping.map { key, item in
                SourceValue.Entry(key: key.string ?? key.scalar?.string ?? "?", line: key.mark?.line, value: value(item))
            }
            return SourceValue(.object(entries), line: line, column: column)
        case .alias:
            return SourceValue(.null, line: line, column: column)
        }
    }
}
