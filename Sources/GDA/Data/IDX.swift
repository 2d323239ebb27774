import Foundation

/// MNIST-style IDX files: a 4-byte magic (two zero bytes, a type byte, the number of
/// dimensions), each dimension as a big-endian 32-bit integer, then the data in row-major
/// order. gda reads and writes unsigned-byte data (type 0x08) only.
public enum IDX {
    /// Unsigned-byte data, the one IDX type gda reads.
    static let unsignedByteType: UInt8 = 0x08

    /// The largest data block gda reads from one file, 16 GiB. The limit bounds memory when a
    /// header is damaged. gda keeps datasets in memory, so larger files are out of scope.
    static let maximumDataBytes = 1 << 34

    /// The dimensions and data of an IDX file.
    struct Contents {
        var dimensions: [Int]
        var bytes: [UInt8]
    }

    // MARK: - Reading

    /// Reads an IDX file (plain or gzipped) whose dimension count is one of `allowedRanks`.
    /// `describe` words the dimensions for messages, as in "60000 images of 28x28".
    ///
    /// The header is checked against the data before anything is allocated from it. A plain
    /// file's size must match exactly. A gzipped file is inflated only up to the size the
    /// header states, plus one byte to detect trailing data.
    static func readArray(_ path: String, allowedRanks: Set<Int>, describe: ([Int]) -> String) throws -> Contents {
        let file = try CompressedFileReader(path)
        let dimensions = try readHeader(file, allowedRanks: allowedRanks)
        let described = describe(dimensions)
        // An empty set (0 items) is valid, as a labelled synthetic set may be; item sizes are not.
        guard dimensions.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw GDAError("\(path): the IDX header says \(described): every dimension after the first must be positive")
        }
        var total = 1
        for dimension in dimensions {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maximumDataBytes else {
                throw GDAError("\(path): the IDX header says \(described), which exceeds the "
                    + "\(maximumDataBytes >> 30) GiB gda reads from one file; the header is likely corrupt")
            }
            total = product
        }

        let headerSize = 4 + 4 * dimensions.count
        let expectation = "header says \(described) = \(total) bytes"
        if let size = file.plainFileSize, size - headerSize != total {
            let problem = size - headerSize < total ? "truncated" : "longer than its header says"
            throw GDAError("\(path): \(problem): \(expectation), file has \(size - headerSize) after the header")
        }

        var bytes = [UInt8]()
        try file.append(total, to: &bytes)
        guard bytes.count == total else {
            let cut = file.gzipStreamCutShort ? " (the gzip stream itself is cut short)" : ""
            throw GDAError("\(path): truncated: \(expectation), file has \(bytes.count) after the header "
                + "once decompressed\(cut)")
        }
        if try !file.read(1).isEmpty {
            throw GDAError("\(path): longer than its header says: \(expectation), "
                + "and more data follows once decompressed")
        }
        return Contents(dimensions: dimensions, bytes: bytes)
    }

    /// Reads and checks the magic, then returns the dimensions.
    private static func readHeader(_ file: CompressedFileReader, allowedRanks: Set<Int>) throws -> [Int] {
        let path = file.path
        let magic = try file.read(4)
        guard magic.count == 4 else {
            throw GDAError("\(path): not an IDX file: it has \(magic.count) bytes, fewer than the 4-byte magic")
        }
        guard magic[0] == 0, magic[1] == 0 else {
            let found = magic.map { String(format: "%02x", $0) }.joined(separator: " ")
            throw GDAError("\(path): not an IDX file: the magic must start with two zero bytes, found \(found)")
        }
        guard magic[2] == unsignedByteType else {
            throw GDAError("\(path): IDX data type 0x\(String(format: "%02x", magic[2])) is not supported; "
                + "gda reads unsigned bytes (0x08) only")
        }
        let rank = Int(magic[3])
        guard allowedRanks.contains(rank) else {
            let expected = allowedRanks.sorted().map(String.init).joined(separator: " or ")
            throw GDAError("\(path): the IDX header has \(rank) dimensions, expected \(expected)")
        }
        let header = try file.read(4 * rank)
        guard header.count == 4 * rank else {
            throw GDAError("\(path): truncated: the IDX header needs \(4 * rank) bytes of dimensions, "
                + "file has \(header.count)")
        }
        return (0..<rank).map { index in
            header[(4 * index)..<(4 * index + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
    }

    /// Reads an images file with dimensions (N, H, W), taken as one channel, or (N, C, H, W).
    /// Returns the image count, the shape of one image and the bytes in N×C×H×W order.
    public static func readImages(_ path: String) throws
        -> (count: Int, channels: Int, height: Int, width: Int, bytes: [UInt8]) {
        let array = try readArray(path, allowedRanks: [3, 4]) { dimensions in
            "\(dimensions[0]) images of " + dimensions.dropFirst().map(String.init).joined(separator: "x")
        }
        let dimensions = array.dimensions
        if dimensions.count == 3 {
            return (dimensions[0], 1, dimensions[1], dimensions[2], array.bytes)
        }
        return (dimensions[0], dimensions[1], dimensions[2], dimensions[3], array.bytes)
    }

    /// Reads a labels file with dimensions (N).
    public static func readLabels(_ path: String) throws -> [Int32] {
        let array = try readArray(path, allowedRanks: [1]) { "\($0[0]) labels" }
        return array.bytes.map { Int32($0) }
    }

    /// Reads an images file and its labels file into a dataset. The label count must equal
    /// the image count and each label must be below `classNames.count`.
    public static func load(images imagesPath: String, labels labelsPath: String, classNames: [String],
                            name: String) throws -> Dataset {
        let images = try readImages(imagesPath)
        let labels = try readLabels(labelsPath)
        guard labels.count == images.count else {
            throw GDAError("\(labelsPath): has \(labels.count) labels, but \(imagesPath) has "
                + "\(images.count) images; the counts must match")
        }
        if let index = labels.firstIndex(where: { Int($0) >= classNames.count }) {
            throw GDAError("\(labelsPath): label \(labels[index]) at index \(index) is out of range "
                + "for \(classNames.count) classes (expected 0...\(classNames.count - 1))")
        }
        return Dataset(name: name, images: images.bytes, labels: labels, channels: images.channels,
                       height: images.height, width: images.width, classNames: classNames)
    }
}
