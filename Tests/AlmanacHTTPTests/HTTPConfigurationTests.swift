@testable import AlmanacHTTP
import Testing

@Suite struct HTTPConfigurationTests {
    @Test func binding_withoutToken_isLoopbackOnly_evenWhenAskedOtherwise() {
        #expect(HTTPConfiguration().binding.host == "127.0.0.1")
        #expect(HTTPConfiguration().binding.notice?.contains("loopback only") == true)
        let wide = HTTPConfiguration(address: "0.0.0.0").binding
        #expect(wide.host == "127.0.0.1")
        #expect(wide.notice?.contains("not 0.0.0.0") == true)
        #expect(HTTPConfiguration(address: "::1").binding.host == "::1")
        #expect(HTTPConfiguration(address: "0.0.0.0", adminToken: "").binding.host == "127.0.0.1")
    }

    @Test func binding_withToken_defaultsToAllAddresses() {
        #expect(HTTPConfiguration(adminToken: "s3cret").binding.host == "0.0.0.0")
        #expect(HTTPConfiguration(adminToken: "s3cret").binding.notice == nil)
        #expect(HTTPConfiguration(address: "10.1.2.3", adminToken: "s3cret").binding.host == "10.1.2.3")
    }
}
