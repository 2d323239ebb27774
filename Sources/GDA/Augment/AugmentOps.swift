import Torch

// The ATen operators that augmentation needs beyond the Torch target's own. They stay
// internal to GDA so that no public Tensor method is added under a name another area might
// also choose.

enum AugmentOps {
    static let gridSampler2d = Op("aten::grid_sampler_2d")
    static let linalgSolve = Op("aten::linalg_solve")
    static let conv2d = Op("aten::conv2d")
    static let reflectionPad2d = Op("aten::reflection_pad2d")
    static let scatterSource = Op("aten::scatter", "src")
    static let argsort = Op("aten::argsort")
    static let ltTensor = Op("aten::lt", "Tensor")
    static let sin = Op("aten::sin")
    static let cos = Op("aten::cos")
    static let tan = Op("aten::tan")
    static let floor = Op("aten::floor")
    static let round = Op("aten::round")
    static let remainderScalar = Op("aten::remainder", "Scalar")
    static let amax = Op("aten::amax")
    static let amin = Op("aten::amin")
    static let logicalAnd = Op("aten::logical_and")
    static let logicalNot = Op("aten::logical_not")
    static let whereSelf = Op("aten::where", "self")
}

// MARK: - Elementwise helpers

extension AugmentOps {
    static func sin(_ x: Tensor) throws -> Tensor { try sin(.tensor(x)) }
    static func cos(_ x: Tensor) throws -> Tensor { try cos(.tensor(x)) }
    static func tan(_ x: Tensor) throws -> Tensor { try tan(.tensor(x)) }
    static func floor(_ x: Tensor) throws -> Tensor { try floor(.tensor(x)) }
    static func round(_ x: Tensor) throws -> Tensor { try round(.tensor(x)) }

    /// x mod divisor, with the sign of the divisor (Python's %).
    static func remainder(_ x: Tensor, _ divisor: Double) throws -> Tensor {
        try remainderScalar(.tensor(x), .double(divisor))
    }

    static func lessThan(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        try ltTensor(.tensor(x), .tensor(y))
    }

    static func and(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        try logicalAnd(.tensor(x), .tensor(y))
    }

    static func not(_ x: Tensor) throws -> Tensor {
        try logicalNot(.tensor(x))
    }

    /// Takes the maximum over `dim`, keeping that dimension with size 1.
    static func max(_ x: Tensor, dim: Int) throws -> Tensor {
        try amax(.tensor(x), .ints([dim]), .bool(true))
    }

    /// Takes the minimum over `dim`, keeping that dimension with size 1.
    static func min(_ x: Tensor, dim: Int) throws -> Tensor {
        try amin(.tensor(x), .ints([dim]), .bool(true))
    }

    /// `ifTrue` where `condition` holds, else `ifFalse` (broadcasting).
    static func select(_ condition: Tensor, _ ifTrue: Tensor, _ ifFalse: Tensor) throws -> Tensor {
        try whereSelf(.tensor(condition), .tensor(ifTrue), .tensor(ifFalse))
    }

    /// Reshapes a per-image (B) tensor to (B, 1, 1, 1) so that it broadcasts over images.
    static func perImage(_ values: Tensor) throws -> Tensor {
        try values.reshape([-1, 1, 1, 1])
    }
}
