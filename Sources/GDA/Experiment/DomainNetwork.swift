import Foundation
import Torch

/// The feature network for 28×28 data: a `ClassifierNet` trained on the real training set
/// with the dataset's augmentation policy. Its 128-d penultimate layer gives features and its
/// softmax gives class probabilities. It is trained once per dataset and settings and cached.
public final class DomainNetwork: FeatureNetwork {
    public let model: ClassifierNet
    public let normalization: Normalization
    public let testAccuracy: Double
    public let device: Device

    init(model: ClassifierNet, normalization: Normalization, testAccuracy: Double, device: Device) {
        self.model = model
        self.normalization = normalization
        self.testAccuracy = testAccuracy
        self.device = device
    }

    /// Features (N, 128) of uint8 images (N, C, H, W).
    public func features(_ images: Tensor) throws -> Tensor {
        try model.embeddings(bytes: images, normalization: normalization, device: device)
    }

    /// Class probabilities (N, classes) of uint8 images.
    public func probabilities(_ images: Tensor) throws -> Tensor? {
        try model.probabilities(bytes: images, normalization: normalization, device: device)
    }

    /// Loads the cached network for these settings, or trains and caches it.
    public static func load(dataset: String, train: Dataset, test: Dataset, settings: ClassifierSettings,
                            augment: BatchTransform?, limit: Int, device: Device, cacheFolder: String,
                            log: @escaping (String) -> Void) throws -> DomainNetwork {
        let key = cacheKey(dataset: dataset, train: train, settings: settings, limit: limit)
        let path = "\(cacheFolder)/domain/\(key).safetensors"
        if FileManager.default.fileExists(atPath: path) {
            do {
                let (model, normalization, metadata) = try ClassifierNet.load(path)
                if let accuracy = metadata["test_accuracy"].flatMap(Double.init) {
                    log("domain network: using the cached one at \(path) (test accuracy \(String(format: "%.4f", accuracy)))")
                    return DomainNetwork(model: model, normalization: normalization, testAccuracy: accuracy, device: device)
                }
            } catch {
                log("domain network: cached file \(path) cannot be read (\(error)); training again")
            }
        }
        let data = limit > 0 && limit < train.count ? train.stratifiedSubset(count: limit, seed: settings.seed) : train
        let normalization = Normalization.of(train)
        log("domain network: training on \(data.count) images for \(settings.effectiveEpochs(count: data.count)) epochs")
        let trainer = ClassifierTrainer(settings: settings, normalization: normalization, transform: augment,
                                        device: device) { epoch, epochs, loss, accuracy in
            log(String(format: "domain network: epoch %d/%d loss %.4f train accuracy %.4f", epoch, epochs, loss, accuracy))
        }
        let model = try trainer.train(data)
        let predictions = try model.predict(test, normalization: normalization, device: device)
        let correct = zip(predictions.labels, predictions.predicted).filter { $0 == $1 }.count
        let accuracy = Double(correct) / Double(Swift.max(1, test.count))
        log(String(format: "domain network: test accuracy %.4f", accuracy))
        do {
            try FileManager.default.createDirectory(atPath: "\(cacheFolder)/domain", withIntermediateDirectories: true)
        } catch {
            throw GDAError("cannot create the cache folder \(cacheFolder)/domain: \(error.localizedDescription)")
        }
        try model.save(to: path, normalization: normalization,
                       extra: ["test_accuracy": String(accuracy), "dataset": dataset, "key": key])
        return DomainNetwork(model: model, normalization: normalization, testAccuracy: accuracy, device: device)
    }

    /// Returns a name for the cached file that changes whenever the data or settings change.
    static func cacheKey(dataset: String, train: Dataset, settings: ClassifierSettings, limit: Int) -> String {
        let safeName = dataset.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        var description = "\(dataset)|\(train.count)|\(train.channels)x\(train.height)x\(train.width)|\(limit)|"
        description += "\(settings.epochs)|\(settings.minimumSteps)|\(settings.batchSize)|\(settings.learningRate)|"
        description += "\(settings.augmentPolicy ?? "none")|\(settings.seed)|v1"
        // Fingerprints the data itself for datasets named by path, whose content may change.
        if dataset.hasPrefix("idx:") || dataset.hasPrefix("folder:") {
            let stride = Swift.max(1, train.images.count / 4096)
            var sample = 0
            for index in Swift.stride(from: 0, to: train.images.count, by: stride) { sample = sample &* 31 &+ Int(train.images[index]) }
            description += "|\(sample)"
        }
        let hash = Seeds.derive(0, description)
        return "\(String(String(safeName).prefix(40)))-\(String(hash, radix: 16))"
    }
}
