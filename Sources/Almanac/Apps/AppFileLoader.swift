import AlmanacCore
import Foundation
import Yams

/// An app file that passed validation, with its folder (absolute): where its relative commands
/// resolve on this machine (``CommandCheck``); workers resolve them under their apps root.
public struct LoadedApp: Sendable {
    public var config: AppConfiguration
    public var file: String
    public var directory: String
}

/// Reads app files (`*.yaml`, `*.yml`, `*.json`; one app per file) and validates them.
/// A bad file is reported with its path, the field and what is wrong; the others still load.
public enum AppFileLoader {
    public struct Result: Sendable {
        public var apps: [LoadedApp]
        public var errors: [ConfigError]
    }

    /// Loads a file or every app file in a folder (sorted by name).
    public static func load(path: String) -> Result {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Result(apps: [], errors: [ConfigError(source: path, field: "(file)", reason: "no such file or folder")])
        }
        let files: [String]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
        } else {
            files = [path]
        }
        var result = Result(apps: [], errors: [])
        var seen: [String: String] = [:]
        for file in files {
            switch loadFile(file) {
            case .success(let app):
                if let other = seen[app.config.app] {
                    result.errors.append(ConfigError(source: file, field: "app", reason: "app id \"\(app.config.app)\" is also defined in \(other)"))
                } else {
                    seen[app.config.app] = file
                    result.apps.append(app)
                }
            case .failure(let errors):
                result.errors += errors.errors
            }
        }
        return result
    }

    struct Errors: Error { var errors: [ConfigError] }

    static func loadFile(_ file: String) -> Swift.Result<LoadedApp, Errors> {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            return .failure(Errors(errors: [ConfigError(source: file, field: "(file)", reason: "cannot read the file as UTF-8 text")]))
        }
        // Shape first, from the parsed document with its positions: every problem of the file at
        // once, each with its line, in words (AppFileChecker); decoding then builds the config.
        let isJSON = file.hasSuffix(".json")
        let document: SourceValue
        do { document = try AppDocumentReader.read(text, json: isJSON) } catch {
            return .failure(Errors(errors: [sourced(error, file)]))
        }
        let checked = AppFileChecker.check(document, json: isJSON)
        guard checked.problems.isEmpty else { return .failure(Errors(errors: checked.problems.map { sourced($0, file) })) }
        let config: AppConfiguration
        do {
            if isJSON {
                config = try JSONDecoder().decode(AppConfiguration.self, from: Data(text.utf8))
            } else {
                config = try YAMLDecoder().decode(AppConfiguration.self, from: text)
            }
        } catch let error as DecodingError {
            let located = checked.locate([ConfigError(field: fieldPath(error), reason: reason(error))])
            return .failure(Errors(errors: located.map { sourced($0, file) }))
        } catch {
            return .failure(Errors(errors: [ConfigError(source: file, field: "(file)", reason: "not valid \(isJSON ? "JSON" : "YAML")")]))
        }
        let problems = checked.locate(config.validate())
        guard problems.isEmpty else {
            return .failure(Errors(errors: problems.map { sourced($0, file) }))
        }
        let directory = ((file as NSString).deletingLastPathComponent as NSString).standardizingPath
        let absolute = directory.hasPrefix("/") ? directory : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(directory)
        let folder = (absolute as NSString).standardizingPath
        // Published as written: each worker resolves relative commands and working directories
        // against its own apps root at run time (``JobDirectories``), so no path of this machine
        // is baked into app.configured.
        return .success(LoadedApp(config: config, file: file, directory: folder))
    }

    private static func sourced(_ error: ConfigError, _ file: String) -> ConfigError {
        var error = error
        error.source = file
        return error
    }

    static func fieldPath(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        var last: String?
        switch error {
        case .keyNotFound(let key, let c): context = c; last = key.stringValue
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return "(file)"
        }
        var text = ""
        for key in context.codingPath + (last.map { [AnyCodingKey($0)] } ?? []) {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text.isEmpty ? "(file)" : text
    }

    static func reason(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound: "required field is missing"
        case .typeMismatch(let type, _): "expected \(type == String.self ? "a string" : type == Int.self ? "an integer" : "\(type)")"
        case .valueNotFound(let type, _): "expected \(type), found null"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "\(error)"
        }
    }
}

private struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
