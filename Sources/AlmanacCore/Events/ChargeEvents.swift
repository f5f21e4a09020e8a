/// One line of a charge: `base`, `ai:<model>:input`, `ai:<model>:output`, `email`, `sms`.
public struct ChargeLineItem: Codable, Hashable, Sendable {
    public var item: String
    /// Units: runs, tokens, messages.
    public var quantity: Int64
    /// Price of `unitsPer` units, millicredits (AI tokens are priced per 1,000).
    public var unitPrice: Millicredits
    public var unitsPer: Int64
    /// `quantity × unitPrice / unitsPer`, rounded half up to a whole millicredit.
    public var amount: Millicredits
    /// Set when the price came from a fallback (e.g. an unknown AI model at the default rate).
    public var note: String?
    public init(item: String, quantity: Int64, unitPrice: Millicredits, unitsPer: Int64 = 1, amount: Millicredits, note: String? = nil) {
        self.item = item
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.unitsPer = unitsPer
        self.amount = amount
        self.note = note
    }
}

/// `almanac.credits.charged` (topic `charges`, key account id). `chargeId == triggerId`: consumers
/// count each `chargeId` once (it may appear twice after a crash).
public struct CreditsCharged: Codable, Hashable, Sendable {
    public var chargeId: TriggerID
    public var triggerId: TriggerID
    public var account: String
    public var app: String
    public var job: String
    public var executionId: String
    public var status: RunStatus
    public var pricingVersion: String
    public var lineItems: [ChargeLineItem]
    public var total: Millicredits
    public init(triggerId: TriggerID, account: String, app: String, job: String, executionId: String, status: RunStatus,
                pricingVersion: String, lineItems: [ChargeLineItem]) {
        self.chargeId = triggerId
        self.triggerId = triggerId
        self.account = account
        self.app = app
        self.job = job
        self.executionId = executionId
        self.status = status
        self.pricingVersion = pricingVersion
        self.lineItems = lineItems
        self.total = lineItems.reduce(.zero) { $0 + $1.amount }
    }
}

/// `almanac.event.rejected` (topic `dlq`, key the original key): a message that was not applied.
public struct EventRejected: Codable, Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: String?
    /// The original bytes, base64, truncated to 64 KiB.
    public var rawBase64: String
    public var truncated: Bool
    public var reason: RejectionReason
    /// What exactly is wrong, for a human.
    public var detail: String
    /// The consumer that rejected it (`projector`, `worker`).
    public var rejectedBy: String
    public init(topic: String, partition: Int32, offset: Int64, key: String?, raw: [UInt8], reason: RejectionReason, detail: String, rejectedBy: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        let limit = 64 * 1024
        self.truncated = raw.count > limit
        self.rawBase64 = Data(raw.prefix(limit)).base64EncodedString()
        self.reason = reason
        self.detail = detail
        self.rejectedBy = rejectedBy
    }
}

/// Why a message was rejected to the dlq.
public enum RejectionReason: String, Codable, Hashable, Sendable {
    case tooLarge = "too_large"
    case notJSON = "not_json"
    case notCloudEvent = "not_cloudevent"
    case unknownType = "unknown_type"
    case unsupportedVersion = "unsupported_major_version"
    case schemaViolation = "schema_violation"
    case invalidData = "invalid_data"
    case unknownApp = "unknown_app"
    case wrongTopic = "wrong_topic"
}

import Foundation
