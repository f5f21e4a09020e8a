import Kafka

/// The version `almanac --version` prints, with the librdkafka it runs on.
public enum AlmanacVersion {
    /// Semantic version of this release of Almanac (CLI, event contract v1 in schemas/).
    public static let current = "0.1.0"

    /// `0.1.0 (librdkafka 2.0.2)`.
    public static var description: String { "\(current) (librdkafka \(KafkaLibrary.version))" }
}
