import AlmanacCore
import CAlmanacShims
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a job as a process (docs/design.md §5):
/// - argv from the job config, spawned with `posix_spawn` in a process group of its own;
/// - a scrubbed environment: only `PATH`, `LANG`, `HOME`, the `ALMANAC_*` variables (with
///   `ALMANAC_OUTPUT_DIR` when the request has an output folder) and the job's `env`;
/// - params as JSON on stdin; stdout and stderr captured (last 64 KiB of each kept);
/// - reports as JSON lines on fd 3 (`ALMANAC_REPORT_FD=3`, see ``RunReport``);
/// - on timeout (real seconds, whatever the worker's clock: see ``RunRequest/timeout``) the whole
///   group gets SIGTERM, then SIGKILL 5 s later; the same when the calling task is cancelled (the
///   result is then ``RunResult/interrupted``);
/// - when the job's own process exits, whatever is left of its group is killed.
///
/// swift-subprocess 1.0 cannot hand a child an extra descriptor on Linux (its
/// `preSpawnProcessConfigurator` is Darwin-only), so this spawns directly. Each run is served by one
/// dedicated thread (poll(2) over its pipes, then waitpid), never the cooperative pool.
public struct ProcessRunner: JobRunner {
    public static let tailLimit = 64 * 1024
    /// Seconds between SIGTERM and SIGKILL.
    public var killGrace: Double = 5
    let clock: any WallClock

    /// - Important: ignores SIGPIPE process-wide, so that a job closing its stdin early makes
    ///   the write fail with EPIPE instead of killing the worker.
    public init(clock: any WallClock) {
        self.clock = clock
        signal(SIGPIPE, SIG_IGN)
    }

    public func run(_ request: RunRequest) async -> RunResult {
        let environment = Self.environment(for: request)
        var argv = request.job.command
        guard !argv.isEmpty else { return Self.notStarted("the job has no command") }
        if argv[0].contains("/"), !argv[0].hasPrefix("/") {
            guard let base = request.appDirectory ?? request.baseDirectory else {
                return Self.notStarted("cannot start \(argv[0]): a relative command needs an apps root (--apps-root) on this worker")
            }
            argv[0] = ((base as NSString).appendingPathComponent(argv[0]) as NSString).standardizingPath
        }
        let stdin = Array(((try? String(data: JSONEncoder().encode(request.trigger.params ?? .object([:])), encoding: .utf8)) ?? "{}").utf8)
        let timeoutSeconds = Double(request.timeout.components.seconds)
        let killGrace = self.killGrace
        let workingDirectory = request.baseDirectory
        if let workingDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workingDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                return Self.notStarted("cannot start \(argv[0]): the working directory \(workingDirectory) is not a directory")
            }
        }
        let finalArgv = argv
        guard let cancel = CancelSignal() else { return Self.failure("cannot create pipes: \(String(cString: strerror(errno)))") }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Named from inside: swift-corelibs-foundation ignores a name set before `start`.
                let outputDirectory = request.outputDirectory
                let thread = Thread {
                    Thread.current.name = "almanac.run"
                    if let outputDirectory {
                        try? FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
                    }
                    continuation.resume(returning: Self.spawnAndWait(
                        argv: finalArgv, environment: environment, stdin: stdin, workingDirectory: workingDirectory,
                        timeout: max(timeoutSeconds, 0.05), killGrace: killGrace, cancel: cancel))
                    cancel.close()
                }
                thread.start()
            }
        } onCancel: {
            cancel.fire()
        }
    }

    /// `PATH`, `LANG` and `HOME` of the worker, read once: `ProcessInfo.environment` parses the
    /// whole environment into a new dictionary on every call (~4 % of the worker's CPU per run in
    /// `ops/bench` worker.e2e_noop when it was read per run).
    static let inheritedEnvironment: [String: String] = {
        let inherited = ProcessInfo.processInfo.environment
        return [
            "PATH": inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "LANG": inherited["LANG"] ?? "C.UTF-8",
            "HOME": inherited["HOME"] ?? "/tmp",
        ]
    }()

    static func environment(for request: RunRequest) -> [String: String] {
        var env = environment(for: request.trigger, job: request.job)
        if let output = request.outputDirectory { env["ALMANAC_OUTPUT_DIR"] = output }
        return env
    }

    static func environment(for trigger: JobTriggered, job: JobConfiguration) -> [String: String] {
        var env = inheritedEnvironment
        for (key, value) in job.env { env[key] = value }
        env["ALMANAC_ACCOUNT_ID"] = trigger.job.account
        env["ALMANAC_APP_ID"] = trigger.job.app
        env["ALMANAC_JOB"] = trigger.job.job
        env["ALMANAC_TRIGGER_ID"] = trigger.triggerId.rawValue
        env["ALMANAC_SCHEDULED_FOR"] = RFC3339.utcMilliseconds(trigger.scheduledFor)
        env["ALMANAC_ATTEMPT"] = String(trigger.attempt)
        env["ALMANAC_REPORT_FD"] = "3"
        return env
    }

    /// Blocking: spawns, pumps pipes until every end closes, enforces the timeout, reaps.
    /// - Parameter cancel: readable once the run must stop (task cancelled): handled like a timeout,
    ///   but the result is marked ``RunResult/interrupted``.
    static func spawnAndWait(argv: [String], environment: [String: String], stdin input: [UInt8], workingDirectory: String?,
                             timeout: Double, killGrace: Double, cancel: CancelSignal) -> RunResult {
        var pipes: [[Int32]] = []
        for _ in 0..<4 {
            var fds: [Int32] = [0, 0]
            guard almanac_pipe_cloexec(&fds) == 0 else {
                for p in pipes { close(p[0]); close(p[1]) }
                return failure("cannot create pipes: \(String(cString: strerror(errno)))")
            }
            pipes.append(fds)
        }
        // pipes[0] stdin (child reads [0]); [1] stdout; [2] stderr; [3] report (child writes [1]).
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2)
        posix_spawn_file_actions_adddup2(&actions, pipes[3][1], 3)
        almanac_spawn_addclosefrom(&actions, 4)
        if let workingDirectory { almanac_spawn_addchdir(&actions, workingDirectory) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let spawnError: Int32 = argv[0].contains("/")
            ? posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
            : posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        close(pipes[0][0]); close(pipes[1][1]); close(pipes[2][1]); close(pipes[3][1])
        guard spawnError == 0 else {
            close(pipes[0][1]); close(pipes[1][0]); close(pipes[2][0]); close(pipes[3][0])
            return notStarted("cannot start \(argv[0]): \(String(cString: strerror(spawnError)))")
        }

        var stdout = TailBuffer(limit: tailLimit)
        var stderr = TailBuffer(limit: tailLimit)
        var report: [UInt8] = []
        var reportCutOff = false
        var open: [Int32: Int] = [pipes[1][0]: 1, pipes[2][0]: 2, pipes[3][0]: 3]
        var stdinFD: Int32? = pipes[0][1]
        var written = 0
        _ = fcntl(pipes[0][1], F_SETFL, fcntl(pipes[0][1], F_GETFL) | O_NONBLOCK)
        let start = Date()
        var terminatedAt: Date?
        var killed = false
        var timedOut = false
        var interrupted = false
        var watchCancel = true
        var status: Int32 = 0
        var exitedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func terminate() {
            terminatedAt = Date()
            kill(-pid, SIGTERM)
        }
        while true {
            if exitedAt == nil {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid {
                    exitedAt = Date()
                    // The job is over: whatever is left of its group (a background grandchild) goes too.
                    kill(-pid, SIGKILL)
                    if let fd = stdinFD { close(fd); stdinFD = nil }
                }
            }
            if let exitedAt {
                // Read what is still buffered; a process outside the group may hold a pipe open.
                if open.isEmpty || Date().timeIntervalSince(exitedAt) > 2 { break }
            } else {
                let elapsed = Date().timeIntervalSince(start)
                if !timedOut, elapsed >= timeout {
                    timedOut = true
                    terminate()
                }
                if let terminatedAt, !killed, Date().timeIntervalSince(terminatedAt) >= killGrace {
                    killed = true
                    kill(-pid, SIGKILL)
                }
                // KILL cannot be ignored; only an unkillable (D-state) process gets here.
                if killed, Date().timeIntervalSince(terminatedAt!) > killGrace + 5 { break }
            }
            var fds = open.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let stdinFD { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if watchCancel { fds.append(pollfd(fd: cancel.readFD, events: Int16(POLLIN), revents: 0)) }
            // Wake at least every 100 ms to notice the job's exit (its pipes may be held by others).
            var wait: Double = 0.1
            if exitedAt == nil, let terminatedAt, !killed {
                wait = min(wait, killGrace - Date().timeIntervalSince(terminatedAt))
            } else if exitedAt == nil, !timedOut {
                wait = min(wait, timeout - Date().timeIntervalSince(start))
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(max(1, wait * 1000)))
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if watchCancel && entry.fd == cancel.readFD {
                    // Cancelled: stop the group like a timeout (TERM now, KILL after the grace).
                    watchCancel = false
                    guard exitedAt == nil else { continue }  // finished anyway: keep the result
                    interrupted = true
                    if !timedOut {
                        timedOut = true
                        terminate()
                    }
                    continue
                }
                if entry.fd == stdinFD {
                    let n = input.withUnsafeBytes { write(entry.fd, $0.baseAddress! + written, input.count - written) }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN || written >= input.count {
                        close(entry.fd)
                        stdinFD = nil
                    }
                    continue
                }
                let n = read(entry.fd, &buffer, buffer.count)
                if n > 0 {
                    switch open[entry.fd] {
                    case 1: stdout.append(buffer[0..<n])
                    case 2: stderr.append(buffer[0..<n])
                    default:
                        let room = RunReport.maximumBytes - report.count
                        report += buffer[0..<min(n, max(room, 0))]
                        if n > room { reportCutOff = true }
                    }
                } else if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    open.removeValue(forKey: entry.fd)
                }
            }
        }
        for fd in open.keys { close(fd) }
        if let stdinFD { close(stdinFD) }
        if exitedAt == nil {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }

        let parsed = RunReport(parsing: report, cutOff: reportCutOff)
        let exited = (status & 0x7f) == 0
        let exitCode: Int32? = exited ? (status >> 8) & 0xff : nil
        let signal = status & 0x7f
        var errors: [String] = []
        let runStatus: RunStatus
        if interrupted {
            runStatus = .failed
            errors.append("interrupted: the worker stopped the run (process group sent SIGTERM\(killed ? " then SIGKILL" : ""))")
        } else if timedOut {
            runStatus = .timedOut
            errors.append("timed out after \(Int(timeout)) s of real time (timeoutSeconds); process group sent SIGTERM\(killed ? " then SIGKILL" : "")")
        } else if exitCode == 0 {
            runStatus = .succeeded
        } else {
            runStatus = .failed
            errors.append(exited ? "exited with code \(exitCode!)" : "killed by signal \(signal)")
        }
        errors += parsed.errors
        var result = RunResult(status: runStatus, exitCode: exitCode, usage: parsed.usage, followUps: parsed.followUps,
                               stdoutTail: stdout.text, stderrTail: stderr.text, error: errors.isEmpty ? nil : errors.joined(separator: "; "),
                               interrupted: interrupted)
        result.refusedReportLines = parsed.errors.count
        result.signal = exited ? nil : signal
        return result
    }

    /// A run that never started: failed, no exit code (no process ran), not charged.
    static func notStarted(_ text: String) -> RunResult {
        var result = failure(text)
        result.notStarted = true
        return result
    }

    static func failure(_ text: String, exitCode: Int32? = nil) -> RunResult {
        RunResult(status: .failed, exitCode: exitCode, usage: .none, followUps: [], stdoutTail: "", stderrTail: "", error: text)
    }
}

/// Keeps the last `limit` bytes written to it.
struct TailBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    init(limit: Int) { self.limit = limit }
    mutating func append(_ chunk: ArraySlice<UInt8>) {
        bytes += chunk
        if bytes.count > limit * 2 { bytes.removeFirst(bytes.count - limit) }
    }
    var text: String { String(decoding: bytes.suffix(limit), as: UTF8.self) }
}
