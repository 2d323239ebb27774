import Foundation
import Torch

/// The interpolation a geometric transform uses between pixel centres.
public enum Interpolation: Int, Sendable {
    case bilinear = 0
    case nearest = 1
}

/// The values a geometric transform reads outside the image.
public enum BorderMode: Int, Sendable {
    /// Zero (black).
    case zeros = 0
    /// The nearest edge pixel.
    case border = 1
    /// The image mirrored about its edge pixels, without repeating them (numpy's `reflect`).
    case reflect = 2
}

/// Resampling of image batches through per-image homographies.
///
/// Coordinates are in pixels: x to the right, y down, pixel (row i, column j) centred at
/// (x, y) = (j, i). Sampling uses align-corners semantics, so the centres of the corner pixels
/// are exactly the grid's ends and a map that sends pixel centres to pixel centres moves
/// values without mixing them.
enum Warp {
    /// Resamples `images` (B, C, H, W): output pixel p reads the input at `inverse[b] · p`, where
    /// `inverse` is (B, 3, 3) float64 mapping output to input in homogeneous pixel coordinates.
    ///
    /// Positions within 1e-6 pixels of a pixel centre are moved onto it, which removes the
    /// rounding error of sin, cos and the matrix products, and the sampling runs in float64
    /// before rounding back to the images' dtype. So pixel-exact maps (quarter turns, flips,
    /// whole-pixel shifts) reproduce the input values bit for bit.
    static func resample(_ images: Tensor, inverse: Tensor, interpolation: Interpolation,
                         border: BorderMode) throws -> Tensor {
        let shape = try BatchShape(of: images)
        let (b, h, w) = (shape.count, shape.height, shape.width)
        let device = images.device

        // Output pixel centres as homogeneous columns (3, H·W).
        let xs = try Tensor.arange(0, w, dtype: .float64, device: device).repeated([h])
        let ys = try Tensor.arange(0, h, dtype: .float64, device: device).repeatInterleave(w, dim: 0)
        let ones = try Tensor.ones([h * w], dtype: .float64, device: device)
        let centres = try Tensor.stack([xs, ys, ones], dim: 0)

        // Input positions (B, 3, H·W), then divided by the homogeneous coordinate.
        let positions = try inverse.to(device, dtype: .float64).matmul(centres)
        let depth = try positions.select(dim: 1, index: 2)
        let x = try snapped(try positions.select(dim: 1, index: 0) / depth)
        let y = try snapped(try positions.select(dim: 1, index: 1) / depth)

        // grid_sampler_2d takes positions scaled so that -1 and 1 are the corner pixel centres.
        let u = try x * (2 / Double(Swift.max(w - 1, 1))) - 1
        let v = try y * (2 / Double(Swift.max(h - 1, 1))) - 1
        let grid = try Tensor.stack([u, v], dim: 2).reshape([b, h, w, 2])
        let sampled = try AugmentOps.gridSampler2d(
            .tensor(try images.to(.float64)), .tensor(grid), .int(interpolation.rawValue),
            .int(border.rawValue), .bool(true))
        return try sampled.to(images.dtype)
    }

    /// Homographies (B, 3, 3) from the 2×2 linear parts `a, b, c, d` (each (B)) of a map
    /// about the image centre, and the translation `tx, ty`: p' = centre + t + L (p - centre)
    /// with L = [[a, b], [c, d]].
    static func aboutCentre(a: Tensor, b: Tensor, c: Tensor, d: Tensor, tx: Tensor, ty: Tensor,
                            shape: BatchShape) throws -> Tensor {
        let cx = Double(shape.width - 1) / 2
        let cy = Double(shape.height - 1) / 2
        // Offset o = centre + t - L · centre.
        let ox = try tx + cx - (a * cx + b * cy)
        let oy = try ty + cy - (c * cx + d * cy)
        let zeros = try Tensor.zeros([shape.count], dtype: .float64, device: a.device)
        let ones = try Tensor.ones([shape.count], dtype: .float64, device: a.device)
        return try Tensor.stack([a, b, ox, c, d, oy, zeros, zeros, ones], dim: 1)
            .reshape([shape.count, 3, 3])
    }

    /// `positions` with each value within 1e-6 of a whole number replaced by that number.
    private static func snapped(_ positions: Tensor) throws -> Tensor {
        let nearest = try AugmentOps.round(positions)
        let close = try (positions - nearest).abs().lt(1e-6)
        return try AugmentOps.select(close, nearest, positions)
    }

    static func radians(_ degrees: Tensor) throws -> Tensor {
        try degrees * (Double.pi / 180)
    }
}
