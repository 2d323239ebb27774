/// Derives independent seeds from one base seed, so that every random stream of a run (each
/// model, each classifier, each epoch's order) is a function of the run's seed and a name.
public enum Seeds {
    /// A seed for the stream called `name` (with optional indices), mixed with SplitMix64.
    public static func derive(_ base: UInt64, _ name: String, _ indices: Int...) -> UInt64 {
        // FNV-1a over the name's bytes, then over each index.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        for index in indices {
            hash = (hash ^ UInt64(bitPattern: Int64(index))) &* 0x0000_0100_0000_01b3
        }
        return splitMix(base ^ hash)
    }

    static func splitMix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// `value` with `digits` decimals, for log lines and reports.
public func decimal(_ value: Double, _ digits: Int = 4) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : String(value)
}
