import Foundation
import Torch

/// Rolls a diverged GAN run back to its newest checkpoint with a smaller learning rate.
///
/// A rollback divides `learningRate` in the run's `config.json` by `factor`, so that a later
/// `gda train --resume` keeps the smaller rate, and appends a line to `RUN/rollbacks.jsonl`:
/// `{"step":S,"quantity":"loss/d","value":"nan","checkpoint":"...","learning_rate":[OLD, NEW]}`.
/// The run then resumes from the checkpoint, so the data order and latents replay exactly and
/// only the rate differs.
public enum GANRollback {
    public static let factor = 10.0

    /// Returns the number of rollbacks recorded in `folder/rollbacks.jsonl`.
    public static func count(_ folder: String) -> Int {
        guard let text = try? String(contentsOfFile: "\(folder)/rollbacks.jsonl", encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").count
    }

    /// Records the rollback of `error` and lowers the learning rate in `config.json`; returns the
    /// new rate.
    @discardableResult
    public static func apply(_ error: DivergenceError, folder: String) throws -> Double {
        let configPath = "\(folder)/config.json"
        var config = try GANConfig.read(configPath)
        let old = config.learningRate
        config.learningRate = old / factor
        let record: [String: Any] = [
            "step": error.step, "quantity": error.quantity, "value": nonFiniteName(error.value),
            "checkpoint": error.checkpoint ?? NSNull(), "learning_rate": [old, config.learningRate],
        ]
        var lines = (try? Data(contentsOf: URL(fileURLWithPath: "\(folder)/rollbacks.jsonl"))) ?? Data()
        lines.append(try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]))
        lines.append(0x0A)
        // The record goes first: a kill between the two writes leaves one more rollback counted
        // than applied, which errs toward stopping sooner.
        try GANCheckpoint.wrap { try AtomicFile.write(lines, to: "\(folder)/rollbacks.jsonl") }
        try GANCheckpoint.wrap { try AtomicFile.write(try config.json(), to: configPath) }
        return config.learningRate
    }
}
