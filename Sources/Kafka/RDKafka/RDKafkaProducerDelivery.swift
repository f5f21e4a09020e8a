internal import CRdKafka

enum RDKafkaProducerDelivery {
    /// `dr_msg_cb`: runs on a thread that polls the producer handle (``RDKafkaProducerThread``, or
    /// `rd_kafka_flush` during a flush or shutdown). `msg_opaque` is the message's
    /// ``DeliverySlot``: the result is written there and the batch's pending count dropped —
    /// no allocation, retain, lock or dynamic cast per message.
    static let callback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let slot = opaque.assumingMemoryBound(to: DeliverySlot.self)
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            slot.pointee.partition = message.pointee.partition
            slot.pointee.offset = message.pointee.offset
            slot.pointee.stage = .delivered
        } else {
            slot.pointee.partition = message.pointee.partition
            slot.pointee.error = err.rawValue
            slot.pointee.persistence = UInt8(truncatingIfNeeded: rd_kafka_message_status(message).rawValue)
            slot.pointee.stage = .deliveryFailed
        }
        let batch = slot.pointee.batch
        let last = Unmanaged<DeliveryBatch>.fromOpaque(batch)._withUnsafeGuaranteedRef { $0.settle(1) }
        // After the guaranteed-reference scope: the batch may be freed now if nobody waits on it.
        if last { DeliveryBatch.releaseSelfReference(batch) }
    }
}
