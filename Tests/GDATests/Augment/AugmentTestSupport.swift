import Foundation
import GDA
import TestSupport
import Torch

/// A float32 batch (B, C, H, W) from row-major values.
func batch(_ values: [Float], _ shape: [Int]) throws -> Tensor {
    try Tensor(values, shape: shape)
}

/// A batch whose every value is distinct: value k is (k + 1) / (count + 1).
func distinctBatch(_ shape: [Int]) throws -> Tensor {
    let count = shape.reduce(1, *)
    return try batch((0..<count).map { Float($0 + 1) / Float(count + 1) }, shape)
}

/// A batch of uniform values in [0, 1) from a seeded generator.
func randomBatch(_ shape: [Int], seed: UInt64 = 7) throws -> Tensor {
    try Tensor.rand(shape, generator: try Generator(seed: seed))
}

func values(_ tensor: Tensor) throws -> [Float] {
    try tensor.scalars(as: Float.self)
}

/// Per-image values (B) as a float64 tensor, as transforms record them.
func perImage(_ values: [Double]) throws -> Tensor {
    try Tensor(values)
}

/// Parameters that apply `transform` to every image with the given values.
func parameters(_ transform: any Augmentation, count: Int, _ values: [String: Tensor]) throws
    -> TransformParameters {
    TransformParameters(name: transform.name, applied: try Tensor([Bool](repeating: true, count: count)),
                        values: values)
}

/// Applies `transform` to every image of `images` with the given per-image values.
func replayed(_ transform: any Augmentation, _ images: Tensor, _ values: [String: Tensor]) throws -> Tensor {
    try transform.replay(images, parameters: try parameters(transform, count: images.shape[0], values))
}

/// The largest absolute difference between two equally long arrays.
func maxDifference(_ lhs: [Float], _ rhs: [Float]) -> Float {
    zip(lhs, rhs).map { Swift.abs($0 - $1) }.max() ?? 0
}

/// Runs Tests/Oracles/augment_reference.py on a request; returns its flat output.
func oracleOutput(_ request: [String: Any]) throws -> [Float] {
    let folder = try Oracle.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/request.json"
    try JSONSerialization.data(withJSONObject: request).write(to: URL(fileURLWithPath: path))
    let reply = try Oracle.json("augment_reference.py", [path])
    guard let output = reply["output"] as? [Double] else {
        throw AugmentOracleError(message: "augment_reference.py printed no output array: \(reply)")
    }
    return output.map(Float.init)
}

struct AugmentOracleError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
