import AlmanacCore
import Foundation
import Kafka

/// Handing revoked partitions over, and the offsets to commit.
extension WorkerCoordinatorState {
    // MARK: Revocation

    /// First step of handing partitions over: stop admitting and starting their triggers. Queued
    /// triggers are dropped (unfinished offsets: the next owner reads them).
    mutating func beginRevoke(_ tps: Set<KafkaTopicPartition>) {
        for tp in tps {
            building[tp] = nil
            held[tp] = nil
            partitions[tp]?.revoking = true
        }
        for (token, entry) in entries where entry.phase == .queued && tps.contains(entry.item.topicPartition) {
            remove(queued: token, entry)
        }
    }

    /// Runs (not yet recording) and writes (recordings, skips, recoveries) still going on `tps`.
    func revokeProgress(_ tps: Set<KafkaTopicPartition>) -> (running: Int, writing: Int) {
        var runs = 0
        var writes = tps.reduce(0) { $0 + (partitions[$1]?.chores ?? 0) }
        for entry in entries.values where !entry.abandoned && tps.contains(entry.item.topicPartition) {
            if entry.phase == .recording || entry.phase == .charging { writes += 1 } else { runs += 1 }
        }
        return (runs, writes)
    }

    /// Gives up the runs on `tps` that have not started recording: they are never recorded here;
    /// the next owner runs them again.
    /// - Returns: one element per abandoned run: how to stop it (nil: not registered yet; it is
    ///   stopped when it registers), for the caller to call outside the lock.
    mutating func abandonRuns(_ tps: Set<KafkaTopicPartition>) -> [(@Sendable () -> Void)?] {
        var stops: [(@Sendable () -> Void)?] = []
        for (token, entry) in entries where !entry.abandoned && entry.phase == .running && tps.contains(entry.item.topicPartition) {
            entries[token]!.abandoned = true
            live[entry.item.trigger.triggerId] = nil
            endActive(entry.item.trigger.job)
            stops.append(entry.cancel)
        }
        return stops
    }

    /// Last step of a hand-over: forgets the partitions.
    /// - Returns: their committable offsets not committed yet, to commit before letting go.
    mutating func drop(_ tps: Set<KafkaTopicPartition>) -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for tp in tps {
            if let state = partitions.removeValue(forKey: tp), let offset = state.tracker.committable, lastCommitted[tp] != offset {
                offsets[tp] = offset
            }
            lastCommitted[tp] = nil
            building[tp] = nil
            held[tp] = nil
            pausedWhileBuilding.remove(tp)
        }
        return offsets
    }

    /// Abandons every run (graceful shutdown after its grace); see ``abandonRuns(_:)``.
    mutating func abandonAll() -> [(@Sendable () -> Void)?] { abandonRuns(Set(entries.values.map(\.item.topicPartition))) }

    mutating func remove(queued token: RunToken, _ entry: Entry) {
        entries[token] = nil
        live[entry.item.trigger.triggerId] = nil
        endActive(entry.item.trigger.job)
        accounts[entry.account].queue.removeAll { $0 == token }
        queuedCount -= 1
    }

    // MARK: Commits

    /// Offsets changed since the last commit.
    func offsetsToCommit() -> [KafkaTopicPartition: Int64] {
        var result: [KafkaTopicPartition: Int64] = [:]
        for (tp, state) in partitions {
            if let offset = state.tracker.committable, lastCommitted[tp] != offset { result[tp] = offset }
        }
        return result
    }

    mutating func committed(_ offsets: [KafkaTopicPartition: Int64]) {
        for (tp, offset) in offsets where partitions[tp] != nil { lastCommitted[tp] = offset }
    }
}
