import Foundation
import Torch

/// A feature network loaded from a TorchScript file, such as the standard
/// `inception-2015-12-05` TorchScript used by StyleGAN's and clean-fid's metrics.
///
/// Input contract: uint8 images (N, C, H, W), values 0...255, C = 1 or 3. One-channel
/// images are repeated to three channels, as StyleGAN's metric code does. Otherwise the
/// module receives the uint8 batch unchanged, so it must resize and normalise it itself
/// (the Inception module resizes to 299×299).
///
/// Three module interfaces are recognised, from the module's `forward` schema:
/// - Inception style: `forward(img, return_features: bool, ..., no_output_bias: bool)`.
///   Features come from `return_features=True`. Logits are the bias-free product
///   `features · output.weightᵀ` when the module has an `output.weight` parameter (1008
///   classes for Inception), as StyleGAN's Inception Score uses them; without that
///   parameter, probabilities come from a second pass with `no_output_bias=True`.
/// - `forward(img)` returning one tensor: features only.
/// - `forward(img)` returning a tuple `(features, logits)`.
///
/// TorchScript files contain code: load only files the user named and trusts.
public final class ScriptFeatureNetwork: FeatureNetwork, @unchecked Sendable {
    /// The calling convention of the module, read from its `forward` schema.
    public enum Interface: Sendable, Equatable {
        /// Keyword arguments select features or probabilities.
        case inceptionStyle(hasOutputWeight: Bool, acceptsNoOutputBias: Bool)
        /// `forward(img)` returns features, or `(features, logits)`.
        case plain
    }

    public let path: String
    public let device: Device
    public let interface: Interface
    private let module: ScriptModule
    private let outputWeight: Tensor?  // (classes, D), Inception style only

    /// Loads the TorchScript file at `path` onto `device`.
    public init(path: String, device: Device = .cpu) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw GDAError.config("feature network file \(path) not found; pass a TorchScript .pt file")
        }
        do {
            module = try ScriptModule(contentsOf: path, device: device)
        } catch {
            throw GDAError.config("cannot load \(path) as a TorchScript feature network: \(error)")
        }
        self.path = path
        self.device = device
        if try module.forwardAccepts(argument: "return_features") {
            outputWeight = try module.tensor(named: "output.weight")
            interface = .inceptionStyle(hasOutputWeight: outputWeight != nil,
                                        acceptsNoOutputBias: try module.forwardAccepts(argument: "no_output_bias"))
        } else {
            outputWeight = nil
            interface = .plain
        }
    }

    // MARK: - FeatureNetwork

    public func features(_ images: Tensor) throws -> Tensor {
        try run(images, wantLogits: false).features
    }

    /// Class logits, or nil when the module provides none. For Inception-style modules
    /// these are the bias-free logits.
    public func logits(_ images: Tensor) throws -> Tensor? {
        try run(images, wantLogits: true).logits
    }

    public func probabilities(_ images: Tensor) throws -> Tensor? {
        try outputs(images, probabilities: true).probabilities
    }

    public func outputs(_ images: Tensor, probabilities wanted: Bool) throws -> FeatureOutputs {
        let result = try run(images, wantLogits: wanted)
        if let logits = result.logits {
            return FeatureOutputs(features: result.features, probabilities: try logits.softmax(dim: 1))
        }
        guard wanted, case .inceptionStyle(_, true) = interface else {
            return FeatureOutputs(features: result.features, probabilities: nil)
        }
        let input = try prepare(images)
        let probabilities = try withNoGrad { try module.forward([input], flags: ["no_output_bias": true]) }
        return FeatureOutputs(features: result.features,
                              probabilities: try checked(probabilities, count: images.shape[0], output: "probabilities"))
    }

    // MARK: - Calling the module

    private func run(_ images: Tensor, wantLogits: Bool) throws -> (features: Tensor, logits: Tensor?) {
        let input = try prepare(images)
        let count = images.shape[0]
        return try withNoGrad {
            switch interface {
            case .inceptionStyle:
                let results = try module.forward([input], flags: ["return_features": true])
                let features = try checked(results, count: count, output: "features")
                let logits = try outputWeight.map {
                    try features.matmul($0.to(features.device, dtype: features.dtype).transposed(0, 1))
                }
                return (features, wantLogits ? logits : nil)
            case .plain:
                let results = try module.forward([input])
                guard results.count == 1 || results.count == 2 else {
                    throw GDAError("feature network \(path) returned \(results.count) tensors, "
                        + "expected features or (features, logits)")
                }
                let features = try checked([results[0]], count: count, output: "features")
                let logits = results.count == 2 && wantLogits
                    ? try checked([results[1]], count: count, output: "logits") : nil
                return (features, logits)
            }
        }
    }

    /// Checks `images` and returns them on the module's device, one channel repeated to three.
    private func prepare(_ images: Tensor) throws -> Tensor {
        try images.checkImageBatch(channels: [1, 3])
        let input = try images.to(device)
        return images.shape[1] == 1 ? try input.repeated([1, 3, 1, 1]) : input
    }

    /// Checks that `results` is one (N, ...) floating-point tensor and returns it as (N, D).
    private func checked(_ results: [Tensor], count: Int, output: String) throws -> Tensor {
        guard results.count == 1, let tensor = results.first, tensor.rank >= 2,
              tensor.shape[0] == count, tensor.dtype.isFloatingPoint
        else {
            throw GDAError("feature network \(path) returned \(results.map { "\($0.dtype) \($0.shape)" }) "
                + "for \(output) of \(count) images, expected one floating-point (\(count), D) tensor")
        }
        return try tensor.rank == 2 ? tensor : tensor.flatten(from: 1)
    }
}
