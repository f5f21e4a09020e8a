import AlmanacCore
import Foundation

/// Where a worker's jobs find their code and put their outputs (docs/workers.md, "Where job code
/// lives"). App configurations carry commands and working directories as written in the app file;
/// each worker resolves them here, at run time, against its own copy of the apps:
///
/// ```
/// <appsRoot>/<app id>/jobs/digest.py     command: ["jobs/digest.py"] of app <app id>
/// <appsRoot>/jobs/digest.py              the same when <appsRoot>/<app id>/ does not exist (a flat
///                                        folder of app files, as examples/apps and `almanac dev`)
/// <outputRoot>/<app id>/                 ALMANAC_OUTPUT_DIR of every run of the app
/// ```
///
/// A path that is already absolute (`/bin/sh`, or a configuration published before apps roots
/// existed) is used as it is; a bare program name (`python3`) is looked up in `PATH`.
public struct JobDirectories: Sendable, Hashable {
    /// The folder holding one folder per app (`--apps-root`); nil: relative commands cannot start.
    public var appsRoot: String?
    /// The folder under which each app gets an output folder (`<state directory>/out`); nil: jobs
    /// get no `ALMANAC_OUTPUT_DIR`.
    public var outputRoot: String?

    /// - Parameters are made absolute against the current directory.
    public init(appsRoot: String? = nil, outputRoot: String? = nil) {
        self.appsRoot = appsRoot.map(Self.absolute)
        self.outputRoot = outputRoot.map(Self.absolute)
    }

    /// The folder of `app`'s code, absolute: `<appsRoot>/<app>` if it is a folder, else `<appsRoot>`.
    /// - Important: reads the file system (one `stat`).
    public func appDirectory(of app: String) -> String? {
        guard let appsRoot else { return nil }
        let own = (appsRoot as NSString).appendingPathComponent(app)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: own, isDirectory: &isDirectory), isDirectory.boolValue { return own }
        return appsRoot
    }

    /// The run's working directory, absolute: the job's `workingDirectory` resolved against its
    /// app's folder (default: the app's folder itself). Nil when it is relative and there is no
    /// apps root (the process then inherits the worker's directory).
    public func workingDirectory(of job: JobConfiguration, app: String) -> String? {
        let configured = job.workingDirectory ?? "."
        if configured.hasPrefix("/") { return configured }
        guard let base = appDirectory(of: app) else { return nil }
        return ((base as NSString).appendingPathComponent(configured) as NSString).standardizingPath
    }

    /// `<outputRoot>/<app>`, or nil without an output root.
    public func outputDirectory(of app: String) -> String? {
        outputRoot.map { ($0 as NSString).appendingPathComponent(app) }
    }

    /// A request for `trigger` of `job` with its folders resolved.
    func request(_ trigger: JobTriggered, _ job: JobConfiguration) -> RunRequest {
        var request = RunRequest(trigger: trigger, job: job, baseDirectory: workingDirectory(of: job, app: trigger.job.app),
                                 timeout: .seconds(job.timeoutSeconds))
        request.appDirectory = appDirectory(of: trigger.job.app)
        request.outputDirectory = outputDirectory(of: trigger.job.app)
        return request
    }

    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}
