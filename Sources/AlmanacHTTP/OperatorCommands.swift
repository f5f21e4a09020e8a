import AlmanacCore
import Foundation

/// Pause, resume and manual trigger, shared by the API and the panel: builds the event exactly
/// as `almanac pause|resume|trigger` does and publishes it through the backend.
struct OperatorCommands: Sendable {
    let backend: any OperatorBackend

    /// Publishes `schedule.paused` / `schedule.resumed` for an app (or one job); the caller has
    /// checked that they exist in `state`.
    func toggle(app: String, job: String?, paused: Bool, reason: String?, actor: String, state: SchedulerState) async throws -> PublishedView {
        let toggle = ScheduleToggled(app: app, job: job, reason: reason, actor: actor)
        let event: AlmanacEvent = paused ? .schedulePaused(toggle) : .scheduleResumed(toggle)
        let published = try await backend.publish(event)
        return PublishedView(type: event.type, app: app, job: job, reason: reason, triggerId: nil,
                             time: RFC3339.utcMilliseconds(published.time), topic: published.topic,
                             partition: published.partition, offset: published.offset)
    }

    /// Publishes `job.triggered(source: manual)` with a fresh UUID trigger id and `actor` as who
    /// asked for it.
    func trigger(app: String, job: String, params: JSONValue?, state: SchedulerState, actor: String) async throws -> PublishedView {
        let account = state.apps[app]!.config.account
        let now = backend.now()
        let trigger = JobTriggered(triggerId: TriggerID(UUID().uuidString.lowercased()),
                                   job: JobKey(account: account, app: app, job: job), scheduledFor: now, source: .manual, params: params, actor: actor)
        let event = AlmanacEvent.jobTriggered(trigger)
        let published = try await backend.publish(event)
        return PublishedView(type: event.type, app: app, job: job, reason: nil, triggerId: trigger.triggerId.rawValue,
                             time: RFC3339.utcMilliseconds(published.time), topic: published.topic,
                             partition: published.partition, offset: published.offset)
    }
}
