import Foundation
import GDA
import Torch

/// The action `gda train` takes when a loss or weight stops being finite: stop (exit status 1)
/// or roll back to the newest checkpoint with a smaller learning rate, a bounded number of
/// times.
struct DivergencePolicy {
    var rollback: Bool
    var maximumRollbacks: Int

    init(_ arguments: inout Arguments) throws {
        let value = arguments.string("on-divergence") ?? "stop"
        guard value == "stop" || value == "rollback" else {
            throw UsageError("--on-divergence must be stop or rollback, found '\(value)'", hint: "gda train --help")
        }
        rollback = value == "rollback"
        let maximum = try arguments.int("max-rollbacks", range: 0...100)
        if maximum != nil && !rollback {
            throw UsageError("--max-rollbacks applies only with --on-divergence rollback")
        }
        maximumRollbacks = maximum ?? 3
    }
}

/// Takes the run folder's lock, creating the folder. Under torchrun or srun only rank 0 writes
/// the run, so the other ranks take no lock.
func lockRun(_ folder: String) throws -> RunLock? {
    if let rank = ProcessInfo.processInfo.environment["RANK"], rank != "0" { return nil }
    return try RunLock(folder)
}

/// Rolls the run back after `error` when the policy allows, returning the trainer that
/// continues from the newest checkpoint; otherwise rethrows.
func rollBack(after error: DivergenceError, _ folder: String, dataset: Dataset,
              divergence: DivergencePolicy) throws -> GANTrainer {
    guard divergence.rollback else { throw error }
    let done = GANRollback.count(folder)
    guard done < divergence.maximumRollbacks else {
        throw GDAError("\(error); stopped after \(done) rollbacks (--max-rollbacks \(divergence.maximumRollbacks)), "
            + "see \(folder)/rollbacks.jsonl")
    }
    let rate = try GANRollback.apply(error, folder: folder)
    let origin = error.checkpoint ?? "the start"
    writeError("gda train: \(error); rollback \(done + 1) of \(divergence.maximumRollbacks): resuming from "
        + "\(origin) with learning rate \(rate)")
    return try GANTrainer(resuming: folder, dataset: dataset)
}
