import Foundation
import Torch

/// Byte-for-byte equality of tensors and buffers for `#expect`. When `#expect(a == b)` fails on
/// two arrays, the testing library describes both operands element by element. For the
/// megabytes of a model's weights that takes longer than the whole suite, so these checks
/// return a plain Bool or a short description of the first difference.
public enum SameBytes {
    /// Returns whether `a` and `b` have the same dtype, shape and bytes.
    public static func tensors(_ a: Tensor, _ b: Tensor?) throws -> Bool {
        guard let b, a.dtype == b.dtype, a.shape == b.shape else { return false }
        return try a.bytes() == b.bytes()
    }

    /// Describes the first difference between two byte sequences; nil when they are equal.
    public static func difference<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> String? {
        var index = 0
        for (x, y) in zip(a, b) {
            if x != y { return "bytes differ first at offset \(index) (\(x) != \(y)) of \(a.count) and \(b.count)" }
            index += 1
        }
        return a.count == b.count ? nil : "lengths differ: \(a.count) and \(b.count) bytes"
    }
}
