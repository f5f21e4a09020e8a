import Foundation

/// Encodes a ``ProjectionSnapshot`` as a manifest and the chunks of its state document, and back
/// (schema `schemas/snapshot.v1.json`; docs/snapshots.md). Pure: no I/O.
///
/// ```swift
/// let encoded = try SnapshotCodec.encode(snapshot, sequence: 3, chunkSize: 512 * 1024)
/// // write encoded.chunks under encoded.manifest.chunkKey(i), then encoded.manifestBytes under encoded.manifest.key
/// let manifest = try SnapshotCodec.decodeManifest(bytes)
/// let snapshot = try SnapshotCodec.decode(manifest, chunks: chunks)
/// ```
///
/// Chunks keep every message under Kafka's default 1 MB `max.message.bytes`: the state of 10,000
/// apps is several megabytes of JSON.
public enum SnapshotCodec {
    /// The version written (`major.minor`). A reader accepts any minor of its major (added fields
    /// are ignored) and refuses a newer major.
    public static let version = "1.0"
    public static let majorVersion = 1
    /// Default chunk size in bytes: half of Kafka's default `max.message.bytes` (1 MB), leaving
    /// room for the key, headers and batch overhead.
    public static let defaultChunkSize = 512 * 1024

    public struct Encoded: Sendable {
        public var manifest: SnapshotManifest
        public var manifestBytes: [UInt8]
        /// The state document cut into chunks of at most the chunk size, in order.
        public var chunks: [[UInt8]]
    }

    /// - Throws: `EncodingError` only if the state holds a value JSON cannot represent (never for
    ///   a state folded from decoded events).
    public static func encode(_ snapshot: ProjectionSnapshot, sequence: Int64, chunkSize: Int = defaultChunkSize) throws -> Encoded {
        precondition(chunkSize > 0, "chunkSize must be positive")
        let document = Array(try encoder.encode(SnapshotDocument(snapshot.state, version: version)))
        let chunks = stride(from: 0, to: max(document.count, 1), by: chunkSize).map { Array(document[$0..<min($0 + chunkSize, document.count)]) }
        let manifest = SnapshotManifest(
            version: version, projection: snapshot.projection, topics: snapshot.topics, sequence: sequence,
            eventTime: snapshot.eventTime, writtenAt: snapshot.writtenAt, positions: snapshot.positions,
            chunks: chunks.count, bytes: document.count, checksum: checksum(document))
        return Encoded(manifest: manifest, manifestBytes: Array(try encoder.encode(manifest)), chunks: chunks)
    }

    /// - Throws: `EventDecodingError`: `.notJSON` (not a JSON object), `.unsupportedVersion` (a
    ///   newer major), `.schemaViolation` (missing or mistyped fields, with the path).
    public static func decodeManifest(_ bytes: [UInt8]) throws -> SnapshotManifest {
        try checkVersion(bytes, what: "manifest")
        let manifest = try decode(SnapshotManifest.self, bytes, what: "manifest")
        guard manifest.chunks >= 1, manifest.bytes >= 0 else {
            throw EventDecodingError(.schemaViolation, "manifest: chunks \(manifest.chunks) and bytes \(manifest.bytes) are not a document")
        }
        return manifest
    }

    /// Reassembles and decodes the snapshot `manifest` describes.
    /// - Parameter chunks: the chunks in index order (exactly `manifest.chunks` of them).
    /// - Throws: `EventDecodingError`: `.invalidData` when chunks are missing or do not match the
    ///   manifest's size and checksum (a torn or overwritten snapshot), else as
    ///   ``decodeManifest(_:)`` for the document.
    public static func decode(_ manifest: SnapshotManifest, chunks: [[UInt8]]) throws -> ProjectionSnapshot {
        guard chunks.count == manifest.chunks else {
            throw EventDecodingError(.invalidData, "snapshot \(manifest.key) #\(manifest.sequence): \(chunks.count) of \(manifest.chunks) chunks found")
        }
        let document = Array(chunks.joined())
        guard document.count == manifest.bytes, checksum(document) == manifest.checksum else {
            throw EventDecodingError(.invalidData, "snapshot \(manifest.key) #\(manifest.sequence): chunks (\(document.count) bytes, checksum \(checksum(document))) do not match the manifest (\(manifest.bytes) bytes, checksum \(manifest.checksum))")
        }
        try checkVersion(document, what: "document")
        let state = try decode(SnapshotDocument.self, document, what: "document").state()
        guard ProjectionSnapshot.name(manifest.topics) == manifest.projection else {
            throw EventDecodingError(.schemaViolation, "manifest: projection \"\(manifest.projection)\" is not its topics \(manifest.topics)")
        }
        return ProjectionSnapshot(topics: manifest.topics, eventTime: manifest.eventTime, writtenAt: manifest.writtenAt,
                                  positions: manifest.positions, state: state)
    }

    /// FNV-1a 64 of `bytes`, 16 lowercase hex digits.
    public static func checksum(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private struct VersionProbe: Decodable { var version: String }

    private static func checkVersion(_ bytes: [UInt8], what: String) throws {
        let probe: VersionProbe
        do {
            probe = try decoder.decode(VersionProbe.self, from: Data(bytes))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw EventDecodingError(.notJSON, "\(what): not JSON (\(context.debugDescription))")
        } catch let error as DecodingError {
            throw EventDecodingError(.schemaViolation, "\(what): \(describe(error))")
        }
        let parts = probe.version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), Int(parts[1]) != nil, major >= 1 else {
            throw EventDecodingError(.schemaViolation, "\(what).version: \"\(probe.version)\" is not major.minor (e.g. \"\(version)\")")
        }
        guard major <= majorVersion else {
            throw EventDecodingError(.unsupportedVersion, "\(what).version: unsupported major version \(major) (this build reads \(majorVersion).x)")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw EventDecodingError(.schemaViolation, "\(what): \(describe(error))")
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError(.schemaViolation, "\(what): \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .deferredToDate
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        return decoder
    }
}
