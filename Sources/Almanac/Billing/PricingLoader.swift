import AlmanacCore
import Foundation
import Yams

/// Reads a pricing file (`ops/pricing.yaml`; `.json` files as JSON, anything else as YAML) into a
/// validated ``PricingSchedule``. The format is ``PricingTableFile``: a list of versions, each an
/// object of `schemas/pricing.v1.json`; amounts in integer millicredits.
///
/// ```swift
/// let pricing = try PricingLoader.load(file: "ops/pricing.yaml")
/// pricing.table(at: trigger.scheduledFor).version   // "2026-01-standard"
/// ```
public enum PricingLoader {
    /// - Throws: ``PricingFileError`` naming the file and each problem's field (`[1].smsEach: -5 is negative`).
    public static func load(file: String) throws(PricingFileError) -> PricingSchedule {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PricingFileError(source: file, problems: [ConfigError(field: "(file)", reason: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PricingFileError(source: file, problems: [ConfigError(field: "(file)", reason: "not UTF-8 text")])
        }
        if file.hasSuffix(".json") { return try PricingTableFile.decodeJSON(data, source: file) }
        return try parseYAML(text, source: file)
    }

    /// Decodes and validates YAML text (JSON is YAML too).
    /// - Throws: ``PricingFileError``.
    public static func parseYAML(_ text: String, source: String? = nil) throws(PricingFileError) -> PricingSchedule {
        let file: PricingTableFile
        do {
            file = try YAMLDecoder().decode(PricingTableFile.self, from: text)
        } catch let error as DecodingError {
            throw PricingFileError(source: source, problems: [PricingFileError.problem(from: error)])
        } catch {
            throw PricingFileError(source: source, problems: [ConfigError(field: "(file)", reason: "not valid YAML: \(error)")])
        }
        if let problem = YAMLNumberForms.firstProblem(in: text, numericKeys: YAMLNumberForms.pricingAmounts) {
            throw PricingFileError(source: source, problems: [problem])
        }
        return try PricingSchedule(validating: file.tables, source: source)
    }
}
