import Foundation
import Torch

/// How a classifier is trained.
public struct ClassifierSettings: Codable, Sendable, Equatable {
    /// Passes over the training set.
    public var epochs: Int = 10
    /// Optimizer steps to take at least, so that small training sets still get trained:
    /// epochs are added until this many steps are reached.
    public var minimumSteps: Int = 0
    public var batchSize: Int = 64
    public var learningRate: Double = 1e-3
    /// Traditional augmentation policy applied to every training batch, or nil for none.
    public var augmentPolicy: String? = nil
    public var seed: UInt64 = 0
    /// Dropout probability of the hidden layer; 0 removes the randomness from training
    /// steps, which exact comparisons (such as data-parallel against one process) need.
    public var dropout: Double = 0.5

    public init(epochs: Int = 10, minimumSteps: Int = 0, batchSize: Int = 64, learningRate: Double = 1e-3,
                augmentPolicy: String? = nil, seed: UInt64 = 0, dropout: Double = 0.5) {
        self.epochs = epochs
        self.minimumSteps = minimumSteps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.augmentPolicy = augmentPolicy
        self.seed = seed
        self.dropout = dropout
    }

    /// The number of epochs actually run on `count` images.
    public func effectiveEpochs(count: Int) -> Int {
        let perEpoch = stepsPerEpoch(count: count)
        let needed = (minimumSteps + perEpoch - 1) / perEpoch
        return Swift.max(epochs, needed)
    }

    /// Optimizer steps in one epoch over `count` images; the last batch may be short.
    public func stepsPerEpoch(count: Int) -> Int {
        Swift.max(1, (count + batchSize - 1) / batchSize)
    }

    /// Optimizer steps of a whole run on `count` images.
    public func totalSteps(count: Int) -> Int {
        effectiveEpochs(count: count) * stepsPerEpoch(count: count)
    }
}

/// Per-channel normalisation of [0, 1] images for a classifier.
public struct Normalization: Codable, Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }

    /// Converts uint8 images (B, C, H, W) to normalised classifier input.
    public func apply(bytes: Tensor) throws -> Tensor {
        try ImageSpace.normalize(ImageSpace.bytesToUnit(bytes), mean: mean, std: std)
    }

    /// Per-channel mean and standard deviation of a dataset's pixels in [0, 1].
    public static func of(_ dataset: Dataset) -> Normalization {
        let plane = dataset.height * dataset.width
        var sums = [Double](repeating: 0, count: dataset.channels)
        var squares = [Double](repeating: 0, count: dataset.channels)
        dataset.images.withUnsafeBufferPointer { pixels in
            for image in 0..<dataset.count {
                for channel in 0..<dataset.channels {
                    let start = (image * dataset.channels + channel) * plane
                    var sum = 0.0, square = 0.0
                    for value in pixels[start..<(start + plane)] {
                        let x = Double(value) / 255
                        sum += x
                        square += x * x
                    }
                    sums[channel] += sum
                    squares[channel] += square
                }
            }
        }
        let count = Double(Swift.max(1, dataset.count * plane))
        let mean = sums.map { $0 / count }
        let std = zip(squares, mean).map { Swift.max(1e-6, ($0 / count - $1 * $1).squareRoot()) }
        return Normalization(mean: mean, std: std)
    }
}

/// Transforms a batch of [0, 1] images with a seeded generator (traditional augmentation).
public typealias BatchTransform = @Sendable (Tensor, Generator) throws -> Tensor

/// Trains a `ClassifierNet` with Adam and cross-entropy.
///
/// With `dataParallel` set, `settings.batchSize` is the batch of each rank. A step takes a
/// global batch of batchSize × worldSize images from the epoch's order, and rank r trains
/// on its r-th slice. Gradients are averaged over the ranks, so N ranks with batch B take
/// the steps one process takes with batch N·B.
public struct ClassifierTrainer {
    public var settings: ClassifierSettings
    public var normalization: Normalization
    public var transform: BatchTransform?
    public var device: Device
    /// Called after each epoch with (epoch, epochs, mean loss, training accuracy); in a
    /// data-parallel run the figures cover every rank's images.
    public var onEpoch: ((Int, Int, Double, Double) -> Void)?
    /// The process group of a data-parallel run; nil for one process.
    public var dataParallel: DataParallel?
    /// The folder and interval of checkpoints, or nil to save none.
    public var checkpointing: ClassifierCheckpointing?
    /// Called after each optimizer step with (steps done, steps in the whole run); an error
    /// it throws stops training and is rethrown.
    public var onStep: ((Int, Int) throws -> Void)?

    public init(settings: ClassifierSettings, normalization: Normalization, transform: BatchTransform? = nil,
                device: Device = .cpu, onEpoch: ((Int, Int, Double, Double) -> Void)? = nil) {
        self.settings = settings
        self.normalization = normalization
        self.transform = transform
        self.device = device
        self.onEpoch = onEpoch
    }

    /// Trains a classifier on `data`: a fresh one, or with `checkpoint` the run that saved it,
    /// continued from its position. With `checkpointing` set the whole training state is
    /// saved every `checkpointing.every` steps and at the end of every epoch (single-process
    /// runs only). Resuming ends with the parameters an uninterrupted run ends with, bit for
    /// bit on the CPU.
    public func train(_ data: Dataset, resumingFrom checkpoint: String? = nil) throws -> ClassifierNet {
        guard data.count > 0 else { throw GDAError("cannot train a classifier on an empty dataset") }
        let initGenerator = try Generator(seed: Seeds.derive(settings.seed, "classifier-init"))
        let model = try ClassifierNet(channels: data.channels, size: data.height, classes: data.classCount,
                                      dropout: settings.dropout, generator: initGenerator)
        let optimizer = Adam(model.parameters(), learningRate: settings.learningRate)

        let worldSize = dataParallel?.worldSize ?? 1
        var global = settings
        global.batchSize *= worldSize
        let epochs = global.effectiveEpochs(count: data.count)
        try dataParallel?.prepare(model, dropout: initGenerator, seed: settings.seed)
        // Each rank draws its own dropout masks and augmentations, which one rank's
        // checkpoint cannot hold.
        if dataParallel != nil && (checkpointing != nil || checkpoint != nil) {
            throw GDAError.config("classifier checkpoints and resuming are for single-process runs; "
                + "a data-parallel run trains to the end")
        }
        let shape = ClassifierCheckpoint.Shape(examples: data.count, batchSize: global.batchSize, epochs: epochs,
                                               settings: global)
        let resumed = try checkpoint.map {
            try ClassifierCheckpoint.restore($0, model: model, optimizer: optimizer, dropout: initGenerator,
                                             shape: shape)
        }
        let batchesPerEpoch = global.stepsPerEpoch(count: data.count)
        let totalSteps = global.totalSteps(count: data.count)
        var step = resumed?.position.step ?? 0
        func save(_ progress: ClassifierCheckpoint.Progress) throws {
            guard let checkpointing else { return }
            try ClassifierCheckpoint.save(model: model, optimizer: optimizer, dropout: initGenerator,
                                          progress: progress, shape: shape, to: checkpointing)
        }

        model.train()
        for epoch in min(resumed?.position.epoch ?? 0, epochs)..<epochs {
            let orderGenerator = try Generator(seed: Seeds.derive(settings.seed, "classifier-order", epoch))
            let augmentGenerator = try Generator(seed: dataParallel?.augmentSeed(settings.seed, epoch: epoch)
                ?? Seeds.derive(settings.seed, "classifier-augment", epoch))
            let order = try Tensor.randperm(data.count, generator: orderGenerator).scalars(as: Int64.self).map(Int.init)
            var totalLoss = 0.0, correct = 0, seen = 0
            var firstBatch = 0
            if let resumed, resumed.position.epoch == epoch {
                (totalLoss, correct, seen, firstBatch) = (resumed.lossSum, resumed.correct, resumed.seen,
                                                          resumed.position.batch)
                if let state = resumed.augmentState {
                    do {
                        try augmentGenerator.setState(state)
                    } catch let error as TorchError {
                        throw GDAError("\(checkpoint ?? ""): rng.augment: \(error.message)")
                    }
                }
            }

            var plan: [(slice: Int, indices: [Int])] = []
            var globalSizes: [Int] = []
            for start in stride(from: firstBatch * global.batchSize, to: order.count, by: global.batchSize) {
                let batch = order[start..<Swift.min(start + global.batchSize, order.count)]
                let local = dataParallel?.localPart(of: batch, batchSize: settings.batchSize) ?? batch
                plan.append((plan.count, Array(local)))
                globalSizes.append(batch.count)
            }
            // A background thread prepares and augments the batches two steps ahead. It alone
            // draws from augmentGenerator, in batch order, so the images are those an inline
            // loop would make. A checkpoint inside the epoch needs the generator's state after
            // its last batch, so the thread records it with each batch.
            let (transform, normalization, device) = (transform, normalization, device)
            let recordState = transform != nil && checkpointing != nil
            let batches = BatchIterator(plan: plan, capacity: 2) { _, indices in
                var batch = try Self.prepareBatch(data, indices: indices, transform: transform,
                                                  generator: augmentGenerator, normalization: normalization,
                                                  device: device)
                if recordState { batch.augmentState = try augmentGenerator.state() }
                return batch
            }
            defer { batches.stop() }

            for (offset, globalSize) in globalSizes.enumerated() {
                guard let prepared = try batches.next() else {
                    throw GDAError("internal error: the batch producer stopped before the end of the epoch")
                }
                let count = prepared.indices.count
                optimizer.zeroGrad()
                // A rank whose slice of a short last batch is empty sends zero gradients.
                if count > 0 {
                    // Weighting each rank's mean loss by its share of the global batch makes the
                    // ranks' averaged gradient that of the global batch's mean loss.
                    let share = Double(count * worldSize) / Double(globalSize)
                    let result = try Self.backward(model: model, input: prepared.images, labels: prepared.labels,
                                                   lossScale: share)
                    guard result.loss.isFinite else {
                        let newest = checkpointing.flatMap { try? ClassifierCheckpoint.latest(in: $0.folder) }
                        throw GDAError("classifier training diverged at step \(step + 1) (epoch \(epoch + 1), batch "
                            + "\(firstBatch + offset + 1)): the loss is \(nonFiniteName(result.loss)); "
                            + (newest.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written before it"))
                    }
                    totalLoss += result.loss * Double(count)
                    correct += result.correct
                    seen += count
                }

                try dataParallel?.averageGradients(of: optimizer.parameters)
                try optimizer.step()
                step += 1
                try onStep?(step, totalSteps)
                let next = firstBatch + offset + 1
                if let checkpointing, step % checkpointing.every == 0, next < batchesPerEpoch {
                    try save(.init(position: TrainingPosition(step: step, epoch: epoch, batch: next),
                                   lossSum: totalLoss, correct: correct, seen: seen,
                                   augmentState: prepared.augmentState))
                }
            }
            if let dataParallel { (totalLoss, correct, seen) = try dataParallel.sum(totalLoss, correct, seen) }
            onEpoch?(epoch + 1, epochs, totalLoss / Double(seen), Double(correct) / Double(seen))
            try save(.init(position: TrainingPosition(step: step, epoch: epoch + 1, batch: 0), lossSum: 0, correct: 0,
                           seen: 0, augmentState: nil))
        }
        model.eval()
        return model
    }

    /// Builds one training batch: normalised images (augmented by `transform` when given)
    /// and int64 labels on `device`. An empty `indices` gives empty tensors and draws nothing
    /// from `generator`.
    static func prepareBatch(_ data: Dataset, indices: [Int], transform: BatchTransform?, generator: Generator,
                             normalization: Normalization, device: Device) throws -> Batch {
        guard !indices.isEmpty else {
            return Batch(images: try Tensor.zeros([0]), labels: try Tensor.zeros([0], dtype: .int64), indices: [])
        }
        var images = try ImageSpace.bytesToUnit(data.imageTensor(indices))
        if let transform { images = try transform(images, generator) }
        let input = try ImageSpace.normalize(images, mean: normalization.mean, std: normalization.std).to(device)
        return Batch(images: input, labels: try data.labelTensor(indices).to(device), indices: indices)
    }

    /// Runs forward, cross-entropy and backward on a prepared batch, the loss multiplied by
    /// `lossScale` before the backward pass. Gradients add to those already accumulated.
    /// Returns the batch's unscaled mean loss and how many of its images were classified
    /// correctly.
    static func backward(model: ClassifierNet, input: Tensor, labels: Tensor, lossScale: Double = 1) throws
        -> (loss: Double, correct: Int)
    {
        let logits = try model(input)
        let loss = try crossEntropy(logits, labels)
        try (lossScale == 1 ? loss : loss * lossScale).backward()
        let correct = Int(try logits.argmax(dim: 1).eq(labels).sum().item(as: Int64.self))
        return (try loss.item(as: Float.self).toDouble, correct)
    }
}

/// A classifier's outputs on a labelled set.
public struct Predictions: Sendable {
    public var labels: [Int]
    public var predicted: [Int]
    /// Softmax probabilities (N, classes), float32.
    public var probabilities: Tensor
}

extension ClassifierNet {
    /// Class probabilities (N, classes) for uint8 images, computed in evaluation mode in batches.
    public func probabilities(bytes images: Tensor, normalization: Normalization, batchSize: Int = 500,
                              device: Device = .cpu) throws -> Tensor {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return try withNoGrad {
            var parts: [Tensor] = []
            let count = images.shape[0]
            for start in stride(from: 0, to: count, by: batchSize) {
                let batch = try images.slice(dim: 0, start: start, end: Swift.min(start + batchSize, count))
                let input = try normalization.apply(bytes: batch.to(device))
                parts.append(try self(input).softmax(dim: 1).to(.cpu))
            }
            return parts.isEmpty ? try Tensor.zeros([0, classes]) : try Tensor.cat(parts)
        }
    }

    /// Penultimate features (N, 128) for uint8 images, in evaluation mode, in batches.
    public func embeddings(bytes images: Tensor, normalization: Normalization, batchSize: Int = 500,
                           device: Device = .cpu) throws -> Tensor {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return try withNoGrad {
            var parts: [Tensor] = []
            let count = images.shape[0]
            for start in stride(from: 0, to: count, by: batchSize) {
                let batch = try images.slice(dim: 0, start: start, end: Swift.min(start + batchSize, count))
                parts.append(try embedding(normalization.apply(bytes: batch.to(device))).to(.cpu))
            }
            return parts.isEmpty ? try Tensor.zeros([0, Self.featureDimension]) : try Tensor.cat(parts)
        }
    }

    /// Predictions on every image of `data`.
    public func predict(_ data: Dataset, normalization: Normalization, device: Device = .cpu) throws -> Predictions {
        let all = Array(0..<data.count)
        let probabilities = try self.probabilities(bytes: data.imageTensor(all), normalization: normalization,
                                                   device: device)
        let predicted = try probabilities.argmax(dim: 1).scalars(as: Int64.self).map(Int.init)
        return Predictions(labels: data.labels.map(Int.init), predicted: predicted, probabilities: probabilities)
    }

    // MARK: - Saving

    /// Saves weights and the facts needed to rebuild the model (shape, classes, normalisation).
    public func save(to path: String, normalization: Normalization, extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["channels"] = String(channels)
        metadata["size"] = String(size)
        metadata["classes"] = String(classes)
        metadata["mean"] = normalization.mean.map { String($0) }.joined(separator: ",")
        metadata["std"] = normalization.std.map { String($0) }.joined(separator: ",")
        try SafeTensors.save(stateDict(), to: path, metadata: metadata)
    }

    /// Loads a classifier saved by `save(to:normalization:extra:)`.
    public static func load(_ path: String) throws -> (ClassifierNet, Normalization, [String: String]) {
        let (tensors, metadata) = try SafeTensors.load(path)
        guard let channels = metadata["channels"].flatMap({ Int($0) }),
              let size = metadata["size"].flatMap({ Int($0) }),
              let classes = metadata["classes"].flatMap({ Int($0) }),
              let mean = metadata["mean"]?.split(separator: ",").compactMap({ Double($0) }),
              let std = metadata["std"]?.split(separator: ",").compactMap({ Double($0) }),
              mean.count == channels, std.count == channels
        else { throw GDAError("\(path): not a gda classifier (metadata missing)") }
        let model = try ClassifierNet(channels: channels, size: size, classes: classes, generator: Generator(seed: 0))
        try model.loadStateDict(tensors)
        model.eval()
        return (model, Normalization(mean: mean, std: std), metadata)
    }
}

extension Float {
    var toDouble: Double { Double(self) }
}
