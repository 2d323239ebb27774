import Foundation
import Torch

// Photometric transforms change pixel values in place. Each has a `clip` flag: when set, the
// output is clamped to [0, 1]; when not, values may leave that range.

// MARK: - Brightness

/// Multiplies every pixel by a factor drawn uniformly from `factor`.
///
/// Values: "factor" (B).
public struct Brightness: Augmentation {
    public let name = "brightness"
    public let factor: ClosedRange<Double>
    public let probability: Double
    public let clip: Bool

    public init(factor: ClosedRange<Double>, probability: Double = 1, clip: Bool = true) throws {
        try Check.nonNegative(factor, "factor", name)
        try Check.probability(probability, name)
        self.factor = factor
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["factor": try Draw.uniform(factor, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let factor = try perImageFactor(try required(values, "factor"), like: images)
        return try clipped(try images * factor, clip)
    }
}

// MARK: - Contrast

/// Blends each image with its mean grey level by a factor drawn uniformly from `factor`:
/// out = mean + factor · (x - mean). The mean grey is the mean over all pixels of the
/// luma 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601) for 3-channel images and of the channel
/// average otherwise. A factor of 0 gives a flat grey image, 1 the image itself.
///
/// Values: "factor" (B).
public struct Contrast: Augmentation {
    public let name = "contrast"
    public let factor: ClosedRange<Double>
    public let probability: Double
    public let clip: Bool

    public init(factor: ClosedRange<Double>, probability: Double = 1, clip: Bool = true) throws {
        try Check.nonNegative(factor, "factor", name)
        try Check.probability(probability, name)
        self.factor = factor
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["factor": try Draw.uniform(factor, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let grey: Tensor
        if shape.channels == 3 {
            let weights = try Tensor([0.299, 0.587, 0.114], shape: [1, 3, 1, 1])
                .to(images.device, dtype: images.dtype)
            grey = try (images * weights).sum(dims: [1], keepDim: true)
        } else {
            grey = try images.mean(dims: [1], keepDim: true)
        }
        let mean = try grey.mean(dims: [1, 2, 3], keepDim: true)
        let factor = try perImageFactor(try required(values, "factor"), like: images)
        return try clipped(try mean + factor * (images - mean), clip)
    }
}

// MARK: - Hue shift

/// Rotates the hue of RGB images by an angle drawn uniformly from `degrees`, keeping HSV
/// saturation and value: red shifted by +120° becomes green. Grey pixels have no hue and stay
/// as they are; one-channel images pass through unchanged. Other channel counts are an error.
///
/// Values: "shift" (B) in degrees.
public struct HueShift: Augmentation {
    public let name = "hue-shift"
    public let degrees: ClosedRange<Double>
    public let probability: Double
    public let clip: Bool

    public init(degrees: ClosedRange<Double>, probability: Double = 1, clip: Bool = true) throws {
        try Check.range(degrees, within: -180...180, "degrees", name)
        try Check.probability(probability, name)
        self.degrees = degrees
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["shift": try Draw.uniform(degrees, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        if shape.channels == 1 { return images }
        guard shape.channels == 3 else {
            throw GDAError("\(name) needs 1- or 3-channel images, found \(shape.channels) channels")
        }
        // Computed in float64 so that rounding back to float32 loses nothing to the round trip.
        let rgb = try images.to(.float64)
        let (red, green, blue) = (try rgb.slice(dim: 1, start: 0, end: 1),
                                  try rgb.slice(dim: 1, start: 1, end: 2),
                                  try rgb.slice(dim: 1, start: 2, end: 3))
        let high = try AugmentOps.max(rgb, dim: 1)
        let chroma = try high - AugmentOps.min(rgb, dim: 1)
        let hasHue = try chroma.gt(0)
        let divisor = try AugmentOps.select(hasHue, chroma, try Tensor.ones([1], dtype: .float64,
                                                                            device: images.device))

        // Hue in sextants, [0, 6): which channel is largest picks the formula.
        let hueRed = try AugmentOps.remainder(try (green - blue) / divisor, 6)
        let hueGreen = try (blue - red) / divisor + 2
        let hueBlue = try (red - green) / divisor + 4
        let hue = try AugmentOps.select(try red.eq(high), hueRed,
                                        try AugmentOps.select(try green.eq(high), hueGreen, hueBlue))
        let shift = try AugmentOps.perImage(
            try required(values, "shift").to(images.device, dtype: .float64))
        let shifted = try AugmentOps.remainder(try hue + shift / 60, 6)

        // Back to RGB with value = max and chroma kept: channel n is
        // max - chroma · clamp(min(k, 4 - k), 0, 1) with k = (n + hue) mod 6, n = 5, 3, 1.
        var channels: [Tensor] = []
        for n in [5.0, 3, 1] {
            let k = try AugmentOps.remainder(try shifted + n, 6)
            let ramp = try AugmentOps.select(try k.lt(2), k, try 4 - k).clamp(min: 0, max: 1)
            channels.append(try high - chroma * ramp)
        }
        let result = try Tensor.cat(channels, dim: 1).to(images.dtype)
        return try clipped(result, clip)
    }
}

// MARK: - Gaussian blur

/// Convolves each image with a Gaussian kernel of `kernelSize` taps (odd) and a standard
/// deviation drawn uniformly from `sigma`, separably, reflecting the image about its edge
/// pixels (numpy's `reflect`) to fill the border. The kernel is normalised to sum to one.
///
/// Values: "sigma" (B) in pixels.
public struct GaussianBlur: Augmentation {
    public let name = "gaussian-blur"
    public let kernelSize: Int
    public let sigma: ClosedRange<Double>
    public let probability: Double
    public let clip: Bool

    public init(kernelSize: Int, sigma: ClosedRange<Double>, probability: Double = 1,
                clip: Bool = true) throws {
        guard kernelSize > 0, kernelSize % 2 == 1 else {
            throw GDAError.config(
                "\(name): kernel size must be a positive odd number, found \(kernelSize)")
        }
        try Check.positive(sigma, "sigma", name)
        try Check.probability(probability, name)
        self.kernelSize = kernelSize
        self.sigma = sigma
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["sigma": try Draw.uniform(sigma, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let radius = kernelSize / 2
        guard radius < shape.height, radius < shape.width else {
            throw GDAError.config("\(name): kernel size \(kernelSize) needs images larger than "
                + "\(radius) pixels each way, found \(shape.height)×\(shape.width)")
        }
        let (b, c, h, w) = (shape.count, shape.channels, shape.height, shape.width)
        let device = images.device

        // Per-image kernels (B, k), repeated per channel: (B·C, k).
        let taps = try Tensor.arange(-radius, radius + 1, dtype: .float64, device: device)
            .reshape([1, -1])
        let sigma = try required(values, "sigma").to(device, dtype: .float64).reshape([-1, 1])
        let weights = try (-(taps * taps) / (2 * sigma * sigma)).exp()
        let kernels = try (weights / weights.sum(dims: [1], keepDim: true))
            .repeatInterleave(c, dim: 0).to(images.dtype)

        // One grouped convolution per direction, each image channel its own group.
        let pads = [radius, radius, radius, radius]
        let padded = try AugmentOps.reflectionPad2d(.tensor(images), .ints(pads))
        let planes = try padded.reshape([1, b * c, h + 2 * radius, w + 2 * radius])
        let across = try depthwise(planes, kernels: try kernels.reshape([b * c, 1, 1, kernelSize]))
        let down = try depthwise(across, kernels: try kernels.reshape([b * c, 1, kernelSize, 1]))
        return try clipped(try down.reshape([b, c, h, w]), clip)
    }

    /// Convolves each channel of `planes` (1, G, H, W) with its own kernel of `kernels`
    /// (G, 1, kh, kw), without padding.
    private func depthwise(_ planes: Tensor, kernels: Tensor) throws -> Tensor {
        let groups = kernels.shape[0]
        return try AugmentOps.conv2d(.tensor(planes), .tensor(kernels), .none, .ints([1, 1]), .ints([0, 0]),
                                     .ints([1, 1]), .int(groups))
    }
}

// MARK: - Shared helpers

/// Reshapes per-image (B) factors to (B, 1, 1, 1) in the images' dtype and device.
func perImageFactor(_ values: Tensor, like images: Tensor) throws -> Tensor {
    try AugmentOps.perImage(try values.to(images.device, dtype: images.dtype))
}

/// Clamps `images` to [0, 1] when `clip` is set.
func clipped(_ images: Tensor, _ clip: Bool) throws -> Tensor {
    clip ? try images.clamp(min: 0, max: 1) : images
}
