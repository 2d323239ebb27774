import Foundation
import Torch

/// One classifier run of Set 3: a source of extra images at a real fraction, a synthetic
/// ratio and a seed.
public struct ClassifierRunSpec: Codable, Sendable, Hashable {
    public var realFraction: Double
    /// Synthetic images per real image; 0 for the real-only source.
    public var syntheticRatio: Double
    public var source: String
    public var seed: Int

    /// A file-name-safe identifier, unique within a run.
    public var id: String {
        let fraction = String(format: "%g", realFraction)
        let ratio = String(format: "%g", syntheticRatio)
        return "f\(fraction)-r\(ratio)-\(source.replacingOccurrences(of: "+", with: "-"))-s\(seed)"
    }

    /// Whether the training batches are augmented online by the traditional policy.
    public var augmentsOnline: Bool { source.hasPrefix("traditional+") }

    /// The GAN whose images are mixed in, if any.
    public var ganModel: String? {
        source.hasSuffix("madgan") ? "madgan" : source.hasSuffix("cgan") ? "cgan" : nil
    }
}

/// The scores of one trained classifier on the test set.
public struct ClassifierScores: Codable, Sendable {
    public var accuracy: Double
    public var balancedAccuracy: Double
    public var macroF1: Double
    public var calibrationError: Double
    /// Rows are true classes, columns predicted classes.
    public var confusion: [[Int]]
}

/// What one Set 3 run wrote to results/classify/ID.json.
public struct ClassifierRunResult: Codable, Sendable {
    public var spec: ClassifierRunSpec
    public var realCount: Int
    public var syntheticCount: Int
    public var epochs: Int
    public var scores: ClassifierScores
    public var seconds: Double
}

/// The Set 3 grid: which runs to make for a config, and which of them a worker does.
public enum ClassifierGrid {
    /// Every run of the grid, in a fixed order. Real-only runs appear once per fraction and
    /// seed (their ratio is 0) and serve as the paired baseline of every ratio.
    public static func runs(_ config: ExperimentConfig.ClassifierSection) -> [ClassifierRunSpec] {
        var specs: [ClassifierRunSpec] = []
        for fraction in config.realFractions {
            for seed in 0..<config.seeds {
                // Real-only runs are made even when "real" is not listed: every paired
                // difference is taken against them.
                specs.append(ClassifierRunSpec(realFraction: fraction, syntheticRatio: 0, source: "real", seed: seed))
                for ratio in config.syntheticRatios {
                    for source in config.sources where source != "real" {
                        specs.append(ClassifierRunSpec(realFraction: fraction, syntheticRatio: ratio, source: source, seed: seed))
                    }
                }
            }
        }
        return specs
    }

    /// The runs that worker `index` of `count` does: every count-th run, so the work spreads
    /// over ranks or Slurm array tasks and the union covers the grid once.
    public static func share(_ specs: [ClassifierRunSpec], worker index: Int, of count: Int) -> [ClassifierRunSpec] {
        precondition(count >= 1 && (0..<count).contains(index), "worker index out of range")
        return specs.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
