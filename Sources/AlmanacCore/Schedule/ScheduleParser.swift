/// Parses schedule text into a `ScheduleExpression`: the entry point that picks the form.
///
/// - `@name` → a cron macro (`@daily` …), expanded by `CronParser`.
/// - text with a `:` (and not five fields) → the platform form, `PlatformScheduleParser`.
/// - anything else → 5-field cron, `CronParser`.
///
/// Parsers work on the UTF-8 bytes of the text, upper-cased for ASCII letters
/// (names and `L`/`LW` are case-insensitive, as in cronsim); columns in errors are
/// counted in characters of the original text.
enum ScheduleParser {
    static func parse(_ text: String) throws(ScheduleError) -> ScheduleExpression {
        let source = ScheduleSource(text)
        let tokens = source.tokens()
        guard let first = tokens.first else {
            throw source.error(
                field: "expression", at: text.isEmpty ? nil : 0,
                "the expression is empty; expected HOURS:MINUTES (e.g. 9:00), 5 cron fields or a macro such as @daily")
        }
        if source.bytes[first.lowerBound] == UInt8(ascii: "@") {
            return try CronParser.parseMacro(source, tokens: tokens)
        }
        // A `:` means the platform form, unless there are exactly five fields: then it is a
        // cron expression with a stray character, reported in the field that holds it.
        if tokens.count != 5 && source.bytes.contains(UInt8(ascii: ":")) {
            return try PlatformScheduleParser.parse(source, tokens: tokens)
        }
        return try CronParser.parse(source, tokens: tokens)
    }
}
