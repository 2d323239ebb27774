import Torch

/// A labelled image set held as bytes, N×C×H×W, with one label per image.
public struct Dataset: Sendable {
    public var name: String
    /// Pixel bytes, image after image, each C×H×W.
    public var images: [UInt8]
    public var labels: [Int32]
    public var channels: Int
    public var height: Int
    public var width: Int
    public var classNames: [String]

    public init(name: String, images: [UInt8], labels: [Int32], channels: Int, height: Int, width: Int,
                classNames: [String]) {
        precondition(images.count == labels.count * channels * height * width, "image bytes and labels disagree")
        self.name = name
        self.images = images
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classNames = classNames
    }

    public var count: Int { labels.count }
    public var classCount: Int { classNames.count }
    /// Bytes per image.
    public var imageSize: Int { channels * height * width }

    /// The images and labels at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var bytes = [UInt8]()
        bytes.reserveCapacity(indices.count * imageSize)
        for index in indices {
            bytes.append(contentsOf: images[(index * imageSize)..<((index + 1) * imageSize)])
        }
        return Dataset(name: name, images: bytes, labels: indices.map { labels[$0] }, channels: channels,
                       height: height, width: width, classNames: classNames)
    }

    /// This set followed by `other`, which must have the same image shape and classes.
    public func appending(_ other: Dataset) -> Dataset {
        precondition(other.imageSize == imageSize && other.classNames == classNames, "datasets differ in shape")
        return Dataset(name: name, images: images + other.images, labels: labels + other.labels,
                       channels: channels, height: height, width: width, classNames: classNames)
    }

    /// The images at `indices` as a uint8 tensor (B, C, H, W).
    public func imageTensor(_ indices: [Int]) throws -> Tensor {
        var bytes = [UInt8]()
        bytes.reserveCapacity(indices.count * imageSize)
        for index in indices {
            bytes.append(contentsOf: images[(index * imageSize)..<((index + 1) * imageSize)])
        }
        return try Tensor(bytes, shape: [indices.count, channels, height, width])
    }

    /// The labels at `indices` as an int64 tensor (B).
    public func labelTensor(_ indices: [Int]) throws -> Tensor {
        try Tensor(indices.map { Int64(labels[$0]) })
    }

    /// How many images each class has.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}
