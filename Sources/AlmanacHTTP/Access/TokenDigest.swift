import Crypto
import Foundation

/// Tokens and their digests. A token file keeps only the SHA-256 of each token (lower-case hex),
/// never the token: whoever reads the file cannot act as its principals.
public enum TokenDigest {
    /// Lower-case hex SHA-256 of the token's UTF-8 bytes (64 characters).
    public static func sha256Hex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random token: 32 bytes from the system's CSPRNG, base64url without padding
    /// (43 characters), prefixed `alm_` so it is recognisable in a leaked file or a log.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "alm_" + base64
    }

    /// Whether `text` has the form of a digest: 64 lower-case hex characters.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
