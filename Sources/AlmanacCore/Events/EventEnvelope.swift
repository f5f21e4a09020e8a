import Foundation

/// A CloudEvents 1.0 event (structured JSON mode) carrying an ``AlmanacEvent`` as `data`.
///
/// Shape on the wire: `{"specversion":"1.0","id":…,"source":…,"type":"almanac.job.triggered",
/// "subject":"acme/app/job","time":"2026-03-02T13:00:00.000Z","datacontenttype":"application/json",
/// "dataschema":"https://almanac.dev/schemas/job.triggered/v1","data":{…}}`.
public struct EventEnvelope: Hashable, Sendable {
    /// CloudEvents `id`: deterministic for runs (docs/design.md §3), a UUID otherwise.
    public var id: String
    /// CloudEvents `source`, e.g. `almanac/ticker`.
    public var source: String
    /// CloudEvents `time`: when the fact happened (UTC).
    public var time: Date
    public var event: AlmanacEvent

    public init(id: String? = nil, source: String, time: Date, event: AlmanacEvent) {
        self.id = id ?? event.deterministicID ?? UUID().uuidString.lowercased()
        self.source = source
        self.time = time
        self.event = event
    }

    public var type: String { event.type }
    public var subject: String { event.key }
}
