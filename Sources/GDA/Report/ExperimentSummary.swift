import Foundation

/// Everything the report shows, gathered from a run's results. The pipeline writes it to
/// `results/summary.json`; `gda report` renders it again without recomputing anything.
public struct ExperimentSummary: Codable, Sendable {
    public var name: String
    public var dataset: String
    public var classNames: [String]
    public var trainCount: Int
    public var testCount: Int
    public var createdAt: String
    public var versions: [String: String]
    /// Resolved config, as written to config.json.
    public var config: String
    public var timings: [Timing] = []
    public var domainAccuracy: Double?
    public var gans: [GAN] = []
    public var labeling: [Labeling] = []
    public var cells: [Cell] = []
    public var syntheticOnly: [SyntheticOnly] = []
    public var best: [Best] = []
    public var confusion: [Confusion] = []
    public var notes: [String] = []

    public struct Timing: Codable, Sendable {
        public var stage: String
        public var seconds: Double
    }

    /// One trained generator family.
    public struct GAN: Codable, Sendable {
        public var model: String
        /// Sample grid, relative to the run folder.
        public var sampleGrid: String?
        /// Rows of the grid: "class" for cGAN, "generator" for MADGAN.
        public var gridRows: String
        /// Metric name to per-epoch values.
        public var curves: [String: [EpochValue]]
        public var final: [String: Double]
        /// MADGAN: generator × class counts from the domain classifier.
        public var modeTable: [[Int]]?
        public var modeSummary: String?
    }

    public struct EpochValue: Codable, Sendable {
        public var epoch: Int
        public var value: Double
    }

    /// Set 2's yield for one source.
    public struct Labeling: Codable, Sendable {
        public var model: String
        public var drawn: Int
        public var kept: Int
        public var keptPerClass: [Int]
        public var targetPerClass: Int
        /// MADGAN: fraction kept per generator.
        public var keptFractionPerGenerator: [Double]?
        public var note: String?
    }

    /// One Set 3 cell: a source at a real fraction and synthetic ratio, over seeds.
    public struct Cell: Codable, Sendable {
        public var realFraction: Double
        public var realCount: Int
        public var syntheticRatio: Double
        public var source: String
        public var seeds: Int
        public var accuracy: Interval
        public var balancedAccuracy: Interval
        public var macroF1: Interval
        public var calibrationError: Interval
        /// Paired difference in accuracy from real-only with the same seed and real subset.
        public var differenceFromReal: Interval?
        public var differencePValue: Double?
    }

    /// Mean, standard deviation and 95% t-interval over seeds; interval bounds are nil when
    /// there is a single seed.
    public struct Interval: Codable, Sendable {
        public var mean: Double
        public var std: Double?
        public var low: Double?
        public var high: Double?

        public init(mean: Double, std: Double?, low: Double?, high: Double?) {
            self.mean = mean
            self.std = std
            self.low = low
            self.high = high
        }
    }

    /// A GAN's synthetic set alone, tested on real data (classification accuracy score).
    public struct SyntheticOnly: Codable, Sendable {
        public var model: String
        public var trainCount: Int
        public var accuracy: Interval
    }

    /// The best source at one real fraction and ratio.
    public struct Best: Codable, Sendable {
        public var realFraction: Double
        public var syntheticRatio: Double
        public var source: String
        public var runnerUp: String?
        /// Whether the paired interval against every other source excludes zero.
        public var beyondNoise: Bool
        public var sentence: String
    }

    public struct Confusion: Codable, Sendable {
        public var title: String
        /// Rows are true classes, columns predicted classes.
        public var matrix: [[Int]]
    }
}
