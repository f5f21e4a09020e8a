import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging

/// Parses `90m`, `3h`, `45s`, `2d`, compounds such as `1h30m` or `3d2h`, or plain seconds.
func parseDuration(_ text: String) -> Double? {
    if let seconds = Double(text) { return seconds >= 0 ? seconds : nil }
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    var total = 0.0
    var number = ""
    for character in text {
        if character.isNumber || character == "." {
            number.append(character)
        } else if let unit = units[character], let value = Double(number) {
            total += value * unit
            number = ""
        } else {
            return nil
        }
    }
    return number.isEmpty && !text.isEmpty ? total : nil
}

/// The pricing schedule of `--pricing FILE`; without it, `ops/pricing.yaml` when it exists in the
/// current folder, else the built-in standard table.
/// - Throws: ``InputError`` (exit 2) naming the file and each invalid field.
func loadPricing(_ file: String?) throws -> PricingSchedule {
    guard let path = file ?? (FileManager.default.fileExists(atPath: "ops/pricing.yaml") ? "ops/pricing.yaml" : nil) else {
        return PricingSchedule([.standard])
    }
    do { return try PricingLoader.load(file: path) } catch { throw InputError(description: error.description) }
}

func makeLogger(_ label: String, verbose: Bool = false) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = verbose ? (ProcessInfo.processInfo.environment["ALMANAC_TRACE"] != nil ? .trace : .debug) : .notice
        return handler
    }
    return Logger(label: label)
}
