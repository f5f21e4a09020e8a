import Almanac
import AlmanacCore
import ArgumentParser
import Foundation

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Look up runs in the log.",
        subcommands: [RunsShowCommand.self])
}

/// `almanac runs show ID`: a run's whole story, read from the log (``RunLogReader``).
struct RunsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a run's whole story: trigger, each attempt's start and outcome, exit code or signal, error, stdout and stderr tails, follow-ups, retries, charges with line items.",
        discussion: """
            ID is a trigger id (as `almanac trigger` prints it, or from `almanac audit runs`, the panel, \
            the API) or an execution id (a job's `job.started`/`job.completed`). Reads triggers, \
            executions and charges from the beginning (no consumer group). Exit code 1 when the log \
            holds nothing of it.
            Example: almanac runs show 'acme-clinics/clinic-reminders/send-reminders@2026-03-02T13:00Z'
            """)

    @Argument(help: "A trigger id or an execution id.")
    var id: String

    @Flag(help: "Print the story as JSON.")
    var json = false

    @Option(help: "Lines of stdout and stderr shown from the end of each (the JSON has the whole 64 KiB tails).")
    var tailLines: Int = 20

    @Option(help: "IANA zone for the times shown.")
    var zone: String = AppConfiguration.defaultTimeZone

    @OptionGroup var broker: BrokerOptions

    func validate() throws {
        guard TimeZone(identifier: zone) != nil else { throw ValidationError("--zone: unknown IANA time zone \"\(zone)\"") }
        guard tailLines >= 0 else { throw ValidationError("--tail-lines must be 0 or more") }
        guard !id.isEmpty else { throw ValidationError("the id is empty") }
    }

    func run() async throws {
        let (kafka, _) = try broker.resolve()
        let reader = RunLogReader(kafka: kafka, topics: AlmanacTopics(prefix: broker.topicPrefix), logger: makeLogger("almanac.runs"))
        let story = try await reader.story(of: id)
        guard !story.isEmpty else {
            FileHandle.standardError.write(Data("almanac: no run \"\(id)\" in the log (neither a trigger id nor an execution id of one)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(RunStoryJSON(story)), as: UTF8.self))
        } else {
            writeLines(RunStoryText(zone: TimeZone(identifier: zone)!, tailLines: tailLines).lines(story))
        }
    }
}
