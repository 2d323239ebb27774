import Foundation
import Torch

/// The models `gda bench` times.
public enum BenchModel: String, CaseIterable, Sendable {
    case dcgan, cgan, madgan, classifier
}

/// The settings of one training-step benchmark: the model, batch, K, and step counts.
public struct StepBenchmarkOptions: Sendable {
    public var model: BenchModel
    public var batch: Int = 64
    /// K, the number of MADGAN generators; ignored by the other models.
    public var generators: Int = 10
    /// Timed steps.
    public var steps: Int = 30
    /// Untimed steps before the timed ones.
    public var warmup: Int = 5

    public init(model: BenchModel, batch: Int = 64, generators: Int = 10, steps: Int = 30, warmup: Int = 5) {
        self.model = model
        self.batch = batch
        self.generators = generators
        self.steps = steps
        self.warmup = warmup
    }
}

/// The timing of a benchmark's timed steps.
public struct StepBenchmarkResult: Sendable {
    public let model: BenchModel
    public let batch: Int
    public let steps: Int
    /// Wall-clock seconds of all timed steps together.
    public let seconds: Double

    /// Real images consumed per second: one real batch per step.
    public var imagesPerSecond: Double { Double(batch * steps) / seconds }

    public var stepMilliseconds: Double { seconds * 1000 / Double(steps) }

    /// The line the PyTorch reference step prints: `MODEL images_per_second=N step_ms=N`.
    public var line: String {
        String(format: "%@ images_per_second=%.1f step_ms=%.2f", model.rawValue, imagesPerSecond,
               stepMilliseconds)
    }
}

/// Times gda's own training step on fixed random inputs, with the layers, batch, optimizer
/// and update order of a plain PyTorch training script for the same models.
///
/// GAN steps are `GANTrainer`'s step on a real batch drawn once from U(-1, 1) (and, for the
/// cGAN, labels drawn once). Latents are drawn anew each step, as in training. The
/// classifier step is `ClassifierTrainer`'s: forward, cross-entropy, backward, Adam (lr
/// 1e-3), then the loss and the count of correct predictions read back.
public final class StepBenchmark {
    public let options: StepBenchmarkOptions
    private let runner: any BenchmarkRunner

    public init(_ options: StepBenchmarkOptions) throws {
        guard options.batch >= 2 else {
            throw GDAError.config(
                "batch must be at least 2 (batch norm needs two images), found \(options.batch)")
        }
        guard options.steps >= 1, options.warmup >= 0 else {
            throw GDAError.config("steps must be at least 1 and warm-up steps at least 0, found "
                + "\(options.steps) and \(options.warmup)")
        }
        self.options = options
        switch options.model {
        case .classifier:
            runner = try ClassifierBenchmarkRunner(batch: options.batch)
        case .dcgan, .cgan, .madgan:
            runner = try GANBenchmarkRunner(options)
        }
    }

    /// The trained parameters of every model in the benchmark.
    public var parameters: [Tensor] { runner.parameters }

    /// Runs one training step.
    public func step() throws {
        try runner.step()
    }

    /// Runs the warm-up steps, then times the timed ones.
    public func run() throws -> StepBenchmarkResult {
        for _ in 0..<options.warmup { try runner.step() }
        let started = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<options.steps { try runner.step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return StepBenchmarkResult(model: options.model, batch: options.batch, steps: options.steps,
                                   seconds: seconds)
    }
}

// MARK: - Runners

private protocol BenchmarkRunner: AnyObject {
    var parameters: [Tensor] { get }
    func step() throws
}

/// A GAN trainer in a temporary run folder, stepped on one fixed real batch.
private final class GANBenchmarkRunner: BenchmarkRunner {
    let trainer: GANTrainer
    let folder: URL
    let real: Tensor
    let labels: Tensor

    init(_ options: StepBenchmarkOptions) throws {
        let model: GANModel = switch options.model {
        case .cgan: .cgan
        case .madgan: .madgan
        default: .dcgan
        }
        let classes = 10
        var config = GANConfig(model: model, dataset: "benchmark", classNames: (0..<classes).map(String.init))
        config.batchSize = options.batch
        config.generators = model == .madgan ? options.generators : 1
        // The trainer's constructor needs a dataset of at least one batch; the steps never read it.
        let dataset = Dataset(name: "benchmark", images: [UInt8](repeating: 0, count: options.batch * 784),
                              labels: (0..<options.batch).map { Int32($0 % classes) }, channels: 1, height: 28,
                              width: 28, classNames: config.classNames)
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("gda-bench-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            trainer = try GANTrainer(config: config, dataset: dataset, folder: folder.path)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let rng = try Generator(seed: 0)
        real = try Tensor.rand([options.batch, 1, 28, 28], generator: rng) * 2 - 1
        labels = try Tensor.randint(0, classes, shape: [options.batch], generator: rng)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    var parameters: [Tensor] {
        trainer.state.generator.parameters() + trainer.state.discriminator.parameters()
    }

    func step() throws {
        _ = try trainer.trainStep(real: real, labels: labels)
    }
}

/// A classifier with Adam on one fixed batch of U(0, 1) images and random labels.
private final class ClassifierBenchmarkRunner: BenchmarkRunner {
    let model: ClassifierNet
    let optimizer: Adam
    let input: Tensor
    let labels: Tensor

    init(batch: Int) throws {
        let rng = try Generator(seed: 0)
        model = try ClassifierNet(channels: 1, size: 28, classes: 10, generator: rng)
        optimizer = Adam(model.parameters(), learningRate: 1e-3)
        input = try Tensor.rand([batch, 1, 28, 28], generator: rng)
        labels = try Tensor.randint(0, 10, shape: [batch], generator: rng)
        model.train()
    }

    var parameters: [Tensor] { model.parameters() }

    func step() throws {
        optimizer.zeroGrad()
        _ = try ClassifierTrainer.backward(model: model, input: input, labels: labels)
        try optimizer.step()
    }
}

// MARK: - Operator call overhead

/// Time per operator call through gda's generic `Op` path on one-element tensors, where the
/// kernel's own work is negligible: `a + b`, a 3×3-kernel convolution's argument list
/// (`Tensor.reshape` with a shape) and `Tensor.shape`.
public enum DispatchBenchmark {
    public static func run(calls: Int) throws -> [(name: String, nanoseconds: Double)] {
        let a = try Tensor([Float(1)]), b = try Tensor([Float(2)])
        func time(_ body: () throws -> Void) rethrows -> Double {
            for _ in 0..<Swift.min(calls, 1000) { try body() }
            let started = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { try body() }
            return Double(DispatchTime.now().uptimeNanoseconds - started) / Double(calls)
        }
        return [
            ("add (2 tensors)", try time { _ = try a + b }),
            ("reshape (tensor, int list)", try time { _ = try a.reshape([1, 1]) }),
            ("shape (no operator)", time { _ = a.shape }),
        ]
    }
}
