import AlmanacCore
import Foundation
import Logging
import Synchronization

/// The principals the `http` role knows: the token file's (``TokenFile``) plus, when set,
/// `ALMANAC_ADMIN_TOKEN` as the admin principal `admin`. Looks a presented token up by its SHA-256.
///
/// - Important: Reloading. The file is read again when its modification time, size or inode
///   changes (checked at most every ``recheckInterval`` seconds, on lookup) and on ``reload()``
///   (SIGHUP). A file that no longer parses is reported and ignored: the principals of the last
///   good version stay in force, so a typo never locks everyone out nor lets anyone in.
///   Thread-safe: one lock guards the table; lookups never touch the disk more often than
///   every ``recheckInterval``.
public final class PrincipalDirectory: Sendable {
    public let path: String?
    let adminDigest: String?
    let logger: Logger
    /// Seconds between checks of the file's metadata on lookup.
    public let recheckInterval: TimeInterval

    private struct FileStamp: Equatable {
        var modified: Date
        var size: Int
        var inode: Int
    }

    private struct Table {
        var byDigest: [String: Principal] = [:]
        var stamp: FileStamp?
        var checkedAt: Date = .distantPast
        var lastError: String?
    }

    private let table = Mutex(Table())

    /// - Parameters:
    ///   - path: the token file, or `nil` for none.
    ///   - adminToken: `ALMANAC_ADMIN_TOKEN` (an admin principal named `admin`), or `nil`.
    /// - Throws: ``TokenFile/Problem`` (or a read error) when the file cannot be used at start:
    ///   a process does not start on a broken token file.
    public init(path: String?, adminToken: String?, recheckInterval: TimeInterval = 0.25, logger: Logger) throws {
        self.path = path
        self.adminDigest = adminToken.flatMap { $0.isEmpty ? nil : TokenDigest.sha256Hex($0) }
        self.recheckInterval = recheckInterval
        self.logger = logger
        if let path {
            let (file, stamp) = try Self.read(path)
            table.withLock { $0 = Self.table(file: file, adminDigest: adminDigest, stamp: stamp) }
        } else {
            table.withLock { $0 = Self.table(file: TokenFile(entries: []), adminDigest: adminDigest, stamp: nil) }
        }
    }

    /// Whether any principal can log in at all.
    public var isEmpty: Bool { table.withLock { $0.byDigest.isEmpty } }

    /// How many principals are known now.
    public var count: Int { table.withLock { $0.byDigest.count } }

    /// The principal whose token is `token`, or `nil`.
    public func principal(forToken token: String) -> Principal? {
        principal(forDigest: TokenDigest.sha256Hex(token))
    }

    /// The principal whose token has this digest (a panel session keeps the digest, so a token
    /// removed from the file also ends its sessions), or `nil`.
    public func principal(forDigest digest: String, now: Date = Date()) -> Principal? {
        reloadIfChanged(now: now)
        return table.withLock { $0.byDigest[digest] }
    }

    /// Reads the file again now (SIGHUP). Returns the problem when the new version was refused.
    @discardableResult
    public func reload() -> String? {
        guard let path else { return nil }
        do {
            let (file, stamp) = try Self.read(path)
            table.withLock { $0 = Self.table(file: file, adminDigest: adminDigest, stamp: stamp) }
            logger.notice("token file reloaded", metadata: ["path": "\(path)", "principals": "\(file.entries.count)"])
            return nil
        } catch {
            let message = "\(error)"
            let stamp = Self.stamp(path)
            table.withLock {
                $0.lastError = message
                $0.stamp = stamp
            }
            logger.error("token file \(path) not reloaded, the previous version stays in force: \(message)")
            return message
        }
    }

    private func reloadIfChanged(now: Date) {
        guard let path else { return }
        let (due, previous) = table.withLock { table -> (Bool, FileStamp?) in
            guard now.timeIntervalSince(table.checkedAt) >= recheckInterval || now < table.checkedAt else { return (false, nil) }
            table.checkedAt = now
            return (true, table.stamp)
        }
        if due, Self.stamp(path) != previous { reload() }
    }

    private static func table(file: TokenFile, adminDigest: String?, stamp: FileStamp?) -> Table {
        var table = Table()
        for entry in file.entries { table.byDigest[entry.sha256] = entry.principal }
        if let adminDigest { table.byDigest[adminDigest] = Principal(name: "admin", role: .admin) }
        table.stamp = stamp
        table.checkedAt = Date()
        return table
    }

    private static func stamp(_ path: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return FileStamp(modified: attributes[.modificationDate] as? Date ?? .distantPast,
                         size: (attributes[.size] as? NSNumber)?.intValue ?? -1,
                         inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? -1)
    }

    private static func read(_ path: String) throws -> (TokenFile, FileStamp?) {
        let stamp = Self.stamp(path)
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TokenFile.Problem(field: "", reason: "cannot read the token file \(path): \(error.localizedDescription)")
        }
        do { return (try TokenFile.parse(text), stamp) } catch {
            throw TokenFile.Problem(field: error.field, reason: "\(path): \(error.reason)")
        }
    }
}
