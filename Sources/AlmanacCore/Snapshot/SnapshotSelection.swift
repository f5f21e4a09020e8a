import Foundation

/// Chooses the snapshot a starting projection loads from the records of the snapshots topic
/// (newest value per key, as compaction leaves them): the newest that decodes, covers the
/// projection's topics and whose positions the log still has. Every candidate passed over on the
/// way is listed with why, for the caller to report (log, metric, dlq). Pure.
///
/// ```swift
/// let selection = SnapshotSelection.choose(records: latestByKey, topics: ["config", "control"], prefix: "almanac.",
///                                          bounds: { topic, partition in watermarks[…] })
/// if let snapshot = selection.snapshot { … } // else fold from the low watermarks
/// for rejection in selection.rejections { report(rejection) }
/// ```
public struct SnapshotSelection: Sendable {
    /// Why a stored snapshot was not used; the label of `almanac_snapshot_rejected_total{reason}`.
    public enum Reason: String, Sendable, CaseIterable {
        /// Not JSON, fields missing or mistyped, chunks missing or not matching the checksum.
        case corrupt
        /// A newer major version than this build reads.
        case unsupportedVersion = "unsupported_version"
        /// A position below its partition's low watermark: the log no longer has the events
        /// between them (retention, deleted records).
        case offsetsGone = "offsets_gone"
        /// A position above its partition's high watermark: the log is not the one it was taken of
        /// (topic recreated).
        case aheadOfLog = "ahead_of_log"
    }

    public struct Rejection: Sendable {
        /// The Kafka key of the manifest (`<projection>/<slot>`).
        public var key: String
        public var reason: Reason
        /// What is wrong, as `EventDecodingError` (its reason becomes the dlq record's).
        public var error: EventDecodingError
    }

    /// The snapshot chosen, cut to the requested topics (``ProjectionSnapshot/restricted(to:prefix:)``).
    public var snapshot: ProjectionSnapshot?
    /// The chosen snapshot's manifest.
    public var manifest: SnapshotManifest?
    /// Candidates passed over, newest first.
    public var rejections: [Rejection] = []
    /// The highest sequence seen per projection (decodable manifests), so a writer continues it.
    public var sequences: [String: Int64] = [:]

    /// - Parameters:
    ///   - records: Kafka key → newest value of the snapshots topic.
    ///   - topics: the short names the projection folds; snapshots of any superset qualify.
    ///   - prefix: the topic prefix (`almanac.`), to match positions to topics.
    ///   - atOrBefore: only snapshots whose event time is at or before it (the state at an instant).
    ///   - bounds: the low and high watermarks of a partition, or nil when it does not exist.
    public static func choose(records: [String: [UInt8]], topics: [String], prefix: String, atOrBefore: Date? = nil,
                              bounds: (String, Int32) -> (low: Int64, high: Int64)?) -> SnapshotSelection {
        var selection = SnapshotSelection()
        var candidates: [SnapshotManifest] = []
        for (key, value) in records where isManifestKey(key) {
            guard covers(projection: String(key.split(separator: "/")[0]), topics) else { continue }
            do {
                let manifest = try SnapshotCodec.decodeManifest(value)
                selection.sequences[manifest.projection] = max(selection.sequences[manifest.projection] ?? 0, manifest.sequence)
                candidates.append(manifest)
            } catch let error as EventDecodingError {
                selection.rejections.append(Rejection(key: key, reason: error.reason == .unsupportedVersion ? .unsupportedVersion : .corrupt, error: error))
            } catch {
                selection.rejections.append(Rejection(key: key, reason: .corrupt, error: EventDecodingError(.schemaViolation, "\(error)")))
            }
        }
        if let atOrBefore { candidates.removeAll { !$0.isUsable(atOrBefore: atOrBefore) } }
        // Newest first: by the event time covered, then by when written.
        candidates.sort { ($0.eventTime ?? .distantPast, $0.writtenAt, $0.sequence) > ($1.eventTime ?? .distantPast, $1.writtenAt, $1.sequence) }
        for manifest in candidates {
            do {
                guard manifest.chunks <= records.count else {
                    throw EventDecodingError(.invalidData, "snapshot \(manifest.key) #\(manifest.sequence): \(manifest.chunks) chunks named, \(records.count) records stored")
                }
                let chunks = try (0..<manifest.chunks).map { index in
                    guard let chunk = records[manifest.chunkKey(index)] else {
                        throw EventDecodingError(.invalidData, "snapshot \(manifest.key) #\(manifest.sequence): chunk \(index) of \(manifest.chunks) is missing")
                    }
                    return chunk
                }
                let snapshot = try SnapshotCodec.decode(manifest, chunks: chunks)
                if let rejection = checkPositions(manifest, topics: topics, prefix: prefix, bounds: bounds) {
                    selection.rejections.append(rejection)
                    continue
                }
                selection.snapshot = snapshot.restricted(to: topics, prefix: prefix)
                selection.manifest = manifest
                return selection
            } catch let error as EventDecodingError {
                selection.rejections.append(Rejection(key: manifest.key, reason: error.reason == .unsupportedVersion ? .unsupportedVersion : .corrupt, error: error))
            } catch {
                selection.rejections.append(Rejection(key: manifest.key, reason: .corrupt, error: EventDecodingError(.schemaViolation, "\(error)")))
            }
        }
        return selection
    }

    /// Whether `key` names a manifest (`<projection>/<slot>`) rather than a chunk.
    public static func isManifestKey(_ key: String) -> Bool { key.split(separator: "/", omittingEmptySubsequences: false).count == 2 }

    /// Whether a snapshot of `projection` (topics joined by `+`) holds everything `topics` needs.
    static func covers(projection: String, _ topics: [String]) -> Bool {
        Set(topics).isSubset(of: Set(projection.split(separator: "+").map(String.init)))
    }

    private static func checkPositions(_ manifest: SnapshotManifest, topics: [String], prefix: String,
                                       bounds: (String, Int32) -> (low: Int64, high: Int64)?) -> Rejection? {
        let folded = Set(topics.map { prefix + $0 })
        for position in manifest.positions where folded.contains(position.topic) {
            guard let bound = bounds(position.topic, position.partition) else {
                return Rejection(key: manifest.key, reason: .aheadOfLog, error: EventDecodingError(
                    .invalidData, "snapshot \(manifest.key) #\(manifest.sequence): \(position.topic)[\(position.partition)] does not exist"))
            }
            if position.offset < bound.low {
                return Rejection(key: manifest.key, reason: .offsetsGone, error: EventDecodingError(
                    .invalidData, "snapshot \(manifest.key) #\(manifest.sequence): \(position.topic)[\(position.partition)] resumes at offset \(position.offset), but the log starts at \(bound.low) (the events between are gone)"))
            }
            if position.offset > bound.high {
                return Rejection(key: manifest.key, reason: .aheadOfLog, error: EventDecodingError(
                    .invalidData, "snapshot \(manifest.key) #\(manifest.sequence): \(position.topic)[\(position.partition)] resumes at offset \(position.offset), past the log's end \(bound.high)"))
            }
        }
        return nil
    }
}
