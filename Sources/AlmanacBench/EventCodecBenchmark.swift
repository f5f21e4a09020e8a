import AlmanacCore
import ArgumentParser
import Foundation

/// `event-codec`: microseconds per `EventCodec.decode` and `encode` of the events a replay reads
/// most (`job.triggered`, `job.completed`, `credits.charged`), in memory (no Kafka), against the
/// reference decoder (`StrictJSONScanner` + Foundation's `JSONDecoder`, the path before issue 10's
/// fast decoder) and the reference encoder (Foundation's `JSONEncoder`, before issue 6's fast one).
struct EventCodecBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "event-codec")

    @Option(help: "Decodes per repetition and side.") var events = 100_000
    @Option(help: "Repetitions of each side.") var reps = 3
    @Flag(help: "Time only the fast decoder (for profiling it).") var decodeOnly = false

    func run() async throws {
        let at = Date(timeIntervalSince1970: 1_772_456_400)
        let key = JobKey(account: "acme-clinics", app: "clinic-reminders", job: "send-reminders")
        let id = TriggerID.scheduled(key, at: at)
        let done = JobCompleted(triggerId: id, executionId: "6ee958ab-700f-4070-bb64-2e63d633f5eb", job: key, status: .succeeded, attempt: 1,
                                exitCode: 0, startedAt: at.addingTimeInterval(1), finishedAt: at.addingTimeInterval(2.5),
                                usage: RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 300)], emails: 12),
                                stdoutTail: "reminded 12 patients\n")
        let envelopes = [
            EventEnvelope(source: "almanac/ticker", time: at, event: .jobTriggered(JobTriggered(triggerId: id, job: key, scheduledFor: at, source: .scheduled))),
            EventEnvelope(source: "almanac/worker", time: at.addingTimeInterval(2.5), event: .jobCompleted(done)),
            EventEnvelope(source: "almanac/worker", time: at.addingTimeInterval(2.5),
                          event: .creditsCharged(Pricer.charge(for: done, complexity: 3, table: .standard))),
        ]
        let messages = try envelopes.map { try EventCodec.encode($0) }
        for (envelope, bytes) in zip(envelopes, messages) where try EventCodec.decode(bytes) != envelope || EventCodec.decodeReference(bytes) != envelope {
            Bench.fail("\(envelope.type) does not round-trip")
        }
        func time(_ body: (Int) throws -> Void) rethrows -> Double {
            let began = Bench.nanoseconds()
            for i in 0..<events { try body(i % messages.count) }
            return Double(Bench.nanoseconds() - began) / 1000 / Double(events)
        }
        for envelope in envelopes where try EventCodec.encode(envelope) != EventCodec.encodeReference(envelope) {
            Bench.fail("\(envelope.type): the fast encoder's bytes differ from the reference's")
        }
        var fast: [Double] = [], reference: [Double] = [], encode: [Double] = [], encodeReference: [Double] = []
        for rep in 0..<reps {
            fast.append(try time { _ = try EventCodec.decode(messages[$0]) })
            if decodeOnly {
                Bench.log("rep \(rep + 1): decode \(fast.last!) µs per event")
                continue
            }
            reference.append(try time { _ = try EventCodec.decodeReference(messages[$0]) })
            encode.append(try time { _ = try EventCodec.encode(envelopes[$0]) })
            encodeReference.append(try time { _ = try EventCodec.encodeReference(envelopes[$0]) })
            Bench.log("rep \(rep + 1): decode \(fast.last!) µs, reference decode \(reference.last!) µs, encode \(encode.last!) µs, reference encode \(encodeReference.last!) µs per event")
        }
        let bytes = Double(messages.map(\.count).reduce(0, +)) / Double(messages.count)
        BenchResult(name: "event_codec.decode", unit: "µs/event", samples: fast, extra: ["bytes_per_event": bytes]).emit()
        if decodeOnly { return }
        BenchResult(name: "event_codec.decode", side: "reference", unit: "µs/event", samples: reference).emit()
        BenchResult(name: "event_codec.encode", unit: "µs/event", samples: encode).emit()
        BenchResult(name: "event_codec.encode", side: "reference", unit: "µs/event", samples: encodeReference).emit()
    }
}
