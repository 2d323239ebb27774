import Foundation
import Torch

/// Checkpoints of a GAN run, in `RUN/checkpoints/`:
///
/// - `step-000123.safetensors`: the whole training state.
///   - `generator.*`, `discriminator.*` and `generator_ema.*`: PyTorch state-dict names
///     after the prefix.
///   - `optimizer.generator.state.I.*` and `optimizer.discriminator.state.I.*`: Adam's
///     moments and step count of parameter I.
///   - `rng.noise`: the state of the generator that draws training latents.
///   - `grid_noise`: the latents of the sample grids.
///   - metadata `step`, `epoch` and `batch`: the next batch of the data order.
/// - `latest`: the name of the newest complete step checkpoint.
/// - `generator.safetensors`: the sampling generator alone (the moving average when
///   enabled), keyed exactly as the PyTorch reference module's `state_dict`, so that
///   `module.load_state_dict(safetensors.torch.load_file(path), strict=True)` works.
///
/// Every file is written atomically, the pointer last, so an interrupted save leaves the
/// previous checkpoint in force.
public enum GANCheckpoint {
    public static let formatName = "gda-gan-checkpoint"
    public static let formatVersion = "1"

    public static func folder(_ run: String) -> String { "\(run)/checkpoints" }

    public static func fileName(step: Int) -> String {
        StepCheckpoints.fileName(step: step)
    }

    /// The newest complete step checkpoint named by `latest`, or nil when there is none.
    public static func latest(_ run: String) throws -> String? {
        try StepCheckpoints.latest(in: folder(run))
    }

    // MARK: - Saving

    /// Writes a step checkpoint and the generator export, moves `latest` to it and deletes
    /// step checkpoints beyond the newest `config.keepCheckpoints`. Returns its path.
    @discardableResult
    static func save(_ state: GANState, run: String) throws -> String {
        try state.checkFiniteWeights(run: run)
        let directory = folder(run)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var tensors: [(String, Tensor)] = []
        tensors += state.generator.stateDict().map { ("generator.\($0.0)", $0.1) }
        tensors += state.discriminator.stateDict().map { ("discriminator.\($0.0)", $0.1) }
        if let averaged = state.averaged {
            tensors += averaged.stateDict().map { ("generator_ema.\($0.0)", $0.1) }
        }
        tensors += try state.generatorOptimizer.stateDict().map { ("optimizer.generator.\($0.0)", $0.1) }
        tensors += try state.discriminatorOptimizer.stateDict().map { ("optimizer.discriminator.\($0.0)", $0.1) }
        tensors.append(("rng.noise", try state.noise.state()))
        tensors.append(("grid_noise", state.gridNoise))
        let position = state.position
        let metadata = [
            "format": formatName, "version": formatVersion, "model": state.config.model.rawValue,
            "step": String(position.step), "epoch": String(position.epoch), "batch": String(position.batch),
        ]
        let name = fileName(step: position.step)
        let path = "\(directory)/\(name)"
        try wrap { try SafeTensors.save(tensors, to: path, metadata: metadata) }
        try exportGenerator(state.samplingGenerator, config: state.config, step: position.step,
                            to: "\(directory)/generator.safetensors")
        try StepCheckpoints.commit(name, in: directory, keep: state.config.keepCheckpoints)
        return path
    }

    /// Writes a generator alone, keyed exactly as the reference module's `state_dict`.
    public static func exportGenerator(_ generator: any ImageGenerator, config: GANConfig, step: Int,
                                       to path: String) throws
    {
        let metadata = [
            "format": "gda-gan-generator", "model": config.model.rawValue,
            "generators": String(config.generators), "classes": String(config.classCount),
            "shared_blocks": String(config.sharedBlocks), "latent_size": String(GANArchitecture.latentSize),
            "image_shape": "\(config.imageShape.channels),\(config.imageShape.height),\(config.imageShape.width)",
            "moving_average": config.emaDecay == nil ? "false" : "true", "step": String(step),
        ]
        try wrap { try SafeTensors.save(generator.stateDict(), to: path, metadata: metadata) }
    }

    // MARK: - Loading

    /// Restores `state` from a step checkpoint: weights, optimizer moments, the noise
    /// generator and the data position.
    static func restore(_ state: GANState, from path: String) throws {
        let (tensors, metadata) = try wrap { try SafeTensors.load(path) }
        guard metadata["format"] == formatName else {
            throw GDAError("\(path): not a gda GAN checkpoint (format '\(metadata["format"] ?? "none")')")
        }
        guard metadata["version"] == formatVersion else {
            throw GDAError("\(path): checkpoint version \(metadata["version"] ?? "none"), this gda reads \(formatVersion)")
        }
        func section(_ prefix: String) -> [String: Tensor] {
            var result: [String: Tensor] = [:]
            for (name, tensor) in tensors where name.hasPrefix(prefix + ".") {
                result[String(name.dropFirst(prefix.count + 1))] = tensor
            }
            return result
        }
        try load(state.generator, section("generator"), "generator", path)
        try load(state.discriminator, section("discriminator"), "discriminator", path)
        if let averaged = state.averaged {
            try load(averaged, section("generator_ema"), "generator_ema", path)
        }
        try wrap(naming: path, "optimizer.generator") {
            try state.generatorOptimizer.loadStateDict(section("optimizer.generator"))
        }
        try wrap(naming: path, "optimizer.discriminator") {
            try state.discriminatorOptimizer.loadStateDict(section("optimizer.discriminator"))
        }
        guard let rng = tensors["rng.noise"], let grid = tensors["grid_noise"] else {
            throw GDAError("\(path): missing rng.noise or grid_noise")
        }
        try wrap(naming: path, "rng.noise") { try state.noise.setState(rng) }
        try wrap(naming: path, "grid_noise") { try state.gridNoise.assign(grid) }
        guard let step = metadata["step"].flatMap(Int.init), let epoch = metadata["epoch"].flatMap(Int.init),
              let batch = metadata["batch"].flatMap(Int.init), step >= 0, epoch >= 0, batch >= 0
        else {
            let found = ["step", "epoch", "batch"].map { "\($0) '\(metadata[$0] ?? "none")'" }.joined(separator: ", ")
            throw GDAError("\(path): metadata needs a non-negative integer step, epoch and batch, found \(found)")
        }
        state.position = TrainingPosition(step: step, epoch: epoch, batch: batch)
        try state.checkRestoredWeights(path)
    }

    /// Loads a module's tensors, naming the checkpoint and section in any mismatch.
    static func load(_ module: Module, _ tensors: [String: Tensor], _ section: String, _ path: String) throws {
        do {
            try module.loadStateDict(tensors, strict: true)
        } catch let error as TorchError {
            throw GDAError("\(path): \(section) does not match this run's configuration: \(error.message)")
        }
    }

    /// Runs `body`, turning a libtorch or file error into a run failure with its message.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
    }
}
