enum LossOps {
    static let bceWithLogits = Op("aten::binary_cross_entropy_with_logits")
    static let crossEntropy = Op("aten::cross_entropy_loss")
}

/// How a loss reduces over the batch; the raw values match ATen's reduction codes.
public enum Reduction: Int, Sendable {
    case none = 0
    case mean = 1
    case sum = 2
}

/// Binary cross-entropy between sigmoid(logits) and targets in [0, 1], computed stably.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor,
                                         reduction: Reduction = .mean) throws -> Tensor {
    try LossOps.bceWithLogits(.tensor(logits), .tensor(targets), .none, .none, .int(reduction.rawValue))
}

/// Cross-entropy of (N, C) logits against int64 class indices.
public func crossEntropy(_ logits: Tensor, _ labels: Tensor, reduction: Reduction = .mean,
                         labelSmoothing: Double = 0) throws -> Tensor {
    try LossOps.crossEntropy(.tensor(logits), .tensor(labels), .none, .int(reduction.rawValue),
                             .int(-100), .double(labelSmoothing))
}
