import Testing

@testable import KiteServer
@Test func probe() { #expect(Bool(true)) }
