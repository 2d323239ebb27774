import Torch

// MARK: - Random affine

/// Rotation, whole-pixel translation, scaling and shear drawn together and applied in one
/// resampling, so that the image is interpolated once rather than once per part.
///
/// The forward map is p' = centre + t + R · Shy · Shx · S · (p - centre), with the same
/// conventions as `Rotation`, `Translation`, `Scaling` and `Shear`: a positive angle turns
/// counter-clockwise as seen with row 0 at the top.
///
/// Values: "angle", "shearX", "shearY" (B) in degrees, "scale" (B), "shiftX", "shiftY" (B)
/// in whole pixels.
public struct RandomAffine: Augmentation {
    public let name = "affine"
    public let degrees: ClosedRange<Double>
    /// The largest shifts as fractions of the width and height.
    public let translate: (x: Double, y: Double)
    public let scale: ClosedRange<Double>
    public let shearX: ClosedRange<Double>
    public let shearY: ClosedRange<Double>
    public let probability: Double
    public let interpolation: Interpolation
    public let border: BorderMode

    public init(degrees: ClosedRange<Double> = 0...0, translate: (x: Double, y: Double) = (0, 0),
                scale: ClosedRange<Double> = 1...1, shearX: ClosedRange<Double> = 0...0,
                shearY: ClosedRange<Double> = 0...0, probability: Double = 1,
                interpolation: Interpolation = .bilinear, border: BorderMode = .zeros) throws {
        try Check.range(degrees, within: -360...360, "degrees", name)
        try Check.value(translate.x, within: 0...1, "x translation (fraction of the width)", name)
        try Check.value(translate.y, within: 0...1, "y translation (fraction of the height)", name)
        try Check.positive(scale, "scale", name)
        try Check.range(shearX, within: -80...80, "x shear (degrees)", name)
        try Check.range(shearY, within: -80...80, "y shear (degrees)", name)
        try Check.probability(probability, name)
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self.shearX = shearX
        self.shearY = shearY
        self.probability = probability
        self.interpolation = interpolation
        self.border = border
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        var values: [String: Tensor] = [:]
        values["angle"] = try Draw.uniform(degrees, count: shape.count, generator: generator)
        values["scale"] = try Draw.uniform(scale, count: shape.count, generator: generator)
        values["shearX"] = try Draw.uniform(shearX, count: shape.count, generator: generator)
        values["shearY"] = try Draw.uniform(shearY, count: shape.count, generator: generator)
        let shifts = try Draw.wholePixelShifts(x: translate.x, y: translate.y, shape: shape,
                                               generator: generator)
        values.merge(shifts) { first, _ in first }
        return values
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let inverse = try AffineMap.inverse(
            shape: shape, device: images.device, angle: try required(values, "angle"),
            scale: try required(values, "scale"), shearX: try required(values, "shearX"),
            shearY: try required(values, "shearY"), shiftX: try required(values, "shiftX"),
            shiftY: try required(values, "shiftY"))
        return try Warp.resample(images, inverse: inverse, interpolation: interpolation, border: border)
    }
}

// MARK: - Perspective

/// A perspective warp: each corner of the image moves inward by up to `distortion` times
/// half the width and half the height (uniformly and independently per coordinate), and the
/// homography that takes the image's corners to the moved ones warps the content.
///
/// Values: "corners" (B, 4, 2), where the top-left, top-right, bottom-right and bottom-left
/// corner pixel centres land, as (x, y) pixels.
public struct Perspective: Augmentation {
    public let name = "perspective"
    public let distortion: Double
    public let probability: Double
    public let interpolation: Interpolation
    public let border: BorderMode

    public init(distortion: Double, probability: Double = 1, interpolation: Interpolation = .bilinear,
                border: BorderMode = .zeros) throws {
        try Check.value(distortion, within: 0...1, "distortion", name)
        try Check.probability(probability, name)
        self.distortion = distortion
        self.probability = probability
        self.interpolation = interpolation
        self.border = border
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        let device = generator.device
        let reach = try Tensor([distortion * Double(shape.width - 1) / 2,
                                distortion * Double(shape.height - 1) / 2], shape: [1, 1, 2])
        // Each corner moves towards the centre: +x on the left, -x on the right, and so on.
        let inward = try Tensor([1.0, 1, -1, 1, -1, -1, 1, -1], shape: [1, 4, 2])
        let fraction = try Tensor.rand([shape.count, 4, 2], generator: generator, dtype: .float64,
                                       device: device)
        let moves = try fraction * reach.to(device) * inward.to(device)
        return ["corners": try imageCorners(shape, device: device) + moves]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let shape = try BatchShape(of: images)
        guard shape.width >= 2, shape.height >= 2 else {
            throw GDAError(
                "\(name) needs images of at least 2×2 pixels, found \(shape.height)×\(shape.width)")
        }
        let device = images.device
        let corners = try required(values, "corners").to(device, dtype: .float64)
        let start = try imageCorners(shape, device: .cpu).scalars(as: Double.self)

        // The output-to-input homography H sends moved corner (x, y) to image corner (X, Y).
        // With H's last entry fixed to 1, each corner gives two linear equations in the other
        // eight entries h: X = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), likewise Y with h3...h5.
        let zeros = try Tensor.zeros([shape.count], dtype: .float64, device: device)
        let ones = try Tensor.ones([shape.count], dtype: .float64, device: device)
        var rows: [Tensor] = []
        var targets: [Double] = []
        for corner in 0..<4 {
            let x = try corners.select(dim: 1, index: corner).select(dim: 1, index: 0)
            let y = try corners.select(dim: 1, index: corner).select(dim: 1, index: 1)
            let (targetX, targetY) = (start[2 * corner], start[2 * corner + 1])
            rows.append(try Tensor.stack([x, y, ones, zeros, zeros, zeros,
                                          try -(x * targetX), try -(y * targetX)], dim: 1))
            rows.append(try Tensor.stack([zeros, zeros, zeros, x, y, ones,
                                          try -(x * targetY), try -(y * targetY)], dim: 1))
            targets += [targetX, targetY]
        }
        let system = try Tensor.stack(rows, dim: 1)
        let rightSide = try Tensor(targets, shape: [1, 8, 1]).to(device).expand([shape.count, 8, 1])
        let entries = try AugmentOps.linalgSolve(.tensor(system), .tensor(rightSide))
            .reshape([shape.count, 8])
        let inverse = try Tensor.cat([entries, try ones.reshape([shape.count, 1])], dim: 1)
            .reshape([shape.count, 3, 3])
        return try Warp.resample(images, inverse: inverse, interpolation: interpolation, border: border)
    }

    /// Returns the corner pixel centres (1, 4, 2): top-left, top-right, bottom-right, bottom-left.
    private func imageCorners(_ shape: BatchShape, device: Device) throws -> Tensor {
        let (right, bottom) = (Double(shape.width - 1), Double(shape.height - 1))
        return try Tensor([0, 0, right, 0, right, bottom, 0, bottom], shape: [1, 4, 2]).to(device)
    }
}
