internal import CRdKafka

extension KafkaError {
    /// Wraps a librdkafka `rd_kafka_resp_err_t`.
    static func rdKafka(
        _ err: rd_kafka_resp_err_t, code: Code = .underlying, context: String? = nil,
        file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(err))
        let retriable = err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT
            || err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT
            || err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
            || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE || err == RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS
            || err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS
            || err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE
            || err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR
            // A commit refused while the group rebalances: retry once it is stable (a member that
            // keeps its partitions, as under `cooperative-sticky`, then commits them).
            || err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS
        let unknown = err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
            || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION
        return KafkaError(
            code: unknown ? .unknownTopic : code,
            reason: context.map { "\($0): \(text)" } ?? text,
            rdKafkaCode: err.rawValue,
            isRetriable: retriable,
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            file: file, line: line
        )
    }

    /// Wraps (and destroys) a librdkafka `rd_kafka_error_t *`, keeping its error classes.
    static func rdKafka(
        consuming error: OpaquePointer, code: Code = .underlying, context: String? = nil,
        file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let text = String(cString: rd_kafka_error_string(error))
        return KafkaError(
            code: code,
            reason: context.map { "\($0): \(text)" } ?? text,
            rdKafkaCode: rd_kafka_error_code(error).rawValue,
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isAbortable: rd_kafka_error_txn_requires_abort(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            file: file, line: line
        )
    }
}
