import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Checkpoints that parse as safetensors but carry wrong contents: each is written over the
/// newest checkpoint of a real run, which then resumes and trains one step. The resume must
/// fail with an error naming the checkpoint, or accept it (a float64 weight is converted on
/// load); it must never crash.
@Suite("hostile checkpoints", .serialized)
struct HostileCheckpointTests {
    init() {
        _ = GANFixtures.oneThread
    }

    typealias Edit = (inout [String: Tensor], inout [String: String]) throws -> Void

    static var cases: [(name: String, expect: String?, edit: Edit)] { [
        ("negative step", "non-negative integer step", { _, metadata in metadata["step"] = "-5" }),
        ("negative batch", "non-negative integer step", { _, metadata in metadata["batch"] = "-1" }),
        ("batch past the epoch", "not the run's training set", { _, metadata in metadata["batch"] = "999999" }),
        ("non-numeric epoch", "non-negative integer step", { _, metadata in metadata["epoch"] = "two" }),
        ("missing rng", "missing rng.noise", { tensors, _ in tensors["rng.noise"] = nil }),
        ("short rng state", "rng.noise: cannot restore", { tensors, _ in tensors["rng.noise"] = try Tensor([UInt8]([1, 2, 3])) }),
        ("grid noise shape", "grid_noise:", { tensors, _ in tensors["grid_noise"] = try Tensor([Float](repeating: 0, count: 3)) }),
        ("weight shape", "generator does not match", { tensors, _ in
            tensors["generator.head.0.weight"] = try Tensor([Float](repeating: 0, count: 6), shape: [2, 3])
        }),
        ("weight dtype", nil, { tensors, _ in
            let weight = try #require(tensors["generator.head.0.weight"])
            tensors["generator.head.0.weight"] = try weight.to(.float64)
        }),
        ("optimizer moment shape", "optimizer.generator:", { tensors, _ in
            tensors["optimizer.generator.state.0.exp_avg"] = try Tensor([Float](repeating: 0, count: 2))
        }),
        ("nan weights", "discriminator.", { tensors, _ in
            for name in tensors.keys where name.hasPrefix("discriminator.") && name.hasSuffix("weight") {
                try tensors[name]?.fill_(.nan)
            }
        }),
    ] }

    @Test("edited checkpoints never crash a resume")
    func editedCheckpoints() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataset = GANFixtures.dataset()
        let original = "\(root)/original"
        let trainer = try GANTrainer(config: GANFixtures.config(.dcgan, steps: 4), dataset: dataset, folder: original)
        try trainer.train(maxSteps: 2)
        let checkpoint = "checkpoints/step-000002.safetensors"

        for (index, item) in Self.cases.enumerated() {
            let run = "\(root)/case-\(index)"
            try FileManager.default.copyItem(atPath: original, toPath: run)
            var (tensors, metadata) = try SafeTensors.load("\(run)/\(checkpoint)")
            try item.edit(&tensors, &metadata)
            try SafeTensors.save(tensors.map { ($0.key, $0.value) }, to: "\(run)/\(checkpoint)", metadata: metadata)

            let message: String?
            do {
                let resumed = try GANTrainer(resuming: run, dataset: dataset)
                try resumed.train(maxSteps: 1)
                message = nil
            } catch let error as GDAError {
                message = error.message
            } catch let error as DivergenceError {
                message = error.description
            }
            print("hostile checkpoint \(item.name): \(message ?? "accepted")")
            guard let expected = item.expect else { continue }
            guard let message else {
                Issue.record("\(item.name): the resume accepted the checkpoint")
                continue
            }
            #expect(message.contains("\(run)/\(checkpoint)"), "\(item.name): \(message)")
            #expect(message.contains(expected), "\(item.name): \(message)")
        }
    }
}
