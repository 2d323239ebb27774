import Foundation

/// Everything an experiment run needs, read from JSON. Every key is optional: an absent key
/// takes the profile's value, and the resolved config is written into the run with every
/// value spelled out. Unknown keys, wrong types and out-of-range values are errors.
public struct ExperimentConfig: Codable, Sendable, Equatable {
    /// The profile whose values fill the keys the file leaves out.
    public var profile: String = "quick"
    /// Dataset name: mnist, fashion-mnist, cifar10, folder:PATH or idx:PATH.
    public var dataset: String = "fashion-mnist"
    public var seed: UInt64 = 0
    /// cpu, cuda or cuda:N.
    public var device: String = "cpu"
    /// Intra-op threads for libtorch; 0 keeps libtorch's default (one per core).
    public var threads: Int = 0
    public var domain = DomainSection()
    public var gan = GANSection()
    public var labeling = LabelingSection()
    public var classifiers = ClassifierSection()

    /// The feature classifier that metrics use: trained once on the real training set with
    /// the dataset's augmentation policy, then cached.
    public struct DomainSection: Codable, Sendable, Equatable {
        public var epochs = 2
        public var batchSize = 128
        /// Train on a stratified subset of this many images; 0 means the whole training set.
        public var limit = 0
    }

    /// Set 1: the generators.
    public struct GANSection: Codable, Sendable, Equatable {
        /// The generators to train: cgan, madgan or both.
        public var models = ["cgan", "madgan"]
        /// Train on a stratified subset of this many real images; 0 means all.
        public var limit = 6000
        public var epochs = 3
        public var batchSize = 64
        /// MADGAN's number of generators.
        public var generators = 5
        /// Metrics computed after every epoch (fid, is, kid).
        public var epochMetrics = ["fid", "is", "kid"]
        /// Metrics computed on the final generators (fid, is, kid, pr, dc).
        public var finalMetrics = ["fid", "is", "kid", "pr", "dc"]
        /// Generated images per metric evaluation, compared with as many real test images.
        public var metricSamples = 2000
    }

    /// Set 2: labelling generated images.
    public struct LabelingSection: Codable, Sendable, Equatable {
        /// Auxiliary classifiers in the ensemble that labels MADGAN images.
        public var ensemble = 3
        public var epochs = 3
        /// Train each member on a stratified subset of this many images; 0 means all.
        public var limit = 20000
        /// Minimum mean top probability for a generated image to be kept.
        public var threshold = 0.9
        /// Keep an image only if every ensemble member predicts the same class.
        public var requireAgreement = true
        /// Apply the same filter to cGAN images (whose label is the requested class).
        public var filterCGAN = false
        /// Draw at most this many times the target count of images before reporting a shortfall.
        public var maximumDrawFactor = 4
    }

    /// Set 3: classifiers on mixes of real and synthetic data.
    public struct ClassifierSection: Codable, Sendable, Equatable {
        /// Fractions of the real training set (stratified) that each classifier trains on.
        public var realFractions = [0.01, 0.05]
        /// Synthetic images per real image.
        public var syntheticRatios = [1.0]
        /// Sources of the extra images: real (none), traditional, cgan, madgan,
        /// traditional+cgan, traditional+madgan.
        public var sources = ["real", "traditional", "cgan", "madgan"]
        public var seeds = 3
        public var epochs = 10
        /// At least this many optimizer steps per classifier, so small sets are trained enough.
        public var minimumSteps = 300
        public var batchSize = 64
        /// Augmentation policy for the traditional source; "default" picks the dataset's.
        public var augmentPolicy = "default"
        /// Also train on each GAN's synthetic set alone and test on real data
        /// (classification accuracy score).
        public var syntheticOnly = true
    }

    public init() {}

    /// The valid `sources` values.
    public static let sourceNames = ["real", "traditional", "cgan", "madgan", "traditional+cgan", "traditional+madgan"]
    public static let profileNames = ["quick", "thesis", "tiny"]
}

// MARK: - Profiles

extension ExperimentConfig {
    /// Returns a built-in profile: `quick` (Fashion-MNIST in minutes on two cores), `thesis`
    /// (full-size runs) and `tiny` (a few hundred images, for tests).
    public static func profile(_ name: String) throws -> ExperimentConfig {
        var config = ExperimentConfig()
        config.profile = name
        switch name {
        case "quick":
            break
        case "thesis":
            config.domain.epochs = 10
            config.gan.limit = 0
            config.gan.epochs = 25
            config.gan.generators = 10
            config.gan.metricSamples = 10000
            config.labeling.ensemble = 5
            config.labeling.epochs = 10
            config.labeling.limit = 0
            config.classifiers.realFractions = [0.01, 0.1, 1.0]
            config.classifiers.syntheticRatios = [0.5, 1.0, 2.0]
            config.classifiers.sources = sourceNames
            config.classifiers.seeds = 5
            config.classifiers.epochs = 20
            config.classifiers.minimumSteps = 2000
        case "tiny":
            config.domain.epochs = 1
            config.domain.limit = 300
            config.gan.limit = 200
            config.gan.epochs = 1
            config.gan.batchSize = 32
            config.gan.generators = 2
            config.gan.metricSamples = 100
            config.labeling.ensemble = 2
            config.labeling.epochs = 1
            config.labeling.limit = 300
            config.labeling.threshold = 0.2
            config.labeling.maximumDrawFactor = 2
            config.classifiers.realFractions = [0.005]
            config.classifiers.sources = sourceNames
            config.classifiers.seeds = 2
            config.classifiers.epochs = 1
            config.classifiers.minimumSteps = 5
            config.classifiers.batchSize = 32
        default:
            throw GDAError.config("unknown profile '\(name)'; valid profiles: \(profileNames.joined(separator: ", "))")
        }
        return config
    }

    /// Reads a config file: its `profile` key (default quick) gives the base values and the
    /// file's other keys override them.
    public static func load(_ path: String) throws -> ExperimentConfig {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw GDAError.config("config file \(path) not found")
        }
        guard !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw GDAError.config("config \(path) is not a readable file")
        }
        do {
            return try decode(data)
        } catch let error as GDAError {
            throw GDAError.config("\(path): \(error.message)")
        }
    }

    public static func decode(_ data: Data) throws -> ExperimentConfig {
        let profileName: String
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw GDAError.config("the config must be a JSON object")
            }
            let value: Any = object["profile"] ?? "quick"
            guard let name = value as? String else {
                throw GDAError.config("config key 'profile': expected a string, found \(value)")
            }
            profileName = name
        } catch let error as GDAError {
            throw error
        } catch {
            throw GDAError.config("the config is not valid JSON: \((error as NSError).userInfo["NSDebugDescription"] ?? error)")
        }
        let decoder = JSONDecoder()
        decoder.userInfo[ExperimentConfig.baseKey] = try profile(profileName)
        let config: ExperimentConfig
        do {
            config = try decoder.decode(ExperimentConfig.self, from: data)
        } catch let error as DecodingError {
            throw GDAError.config(describe(error))
        }
        try config.validate()
        return config
    }

    static let baseKey = CodingUserInfoKey(rawValue: "gda.base-config")!

    /// Encodes the JSON written into a run: every key with its resolved value.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
