import Foundation

/// The head of a stored snapshot (schema `schemas/snapshot.v1.json`, `manifest`): version, what
/// it covers, and how to reassemble its state document from chunks. Kafka key
/// `<projection>/<slot>`; the chunks are keyed `<projection>/<slot>/<index>`
/// (``SnapshotCodec``).
public struct SnapshotManifest: Codable, Hashable, Sendable {
    /// `major.minor`; a reader refuses a newer major (``SnapshotCodec/version``).
    public var version: String
    /// ``ProjectionSnapshot/projection``.
    public var projection: String
    public var topics: [String]
    /// Increases by one per snapshot of a projection; ``slot`` = `sequence % 2`, so a compacted
    /// topic keeps the newest two snapshots whole.
    public var sequence: Int64
    public var slot: Int { Int(sequence % 2) }
    /// ``ProjectionSnapshot/eventTime``.
    public var eventTime: Date?
    public var writtenAt: Date
    public var positions: [SnapshotPosition]
    /// How many chunks the state document was cut into, and its total size in bytes.
    public var chunks: Int
    public var bytes: Int
    /// FNV-1a 64 of the whole state document, 16 lowercase hex digits.
    public var checksum: String

    /// The Kafka key of the manifest.
    public var key: String { Self.key(projection: projection, slot: slot) }
    /// The Kafka key of chunk `index`.
    public func chunkKey(_ index: Int) -> String { "\(key)/\(index)" }

    public static func key(projection: String, slot: Int) -> String { "\(projection)/\(slot)" }

    /// Whether the snapshot covers no event after `instant`: usable as the state at `instant`
    /// (then fold forward from ``positions`` the events at or before `instant`).
    public func isUsable(atOrBefore instant: Date) -> Bool { (eventTime ?? .distantPast) <= instant }
}
