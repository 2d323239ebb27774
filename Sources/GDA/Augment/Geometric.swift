import Foundation
import Torch

// Geometric transforms. Each moves pixels through `Warp.resample` (or a flip) and leaves the
// values themselves alone: bilinear and nearest sampling only mix input values with weights
// that sum to one, so [0, 1] images stay in [0, 1] and these transforms need no clipping.

// MARK: - Rotation

/// Rotation about the pixel-grid centre by an angle drawn uniformly from `degrees`. A
/// positive angle turns counter-clockwise as seen with row 0 at the top.
///
/// Values: "angle" (B) in degrees.
public struct Rotation: Augmentation {
    public let name = "rotation"
    public let degrees: ClosedRange<Double>
    public let probability: Double
    public let interpolation: Interpolation
    public let border: BorderMode

    public init(degrees: ClosedRange<Double>, probability: Double = 1,
                interpolation: Interpolation = .bilinear, border: BorderMode = .zeros) throws {
        try Check.range(degrees, within: -360...360, "degrees", name)
        try Check.probability(probability, name)
        self.degrees = degrees
        self.probability = probability
        self.interpolation = interpolation
        self.border = border
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["angle": try Draw.uniform(degrees, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let inverse = try AffineMap.inverse(shape: shape, device: images.device,
                                            angle: try required(values, "angle"))
        return try Warp.resample(images, inverse: inverse, interpolation: interpolation, border: border)
    }
}

// MARK: - Scaling

/// Zoom about the pixel-grid centre by a factor drawn uniformly from `factor` (above 1
/// enlarges the content).
///
/// Values: "scale" (B).
public struct Scaling: Augmentation {
    public let name = "scaling"
    public let factor: ClosedRange<Double>
    public let probability: Double
    public let interpolation: Interpolation
    public let border: BorderMode

    public init(factor: ClosedRange<Double>, probability: Double = 1,
                interpolation: Interpolation = .bilinear, border: BorderMode = .zeros) throws {
        try Check.positive(factor, "factor", name)
        try Check.probability(probability, name)
        self.factor = factor
        self.probability = probability
        self.interpolation = interpolation
        self.border = border
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["scale": try Draw.uniform(factor, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let inverse = try AffineMap.inverse(shape: shape, device: images.device,
                                            scale: try required(values, "scale"))
        return try Warp.resample(images, inverse: inverse, interpolation: interpolation, border: border)
    }
}

// MARK: - Shear

/// Shear about the pixel-grid centre by angles drawn uniformly from `x` and `y`, in degrees:
/// the x-shear maps x to x - tan(σx) · (y - cy), the y-shear maps y to y - tan(σy) · (x - cx),
/// and the x-shear is applied first.
///
/// Values: "shearX" and "shearY" (B) in degrees.
public struct Shear: Augmentation {
    public let name = "shear"
    public let x: ClosedRange<Double>
    public let y: ClosedRange<Double>
    public let probability: Double
    public let interpolation: Interpolation
    public let border: BorderMode

    public init(x: ClosedRange<Double> = 0...0, y: ClosedRange<Double> = 0...0, probability: Double = 1,
                interpolation: Interpolation = .bilinear, border: BorderMode = .zeros) throws {
        try Check.range(x, within: -80...80, "x shear (degrees)", name)
        try Check.range(y, within: -80...80, "y shear (degrees)", name)
        try Check.probability(probability, name)
        self.x = x
        self.y = y
        self.probability = probability
        self.interpolation = interpolation
        self.border = border
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        ["shearX": try Draw.uniform(x, count: shape.count, generator: generator),
         "shearY": try Draw.uniform(y, count: shape.count, generator: generator)]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let inverse = try AffineMap.inverse(shape: shape, device: images.device,
                                            shearX: try required(values, "shearX"),
                                            shearY: try required(values, "shearY"))
        return try Warp.resample(images, inverse: inverse, interpolation: interpolation, border: border)
    }
}

// MARK: - Translation

/// Shift by whole pixels, drawn uniformly up to `x` · W horizontally and `y` · H vertically
/// in either direction and rounded to the nearest pixel, so the content moves without
/// resampling blur. A positive shift moves the content right or down.
///
/// Values: "shiftX" and "shiftY" (B) in pixels.
public struct Translation: Augmentation {
    public let name = "translation"
    /// The largest horizontal shift, as a fraction of the width.
    public let x: Double
    /// The largest vertical shift, as a fraction of the height.
    public let y: Double
    public let probability: Double
    public let border: BorderMode

    public init(x: Double, y: Double, probability: Double = 1, border: BorderMode = .zeros) throws {
        try Check.value(x, within: 0...1, "x (fraction of the width)", name)
        try Check.value(y, within: 0...1, "y (fraction of the height)", name)
        try Check.probability(probability, name)
        self.x = x
        self.y = y
        self.probability = probability
        self.border = border
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        try Draw.wholePixelShifts(x: x, y: y, shape: shape, generator: generator)
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let inverse = try AffineMap.inverse(shape: shape, device: images.device,
                                            shiftX: try required(values, "shiftX"),
                                            shiftY: try required(values, "shiftY"))
        return try Warp.resample(images, inverse: inverse, interpolation: .nearest, border: border)
    }
}

// MARK: - Flips

/// Mirror left to right.
///
/// Values: none beyond which images were flipped.
public struct HorizontalFlip: Augmentation {
    public let name = "horizontal-flip"
    public let probability: Double

    public init(probability: Double = 0.5) throws {
        try Check.probability(probability, name)
        self.probability = probability
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] { [:] }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        try images.flip([3])
    }
}

/// Mirror top to bottom.
///
/// Values: none beyond which images were flipped.
public struct VerticalFlip: Augmentation {
    public let name = "vertical-flip"
    public let probability: Double

    public init(probability: Double = 0.5) throws {
        try Check.probability(probability, name)
        self.probability = probability
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] { [:] }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        try images.flip([2])
    }
}

// MARK: - Shared helpers

/// Returns the value `key`, or throws when the parameters lack it because another transform
/// recorded them.
func required(_ values: [String: Tensor], _ key: String) throws -> Tensor {
    guard let value = values[key] else {
        throw GDAError("augmentation parameters lack '\(key)' (found: "
            + values.keys.sorted().joined(separator: ", ") + ")")
    }
    return value
}

extension Draw {
    /// Draws whole-pixel shifts up to `x` · W and `y` · H either way, (B) float64 each.
    static func wholePixelShifts(x: Double, y: Double, shape: BatchShape,
                                 generator: Generator) throws -> [String: Tensor] {
        let maxX = x * Double(shape.width)
        let maxY = y * Double(shape.height)
        let shiftX = try uniform(-maxX...maxX, count: shape.count, generator: generator)
        let shiftY = try uniform(-maxY...maxY, count: shape.count, generator: generator)
        return ["shiftX": try AugmentOps.round(shiftX), "shiftY": try AugmentOps.round(shiftY)]
    }
}
