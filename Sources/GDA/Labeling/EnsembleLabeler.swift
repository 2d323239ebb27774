import Torch

/// Labels generated images with an ensemble of auxiliary classifiers: the label is the arg-max
/// of the members' mean probability, and an image is kept only when that mean top probability
/// reaches the threshold and, if required, every member's own arg-max agrees with it.
public struct EnsembleLabeler {
    public var threshold: Double
    public var requireAgreement: Bool

    public init(threshold: Double, requireAgreement: Bool) {
        self.threshold = threshold
        self.requireAgreement = requireAgreement
    }

    /// One image's outcome.
    public struct Decision: Sendable, Equatable {
        public var label: Int
        /// Mean probability of `label` over the members.
        public var confidence: Double
        /// Whether every member's arg-max is `label`.
        public var agreed: Bool
        public var kept: Bool
    }

    /// Decides each image from the members' probabilities, each (N, classes).
    public func decide(_ memberProbabilities: [Tensor]) throws -> [Decision] {
        guard let first = memberProbabilities.first else {
            throw GDAError("labelling needs at least one auxiliary classifier")
        }
        guard memberProbabilities.allSatisfy({ $0.shape == first.shape }) else {
            throw GDAError("auxiliary classifiers disagree on the probability shape: \(memberProbabilities.map(\.shape))")
        }
        let mean = try Tensor.stack(memberProbabilities).to(.float64).mean(dims: [0])
        let (top, labels) = try mean.max(dim: 1)
        let confidence = try top.scalars(as: Double.self)
        let label = try labels.scalars(as: Int64.self)
        // Member m agrees on image i when its own arg-max is the ensemble's label.
        let memberLabels = try memberProbabilities.map { try $0.argmax(dim: 1).scalars(as: Int64.self) }
        return label.indices.map { index in
            let agreed = memberLabels.allSatisfy { $0[index] == label[index] }
            let kept = confidence[index] >= threshold && (agreed || !requireAgreement)
            return Decision(label: Int(label[index]), confidence: confidence[index], agreed: agreed, kept: kept)
        }
    }
}
