#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A minimal lock for lazily built, shared state.
final class Mutex: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}

/// A value built on first use and shared from then on (a reader's derived tables): `value(_:)` builds it once under
/// the lock; later calls return it.
final class BuiltOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = Mutex()
    private var built: Value?

    init() {}

    func value(_ build: () -> Value) -> Value {
        lock.withLock {
            if let built { return built }
            let value = build()
            built = value
            return value
        }
    }
}
