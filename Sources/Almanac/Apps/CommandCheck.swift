import AlmanacCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether each job's command can start: the program exists and is executable. `almanac apply`
/// checks it where it can see the code, on its own machine: a relative program (`../jobs/x.py`)
/// against the app's folder (`--apps-root` laid out as on the workers, else the app file's folder),
/// an absolute one as it is, a bare name (`python3`) in this machine's `PATH`. Workers resolve the
/// same command under their own apps root (``JobDirectories``), so a pass here says the copy seen
/// here is complete, not that every worker has it.
///
/// - Important: reads the file system.
public enum CommandCheck {
    /// A job whose command cannot start here.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// `jobs[1].command`
        public var field: String
        /// `"../jobs/send.py" resolves to /srv/apps/jobs/send.py, which does not exist`
        public var reason: String
        public var description: String { "\(field): \(reason)" }
    }

    /// The problems of `app`'s process jobs (handler jobs are not checked).
    /// - Parameter directory: the absolute folder relative programs resolve against.
    public static func problems(of app: AppConfiguration, directory: String,
                                path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") -> [Problem] {
        var problems: [Problem] = []
        for (index, job) in app.jobs.enumerated() where job.handlerName == nil {
            guard let program = job.command.first else { continue }
            let field = "jobs[\(index)].command"
            if program.contains("/") {
                let resolved = program.hasPrefix("/") ? program
                    : ((directory as NSString).appendingPathComponent(program) as NSString).standardizingPath
                let shown = resolved == program ? program : "\"\(program)\" resolves to \(resolved), which"
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
                    problems.append(Problem(field: field, reason: "\(shown) does not exist"))
                } else if isDirectory.boolValue || access(resolved, X_OK) != 0 {
                    problems.append(Problem(field: field, reason: "\(shown) is not executable\(isDirectory.boolValue ? " (a folder)" : " (chmod +x)")"))
                }
            } else if !path.split(separator: ":").contains(where: { access("\($0)/\(program)", X_OK) == 0 }) {
                problems.append(Problem(field: field, reason: "\"\(program)\" is not an executable in PATH on this machine"))
            }
        }
        return problems
    }
}
