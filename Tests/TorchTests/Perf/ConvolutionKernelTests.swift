import Testing
@testable import Torch

/// The native kernels that thin convolutions take must compute what oneDNN (through
/// `aten::conv2d` and `aten::conv_transpose2d`) computes: outputs and all three gradients.
@Suite("convolution kernels")
struct ConvolutionKernelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let inputs: Int, outputs: Int, kernel: Int, stride: Int, padding: Int, size: Int
        let transposed: Bool
        let inputGrad: Bool

        var testDescription: String {
            "\(transposed ? "transposed " : "")\(inputs)→\(outputs) k\(kernel) s\(stride) on \(size)px"
                + (inputGrad ? ", input gradient" : "")
        }
    }

    /// The first and last layers of the reference models on 28×28 and 32×32 images.
    static let nativeCases = [
        Case(inputs: 1, outputs: 32, kernel: 3, stride: 1, padding: 1, size: 28, transposed: false, inputGrad: true),
        Case(inputs: 1, outputs: 64, kernel: 4, stride: 2, padding: 1, size: 28, transposed: false, inputGrad: true),
        Case(inputs: 3, outputs: 64, kernel: 4, stride: 2, padding: 1, size: 32, transposed: false, inputGrad: true),
        Case(inputs: 64, outputs: 1, kernel: 4, stride: 2, padding: 1, size: 14, transposed: true, inputGrad: true),
        Case(inputs: 64, outputs: 3, kernel: 4, stride: 2, padding: 1, size: 16, transposed: true, inputGrad: true),
    ]

    @Test("native kernel matches oneDNN", arguments: nativeCases)
    func nativeMatchesOneDNN(_ shape: Case) throws {
        let rng = try Generator(seed: 11)
        let weightShape = shape.transposed
            ? [shape.inputs, shape.outputs, shape.kernel, shape.kernel]
            : [shape.outputs, shape.inputs, shape.kernel, shape.kernel]
        let x = try Tensor.randn([5, shape.inputs, shape.size, shape.size], generator: rng)
        let w = try (Tensor.randn(weightShape, generator: rng) * 0.1)
        let b = try Tensor.randn([shape.outputs], generator: rng)

        func run(native: Bool) throws -> (output: Tensor, grads: [Tensor?]) {
            let input = try x.clone().requiringGrad(shape.inputGrad)
            let weight = try w.clone().requiringGrad()
            let bias = try b.clone().requiringGrad()
            let output: Tensor
            if native {
                let result = shape.transposed
                    ? try ConvolutionKernels.transposedConvolution(input, weight: weight, bias: bias,
                                                                   stride: shape.stride, padding: shape.padding,
                                                                   groups: 1)
                    : try ConvolutionKernels.convolution(input, weight: weight, bias: bias, stride: shape.stride,
                                                         padding: shape.padding, groups: 1)
                output = try #require(result, "the native kernel should take \(shape.testDescription)")
            } else if shape.transposed {
                output = try LayerOps.convTranspose2d(
                    .tensor(input), .tensor(weight), .tensor(bias), .ints([shape.stride, shape.stride]),
                    .ints([shape.padding, shape.padding]), .ints([0, 0]), .int(1), .ints([1, 1]))
            } else {
                output = try LayerOps.conv2d(
                    .tensor(input), .tensor(weight), .tensor(bias), .ints([shape.stride, shape.stride]),
                    .ints([shape.padding, shape.padding]), .ints([1, 1]), .int(1))
            }
            // A fixed, non-uniform output gradient: Σ output·g.
            let g = try Tensor.randn(output.shape, generator: try Generator(seed: 12))
            try (output * g).sum().backward()
            return (try output.detach(), [shape.inputGrad ? input.grad : nil, weight.grad, bias.grad])
        }

        let native = try run(native: true)
        let reference = try run(native: false)
        #expect(native.output.shape == reference.output.shape)
        try expectClose(native.output, reference.output, rtol: 1e-4, atol: 1e-4, "output")
        for (index, name) in ["input", "weight", "bias"].enumerated() {
            guard let expected = reference.grads[index] else {
                #expect(native.grads[index] == nil, "\(name) gradient")
                continue
            }
            try expectClose(native.grads[index], expected, rtol: 1e-4, atol: 1e-3, "\(name) gradient")
        }
    }

    @Test("wide or grouped convolutions stay on oneDNN")
    func wideStaysOnOneDNN() throws {
        let rng = try Generator(seed: 3)
        let wide = try Tensor.randn([2, 64, 14, 14], generator: rng)
        #expect(try ConvolutionKernels.convolution(wide, weight: try Tensor.zeros([128, 64, 4, 4]), bias: nil,
                                                   stride: 2, padding: 1, groups: 1) == nil)
        // Thin inputs without an input gradient: oneDNN is as fast or faster.
        for channels in [1, 3] {
            let images = try Tensor.randn([2, channels, 28, 28], generator: rng)
            #expect(try ConvolutionKernels.convolution(images, weight: try Tensor.zeros([64, channels, 4, 4]),
                                                       bias: nil, stride: 2, padding: 1, groups: 1) == nil)
        }
        let grouped = try Tensor.randn([2, 640, 14, 14], generator: rng)
        #expect(try ConvolutionKernels.transposedConvolution(
            grouped, weight: try Tensor.zeros([640, 1, 4, 4]), bias: nil, stride: 2, padding: 1, groups: 10) == nil)
        #expect(try ConvolutionKernels.transposedConvolution(
            wide, weight: try Tensor.zeros([64, 128, 4, 4]), bias: nil, stride: 2, padding: 1, groups: 1) == nil)
    }

    @Test("Conv2d module takes the native kernel")
    func moduleUsesNativeKernel() throws {
        let rng = try Generator(seed: 5)
        let layer = try Conv2d(1, 32, kernel: 3, padding: 1, generator: rng)
        let input = try Tensor.randn([2, 1, 28, 28], generator: rng).requiringGrad()
        try Profiler.start()
        let output = try layer(input)
        let entries = try Profiler.stop()
        #expect(output.shape == [2, 32, 28, 28])
        #expect(entries.contains { $0.name == "aten::_slow_conv2d_forward" })
    }
}
