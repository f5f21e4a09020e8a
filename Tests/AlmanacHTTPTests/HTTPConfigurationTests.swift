@testable import AlmanacHTTP
import Testing

@Suite struct HTTPConfigurationTests {
    @Test func address_defaultsToLoopback_andTheURLIsTheAddressBound() {
        #expect(HTTPConfiguration().address == "127.0.0.1")
        #expect(HTTPConfiguration().url(boundPort: 8080) == "http://127.0.0.1:8080")
        #expect(HTTPConfiguration(address: "0.0.0.0").url(boundPort: 81) == "http://0.0.0.0:81")
        #expect(HTTPConfiguration(address: "::1").url(boundPort: 81) == "http://[::1]:81")
        var tls = HTTPConfiguration(address: "10.1.2.3")
        tls.tlsCertificate = "cert.pem"
        #expect(tls.url(boundPort: 443) == "https://10.1.2.3:443")
    }

    @Test func parseAddress_whenHostPort_splits_elseNamesTheOption() throws {
        #expect(try HTTPConfiguration.parseAddress("127.0.0.1:9100", option: "--metrics-address") == ("127.0.0.1", 9100))
        #expect(try HTTPConfiguration.parseAddress("[::1]:9100", option: "--metrics-address") == ("::1", 9100))
        #expect(throws: HTTPConfigurationError.self) { try HTTPConfiguration.parseAddress("9100", option: "--metrics-address") }
        #expect(throws: HTTPConfigurationError.self) { try HTTPConfiguration.parseAddress(":9100", option: "--metrics-address") }
        #expect(throws: HTTPConfigurationError.self) { try HTTPConfiguration.parseAddress("host:99999", option: "--metrics-address") }
    }
}
