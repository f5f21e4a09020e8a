/// Why bytes could not be decoded into an ``EventEnvelope``; becomes an `event.rejected`.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: RejectionReason
    /// What is wrong and where, for a human (e.g. `data.config.jobs[0].complexity: 11 is outside …`).
    public var detail: String
    public init(_ reason: RejectionReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
    public var description: String { "\(reason.rawValue): \(detail)" }
}
