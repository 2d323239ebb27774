import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Small synthetic data and configurations for the GAN tests.
enum GANFixtures {
    /// Sets libtorch to one intra-op thread. Each suite's initialiser touches this: with
    /// two threads and other processes busy on a 2-core machine, a step ran 10 to 30 times
    /// slower (spinning threads waiting for each other).
    static let oneThread: Void = { Torch.threads = 1 }()

    /// Builds `count` 1×28×28 images of `classes` classes: each class a bright square at its own
    /// place on a dim background, with deterministic noise.
    static func dataset(count: Int = 40, classes: Int = 4) -> Dataset {
        var images = [UInt8](repeating: 0, count: count * 28 * 28)
        var labels = [Int32]()
        var state: UInt32 = 12345
        for index in 0..<count {
            let label = index % classes
            labels.append(Int32(label))
            for row in 0..<28 {
                for column in 0..<28 {
                    state = state &* 1_664_525 &+ 1_013_904_223
                    let inSquare = (row / 7 == label % 4) && (column / 7 == label / 4 % 4)
                    images[index * 784 + row * 28 + column] = inSquare ? 200 + UInt8(state >> 28) : UInt8(state >> 27)
                }
            }
        }
        return Dataset(name: "synthetic", images: images, labels: labels, channels: 1, height: 28, width: 28,
                       classNames: (0..<classes).map { "class \($0)" })
    }

    /// Builds a small configuration: batch 8, K = 3, a grid of 4 columns.
    static func config(_ model: GANModel, steps: Int? = nil, epochs: Int = 1, seed: UInt64 = 7) -> GANConfig {
        var config = GANConfig(model: model, dataset: "synthetic", classNames: (0..<4).map { "class \($0)" })
        config.batchSize = 8
        config.generators = model == .madgan ? 3 : 1
        config.steps = steps
        config.epochs = epochs
        config.seed = seed
        config.gridColumns = 4
        config.logEvery = 2
        return config
    }

    /// Reads every tensor of a safetensors file, by name, as raw bytes.
    static func tensorBytes(_ path: String) throws -> [String: [UInt8]] {
        try SafeTensors.load(path).tensors.mapValues { try $0.bytes() }
    }

    /// Reads the PyTorch state_dict names, shapes and dtypes of the fixture's modules.
    static func referenceNames() throws -> [String: [(name: String, shape: [Int], dtype: String)]] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/gan/reference_names", withExtension: "json"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [[Any]]])
        return object.mapValues { entries in
            entries.map { ($0[0] as? String ?? "", ($0[1] as? [Int]) ?? [], $0[2] as? String ?? "") }
        }
    }

    static func dtypeName(_ dtype: DType) -> String {
        switch dtype {
        case .float32: "float32"
        case .float64: "float64"
        case .int64: "int64"
        case .int32: "int32"
        case .uint8: "uint8"
        case .bool: "bool"
        }
    }

    /// Returns the largest absolute difference between two float tensors.
    static func maxDifference(_ a: Tensor, _ b: Tensor) throws -> Double {
        try (a - b).abs().max().item(as: Double.self)
    }
}
