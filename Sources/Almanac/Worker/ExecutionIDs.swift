import Synchronization

/// Fresh `executionId`s (docs/design.md §3: a new one per attempt at running a trigger): random
/// version-4 UUIDs (RFC 9562 §5.4) in lower case, e.g. `1f0c3c1e-8d2a-4b7e-9a61-0c5d2e7f4b90`.
///
/// Foundation's `UUID()` asks the system for entropy on every call, a visible share of a no-op
/// run's CPU; here 122 random bits come from xoshiro256** (Blackman and Vigna), seeded once per
/// process with 256 bits from the system generator. Ids only need to be unique, not secret.
enum ExecutionIDs {
    private static let generator = Mutex(Xoshiro256StarStar(seed: SystemRandomNumberGenerator()))

    /// A new id; thread-safe.
    static func next() -> String {
        let (high, low) = generator.withLock { ($0.next(), $0.next()) }
        return format(high: high, low: low)
    }

    /// The UUID text of 128 bits with the version (4) and variant (`10`) bits set.
    static func format(high: UInt64, low: UInt64) -> String {
        let high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000
        let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[position] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xf)]
                    position += 1
                }
            }
            func dash() { buffer[position] = UInt8(ascii: "-"); position += 1 }
            put(high >> 32, nibbles: 8); dash()
            put((high >> 16) & 0xffff, nibbles: 4); dash()
            put(high & 0xffff, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low & 0xffff_ffff_ffff, nibbles: 12)
            return position
        }
    }
}

/// xoshiro256** 1.0 (https://prng.di.unimi.it/xoshiro256starstar.c), a fast generator with a
/// 256-bit state.
struct Xoshiro256StarStar: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed source: some RandomNumberGenerator) {
        var source = source
        repeat {
            s = (source.next(), source.next(), source.next(), source.next())
        } while s == (0, 0, 0, 0)  // the one state it must not start from
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}
