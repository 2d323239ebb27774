import Foundation
import Synchronization

enum ConvolutionKernelOps {
    static let slowConv2d = Op("aten::_slow_conv2d_forward")
    static let slowConvTranspose2d = Op("aten::slow_conv_transpose2d")
    static let contiguous = Op("aten::contiguous")
    /// c10::MemoryFormat::ChannelsLast.
    static let channelsLast = 2
}

/// The choice between oneDNN and libtorch's native (im2col and matrix product) kernels for
/// 2-D convolutions on the CPU.
///
/// `aten::conv2d` sends every float32 CPU convolution to oneDNN, the faster choice for wide
/// layers. Where one side of a convolution has 1 to 3 channels, oneDNN is slower for the
/// products that produce that thin side: a transposed convolution's output, and a
/// convolution's input gradient. Measured in the DCGAN training step of `gda bench` (batch
/// 64, one thread of an AMD EPYC, libtorch 2.15), in milliseconds per step for oneDNN and
/// native:
///
/// - the last generator layer, transposed 64→1, forward: 5.8 and 0.9;
/// - the first discriminator layer, 1→64, forward and backward over its three calls: 7.6
///   and 5.0.
///
/// A convolution with one input
/// channel whose input needs no gradient (the classifier's first layer, the
/// discriminator's first layer on real or detached images) is as fast or faster in
/// oneDNN.
///
/// Hence the native kernels run convolutions with up to 3 input channels whose input needs
/// a gradient, and transposed convolutions with up to 3 output channels, when they have one
/// group and run on the CPU in float32. The two kernels agree to float32 rounding, not bit
/// for bit.
public enum ConvolutionKernels {
    private static let nativeEnabled = Atomic<Bool>(true)
    private static let channelsLastEnabled = Atomic<Bool>(false)

    /// Whether oneDNN convolutions on the CPU get their input in channels-last (NHWC) memory
    /// order; false by default. A contiguous (NCHW) input is then copied, and the output
    /// stays channels-last for the layers that follow. Alone, the wide convolutions of the
    /// reference models ran 10 to 40% faster so. In whole training steps, however, the copies
    /// and the element-wise backward passes over mixed memory orders cost more. DCGAN steps
    /// took 1.2 times as long, classifier steps 1.1 times (`gda bench MODEL --ab channels-last`).
    public static var channelsLastForOneDNN: Bool {
        get { channelsLastEnabled.load(ordering: .relaxed) }
        set { channelsLastEnabled.store(newValue, ordering: .relaxed) }
    }

    /// Whether the native kernels take the convolutions described above; true by default.
    /// False sends every convolution to `aten::conv2d` and `aten::conv_transpose2d`, as
    /// PyTorch's modules do.
    public static var preferNativeForFewChannels: Bool {
        get { nativeEnabled.load(ordering: .relaxed) }
        set { nativeEnabled.store(newValue, ordering: .relaxed) }
    }

    /// `input` in channels-last order when oneDNN should get it so, else `input` itself.
    static func oneDNNInput(_ input: Tensor) throws -> Tensor {
        guard channelsLastForOneDNN, input.rank == 4, input.device == .cpu, input.dtype == .float32 else {
            return input
        }
        return try ConvolutionKernelOps.contiguous(.tensor(input), .int(ConvolutionKernelOps.channelsLast))
    }

    /// The native kernel's result for a convolution that should take it, else nil.
    static func convolution(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int,
                            groups: Int) throws -> Tensor? {
        guard groups == 1, preferNativeForFewChannels, input.rank == 4, input.device == .cpu,
              input.dtype == .float32
        else { return nil }
        let shape = weight.shape  // (C_out, C_in, k, k)
        guard shape[1] <= 3, input.requiresGrad else { return nil }
        return try ConvolutionKernelOps.slowConv2d(
            .tensor(try input.contiguous()), .tensor(weight), .ints([shape[2], shape[3]]),
            bias.map { .tensor($0) } ?? .none, .ints([stride, stride]), .ints([padding, padding]))
    }

    /// The native kernel's result for a transposed convolution that should take it, else nil.
    static func transposedConvolution(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int,
                                      padding: Int, groups: Int) throws -> Tensor? {
        guard groups == 1, preferNativeForFewChannels, input.rank == 4, input.device == .cpu,
              input.dtype == .float32
        else { return nil }
        let shape = weight.shape  // (C_in, C_out, k, k)
        guard shape[1] <= 3 else { return nil }
        return try ConvolutionKernelOps.slowConvTranspose2d(
            .tensor(try input.contiguous()), .tensor(weight), .ints([shape[2], shape[3]]),
            bias.map { .tensor($0) } ?? .none, .ints([stride, stride]), .ints([padding, padding]),
            .ints([0, 0]), .ints([1, 1]))
    }
}
