import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Non-finite losses and weights: the run stops naming the step and the quantity and keeps its
/// last good checkpoint, or rolls back to it with a smaller learning rate.
@Suite("divergence", .serialized)
struct DivergenceTests {
    init() {
        _ = GANFixtures.oneThread
    }

    func train(_ root: String, _ extra: [String]) throws -> GDAChild.Outcome {
        try GDAChild.run(["train", "dcgan", "--dataset", "idx:\(root)/data", "--out", "\(root)/run", "--batch-size", "8",
                          "--seed", "2"] + extra)
    }

    func rollbacks(_ run: String) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: "\(run)/rollbacks.jsonl", encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("huge learning rate stops the run")
    func stops() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let outcome = try train(root, ["--steps", "4", "--learning-rate", "1e30"])
        GDAChild.expectCleanFailure(outcome, status: 1, naming: "training diverged at step 1", "lr 1e30")
        #expect(outcome.stderr.contains("is nan") || outcome.stderr.contains("is inf"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("no checkpoint was written before it"), "\(outcome.stderr)")
    }

    @Test("divergence keeps the last checkpoint")
    func keepsCheckpoint() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let good = try train(root, ["--steps", "2", "--checkpoint-every", "2"])
        try #require(good.status == 0, "\(good.stderr)")
        let run = "\(root)/run"
        let checkpoint = "\(run)/checkpoints/step-000002.safetensors"
        let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        var config = try GANConfig.read("\(run)/config.json")
        config.steps = 6
        config.learningRate = 1e30
        try config.json().write(to: URL(fileURLWithPath: "\(run)/config.json"))

        let outcome = try GDAChild.run(["train", "--resume", run])
        GDAChild.expectCleanFailure(outcome, status: 1, naming: "the last good checkpoint is \(checkpoint)", "resume")
        #expect(outcome.stderr.contains("training diverged at step 3"), "\(outcome.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == before)
        #expect(try String(contentsOfFile: "\(run)/checkpoints/latest", encoding: .utf8) == "step-000002.safetensors\n")
    }

    @Test("rollback lowers the rate until training holds")
    func rollsBack() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let outcome = try train(root, ["--steps", "6", "--checkpoint-every", "3", "--learning-rate", "1e30",
                                       "--on-divergence", "rollback", "--max-rollbacks", "40"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let run = "\(root)/run"
        let records = try rollbacks(run)
        #expect(!records.isEmpty)
        #expect(outcome.stderr.contains("rollback 1 of 40"), "\(outcome.stderr)")
        // JSON keeps about 16 significant digits of these rates, so they compare to 1e-12.
        func close(_ a: Double, _ b: Double) -> Bool { abs(a / b - 1) < 1e-12 }
        var rate = 1e30
        for record in records {
            let rates = try #require(record["learning_rate"] as? [Double])
            try #require(rates.count == 2, "\(record)")
            #expect(close(rates[0], rate), "\(record)")
            #expect(close(rates[1], rate / 10), "\(record)")
            rate /= 10
        }
        #expect(close(try GANConfig.read("\(run)/config.json").learningRate, rate))
        let final = try SafeTensors.load("\(run)/checkpoints/step-000006.safetensors").tensors
        for (name, tensor) in final where tensor.dtype == .float32 {
            #expect(try tensor.allFinite(), "\(name) is not finite")
        }
    }

    @Test("rollbacks stop at the limit")
    func boundedRollbacks() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let outcome = try train(root, ["--steps", "4", "--learning-rate", "1e30", "--on-divergence", "rollback",
                                       "--max-rollbacks", "2"])
        GDAChild.expectCleanFailure(outcome, status: 1, naming: "stopped after 2 rollbacks", "lr 1e30, 2 rollbacks")
        let run = "\(root)/run"
        #expect(try rollbacks(run).count == 2)
        #expect(abs(try GANConfig.read("\(run)/config.json").learningRate / 1e28 - 1) < 1e-12)

        // The count lives in the run, so a resume may not roll back again.
        let resumed = try GDAChild.run(["train", "--resume", run, "--on-divergence", "rollback", "--max-rollbacks", "2"])
        GDAChild.expectCleanFailure(resumed, status: 1, naming: "stopped after 2 rollbacks", "resume at the limit")
        #expect(try rollbacks(run).count == 2)
    }

    @Test("non-finite weights are never saved")
    func weightsChecked() throws {
        let folder = try Oracle.temporaryFolder() + "/run"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = try GANTrainer(config: GANFixtures.config(.dcgan, steps: 4), dataset: GANFixtures.dataset(),
                                     folder: folder)
        try trainer.train(maxSteps: 2)
        try trainer.state.generator.parameters()[0].fill_(.infinity)
        do {
            try GANCheckpoint.save(trainer.state, run: folder)
            Issue.record("a checkpoint with infinite weights was written")
        } catch let error as DivergenceError {
            #expect(error.quantity.hasPrefix("generator."), "\(error)")
            #expect(error.value == .infinity, "\(error)")
            #expect(error.checkpoint?.hasSuffix("step-000002.safetensors") == true, "\(error)")
        }
        #expect(try GANCheckpoint.latest(folder)?.hasSuffix("step-000002.safetensors") == true)
    }
}
