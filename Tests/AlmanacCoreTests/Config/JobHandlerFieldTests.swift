import AlmanacCore
import Foundation
import Testing

/// The `handler` field of a job (docs/workers.md): exactly one of `command` and `handler`.
@Suite struct JobHandlerFieldTests {
    func decode(_ jobJSON: String) throws -> AppConfiguration {
        let text = #"{"app":"a","account":"acct","jobs":[\#(jobJSON)]}"#
        return try JSONDecoder().decode(AppConfiguration.self, from: Data(text.utf8))
    }

    @Test func handlerJob_needsNoCommand_andRoundTripsWithoutOne() throws {
        let config = try decode(#"{"name":"ping","handler":"almanac.noop"}"#)
        #expect(config.jobs[0].handler == "almanac.noop")
        #expect(config.jobs[0].command == [])
        #expect(config.validate() == [])
        let encoded = try JSONEncoder().encode(config)
        let object = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        let job = (object["jobs"] as! [[String: Any]])[0]
        #expect(job["command"] == nil)
        #expect(job["handler"] as? String == "almanac.noop")
        #expect(try JSONDecoder().decode(AppConfiguration.self, from: encoded) == config)
    }

    @Test func jobWithBothCommandAndHandler_isRefusedNamingTheField() throws {
        let config = try decode(#"{"name":"ping","handler":"almanac.noop","command":["/bin/true"]}"#)
        #expect(config.validate().map(\.description) == ["jobs[0].handler: a job runs either a command or a handler, not both"])
    }

    @Test func jobWithNeither_isRefusedAtDecoding() {
        #expect(throws: DecodingError.self) { try decode(#"{"name":"ping"}"#) }
    }

    @Test func badHandlerName_isRefused() throws {
        let config = try decode(#"{"name":"ping","handler":"no spaces"}"#)
        #expect(config.validate().map(\.field) == ["jobs[0].handler"])
    }
}
