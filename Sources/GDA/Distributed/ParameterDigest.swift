import Torch

/// A fingerprint of a model's parameters, printed by every rank of a data-parallel run as
/// `params-digest=HEX` so that users can see that the replicas agree.
///
/// The digest is 64-bit FNV-1a over each parameter's name and raw bytes (its own dtype,
/// row-major), in state-dict order. Buffers such as BatchNorm running statistics are left
/// out, because ranks keep their own by default. It detects differences; it is not a
/// cryptographic hash.
public enum ParameterDigest {
    /// Returns the digest of the parameters of `modules`, taken in order.
    public static func of(_ modules: [Module]) throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for module in modules {
            for (name, parameter) in module.namedParameters() {
                mix(Array(name.utf8), into: &hash)
                mix(try parameter.to(.cpu).bytes(), into: &hash)
            }
        }
        return hash
    }

    /// Returns `digest` as 16 lowercase hexadecimal digits.
    public static func hex(_ digest: UInt64) -> String {
        let digits = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The line every rank prints at the end of a run.
    public static func line(_ digest: UInt64) -> String {
        "params-digest=\(hex(digest))"
    }

    private static func mix(_ bytes: [UInt8], into hash: inout UInt64) {
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
    }
}
