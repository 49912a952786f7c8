import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Reliability (issue 5): crashes, failed writes, damaged files, hostile input and concurrent use.
//
// Every random choice comes from a fixed seed, so a failure reproduces. The `kite` binary is driven as a child
// process wherever a process must die (SIGKILL) or run under a resource limit.

// The suite's tests are in Reliability/, one file per kind of failure: CrashSafetyTests, FailedWritesTests,
// DamagedFilesTests, HostileInputTests, ConcurrencyTests. Serialized: several kill or limit child processes.
@Suite(.serialized) struct ReliabilityTests {

}
