import Foundation
import Torch

/// The folder and interval of a classifier run's checkpoints of its whole training state.
public struct ClassifierCheckpointing: Sendable, Equatable {
    /// The folder of the step checkpoints, usually `RUN/checkpoints`.
    public var folder: String
    /// Steps between checkpoints; the end of every epoch is saved as well.
    public var every: Int
    /// Step checkpoints kept; older ones are deleted.
    public var keep: Int

    public init(folder: String, every: Int = 500, keep: Int = 3) {
        self.folder = folder
        self.every = every
        self.keep = keep
    }
}

/// Step checkpoints of a classifier run, in the layout of `StepCheckpoints`:
///
/// - `model.*`: the classifier's state dict, PyTorch names after the prefix.
/// - `optimizer.state.I.*`: Adam's moments and step count of parameter I.
/// - `rng.dropout`: the state of the generator that draws dropout masks.
/// - `rng.augment`: inside an epoch, the state of the epoch's augmentation generator after
///   the last batch trained (the batches are prepared ahead, so it cannot be read later).
/// - metadata `step`, `epoch` and `batch` (the next batch of that epoch), the epoch's running
///   totals (`loss_sum` as the bits of a double, `correct`, `seen`), the training set's size
///   and global batch, and `setting.*`, the settings that decide each step. A resumed run
///   must match all of these.
public enum ClassifierCheckpoint {
    public static let formatName = "gda-classifier-checkpoint"
    public static let formatVersion = "1"

    /// Finds the newest complete step checkpoint of `folder`; nil when there is none.
    public static func latest(in folder: String) throws -> String? {
        try StepCheckpoints.latest(in: folder)
    }

    /// The position and epoch totals that a checkpoint stores next to the model's and
    /// optimizer's tensors.
    struct Progress {
        var position: TrainingPosition
        var lossSum: Double
        var correct: Int
        var seen: Int
        var augmentState: Tensor?
    }

    /// The facts of the run a checkpoint belongs to.
    struct Shape: Equatable {
        var examples: Int
        var batchSize: Int
        /// The epochs of the whole run.
        var epochs: Int
        /// The training settings that decide every step: a resumed run must use the same.
        var settings: ClassifierSettings

        /// The settings as checkpoint metadata, one entry per setting. Epochs are left out:
        /// a run may be resumed with more epochs than it started with.
        var settingsMetadata: [String: String] {
            [
                "setting.learning_rate": String(settings.learningRate.bitPattern),
                "setting.dropout": String(settings.dropout.bitPattern),
                "setting.seed": String(settings.seed),
                "setting.augment": settings.augmentPolicy ?? "none",
                "setting.minimum_steps": String(settings.minimumSteps),
            ]
        }
    }

    static func save(model: ClassifierNet, optimizer: Adam, dropout: Generator, progress: Progress, shape: Shape,
                     to checkpointing: ClassifierCheckpointing) throws {
        do {
            try checkFinite(model, step: progress.position.step)
        } catch let error as GDAError {
            let newest = (try? latest(in: checkpointing.folder)).flatMap { $0 }
            throw GDAError("classifier training diverged: \(error.message); "
                + (newest.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written before it"))
        }
        do {
            try FileManager.default.createDirectory(atPath: checkpointing.folder, withIntermediateDirectories: true)
        } catch {
            throw GDAError("cannot create \(checkpointing.folder): \(error.localizedDescription)")
        }
        var tensors = model.stateDict().map { ("model.\($0.0)", $0.1) }
        tensors += try optimizer.stateDict().map { ("optimizer.\($0.0)", $0.1) }
        tensors.append(("rng.dropout", try dropout.state()))
        if let augment = progress.augmentState { tensors.append(("rng.augment", augment)) }
        let position = progress.position
        let metadata = [
            "format": formatName, "version": formatVersion,
            "step": String(position.step), "epoch": String(position.epoch), "batch": String(position.batch),
            "loss_sum": String(progress.lossSum.bitPattern), "correct": String(progress.correct),
            "seen": String(progress.seen), "examples": String(shape.examples), "batch_size": String(shape.batchSize),
        ].merging(shape.settingsMetadata) { $1 }
        let name = StepCheckpoints.fileName(step: position.step)
        do {
            try SafeTensors.save(tensors, to: "\(checkpointing.folder)/\(name)", metadata: metadata)
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
        try StepCheckpoints.commit(name, in: checkpointing.folder, keep: checkpointing.keep)
    }

    /// Loads a checkpoint into `model`, `optimizer` and `dropout`; returns the position and
    /// totals to continue from. The checkpoint must come from a run on a training set of the
    /// same size and with the same global batch.
    static func restore(_ path: String, model: ClassifierNet, optimizer: Adam, dropout: Generator,
                        shape: Shape) throws -> Progress {
        let (tensors, metadata): ([String: Tensor], [String: String])
        do {
            (tensors, metadata) = try SafeTensors.load(path)
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
        guard metadata["format"] == formatName else {
            throw GDAError("\(path): not a gda classifier checkpoint (format '\(metadata["format"] ?? "none")')")
        }
        guard metadata["version"] == formatVersion else {
            throw GDAError("\(path): checkpoint version \(metadata["version"] ?? "none"), this gda reads \(formatVersion)")
        }
        func integer(_ key: String) throws -> Int {
            guard let value = metadata[key].flatMap(Int.init), value >= 0 else {
                throw GDAError("\(path): metadata '\(key)' must be a non-negative integer, found '\(metadata[key] ?? "none")'")
            }
            return value
        }
        let examples = try integer("examples"), batchSize = try integer("batch_size")
        guard examples == shape.examples, batchSize == shape.batchSize else {
            throw GDAError.config("\(path): the run trained on \(examples) images in batches of "
                + "\(batchSize), this one has \(shape.examples) images in batches of \(shape.batchSize)")
        }
        let changed = shape.settingsMetadata.keys.sorted().filter { metadata[$0] != shape.settingsMetadata[$0] }
        if !changed.isEmpty {
            let names = changed.map { String($0.dropFirst("setting.".count)) }.joined(separator: ", ")
            throw GDAError.config("\(path): the run was trained with other settings (\(names)) than its "
                + "config.json now gives; a resumed run must keep them, so restore config.json or start a new run")
        }
        func section(_ prefix: String) -> [String: Tensor] {
            var result: [String: Tensor] = [:]
            for (name, tensor) in tensors where name.hasPrefix(prefix + ".") {
                result[String(name.dropFirst(prefix.count + 1))] = tensor
            }
            return result
        }
        guard let dropoutState = tensors["rng.dropout"] else {
            throw GDAError("\(path): the tensor rng.dropout is missing")
        }
        guard let lossBits = metadata["loss_sum"].flatMap(UInt64.init) else {
            throw GDAError("\(path): metadata 'loss_sum' must be the bits of a double as an unsigned integer, "
                + "found '\(String((metadata["loss_sum"] ?? "none").prefix(40)))'")
        }
        do {
            try model.loadStateDict(section("model"), strict: true)
            try optimizer.loadStateDict(section("optimizer"))
            try dropout.setState(dropoutState)
        } catch let error as TorchError {
            throw GDAError("\(path): does not match this classifier: \(error.message)")
        }
        let position = TrainingPosition(step: try integer("step"), epoch: try integer("epoch"), batch: try integer("batch"))
        let batches = shape.settings.stepsPerEpoch(count: shape.examples)
        guard position.batch < batches else {
            throw GDAError("\(path): batch \(position.batch) is past the \(batches) batches of an epoch")
        }
        // Every epoch has the same batches, and every batch before the position is full.
        guard position.step == position.epoch * batches + position.batch else {
            throw GDAError("\(path): step \(position.step) does not match epoch \(position.epoch) and batch "
                + "\(position.batch) at \(batches) batches per epoch")
        }
        guard position.epoch <= shape.epochs else {
            throw GDAError.config("\(path): the checkpoint is at epoch \(position.epoch), past the \(shape.epochs) "
                + "epochs of this run; raise epochs in config.json or start a new run")
        }
        let correct = try integer("correct"), seen = try integer("seen")
        guard seen == position.batch * shape.batchSize, correct <= seen else {
            throw GDAError("\(path): the epoch totals (\(correct) correct of \(seen) seen) do not match batch "
                + "\(position.batch) of batches of \(shape.batchSize)")
        }
        try checkFinite(model, step: position.step, path: path)
        for (name, tensor) in try optimizer.stateDict() where tensor.dtype.isFloatingPoint {
            guard try tensor.allFinite() else {
                throw GDAError("\(path): optimizer \(name) is not finite; the checkpoint cannot be resumed")
            }
        }
        return Progress(position: position, lossSum: Double(bitPattern: lossBits), correct: correct, seen: seen,
                        augmentState: tensors["rng.augment"])
    }

    /// Throws when a weight is no longer finite, so that such weights are never saved or resumed.
    private static func checkFinite(_ model: ClassifierNet, step: Int, path: String? = nil) throws {
        for (name, tensor) in model.stateDict() where tensor.dtype.isFloatingPoint {
            guard try tensor.allFinite() else {
                let place = path.map { "\($0): " } ?? ""
                throw GDAError("\(place)classifier weight \(name) is not finite at step \(step)")
            }
        }
    }
}
