import Foundation
import GDA
import TestSupport
import Testing

@Suite("IDX reading")
struct IDXTests {
    // MARK: - Files from an independent writer

    @Test("numpy IDX files read back", arguments: [(1, false), (1, true), (3, false), (3, true)])
    func readsOracleFiles(channels: Int, gzip: Bool) throws {
        let folder = try Oracle.temporaryFolder()
        let train = try Oracle.json("data_files.py", ["idx", folder, "train", "37", "\(channels)", "5", "4", "6",
                                                      "11", gzip ? "1" : "0"])
        let test = try Oracle.json("data_files.py", ["idx", folder, "t10k", "9", "\(channels)", "5", "4", "6",
                                                     "12", gzip ? "1" : "0"])
        let trainSet = try DatasetSource.load("idx:" + folder, split: .train)
        let testSet = try DatasetSource.load("idx:" + folder, split: .test)
        #expect(trainSet.count == 37)
        #expect(trainSet.channels == channels)
        #expect(trainSet.height == 5)
        #expect(trainSet.width == 4)
        #expect(trainSet.images == DataFixtures.bytes(train, "images"))
        #expect(trainSet.labels == DataFixtures.labels(train))
        #expect(testSet.images == DataFixtures.bytes(test, "images"))
        #expect(testSet.labels == DataFixtures.labels(test))
        // Class names are numbers up to the largest label of either split.
        let largest = Int(max(trainSet.labels.max() ?? 0, testSet.labels.max() ?? 0))
        #expect(trainSet.classNames == (0...largest).map(String.init))
        #expect(testSet.classNames == trainSet.classNames)
    }

    @Test("classes.txt names the classes")
    func classNamesFile() throws {
        let folder = try Oracle.temporaryFolder()
        _ = try Oracle.json("data_files.py", ["idx", folder, "train", "20", "1", "3", "3", "3", "5", "0"])
        try "cat\ndog\nbird\n\n".write(toFile: folder + "/classes.txt", atomically: true, encoding: .utf8)
        let dataset = try DatasetSource.load("idx:" + folder, split: .train)
        #expect(dataset.classNames == ["cat", "dog", "bird"])
    }

    @Test("channel statistics match numpy")
    func channelStatistics() throws {
        let folder = try Oracle.temporaryFolder()
        _ = try Oracle.json("data_files.py", ["idx", folder, "train", "25", "3", "6", "5", "4", "7", "0"])
        let expected = try Oracle.json("data_files.py", ["stats", folder + "/train-images-idx4-ubyte"])
        let dataset = try DatasetSource.load("idx:" + folder, split: .train)
        let (mean, std) = DatasetStats.channelMeanStd(dataset)
        let expectedMean = try #require(expected["mean"] as? [Double])
        let expectedStd = try #require(expected["std"] as? [Double])
        #expect(mean.count == 3)
        for channel in 0..<3 {
            #expect(abs(mean[channel] - expectedMean[channel]) < 1e-12)
            #expect(abs(std[channel] - expectedStd[channel]) < 1e-12)
        }
    }

    // MARK: - Bad files

    /// Writes a labels file of `count` zero labels and returns the images file path to fill.
    private func folderWithLabels(_ count: Int) throws -> String {
        let folder = try Oracle.temporaryFolder()
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [count], data: [UInt8](repeating: 0, count: count)),
                               to: folder + "/train-labels-idx1-ubyte")
        return folder
    }

    @Test("truncated plain file is rejected")
    func truncatedPlain() throws {
        let folder = try folderWithLabels(60000)
        let path = folder + "/train-images-idx3-ubyte"
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [60000, 28, 28], data: [UInt8](repeating: 7, count: 1000)),
                               to: path)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message == "\(path): truncated: header says 60000 images of 28x28 = 47040000 bytes, "
            + "file has 1000 after the header")
        #expect(error?.exitCode == 1)
    }

    @Test("truncated gzip file is rejected")
    func truncatedGzip() throws {
        let folder = try folderWithLabels(50)
        let path = folder + "/train-images-idx3-ubyte.gz"
        try DataFixtures.writeGzip(DataFixtures.idxBytes(dimensions: [50, 4, 4], data: [UInt8](repeating: 7, count: 300)),
                                   to: path)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message.hasPrefix("\(path): truncated: header says 50 images of 4x4 = 800 bytes, "
            + "file has 300 after the header") == true)
    }

    @Test("gzip stream cut short is rejected")
    func cutGzipStream() throws {
        let folder = try folderWithLabels(50)
        let path = folder + "/train-images-idx3-ubyte.gz"
        let data = (0..<800).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        try DataFixtures.writeGzip(DataFixtures.idxBytes(dimensions: [50, 4, 4], data: data), to: path)
        let compressed = try Data(contentsOf: URL(fileURLWithPath: path))
        try compressed.prefix(compressed.count / 2).write(to: URL(fileURLWithPath: path))
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message.hasPrefix(path) == true)
        #expect(error?.message.contains("truncated") == true, "\(error?.message ?? "")")
    }

    @Test("trailing data is rejected")
    func trailingData() throws {
        let folder = try folderWithLabels(2)
        let path = folder + "/train-images-idx3-ubyte"
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [2, 2, 2], data: [UInt8](repeating: 1, count: 9)), to: path)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message == "\(path): longer than its header says: header says 2 images of 2x2 = 8 bytes, "
            + "file has 9 after the header")
    }

    @Test("wrong magic is rejected")
    func wrongMagic() throws {
        let folder = try folderWithLabels(2)
        let path = folder + "/train-images-idx3-ubyte"
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [2, 2, 2], data: [UInt8](repeating: 1, count: 8),
                                                     magicPrefix: [0x1f, 0x00]), to: path)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message == "\(path): not an IDX file: the magic must start with two zero bytes, found 1f 00 08 03")
    }

    @Test("non-byte data type is rejected")
    func wrongType() throws {
        let folder = try folderWithLabels(2)
        let path = folder + "/train-images-idx3-ubyte"
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [2, 2, 2], data: [UInt8](repeating: 1, count: 32), type: 0x0D),
                               to: path)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message.hasPrefix("\(path): IDX data type 0x0d is not supported") == true)
    }

    @Test("label count must match image count")
    func labelCountMismatch() throws {
        let folder = try folderWithLabels(3)
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [2, 2, 2], data: [UInt8](repeating: 1, count: 8)),
                               to: folder + "/train-images-idx3-ubyte")
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message == "\(folder)/train-labels-idx1-ubyte: has 3 labels, but "
            + "\(folder)/train-images-idx3-ubyte has 2 images; the counts must match")
    }

    @Test("label beyond classes.txt is rejected")
    func labelOutOfRange() throws {
        let folder = try Oracle.temporaryFolder()
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [3], data: [0, 1, 2]), to: folder + "/train-labels-idx1-ubyte")
        try DataFixtures.write(DataFixtures.idxBytes(dimensions: [3, 1, 1], data: [1, 2, 3]),
                               to: folder + "/train-images-idx3-ubyte")
        try "a\nb\n".write(toFile: folder + "/classes.txt", atomically: true, encoding: .utf8)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message == "\(folder)/train-labels-idx1-ubyte: label 2 at index 2 is out of range "
            + "for 2 classes (expected 0...1)")
    }

    @Test("overflowing dimensions allocate nothing", arguments: [false, true])
    func overflowingDimensions(gzip: Bool) throws {
        let folder = try folderWithLabels(2)
        let path = folder + "/train-images-idx3-ubyte" + (gzip ? ".gz" : "")
        let bytes = DataFixtures.idxBytes(dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: [1, 2, 3])
        if gzip { try DataFixtures.writeGzip(bytes, to: path) } else { try DataFixtures.write(bytes, to: path) }
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message.hasPrefix("\(path): the IDX header says 4294967295 images of "
            + "4294967295x4294967295x4294967295, which exceeds") == true)
    }

    @Test("large header on short file rejected", arguments: [false, true])
    func largeHeaderShortFile(gzip: Bool) throws {
        // 2^33 bytes claimed, a few present: rejected without reserving the claimed size.
        let folder = try folderWithLabels(2)
        let path = folder + "/train-images-idx3-ubyte" + (gzip ? ".gz" : "")
        let bytes = DataFixtures.idxBytes(dimensions: [1 << 15, 1 << 9, 1 << 9], data: [UInt8](repeating: 0, count: 64))
        if gzip { try DataFixtures.writeGzip(bytes, to: path) } else { try DataFixtures.write(bytes, to: path) }
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:" + folder, split: .train) }
        #expect(error?.message.hasPrefix("\(path): truncated: header says 32768 images of 512x512 = 8589934592 bytes, "
            + "file has 64 after the header") == true)
    }

    @Test("missing folder is a configuration error")
    func missingFolder() throws {
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("idx:/nonexistent/gda", split: .train) }
        #expect(error?.exitCode == 2)
        #expect(error?.message.hasPrefix("/nonexistent/gda: folder not found") == true)
    }

    @Test("unknown dataset name is a configuration error")
    func unknownName() throws {
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("svhn", split: .train) }
        #expect(error?.exitCode == 2)
        #expect(error?.message.contains("unknown dataset 'svhn'") == true)
    }
}
