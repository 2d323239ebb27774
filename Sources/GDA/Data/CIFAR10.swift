import Foundation

/// CIFAR-10's binary batches: records of 3073 bytes, a label byte followed by a 32×32 image
/// as 1024 red, 1024 green and 1024 blue bytes (row-major), which is already C×H×W order.
public enum CIFAR10 {
    public static let recordSize = 1 + imageSize
    public static let imageSize = 3 * 32 * 32
    /// The class names CIFAR-10 publishes in batches.meta.txt, used when that file is absent.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// Returns the batch files of a split, relative to `cifar-10-batches-bin`.
    public static func batchFiles(_ split: Split) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// Loads a split from `folder` (a `cifar-10-batches-bin` folder), with class names from
    /// its `batches.meta.txt` when present.
    public static func load(folder: String, split: Split, name: String = "cifar10") throws -> Dataset {
        let metaPath = folder + "/batches.meta.txt"
        var names = classNames
        if FileManager.default.fileExists(atPath: metaPath) {
            names = try DatasetSource.readClassNames(metaPath)
            guard names.count == classNames.count else {
                throw GDAError("\(metaPath): has \(names.count) class names, expected \(classNames.count)")
            }
        }
        var images = [UInt8]()
        var labels = [Int32]()
        for file in batchFiles(split) {
            let batch = try readBatch(folder + "/" + file)
            images += batch.images
            labels += batch.labels
        }
        return Dataset(name: name, images: images, labels: labels, channels: 3, height: 32, width: 32,
                       classNames: names)
    }

    /// Reads one batch file: its size must be a multiple of 3073 bytes and each label below 10.
    public static func readBatch(_ path: String) throws -> (images: [UInt8], labels: [Int32]) {
        try InputFile.checkRegular(path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else {
            throw GDAError("\(path): cannot read the file size")
        }
        guard size > 0, size % recordSize == 0 else {
            throw GDAError("\(path): size \(size) bytes is not a positive multiple of the \(recordSize)-byte "
                + "CIFAR-10 record (\(size / recordSize) whole records and \(size % recordSize) bytes over)")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count == size else {
            throw GDAError("\(path): cannot read the file")
        }
        let count = size / recordSize
        var images = [UInt8](repeating: 0, count: count * imageSize)
        var labels = [Int32](repeating: 0, count: count)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            try images.withUnsafeMutableBytes { target in
                for record in 0..<count {
                    let start = record * recordSize
                    let label = raw[start]
                    guard Int(label) < classNames.count else {
                        throw GDAError("\(path): record \(record) has label byte \(label), "
                            + "expected 0...\(classNames.count - 1)")
                    }
                    labels[record] = Int32(label)
                    let source = UnsafeRawBufferPointer(rebasing: raw[(start + 1)..<(start + recordSize)])
                    UnsafeMutableRawBufferPointer(rebasing: target[(record * imageSize)..<((record + 1) * imageSize)])
                        .copyMemory(from: source)
                }
            }
        }
        return (images, labels)
    }
}
