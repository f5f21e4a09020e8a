/// The key rule of job-keyed messages (triggers, executions; docs/design.md §2): the Kafka key is the
/// event's `account/app/job`, and each part is an id (letters, digits, `.`, `_`, `-`; 1–64
/// characters, as app files require). A message that breaks it is malformed — not an unknown
/// job — and is rejected to the dlq as `invalid_data` with a detail starting "malformed key".
///
/// ```swift
/// JobKeyRule.problem(key: "northwind/inventory-sync", job: trigger.job)
/// // invalid_data: malformed key "northwind/inventory-sync": a trigger's key is account/app/job of its data ("northwind/inventory-sync/sync-stock")
/// ```
public enum JobKeyRule {
    /// - Returns: why the message is malformed, or `nil` when key and data agree.
    public static func problem(key: String?, job: JobKey) -> EventDecodingError? {
        for (part, name) in [(job.account, "account"), (job.app, "app"), (job.job, "job")] where !AppConfiguration.isValidID(part) {
            return EventDecodingError(.invalidData, "malformed key: data.job.\(name) \"\(part)\" is not an id (letters, digits, '.', '_', '-'; 1-64 characters)")
        }
        guard let key else {
            return EventDecodingError(.invalidData, "malformed key: the message has none; a trigger's key is account/app/job of its data (\"\(job)\")")
        }
        guard key == job.description else {
            return EventDecodingError(.invalidData, "malformed key \"\(key)\": a trigger's key is account/app/job of its data (\"\(job)\")")
        }
        return nil
    }
}
