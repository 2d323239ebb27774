import Foundation

// JSON keys are snake_case. Decoding starts from the profile's values (passed in the
// decoder's user info) and overrides only the keys present.

extension ExperimentConfig {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case profile, dataset, seed, device, threads, domain, gan, labeling, classifiers
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let base = decoder.userInfo[Self.baseKey] as? ExperimentConfig ?? ExperimentConfig()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = base
        profile = try c.value(.profile, or: base.profile)
        dataset = try c.value(.dataset, or: base.dataset)
        seed = try c.value(.seed, or: base.seed)
        device = try c.value(.device, or: base.device)
        threads = try c.value(.threads, or: base.threads)
        if c.contains(.domain) { domain = try DomainSection(from: c.superDecoder(forKey: .domain), base: base.domain) }
        if c.contains(.gan) { gan = try GANSection(from: c.superDecoder(forKey: .gan), base: base.gan) }
        if c.contains(.labeling) {
            labeling = try LabelingSection(from: c.superDecoder(forKey: .labeling), base: base.labeling)
        }
        if c.contains(.classifiers) {
            classifiers = try ClassifierSection(from: c.superDecoder(forKey: .classifiers), base: base.classifiers)
        }
    }
}

extension ExperimentConfig.DomainSection {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs
        case batchSize = "batch_size"
        case limit
    }

    init(from decoder: Decoder, base: Self) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.value(.epochs, or: base.epochs)
        batchSize = try c.value(.batchSize, or: base.batchSize)
        limit = try c.value(.limit, or: base.limit)
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, base: Self()) }
}

extension ExperimentConfig.GANSection {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case models, limit, epochs, generators
        case batchSize = "batch_size"
        case epochMetrics = "epoch_metrics"
        case finalMetrics = "final_metrics"
        case metricSamples = "metric_samples"
    }

    init(from decoder: Decoder, base: Self) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        models = try c.value(.models, or: base.models)
        limit = try c.value(.limit, or: base.limit)
        epochs = try c.value(.epochs, or: base.epochs)
        batchSize = try c.value(.batchSize, or: base.batchSize)
        generators = try c.value(.generators, or: base.generators)
        epochMetrics = try c.value(.epochMetrics, or: base.epochMetrics)
        finalMetrics = try c.value(.finalMetrics, or: base.finalMetrics)
        metricSamples = try c.value(.metricSamples, or: base.metricSamples)
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, base: Self()) }
}

extension ExperimentConfig.LabelingSection {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case ensemble, epochs, threshold, limit
        case requireAgreement = "require_agreement"
        case filterCGAN = "filter_cgan"
        case maximumDrawFactor = "maximum_draw_factor"
    }

    init(from decoder: Decoder, base: Self) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ensemble = try c.value(.ensemble, or: base.ensemble)
        epochs = try c.value(.epochs, or: base.epochs)
        limit = try c.value(.limit, or: base.limit)
        threshold = try c.value(.threshold, or: base.threshold)
        requireAgreement = try c.value(.requireAgreement, or: base.requireAgreement)
        filterCGAN = try c.value(.filterCGAN, or: base.filterCGAN)
        maximumDrawFactor = try c.value(.maximumDrawFactor, or: base.maximumDrawFactor)
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, base: Self()) }
}

extension ExperimentConfig.ClassifierSection {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case sources, seeds, epochs
        case realFractions = "real_fractions"
        case syntheticRatios = "synthetic_ratios"
        case minimumSteps = "minimum_steps"
        case batchSize = "batch_size"
        case augmentPolicy = "augment_policy"
        case syntheticOnly = "synthetic_only"
    }

    init(from decoder: Decoder, base: Self) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        realFractions = try c.value(.realFractions, or: base.realFractions)
        syntheticRatios = try c.value(.syntheticRatios, or: base.syntheticRatios)
        sources = try c.value(.sources, or: base.sources)
        seeds = try c.value(.seeds, or: base.seeds)
        epochs = try c.value(.epochs, or: base.epochs)
        minimumSteps = try c.value(.minimumSteps, or: base.minimumSteps)
        batchSize = try c.value(.batchSize, or: base.batchSize)
        augmentPolicy = try c.value(.augmentPolicy, or: base.augmentPolicy)
        syntheticOnly = try c.value(.syntheticOnly, or: base.syntheticOnly)
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, base: Self()) }
}

// MARK: - Validation

extension ExperimentConfig {
    /// Checks every value's range; the error names the key, the range and the value found.
    public func validate() throws {
        func require(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw GDAError.config("config key '\(key)' must be \(expected), found \(found)") }
        }
        try require(Self.profileNames.contains(profile), "profile", "one of \(Self.profileNames)", profile)
        try require(!dataset.isEmpty, "dataset", "a dataset name", "an empty string")
        try require(device == "cpu" || device.hasPrefix("cuda"), "device", "cpu, cuda or cuda:N", device)
        try require(threads >= 0, "threads", ">= 0", threads)
        try require(domain.epochs >= 1, "domain.epochs", ">= 1", domain.epochs)
        try require(domain.batchSize >= 2, "domain.batch_size", ">= 2", domain.batchSize)
        try require(domain.limit >= 0, "domain.limit", ">= 0", domain.limit)
        let ganModels = ["cgan", "madgan"]
        try require(!gan.models.isEmpty && gan.models.allSatisfy(ganModels.contains), "gan.models",
                    "a non-empty list of \(ganModels)", gan.models)
        try require(gan.limit >= 0, "gan.limit", ">= 0", gan.limit)
        try require(gan.epochs >= 1, "gan.epochs", ">= 1", gan.epochs)
        try require(gan.batchSize >= 2, "gan.batch_size", ">= 2", gan.batchSize)
        try require((1...64).contains(gan.generators), "gan.generators", "in 1...64", gan.generators)
        let metricNames = ["fid", "is", "kid", "pr", "dc"]
        try require(gan.epochMetrics.allSatisfy(metricNames.contains), "gan.epoch_metrics",
                    "a list of \(metricNames)", gan.epochMetrics)
        try require(gan.finalMetrics.allSatisfy(metricNames.contains), "gan.final_metrics",
                    "a list of \(metricNames)", gan.finalMetrics)
        try require(gan.metricSamples >= 10, "gan.metric_samples", ">= 10", gan.metricSamples)
        try require(labeling.ensemble >= 1, "labeling.ensemble", ">= 1", labeling.ensemble)
        try require(labeling.epochs >= 1, "labeling.epochs", ">= 1", labeling.epochs)
        try require(labeling.limit >= 0, "labeling.limit", ">= 0", labeling.limit)
        try require((0...1).contains(labeling.threshold), "labeling.threshold", "in [0, 1]", labeling.threshold)
        try require(labeling.maximumDrawFactor >= 1, "labeling.maximum_draw_factor", ">= 1",
                    labeling.maximumDrawFactor)
        let c = classifiers
        try require(!c.realFractions.isEmpty && c.realFractions.allSatisfy { $0 > 0 && $0 <= 1 },
                    "classifiers.real_fractions", "a non-empty list of numbers in (0, 1]", c.realFractions)
        try require(!c.syntheticRatios.isEmpty && c.syntheticRatios.allSatisfy { $0 > 0 && $0 <= 100 },
                    "classifiers.synthetic_ratios", "a non-empty list of numbers in (0, 100]", c.syntheticRatios)
        try require(!c.sources.isEmpty && c.sources.allSatisfy(Self.sourceNames.contains),
                    "classifiers.sources", "a non-empty list of \(Self.sourceNames)", c.sources)
        for source in c.sources where source.contains("gan") {
            let model = source.hasSuffix("madgan") ? "madgan" : "cgan"
            try require(gan.models.contains(model), "classifiers.sources",
                        "sources whose GAN is in gan.models \(gan.models)", source)
        }
        try require((1...100).contains(c.seeds), "classifiers.seeds", "in 1...100", c.seeds)
        try require(c.epochs >= 1, "classifiers.epochs", ">= 1", c.epochs)
        try require(c.minimumSteps >= 0, "classifiers.minimum_steps", ">= 0", c.minimumSteps)
        try require(c.batchSize >= 2, "classifiers.batch_size", ">= 2", c.batchSize)
    }
}
