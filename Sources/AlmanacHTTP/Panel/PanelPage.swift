import AlmanacCore
import Foundation

/// Who is looking at the panel: the logged-in principal's name and the CSRF token every form of
/// the page carries (checked against the session on submit).
public struct PanelViewer: Sendable, Equatable {
    public var name: String
    public var csrf: String
    public init(name: String, csrf: String) {
        self.name = name
        self.csrf = csrf
    }
}

/// Renders the admin panel (`GET /`) from the API's views: accounts with today's credits, each
/// app with its switch and pause (since, by whom, why), its jobs (switch, schedule, next runs or
/// "paused", run history by the slot each ran for, with status and duration, a "run now" button)
/// and the dlq. Times are `HH:MM` in the app's zone (named in the app's header), with the date
/// (`MM-DD HH:MM`) when it is not today there. Pure: views in, HTML out. Switches are forms that
/// POST to `/panel/apps/{app}/(pause|resume)` and `/panel/apps/{app}/jobs/{job}/(pause|resume)`;
/// "run now" posts to `/panel/apps/{app}/jobs/{job}/trigger`. The page reloads itself every
/// ``refreshSeconds`` (a `<meta http-equiv="refresh">`: no JavaScript). Every form carries the
/// viewer's CSRF token; the views hold only what the viewer may see (an account principal's views
/// hold only its apps).
public enum PanelPage {
    /// Seconds between the page's own reloads.
    public static let refreshSeconds = 30

    public static func render(list: AppListView, dlq: DLQView, viewer: PanelViewer, message: String?) -> String {
        var out = head(title: "Almanac", refresh: true)
        out += "<body><header><h1>Almanac</h1><span class=\"meta\" id=\"now\">now \(html(list.now)) · credits for \(html(list.day)) (UTC)</span>"
        out += "<span class=\"meta\" id=\"viewer\">\(html(viewer.name))</span>"
        out += #"<form method="post" action="/logout">\#(csrfField(viewer))<button type="submit" id="logout">Log out</button></form>"#
        out += "</header><main>"
        if let message { out += #"<div class="flash" id="flash">\#(html(message))</div>"# }
        out += accounts(list.accounts)
        let now = RFC3339.parse(list.now)
        for app in list.apps { out += self.app(app, viewer: viewer, now: now) }
        out += self.dlq(dlq)
        out += "</main></body></html>\n"
        return out
    }

    /// The page a visitor without a session gets: the login form and nothing of any tenant.
    public static func renderLogin(message: String?) -> String {
        var out = head(title: "Almanac — log in", refresh: false)
        out += "<body><header><h1>Almanac</h1></header><main>"
        if let message { out += #"<div class="flash" id="flash">\#(html(message))</div>"# }
        out += """
        <section class="card login"><h2>Log in</h2>
        <form method="post" action="/login"><input type="password" name="token" id="token" placeholder="token" aria-label="token" autocomplete="current-password">
        <button type="submit" id="login">Log in</button></form></section>
        """
        return out + "</main></body></html>\n"
    }

    private static func head(title: String, refresh: Bool) -> String {
        let reload = refresh ? "<meta http-equiv=\"refresh\" content=\"\(refreshSeconds); url=/\">" : ""
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">\(reload)
        <title>\(html(title))</title><style>\(PanelStyle.css)</style></head>
        """
    }

    /// The hidden field every form of the page carries.
    static func csrfField(_ viewer: PanelViewer) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(html(viewer.csrf))\">"
    }

    private static func accounts(_ accounts: [AccountView]) -> String {
        var out = #"<section class="card" id="accounts"><h2>Accounts <small>credits today</small></h2><table><thead><tr><th>account</th><th>apps</th><th>credits</th><th>charged runs</th></tr></thead><tbody>"#
        for account in accounts {
            out += "<tr id=\"account-\(html(account.account))\"><td>\(html(account.account))</td><td>\(html(account.apps.joined(separator: ", ")))</td>"
            out += "<td class=\"credits\">\(html(account.creditsToday.credits))</td><td>\(account.creditsToday.runs)</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    private static func app(_ app: AppView, viewer: PanelViewer, now: Date?) -> String {
        let base = "/panel/apps/\(pathSegment(app.app))"
        let today = now.map { String(RFC3339.format($0, zoneIdentifier: app.zone).prefix(10)) } ?? ""
        func time(_ instant: InstantView) -> String { shortTime(instant.local, today: today) }
        var out = "<section class=\"card app\" id=\"app-\(html(app.app))\"><div class=\"app-head\"><h2>\(html(app.app)) <small>\(html(app.account)) · times in \(html(app.zone)) · \(html(app.creditsToday.credits)) credits today</small></h2>"
        out += toggle(id: "toggle-app-\(app.app)", action: base, enabled: app.enabled, paused: app.paused, viewer: viewer, label: app.app)
        out += "</div>"
        if let pause = app.paused { out += pauseNote(pause, id: "pause-\(app.app)", today: today, zone: app.zone) }
        out += #"<table class="jobs"><thead><tr><th>job</th><th>schedule</th><th>switch</th><th>next runs</th><th>last runs <small>(slot)</small></th></tr></thead><tbody>"#
        for job in app.jobs {
            let jobOn = job.paused == nil
            out += "<tr id=\"job-\(html(app.app))-\(html(job.name))\"><td data-label=\"job\"><strong>\(html(job.name))</strong>"
            out += "<form class=\"run-now\" method=\"post\" action=\"\(base)/jobs/\(pathSegment(job.name))/trigger\" id=\"run-\(html(app.app))-\(html(job.name))\">"
            out += "\(csrfField(viewer))<button type=\"submit\" id=\"run-\(html(app.app))-\(html(job.name))-submit\" aria-label=\"run \(html(app.app))/\(html(job.name)) now\">run now</button></form>"
            out += "</td><td data-label=\"schedule\"><code>\(html(job.schedule ?? "by hand / follow-up"))</code></td><td data-label=\"switch\">"
            out += toggle(id: "toggle-job-\(app.app)-\(job.name)", action: "\(base)/jobs/\(pathSegment(job.name))", enabled: jobOn,
                          paused: job.paused, viewer: viewer, label: "\(app.app)/\(job.name)")
            if let pause = job.paused { out += pauseNote(pause, id: "pause-\(app.app)-\(job.name)", today: today, zone: app.zone) }
            if jobOn && !app.enabled { out += #"<div class="muted">held by the app's pause</div>"# }
            out += "</td><td data-label=\"next\">"
            if job.enabled {
                out += "<ul class=\"next\">"
                for next in job.nextRuns.prefix(3) { out += "<li title=\"\(html(next.utc))\">\(html(time(next)))</li>" }
                out += "</ul>"
            } else {
                out += #"<span class="paused-next">paused</span>"#
            }
            out += "</td><td data-label=\"last runs\" class=\"history\">"
            if job.lastRuns.isEmpty { out += #"<span class="muted">none yet</span>"# }
            for run in job.lastRuns {
                let duration = run.durationMilliseconds.map { " · \(Self.duration($0))" } ?? ""
                let what = run.status == "skipped" ? "skipped (\(run.skipReason ?? ""))" : Self.outcome(run)
                let chip = run.needsAttention == true ? "attention" : run.status
                // The slot the run was for (a run of the 08:00 slot that finished at 08:01 shows 08:00);
                // manual and follow-up runs have none: when they started.
                let slot = run.scheduledFor ?? run.startedAt ?? run.at
                let title = "\(run.triggerId) · slot \(slot.local) · finished \(run.at.local)" + (run.error.map { "\n\($0)" } ?? "")
                out += "<span class=\"run \(html(chip))\" title=\"\(html(title))\">\(html(time(slot))) \(html(what))\(html(duration))</span>"
            }
            out += "</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    /// A finished run's status as a chip says it: `not started`, `succeeded, 2 report line(s) refused`.
    static func outcome(_ run: RunView) -> String {
        if run.failure == "notStarted" { return "not started" }
        if let refused = run.refusedReportLines, refused > 0 { return "\(run.status), \(refused) report line(s) refused" }
        return run.status
    }

    /// A pause shown on the page: since when (in the app's zone), by whom, why.
    private static func pauseNote(_ pause: PauseView, id: String, today: String, zone: String) -> String {
        let since = RFC3339.parse(pause.since).map { RFC3339.format($0, zoneIdentifier: zone) } ?? pause.since
        var text = "paused since \(shortTime(since, today: today))"
        if let actor = pause.actor { text += " by \(actor)" }
        if let reason = pause.reason { text += ": \u{201C}\(reason)\u{201D}" }
        return "<div class=\"pause\" id=\"\(html(id))\">\(html(text))</div>"
    }

    /// `08:00` for an RFC 3339 local time on `today` (`YYYY-MM-DD`), else `03-03 08:00`; the
    /// text unchanged when it is not RFC 3339.
    static func shortTime(_ local: String, today: String) -> String {
        guard local.count >= 16, Array(local)[10] == "T" else { return local }
        let clock = String(local.dropFirst(11).prefix(5))
        return local.hasPrefix(today) && !today.isEmpty ? clock : "\(local.dropFirst(5).prefix(5)) \(clock)"
    }

    /// An on/off switch: a form whose submit button shows the current state and flips it.
    private static func toggle(id: String, action: String, enabled: Bool, paused: PauseView?, viewer: PanelViewer, label: String) -> String {
        let state = enabled ? "on" : "off"
        let why = paused.map { " title=\"paused \(html($0.since))\(html($0.reason.map { ": " + $0 } ?? ""))\"" } ?? ""
        let verb = enabled ? "pause" : "resume"
        return """
        <form class="toggle" method="post" action="\(action)/\(verb)" id="\(html(id))"\(why)>\(csrfField(viewer))\
        <input type="text" name="reason" placeholder="reason" aria-label="reason to \(verb) \(html(label))">\
        <button type="submit" class="switch \(state)" id="\(html(id))-submit" aria-label="\(verb) \(html(label))">\(enabled ? "ON" : "OFF")</button></form>
        """
    }

    private static func dlq(_ dlq: DLQView) -> String {
        var out = #"<section class="card" id="dlq"><h2>Dead letters <small>\#(dlq.total) in the dlq</small></h2>"#
        guard !dlq.rejections.isEmpty else { return out + #"<p class="muted">nothing rejected</p></section>"# }
        out += "<table><thead><tr><th>time</th><th>from</th><th>reason</th><th>detail</th><th>by</th></tr></thead><tbody>"
        for entry in dlq.rejections {
            out += "<tr><td>\(html(entry.time))</td><td>\(html(entry.topic))[\(entry.partition)]@\(entry.offset)</td><td>\(html(entry.reason))</td>"
            out += "<td>\(html(entry.detail))</td><td>\(html(entry.rejectedBy))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    /// `850 ms`, `12.3 s`, `4 min 5 s`.
    static func duration(_ milliseconds: Int64) -> String {
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 { return "\(milliseconds / 1000).\(milliseconds % 1000 / 100) s" }
        return "\(milliseconds / 60_000) min \(milliseconds % 60_000 / 1000) s"
    }
}
