import AlmanacCore
import AlmanacHTTP
import ArgumentParser
import Foundation

/// `almanac token create`: a new random token and the token-file line that grants it.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make tokens for the http role's API and panel.",
        subcommands: [TokenCreateCommand.self])
}

struct TokenCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Print a new random token (once: it is not stored anywhere) and the line to add to the token file.",
        discussion: """
            The token goes to stdout's first line; the token-file entry (its SHA-256, never the token) to the \
            second. Hand the token to its owner; add the line under `tokens:` in the --token-file of every \
            http process (it is reloaded within a second, or on SIGHUP).
            Example: almanac token create --name alice --account acme
                     almanac token create --name ops --role admin
                     almanac token create --name prometheus --role metrics
            """)

    @Option(help: "Who the token is for: shown as the actor of every pause, resume and manual run it makes.")
    var name: String

    @Option(help: "admin (everything), account (its accounts only) or metrics (/metrics only).")
    var role: String = "account"

    @Option(help: "An account the token may see (repeat for several); needed for --role account.")
    var account: [String] = []

    @Option(help: "Only these apps of the accounts (repeat for several); default: all of them.")
    var app: [String] = []

    func validate() throws {
        guard Principal.Role(rawValue: role) != nil else { throw ValidationError("--role must be admin, account or metrics, not \"\(role)\"") }
        guard !name.isEmpty, !name.contains(where: { $0.isNewline || $0 == "," || $0 == "}" || $0 == "{" }) else {
            throw ValidationError("--name must be a non-empty name without commas, braces or line breaks")
        }
        if role == "account", account.isEmpty { throw ValidationError("an account token needs --account (repeat it for several)") }
        if role != "account", !(account.isEmpty && app.isEmpty) { throw ValidationError("--account and --app are for --role account only") }
    }

    func run() throws {
        let principal = Principal(name: name, role: Principal.Role(rawValue: role)!, accounts: Set(account), apps: app.isEmpty ? nil : Set(app))
        let token = TokenDigest.newToken()
        print(token)
        print(TokenFile.line(for: principal, sha256: TokenDigest.sha256Hex(token)))
        // Checked by parsing it back, so what is printed is exactly what the file accepts.
        _ = try TokenFile.parse("tokens:\n" + TokenFile.line(for: principal, sha256: TokenDigest.sha256Hex(token)) + "\n")
    }
}
