import Almanac
import ArgumentParser
import Foundation
import Kafka

struct AlmanacCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "almanac",
        abstract: "An event-sourced job scheduler on Kafka.",
        discussion: """
            Exit codes: 0 ok, 1 failure, 2 usage or invalid input.
            Example: almanac dev --start 2026-03-02T07:55:00-05:00 --speed 120 --run-for 3h
            """,
        version: AlmanacVersion.description,
        subcommands: [DevCommand.self, RunCommand.self, ApplyCommand.self, RemoveCommand.self, PauseCommand.self, ResumeCommand.self, TriggerCommand.self, NextCommand.self, EstimateCommand.self, BillingCommand.self, AuditCommand.self, ExportCommand.self, ImportCommand.self, StatusCommand.self, TailCommand.self, TopicsCommand.self, TokenCommand.self, RunsCommand.self])
}

/// Entry point: like `AsyncParsableCommand.main()`, but with Almanac's exit codes
/// (0 ok, 1 failure, 2 usage or invalid input) instead of sysexits' 64.
@main
enum Main {
    static func main() async {
        // A job that exits without reading its stdin must not kill us with SIGPIPE (librdkafka's
        // advice too): writes then fail with EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        let code = await run()
        // The command's Kafka clients are released by now; their destroys run on threads of their
        // own, which `exit` must not cut short (bounded: a broker gone for good cannot hold us).
        await KafkaTeardown.finish(within: .seconds(10))
        exit(code)
    }

    /// Runs the command line. - Returns: the exit code.
    private static func run() async -> Int32 {
        var command: any ParsableCommand
        do { command = try AlmanacCommand.parseAsRoot() } catch { return report(error, parsing: true) }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            return report(error, parsing: false)
        }
    }

    /// Prints `error` and returns its exit code. Errors of parsing and ArgumentParser's own types
    /// keep its wording; every other error is described for users (``UserMessage``), never by
    /// its debug description.
    private static func report(_ error: any Error, parsing: Bool) -> Int32 {
        let code = AlmanacCommand.exitCode(for: error)
        let message = parsing || error is ExitCode || error is ValidationError || error is CleanExit
            ? AlmanacCommand.fullMessage(for: error) : "Error: \(UserMessage.describe(error))"
        if code == .success {
            if !message.isEmpty { print(message) }
            return 0
        }
        if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        if code == .validationFailure || error is InputError { return 2 }
        return code.rawValue == 0 ? 0 : (code.rawValue == 2 ? 2 : 1)
    }
}

/// Invalid input (an expression, a zone, a file): reported with exit code 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
}
