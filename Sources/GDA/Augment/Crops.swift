import Foundation
import Torch

// MARK: - Padded crop

/// Pads each side by `padding` pixels, then crops a random window of the original size: the
/// content shifts by whole pixels, up to `padding` either way, and the uncovered band is
/// filled by `border` (zeros, or the reflection of the image about its edge pixels).
///
/// Values: "offsetX" and "offsetY" (B), the window's top-left corner in the padded image,
/// whole numbers in 0...2·padding.
public struct PaddedCrop: Augmentation {
    public let name = "padded-crop"
    public let padding: Int
    public let border: BorderMode
    public let probability: Double

    public init(padding: Int, border: BorderMode = .zeros, probability: Double = 1) throws {
        guard padding >= 0 else {
            throw GDAError.config("\(name): padding must not be negative, found \(padding)")
        }
        try Check.probability(probability, name)
        self.padding = padding
        self.border = border
        self.probability = probability
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        let span = 2 * padding + 1
        let device = generator.device
        let x = try Tensor.randint(0, span, shape: [shape.count], generator: generator, device: device)
        let y = try Tensor.randint(0, span, shape: [shape.count], generator: generator, device: device)
        return ["offsetX": try x.to(.float64), "offsetY": try y.to(.float64)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        // Output pixel p is padded pixel p + offset, which is input pixel p + offset - padding.
        let x = try required(values, "offsetX") - Double(padding)
        let y = try required(values, "offsetY") - Double(padding)
        let inverse = try AffineMap.offsets(x: x, y: y, shape: shape)
        return try Warp.resample(images, inverse: inverse, interpolation: .nearest, border: border)
    }
}

// MARK: - Random resized crop

/// Crops a random box and resizes it back to the full image, as in Inception training
/// (Szegedy et al., "Going deeper with convolutions", 2015): the box covers a fraction of
/// the image area drawn uniformly from `scale`, with an aspect ratio (width / height) drawn
/// log-uniformly from `ratio`, at a uniform position.
///
/// A box wider or taller than the image is clamped to the image's width or height (one draw,
/// no rejection loop), so extreme ratios give a box that spans the image along one side.
/// Sampling maps the box's edges to the image's edges (half-pixel convention) and repeats the
/// edge pixels where it reads just outside them.
///
/// Values: "cropX", "cropY", "cropWidth", "cropHeight" (B), the box in pixels with (0, 0) at
/// the image's top-left edge.
public struct RandomResizedCrop: Augmentation {
    public let name = "random-resized-crop"
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let probability: Double
    public let interpolation: Interpolation

    public init(scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                probability: Double = 1, interpolation: Interpolation = .bilinear) throws {
        try Check.positive(scale, "scale (fraction of the area)", name)
        try Check.range(scale, within: 0...1, "scale (fraction of the area)", name)
        try Check.positive(ratio, "ratio (width / height)", name)
        try Check.probability(probability, name)
        self.scale = scale
        self.ratio = ratio
        self.probability = probability
        self.interpolation = interpolation
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        let (width, height) = (Double(shape.width), Double(shape.height))
        let area = try Draw.uniform(scale, count: shape.count, generator: generator) * (width * height)
        let logRange = Foundation.log(ratio.lowerBound)...Foundation.log(ratio.upperBound)
        let logRatio = try Draw.uniform(logRange, count: shape.count, generator: generator)
        let aspect = try logRatio.exp()
        let cropWidth = try (area * aspect).sqrt().clamp(min: 1, max: width)
        let cropHeight = try (area / aspect).sqrt().clamp(min: 1, max: height)
        let placeX = try Draw.uniform(0...1, count: shape.count, generator: generator)
        let placeY = try Draw.uniform(0...1, count: shape.count, generator: generator)
        let cropX = try placeX * (width - cropWidth)
        let cropY = try placeY * (height - cropHeight)
        return ["cropX": cropX, "cropY": cropY, "cropWidth": cropWidth, "cropHeight": cropHeight]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        // Output pixel centre x' + 1/2 lands at cropX + (x' + 1/2) · cropWidth / W in edge
        // coordinates, which is half a pixel more than the pixel-centre coordinate.
        let scaleX = try required(values, "cropWidth") / Double(shape.width)
        let scaleY = try required(values, "cropHeight") / Double(shape.height)
        let offsetX = try required(values, "cropX") + scaleX * 0.5 - 0.5
        let offsetY = try required(values, "cropY") + scaleY * 0.5 - 0.5
        let zeros = try Tensor.zeros([shape.count], dtype: .float64, device: scaleX.device)
        let ones = try Tensor.ones([shape.count], dtype: .float64, device: scaleX.device)
        let entries = [scaleX, zeros, offsetX, zeros, scaleY, offsetY, zeros, zeros, ones]
        let inverse = try Tensor.stack(entries, dim: 1).reshape([shape.count, 3, 3])
        return try Warp.resample(images, inverse: inverse, interpolation: interpolation,
                                 border: .border)
    }
}
