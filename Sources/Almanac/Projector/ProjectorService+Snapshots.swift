import AlmanacCore
import Foundation
import Kafka

extension ProjectorService {
    /// A snapshot chosen at start.
    struct LoadedSnapshot {
        var snapshot: ProjectionSnapshot
        var manifest: SnapshotManifest
        /// Messages of the snapshots topic read to choose it.
        var messagesRead = 0
    }

    /// When the next snapshot is due, and its sequence number.
    struct SnapshotWriter {
        var sequence: Int64
        /// ``ProjectionStore/messagesRead`` when the last snapshot was written or loaded.
        var messagesAtLast: Int
        var lastWrite = ContinuousClock.now

        func isDue(messagesRead: Int, options: SnapshotOptions) -> Bool {
            guard options.write, messagesRead > messagesAtLast else { return false }
            if options.everyMessages > 0, messagesRead - messagesAtLast >= options.everyMessages { return true }
            if let interval = options.interval, ContinuousClock.now - lastWrite >= interval { return true }
            return false
        }
    }

    /// The newest snapshot this projection can start from, or nil (full replay). Every stored
    /// snapshot passed over is reported: a warning, `almanac_snapshot_rejected_total{reason}` and
    /// an `event.rejected` copy of its manifest in the dlq. A failure to read the topic is logged
    /// and means a full replay, never a partial state.
    /// - Returns: the snapshot, and the sequence number this projection's next snapshot takes
    ///   (one past the highest stored, decodable or not chosen).
    func loadSnapshot() async -> (loaded: LoadedSnapshot?, nextSequence: Int64) {
        let log = ProjectionSnapshotLog(kafka: kafka, topics: topics, logger: logger)
        let selection: SnapshotSelection
        let records: ProjectionSnapshotLog.Records
        do {
            (selection, records) = try await log.newest(topics: foldedTopicNames)
        } catch {
            logger.error("could not read snapshots from \(topics.snapshots), replaying from the beginning: \(error)")
            return (nil, 1)
        }
        for rejection in selection.rejections {
            logger.warning("snapshot \(rejection.key) rejected (\(rejection.reason.rawValue)), skipped: \(rejection.error.detail)")
            AlmanacMetrics.snapshotRejected(rejection.reason)
            if rejectsToDLQ, let message = records.latest[rejection.key] {
                do {
                    try await publisher.reject(message, rejection.error, by: "projector", at: clock.now())
                } catch {
                    logger.error("could not write to the dlq: \(error)")
                }
            }
        }
        let nextSequence = (selection.sequences[ProjectionSnapshot.name(foldedTopicNames)] ?? 0) + 1
        guard let snapshot = selection.snapshot, let manifest = selection.manifest else {
            if !selection.rejections.isEmpty { logger.warning("no usable snapshot left: falling back to a full replay from the beginning") }
            return (nil, nextSequence)
        }
        if !selection.rejections.isEmpty {
            logger.warning("falling back to the older snapshot \(manifest.key) #\(manifest.sequence)")
        }
        return (LoadedSnapshot(snapshot: snapshot, manifest: manifest, messagesRead: records.messagesRead), nextSequence)
    }

    /// Writes the current state as a snapshot; a failure is logged (the next one is tried later).
    /// - Returns: `writer` moved past this snapshot.
    func writeSnapshot(_ writer: SnapshotWriter) async -> SnapshotWriter {
        var writer = writer
        let snapshot = store.cut(topics: foldedTopicNames, writtenAt: clock.now())
        let log = ProjectionSnapshotLog(kafka: kafka, topics: topics, logger: logger)
        let messagesRead = store.messagesRead
        do {
            let manifest = try await log.write(snapshot, sequence: writer.sequence, producer: publisher.producer, chunkSize: snapshots.chunkSize)
            logger.info("snapshot \(manifest.key) #\(manifest.sequence) written: \(manifest.bytes) bytes in \(manifest.chunks) chunks, \(snapshot.state.apps.count) apps")
            writer.sequence += 1
        } catch {
            logger.error("could not write a snapshot to \(topics.snapshots): \(error)")
        }
        writer.messagesAtLast = messagesRead
        writer.lastWrite = .now
        return writer
    }
}
