import Torch

/// Checks on the tensors that metrics receive, with errors that name the input.
enum MetricInput {
    /// `tensor` as a float64 (N, D) matrix on its own device, after checking that it is
    /// two-dimensional, floating point, non-empty and finite.
    static func featureMatrix(_ tensor: Tensor, name: String) throws -> Tensor {
        guard tensor.rank == 2 else {
            throw GDAError("\(name) must be a (samples, features) matrix, found shape \(tensor.shape)")
        }
        guard tensor.dtype.isFloatingPoint else {
            throw GDAError("\(name) must be floating point, found \(tensor.dtype)")
        }
        guard tensor.shape[0] > 0, tensor.shape[1] > 0 else {
            throw GDAError("\(name) is empty: shape \(tensor.shape)")
        }
        guard try tensor.allFinite() else {
            throw GDAError("\(name) contains NaN or infinite values")
        }
        return try tensor.detach().to(.float64)
    }

    /// Returns the value of a one-element tensor as a Double.
    static func scalar(_ tensor: Tensor) throws -> Double {
        try tensor.to(.cpu, dtype: .float64).item(as: Double.self)
    }
}
