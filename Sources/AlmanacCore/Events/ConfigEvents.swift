/// `almanac.app.configured` (topic `config`, key app id): the app's whole configuration, replacing
/// any earlier one.
public struct AppConfigured: Codable, Hashable, Sendable {
    public var config: AppConfiguration
    public init(config: AppConfiguration) { self.config = config }
}

/// `almanac.app.removed` (topic `config`, key app id): the app and its jobs stop.
public struct AppRemoved: Codable, Hashable, Sendable {
    public var app: String
    public var account: String
    public init(app: String, account: String) {
        self.app = app
        self.account = account
    }
}

/// `almanac.schedule.paused` / `almanac.schedule.resumed` (topic `control`, key app id).
/// `job == nil` pauses or resumes the whole app.
public struct ScheduleToggled: Codable, Hashable, Sendable {
    public var app: String
    public var job: String?
    public var reason: String?
    /// Who asked (`cli:alice`, `http`, `kcat`), free text.
    public var actor: String?
    public init(app: String, job: String? = nil, reason: String? = nil, actor: String? = nil) {
        self.app = app
        self.job = job
        self.reason = reason
        self.actor = actor
    }
}

/// `almanac.tick.completed` (topic `ticks`, key `ticker`): every due job of `minute` was triggered
/// or skipped. The ticker resumes after the newest one.
public struct TickCompleted: Codable, Hashable, Sendable {
    /// The minute, UTC, whole minute.
    public var minute: Date
    public var triggered: Int
    public var skipped: Int
    /// The ticker that wrote it (`host:pid`).
    public var ticker: String
    public init(minute: Date, triggered: Int, skipped: Int, ticker: String) {
        self.minute = minute
        self.triggered = triggered
        self.skipped = skipped
        self.ticker = ticker
    }
}

import Foundation
