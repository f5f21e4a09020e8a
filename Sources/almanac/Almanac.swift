import ArgumentParser

@main
struct AlmanacCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "almanac",
        abstract: "An event-sourced job scheduler on Kafka.",
        discussion: """
            Exit codes: 0 ok, 1 failure, 2 usage or invalid input.
            Example: almanac dev --start 2026-03-02T07:55:00-05:00 --speed 120 --run-for 3h
            """,
        subcommands: [DevCommand.self, PauseCommand.self, ResumeCommand.self])
}
