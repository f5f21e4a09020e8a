internal import CRdKafka
import Logging
import Synchronization

/// State reached from librdkafka's C callbacks through the handle's opaque pointer.
///
/// Callbacks run on librdkafka's threads or on the thread that polls the handle; everything here
/// is immutable or behind a `Mutex`, so it is `Sendable` without exceptions.
final class RDKafkaCallbacks: Sendable {
    let logger: Logger
    private let rebalanceHandler: Mutex<(@Sendable (KafkaRebalanceEvent) -> Void)?> = Mutex(nil)
    private let assignedPartitions: Mutex<Set<KafkaTopicPartition>> = Mutex([])
    private let statisticsHandler: Mutex<(@Sendable (KafkaStatistics) -> Void)?> = Mutex(nil)

    init(logger: Logger) {
        self.logger = logger
    }

    func setRebalanceHandler(_ handler: (@Sendable (KafkaRebalanceEvent) -> Void)?) {
        rebalanceHandler.withLock { $0 = handler }
    }

    func notifyRebalance(_ event: KafkaRebalanceEvent) {
        switch event {
        case .assigned(let list): assignedPartitions.withLock { $0.formUnion(list) }
        case .revoked(let list): assignedPartitions.withLock { $0.subtract(list) }
        }
        rebalanceHandler.withLock { $0 }?(event)
    }

    var assignment: Set<KafkaTopicPartition> { assignedPartitions.withLock { $0 } }

    func setStatisticsHandler(_ handler: (@Sendable (KafkaStatistics) -> Void)?) {
        statisticsHandler.withLock { $0 = handler }
    }

    /// Parses and hands on one statistics document; without a handler the JSON is not even parsed.
    func notifyStatistics(_ json: () -> String) {
        guard let handler = statisticsHandler.withLock({ $0 }) else { return }
        do {
            handler(try KafkaStatistics(json: json()))
        } catch {
            logger.debug("librdkafka statistics not parsed: \(error)")
        }
    }
}

/// C entry points. They cannot capture context, so each recovers `RDKafkaCallbacks` from the opaque.
enum RDKafkaCallbackTrampolines {
    static func callbacks(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbacks? {
        guard let opaque else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    static let log: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        rk, level, facility, buffer in
        guard let rk, let callbacks = callbacks(rd_kafka_opaque(rk)) else { return }
        let fac = facility.map { String(cString: $0) } ?? "-"
        let text = buffer.map { String(cString: $0) } ?? ""
        // syslog levels: 0 emerg … 3 err, 4 warning, 5 notice, 6 info, 7 debug.
        let swiftLevel: Logger.Level = switch level {
        case ...3: .error
        case 4: .warning
        case 5: .info
        case 6: .debug
        default: .trace
        }
        callbacks.logger.log(level: swiftLevel, "\(text)", metadata: ["rdkafka.facility": "\(fac)"])
    }

    static let error: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, err, reason, opaque in
        guard let callbacks = callbacks(opaque) else { return }
        let text = reason.map { String(cString: $0) } ?? ""
        let fatal = err == RD_KAFKA_RESP_ERR__FATAL.rawValue
        // Transport errors are reported here and retried by librdkafka itself: debug noise, not errors.
        let transient = err == RD_KAFKA_RESP_ERR__TRANSPORT.rawValue || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
        callbacks.logger.log(level: fatal ? .critical : (transient ? .debug : .warning), "librdkafka error: \(text)")
    }

    /// `stats_cb`: served by whoever polls the handle (the producer's thread, the consumer's
    /// `poll`). Returning 0 lets librdkafka free the JSON.
    static let statistics: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        _, json, length, opaque in
        guard let json, let callbacks = callbacks(opaque) else { return 0 }
        callbacks.notifyStatistics {
            String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self)
        }
        return 0
    }

    static let rebalance: @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, opaque in
        guard let rk else { return }
        let list = partitions.map(RDKafkaTopicPartitionList.topicPartitions(of:)) ?? []
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let callbacks = callbacks(opaque)
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            callbacks?.notifyRebalance(.assigned(list))
        } else {
            callbacks?.notifyRebalance(.revoked(list))
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, nil)
            }
        }
    }
}
