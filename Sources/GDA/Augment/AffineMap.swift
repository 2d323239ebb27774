import Torch

/// A batch of 2×2 matrices [[a, b], [c, d]], each entry a (B) float64 tensor.
struct Matrix2 {
    var a: Tensor
    var b: Tensor
    var c: Tensor
    var d: Tensor

    static func * (lhs: Matrix2, rhs: Matrix2) throws -> Matrix2 {
        Matrix2(a: try lhs.a * rhs.a + lhs.b * rhs.c, b: try lhs.a * rhs.b + lhs.b * rhs.d,
                c: try lhs.c * rhs.a + lhs.d * rhs.c, d: try lhs.c * rhs.b + lhs.d * rhs.d)
    }
}

/// The affine maps of the geometric transforms, about the pixel-grid centre
/// ((W - 1) / 2, (H - 1) / 2), in pixel coordinates with y pointing down.
///
/// The forward map sends input point p to p' = centre + t + R · Shy · Shx · S · (p - centre):
///
/// - S scales by s;
/// - Shx is the x-shear by angle σx: x' = x - tan(σx) · (y - cy), so a positive angle moves the
///   rows below the centre to the left and those above it to the right;
/// - Shy is the y-shear by σy: y' = y - tan(σy) · (x - cx), so a positive angle moves the
///   columns right of the centre up;
/// - R turns by θ counter-clockwise as seen with row 0 at the top: R = [[cos θ, sin θ],
///   [-sin θ, cos θ]], which sends the point right of the centre to the point above it;
/// - t shifts by (tx, ty) pixels.
enum AffineMap {
    /// Builds the output-to-input homographies (B, 3, 3) that `Warp.resample` takes, for
    /// angles in degrees and shifts in pixels. A nil part is the identity.
    static func inverse(shape: BatchShape, device: Device, angle: Tensor? = nil, scale: Tensor? = nil,
                        shearX: Tensor? = nil, shearY: Tensor? = nil, shiftX: Tensor? = nil,
                        shiftY: Tensor? = nil) throws -> Tensor {
        let zeros = try Tensor.zeros([shape.count], dtype: .float64, device: device)
        let ones = try Tensor.ones([shape.count], dtype: .float64, device: device)
        func part(_ value: Tensor?) throws -> Tensor? { try value?.to(device, dtype: .float64) }

        // L⁻¹ = S⁻¹ · Shx⁻¹ · Shy⁻¹ · R⁻¹, each factor inverted in closed form.
        var inverse = Matrix2(a: ones, b: zeros, c: zeros, d: ones)
        if let degrees = try part(angle) {
            let theta = try Warp.radians(degrees)
            let (cosine, sine) = (try AugmentOps.cos(theta), try AugmentOps.sin(theta))
            inverse = Matrix2(a: cosine, b: try -sine, c: sine, d: cosine)
        }
        if let degrees = try part(shearY) {
            let slope = try AugmentOps.tan(try Warp.radians(degrees))
            inverse = try Matrix2(a: ones, b: zeros, c: slope, d: ones) * inverse
        }
        if let degrees = try part(shearX) {
            let slope = try AugmentOps.tan(try Warp.radians(degrees))
            inverse = try Matrix2(a: ones, b: slope, c: zeros, d: ones) * inverse
        }
        if let factor = try part(scale) {
            let reciprocal = try factor.pow(-1)
            inverse = try Matrix2(a: reciprocal, b: zeros, c: zeros, d: reciprocal) * inverse
        }

        // p = centre + L⁻¹ (p' - centre - t), so the inverse's translation is -L⁻¹ t.
        let tx = try part(shiftX) ?? zeros
        let ty = try part(shiftY) ?? zeros
        let backX = try -(inverse.a * tx + inverse.b * ty)
        let backY = try -(inverse.c * tx + inverse.d * ty)
        return try Warp.aboutCentre(a: inverse.a, b: inverse.b, c: inverse.c, d: inverse.d,
                                    tx: backX, ty: backY, shape: shape)
    }

    /// Builds output-to-input homographies (B, 3, 3) for whole-pixel shifts: output pixel p reads
    /// input pixel p + offset.
    static func offsets(x: Tensor, y: Tensor, shape: BatchShape) throws -> Tensor {
        let device = x.device
        let zeros = try Tensor.zeros([shape.count], dtype: .float64, device: device)
        let ones = try Tensor.ones([shape.count], dtype: .float64, device: device)
        let entries = [ones, zeros, try x.to(.float64), zeros, ones, try y.to(.float64), zeros, zeros, ones]
        return try Tensor.stack(entries, dim: 1).reshape([shape.count, 3, 3])
    }
}
