import AlmanacCore
import Foundation
import Kafka

/// The archive format of `almanac export` / `almanac import`: JSON lines, one message each, in
/// offset order per partition:
///
/// ```json
/// {"topic":"almanac.control","partition":3,"offset":7,"key":"clinic-reminders","value":{"specversion":"1.0",…}}
/// ```
///
/// `value` is the message's bytes verbatim when they are a valid Almanac event on one line (so
/// `jq` reads it and an import writes back the same bytes); anything else — a message the strict
/// codec rejects, or one with a raw line break — is kept byte for byte as `valueBase64`. A key that
/// is not UTF-8 is `keyBase64`; no key is `"key":null`. The same shape as `almanac dev --export`,
/// so `ops/contract/validate_export.py` checks archives too.
public enum LogArchive {
    /// One message of an archive.
    public struct Entry: Sendable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        public var key: [UInt8]?
        public var value: [UInt8]
    }

    /// The line for `message`, with its newline.
    public static func line(_ message: KafkaConsumerMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.value.count + 120)
        out += Array("{\"topic\":".utf8) + quoted(message.topic)
        out += Array(",\"partition\":\(message.partition),\"offset\":\(message.offset),".utf8)
        if let key = message.key {
            if let text = String(validating: key, as: UTF8.self) {
                out += Array("\"key\":".utf8) + quoted(text)
            } else {
                out += Array("\"key\":null,\"keyBase64\":\"\(Data(key).base64EncodedString())\"".utf8)
            }
        } else {
            out += Array("\"key\":null".utf8)
        }
        let raw = message.value
        if !raw.contains(0x0A), !raw.contains(0x0D), (try? EventCodec.decode(raw)) != nil {
            out += Array(",\"value\":".utf8) + raw
        } else {
            out += Array(",\"valueBase64\":\"\(Data(raw).base64EncodedString())\"".utf8)
        }
        out += [0x7D, 0x0A]
        return out
    }

    /// Parses one line (1-based `number` for messages).
    /// - Throws: ``LogArchiveError`` naming the line and what is wrong.
    public static func parse(_ line: [UInt8], number: Int) throws(LogArchiveError) -> Entry {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw LogArchiveError(line: number, reason: "not a JSON object")
        }
        guard let topic = object["topic"] as? String, !topic.isEmpty else { throw LogArchiveError(line: number, reason: "missing \"topic\"") }
        guard let partition = (object["partition"] as? NSNumber)?.int32Value, partition >= 0 else {
            throw LogArchiveError(line: number, reason: "missing or negative \"partition\"")
        }
        let offset = (object["offset"] as? NSNumber)?.int64Value ?? -1
        var key: [UInt8]?
        if let text = object["key"] as? String {
            key = Array(text.utf8)
        } else if let encoded = object["keyBase64"] as? String {
            guard let data = Data(base64Encoded: encoded) else { throw LogArchiveError(line: number, reason: "\"keyBase64\" is not base64") }
            key = Array(data)
        }
        let value: [UInt8]
        if let encoded = object["valueBase64"] as? String {
            guard let data = Data(base64Encoded: encoded) else { throw LogArchiveError(line: number, reason: "\"valueBase64\" is not base64") }
            value = Array(data)
        } else if let parsed = object["value"] {
            if let raw = rawValue(line), (try? JSONSerialization.jsonObject(with: Data(raw))) != nil {
                value = raw
            } else if let data = try? JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) {
                value = Array(data)
            } else {
                throw LogArchiveError(line: number, reason: "\"value\" cannot be written back as JSON")
            }
        } else {
            throw LogArchiveError(line: number, reason: "neither \"value\" nor \"valueBase64\"")
        }
        return Entry(topic: topic, partition: partition, offset: offset, key: key, value: value)
    }

    /// The bytes after the first top-level `"value":` up to the closing brace, when `value` is the
    /// last member (as this writer and order-keeping editors such as Python's `json` leave it).
    static func rawValue(_ line: [UInt8]) -> [UInt8]? {
        let pattern = Array("\"value\":".utf8)
        var end = line.count
        while end > 0, [0x0A, 0x0D, 0x20, 0x09].contains(line[end - 1]) { end -= 1 }
        guard end > 0, line[end - 1] == 0x7D else { return nil }
        var i = 0
        while i + pattern.count <= end {
            if line[i] == 0x22, Array(line[i..<(i + pattern.count)]) == pattern, i > 0, [0x2C, 0x7B, 0x20].contains(line[i - 1]) {
                var start = i + pattern.count
                while start < end, line[start] == 0x20 { start += 1 }
                return Array(line[start..<(end - 1)])
            }
            i += 1
        }
        return nil
    }

    /// A JSON string literal (RFC 8259 escapes).
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case ..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return out
    }
}

/// A line of an archive that cannot be imported.
public struct LogArchiveError: Error, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
