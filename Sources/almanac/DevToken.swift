import AlmanacHTTP
import Foundation

/// The admin token `almanac dev` makes for itself when none is configured: random, written to
/// `<state-directory>/dev.token` with mode 0600 (only the user who runs dev may read it), new on
/// every start.
enum DevToken {
    static let fileName = "dev.token"

    /// Creates the token and its file.
    /// - Throws: when the state directory or the file cannot be written.
    static func create(in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(fileName)
        let token = TokenDigest.newToken()
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw InputError(description: "cannot write \(path)")
        }
        return token
    }
}
