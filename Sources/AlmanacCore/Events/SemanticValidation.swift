/// Rules a well-formed event must also meet to be applied (DESIGN.md §3: semantically invalid data
/// is rejected, not applied).
enum SemanticValidation {
    static func check(_ event: AlmanacEvent) throws(EventDecodingError) {
        switch event {
        case .appConfigured(let e):
            let problems = e.config.validate()
            if !problems.isEmpty {
                throw EventDecodingError(.invalidData, problems.map { "data.config.\($0.field): \($0.reason)" }.joined(separator: "; "))
            }
        case .jobCompleted(let e):
            let u = e.usage
            if u.emails < 0 || u.sms < 0 || u.ai.contains(where: { $0.inputTokens < 0 || $0.outputTokens < 0 }) {
                throw EventDecodingError(.invalidData, "data.usage: usage cannot be negative")
            }
        case .jobTriggered(let e):
            if e.attempt < 1 { throw EventDecodingError(.invalidData, "data.attempt: \(e.attempt) must be at least 1") }
        case .schedulePaused(let e), .scheduleResumed(let e):
            if e.app.isEmpty { throw EventDecodingError(.invalidData, "data.app: must not be empty") }
        default:
            break
        }
    }
}
