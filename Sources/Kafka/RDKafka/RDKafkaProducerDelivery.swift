internal import CRdKafka

/// Receives the delivery report of one produced message. Retained (+1) while the message is in
/// librdkafka's queue; the delivery callback takes that reference back.
protocol RDKafkaDeliveryReceiver: AnyObject, Sendable {
    func deliver(_ result: Result<KafkaDeliveryReport, KafkaError>)
}

enum RDKafkaProducerDelivery {
    /// `dr_msg_cb`: runs on the thread that calls `rd_kafka_poll` (the producer's poll thread).
    static let callback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let receiver = Unmanaged<AnyObject>.fromOpaque(opaque).takeRetainedValue() as! any RDKafkaDeliveryReceiver
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            receiver.deliver(.success(KafkaDeliveryReport(
                topicPartition: KafkaTopicPartition(topic: topic, partition: message.pointee.partition),
                offset: message.pointee.offset)))
        } else {
            receiver.deliver(.failure(KafkaError.rdKafka(message.pointee.err, code: .delivery, context: "delivery to \(topic)")))
        }
    }
}
