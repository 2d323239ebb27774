import Foundation
import Torch

/// A GAN run stopped because a loss or a weight stopped being finite. The newest checkpoint
/// on disk was written before it and contains finite weights, since a checkpoint is never
/// written from weights that are not finite.
public struct DivergenceError: Error, CustomStringConvertible, Sendable {
    /// The step that produced the value, counted from 1.
    public let step: Int
    /// The quantity that stopped being finite: `loss/d`, `loss/g` or a weight such as
    /// `generator.trunk.0.weight`.
    public let quantity: String
    public let value: Double
    /// The newest checkpoint, or nil when none was written yet.
    public let checkpoint: String?

    public var description: String {
        let note = checkpoint.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written before it"
        return "training diverged at step \(step): \(quantity) is \(nonFiniteName(value)); \(note)"
    }
}

extension GANState {
    /// Returns the name and a non-finite value of the first weight or buffer (of the
    /// generator, the discriminator or the moving average) that contains a NaN or an infinity, or
    /// nil. Buffers count because batch-norm running statistics can overflow while the losses,
    /// computed with batch statistics, stay finite, and the generator samples with them.
    func firstNonFiniteWeight() throws -> (name: String, value: Double)? {
        var modules: [(String, Module)] = [("generator", generator), ("discriminator", discriminator)]
        if let averaged { modules.append(("generator_ema", averaged)) }
        for (prefix, module) in modules {
            let tensors = module.namedParameters() + module.namedBuffers()
            for (name, weight) in tensors where weight.dtype.isFloatingPoint {
                guard !(try weight.allFinite()) else { continue }
                let sum = try weight.detach().sum().item(as: Double.self)
                return ("\(prefix).\(name)", sum.isFinite ? .nan : sum)
            }
        }
        return nil
    }

    /// Throws a run failure naming `path` when the weights just restored from it are not
    /// finite: resuming from them could only diverge again.
    func checkRestoredWeights(_ path: String) throws {
        guard let (name, value) = try firstNonFiniteWeight() else { return }
        throw GDAError("\(path): \(name) is \(nonFiniteName(value)); the checkpoint cannot be resumed, "
            + "move it away and point checkpoints/latest at an older step")
    }

    /// Throws a `DivergenceError` when a weight is not finite, before such weights can be
    /// written as a checkpoint.
    func checkFiniteWeights(run folder: String) throws {
        guard let (name, value) = try firstNonFiniteWeight() else { return }
        let kept = (try? GANCheckpoint.latest(folder)).flatMap { $0 }
        throw DivergenceError(step: position.step, quantity: name, value: value, checkpoint: kept)
    }
}

extension GANCheckpoint {
    /// Runs `body`, turning a libtorch error into a run failure that names the checkpoint
    /// `path` and its `part`, as "PATH: rng.noise: cannot restore generator state: ...".
    static func wrap<T>(naming path: String, _ part: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TorchError {
            throw GDAError("\(path): \(part): \(error.message)")
        }
    }
}
