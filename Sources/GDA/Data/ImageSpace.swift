import Torch

/// The conversions between stored bytes, GAN space and classifier space. Every image that
/// crosses a boundary (to a PNG, to a feature network, into a model) goes through these.
public enum ImageSpace {
    /// Bytes (uint8, any shape) to GAN space: x / 127.5 - 1, in [-1, 1].
    public static func bytesToGAN(_ bytes: Tensor) throws -> Tensor {
        try bytes.to(.float32) / 127.5 - 1
    }

    /// GAN space to bytes: round((x + 1) · 127.5), clipped to [0, 255]. Exact inverse of
    /// `bytesToGAN` on its outputs.
    public static func ganToBytes(_ images: Tensor) throws -> Tensor {
        try Ops2.round(.tensor(try ((images + 1) * 127.5).clamp(min: 0, max: 255))).to(.uint8)
    }

    /// Bytes to [0, 1].
    public static func bytesToUnit(_ bytes: Tensor) throws -> Tensor {
        try bytes.to(.float32) / 255
    }

    /// [0, 1] to bytes: round(x · 255), clipped.
    public static func unitToBytes(_ images: Tensor) throws -> Tensor {
        try Ops2.round(.tensor(try (images * 255).clamp(min: 0, max: 255))).to(.uint8)
    }

    /// GAN space to [0, 1].
    public static func ganToUnit(_ images: Tensor) throws -> Tensor {
        try (images + 1) * 0.5
    }

    /// [0, 1] to GAN space: 2x - 1.
    public static func unitToGAN(_ images: Tensor) throws -> Tensor {
        try images * 2 - 1
    }

    /// [0, 1] images (B, C, H, W) normalised per channel: (x - mean) / std.
    public static func normalize(_ unit: Tensor, mean: [Double], std: [Double]) throws -> Tensor {
        let channels = mean.count
        let meanTensor = try Tensor(mean.map(Float.init), shape: [1, channels, 1, 1]).to(unit.device)
        let stdTensor = try Tensor(std.map(Float.init), shape: [1, channels, 1, 1]).to(unit.device)
        return try (unit - meanTensor) / stdTensor
    }
}

enum Ops2 {
    static let round = Op("aten::round")
}
