import Foundation

enum MemoryFormatOps {
    static let contiguous = Op("aten::contiguous")
    static let asStrided = Op("aten::as_strided")
    static let isContiguous = Op("aten::is_contiguous")
    /// c10::MemoryFormat::ChannelsLast.
    static let channelsLast = 2
}

extension Tensor {
    /// The same (N, C, H, W) values laid out channels-last (NHWC) in memory, as
    /// `x.contiguous(memory_format=torch.channels_last)` gives them: a copy unless they are
    /// laid out so already. A contiguous tensor with one channel is already in NHWC order,
    /// and it comes back as a view with channels-last strides, so that the convolutions
    /// that read it choose channels-last kernels; PyTorch's own call returns it unchanged.
    public func channelsLast() throws -> Tensor {
        let shape = self.shape
        precondition(shape.count == 4, "channels-last order needs an (N, C, H, W) tensor, found \(shape)")
        let (c, h, w) = (shape[1], shape[2], shape[3])
        if c == 1, try MemoryFormatOps.isContiguous(.tensor(self)).item(as: Bool.self) {
            return try MemoryFormatOps.asStrided(.tensor(self), .ints(shape), .ints([h * w, 1, w, 1]), .none)
        }
        return try MemoryFormatOps.contiguous(.tensor(self), .int(MemoryFormatOps.channelsLast))
    }
}
