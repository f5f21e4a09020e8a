import Foundation

/// What `almanac dev` writes to `.almanac/dev.json` so other processes (the CLI, tests, kcat
/// users) can reach its broker and read its simulated clock.
public struct DevState: Codable, Sendable {
    public var brokers: String
    /// Simulated start instant (RFC 3339) and speed; `realAnchor` is the real instant it began.
    public var clockStart: String
    public var speed: Double
    public var realAnchor: Double
    public var pid: Int32
    public var topicPrefix: String
    /// The `http` role's base URL (admin panel and API), once it listens; `nil` without it.
    public var httpURL: String?
    /// The dev worker's apps root (absolute): `almanac run` against this broker uses it by default.
    public var appsRoot: String?

    public init(brokers: String, clock: ScaledWallClock, topicPrefix: String) {
        self.brokers = brokers
        clockStart = RFC3339Text.format(clock.start)
        speed = clock.speed
        realAnchor = clock.realAnchor.timeIntervalSince1970
        pid = getpid()
        self.topicPrefix = topicPrefix
    }

    public var clock: ScaledWallClock? {
        guard let start = RFC3339Text.parse(clockStart) else { return nil }
        return ScaledWallClock(start: start, speed: speed, realAnchor: Date(timeIntervalSince1970: realAnchor))
    }

    public static func write(_ state: DevState, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: URL(fileURLWithPath: directory + "/dev.json"))
        try Data((state.brokers + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/dev.brokers"))
    }

    public static func read(directory: String) -> DevState? {
        guard let data = FileManager.default.contents(atPath: directory + "/dev.json") else { return nil }
        return try? JSONDecoder().decode(DevState.self, from: data)
    }
}

import AlmanacCore
enum RFC3339Text {
    static func format(_ date: Date) -> String { RFC3339.utcMilliseconds(date) }
    static func parse(_ text: String) -> Date? { RFC3339.parse(text) }
}
