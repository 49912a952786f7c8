#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the C library says of the platform, for messages.
enum Platform {
    /// The system's message for an `errno` value ("No such file or directory").
    static func errorMessage(_ errno: Int32) -> String { String(cString: strerror(errno)) }
}
