import Foundation
import GDA
import TestSupport
import Testing

@Suite("CIFAR-10 batches")
struct CIFAR10Tests {
    /// Writes the six batch files with numpy (a few records each) and returns the folder and
    /// the oracle's contents for the training and test splits.
    private func writeBatches() throws -> (folder: String, train: (images: [UInt8], labels: [Int32]),
                                            test: (images: [UInt8], labels: [Int32])) {
        let folder = try Oracle.temporaryFolder() + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let written = try Oracle.json("data_files.py", ["cifar", folder])
        let train = try #require(written["train"] as? [String: Any])
        let test = try #require(written["test"] as? [String: Any])
        return (folder, (DataFixtures.bytes(train, "images"), DataFixtures.labels(train)),
                (DataFixtures.bytes(test, "images"), DataFixtures.labels(test)))
    }

    @Test("numpy batches read back")
    func readsOracleBatches() throws {
        let (folder, train, test) = try writeBatches()
        let names = (0..<10).map { "name \($0)" }
        try (names.joined(separator: "\n") + "\n\n").write(toFile: folder + "/batches.meta.txt", atomically: true,
                                                           encoding: .utf8)
        let trainSet = try CIFAR10.load(folder: folder, split: .train)
        #expect(trainSet.count == 20)
        #expect(trainSet.channels == 3)
        #expect(trainSet.height == 32)
        #expect(trainSet.width == 32)
        #expect(trainSet.images == train.images)
        #expect(trainSet.labels == train.labels)
        #expect(trainSet.classNames == names)
        let testSet = try CIFAR10.load(folder: folder, split: .test)
        #expect(testSet.images == test.images)
        #expect(testSet.labels == test.labels)
    }

    @Test("size not a multiple of 3073 is rejected")
    func badSize() throws {
        let path = try Oracle.temporaryFolder() + "/data_batch_1.bin"
        try DataFixtures.write([UInt8](repeating: 1, count: 3073 * 2 + 100), to: path)
        let error = DataFixtures.errorMessage { _ = try CIFAR10.readBatch(path) }
        #expect(error?.message == "\(path): size 6246 bytes is not a positive multiple of the 3073-byte "
            + "CIFAR-10 record (2 whole records and 100 bytes over)")
        #expect(error?.exitCode == 1)
    }

    @Test("label byte of 10 or more is rejected")
    func badLabel() throws {
        let path = try Oracle.temporaryFolder() + "/test_batch.bin"
        var bytes = [UInt8](repeating: 3, count: 3073 * 3)
        bytes[3073] = 10
        try DataFixtures.write(bytes, to: path)
        let error = DataFixtures.errorMessage { _ = try CIFAR10.readBatch(path) }
        #expect(error?.message == "\(path): record 1 has label byte 10, expected 0...9")
    }

    @Test("wrong class name count is rejected")
    func badMeta() throws {
        let (folder, _, _) = try writeBatches()
        try "a\nb\n".write(toFile: folder + "/batches.meta.txt", atomically: true, encoding: .utf8)
        let error = DataFixtures.errorMessage { _ = try CIFAR10.load(folder: folder, split: .test) }
        #expect(error?.message == "\(folder)/batches.meta.txt: has 2 class names, expected 10")
    }
}
