/// Rules a well-formed event must also meet to be applied (docs/design.md §3: semantically invalid data
/// is rejected, not applied). Checked after the shape of `data`; the first broken rule is thrown as
/// `invalid_data` naming the field, e.g. `data.usage.emails: -1 is negative`.
///
/// Rules that need the projection (an unknown app, an unknown job) are the state's
/// (`SchedulerState.apply`), not these.
enum SemanticValidation {
    static func check(_ event: AlmanacEvent) throws(EventDecodingError) {
        switch event {
        case .appConfigured(let e):
            let problems = e.config.validate()
            if !problems.isEmpty {
                throw EventDecodingError(.invalidData, problems.map { "data.config.\($0.field): \($0.reason)" }.joined(separator: "; "))
            }
        case .appRemoved(let e):
            try id(e.app, "data.app")
            try id(e.account, "data.account")
        case .schedulePaused(let e), .scheduleResumed(let e):
            try nonEmpty(e.app, "data.app")
            if let job = e.job { try nonEmpty(job, "data.job") }
        case .jobTriggered(let e):
            try nonEmpty(e.triggerId.rawValue, "data.triggerId")
            try jobKey(e.job)
            if e.attempt < 1 { throw EventDecodingError(.invalidData, "data.attempt: \(e.attempt) must be at least 1") }
        case .tickCompleted(let e):
            if e.minute.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) != 0 {
                throw EventDecodingError(.invalidData, "data.minute: \(RFC3339.utcMilliseconds(e.minute)) is not a whole minute")
            }
            try notNegative(Int64(e.triggered), "data.triggered")
            try notNegative(Int64(e.skipped), "data.skipped")
        case .jobStarted(let e):
            try nonEmpty(e.triggerId.rawValue, "data.triggerId")
            try jobKey(e.job)
            if e.attempt < 1 { throw EventDecodingError(.invalidData, "data.attempt: \(e.attempt) must be at least 1") }
        case .jobCompleted(let e):
            try nonEmpty(e.triggerId.rawValue, "data.triggerId")
            try jobKey(e.job)
            if e.attempt < 1 { throw EventDecodingError(.invalidData, "data.attempt: \(e.attempt) must be at least 1") }
            // Not checked: finishedAt >= startedAt (a wall clock stepping back must not lose a real completion).
            if let refused = e.refusedReportLines { try notNegative(Int64(refused), "data.refusedReportLines") }
            try notNegative(e.usage.emails, "data.usage.emails")
            try notNegative(e.usage.sms, "data.usage.sms")
            for (index, ai) in e.usage.ai.enumerated() {
                try notNegative(ai.inputTokens, "data.usage.ai[\(index)].inputTokens")
                try notNegative(ai.outputTokens, "data.usage.ai[\(index)].outputTokens")
            }
        case .jobSkipped(let e):
            try nonEmpty(e.triggerId.rawValue, "data.triggerId")
            try jobKey(e.job)
        case .creditsCharged(let e):
            if e.chargeId != e.triggerId {
                throw EventDecodingError(.invalidData, "data.chargeId: \"\(e.chargeId)\" must equal triggerId \"\(e.triggerId)\" (docs/design.md §3)")
            }
            try nonEmpty(e.chargeId.rawValue, "data.chargeId")
            var sum: Int64 = 0
            for (index, item) in e.lineItems.enumerated() {
                try notNegative(item.quantity, "data.lineItems[\(index)].quantity")
                try notNegative(item.unitPrice.rawValue, "data.lineItems[\(index)].unitPrice")
                try notNegative(item.amount.rawValue, "data.lineItems[\(index)].amount")
                if item.unitsPer < 1 { throw EventDecodingError(.invalidData, "data.lineItems[\(index)].unitsPer: \(item.unitsPer) must be at least 1") }
                let added = sum.addingReportingOverflow(item.amount.rawValue)
                if added.overflow { throw EventDecodingError(.invalidData, "data.lineItems: the amounts overflow a 64-bit total") }
                sum = added.partialValue
            }
            if sum != e.total.rawValue {
                throw EventDecodingError(.invalidData, "data.total: \(e.total.rawValue) is not the sum of the line items' amounts (\(sum))")
            }
        case .eventRejected(let e):
            if e.partition < 0 { throw EventDecodingError(.invalidData, "data.partition: \(e.partition) is negative") }
            try notNegative(e.offset, "data.offset")
        }
    }

    // The field names are autoclosures: a name such as `data.lineItems[2].amount` is built only
    // for the message of a broken rule, not for every event checked (a replay checks hundreds of
    // thousands).

    private static func nonEmpty(_ value: String, _ field: @autoclosure () -> String) throws(EventDecodingError) {
        if value.isEmpty { throw EventDecodingError(.invalidData, "\(field()): must not be empty") }
    }

    private static func id(_ value: String, _ field: @autoclosure () -> String) throws(EventDecodingError) {
        if !AppConfiguration.isValidID(value) {
            throw EventDecodingError(.invalidData, "\(field()): \"\(value)\" is not a valid id (letters, digits, '.', '_', '-'; 1-64 characters)")
        }
    }

    private static func jobKey(_ key: JobKey) throws(EventDecodingError) {
        try nonEmpty(key.account, "data.job.account")
        try nonEmpty(key.app, "data.job.app")
        try nonEmpty(key.job, "data.job.job")
    }

    private static func notNegative(_ value: Int64, _ field: @autoclosure () -> String) throws(EventDecodingError) {
        if value < 0 { throw EventDecodingError(.invalidData, "\(field()): \(value) is negative") }
    }
}
