import Foundation
import TestSupport
import Testing
@testable import GDA

@Suite struct EmptyIDXTests {
    @Test func emptySetRoundTrips() throws {
        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let empty = Dataset(name: "empty", images: [], labels: [], channels: 1, height: 28, width: 28,
                            classNames: ["a", "b"])
        try IDX.write(empty, folder: folder, prefix: "train")
        let read = try DatasetSource.load("idx:\(folder)", split: .train)
        #expect(read.count == 0)
        #expect(read.height == 28)
        #expect(read.width == 28)
        #expect(read.classNames == ["a", "b"])
    }

    @Test func zeroImageSizeRejected() throws {
        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Magic 0x00000803 (uint8, rank 3), then dimensions 1, 0, 28.
        let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 28]
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 1, 0]
        _ = FileManager.default.createFile(atPath: folder + "/train-images-idx3-ubyte", contents: Data(images))
        _ = FileManager.default.createFile(atPath: folder + "/train-labels-idx1-ubyte", contents: Data(labels))
        #expect(throws: GDAError.self) { try DatasetSource.load("idx:\(folder)", split: .train) }
    }
}
