import Foundation
import GDA
import Testing

/// Checks against the Fashion-MNIST IDX files that the dataset-fashion-mnist package installs;
/// skipped where the package is absent.
@Suite("Fashion-MNIST from the system package")
struct FashionMNISTTests {
    static let installed = FileManager.default.fileExists(
        atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")

    @Test("test split loads 10000 images", .enabled(if: installed))
    func testSplit() throws {
        let dataset = try DatasetSource.load("fashion-mnist", split: .test)
        #expect(dataset.count == 10000)
        #expect(dataset.channels == 1)
        #expect(dataset.height == 28)
        #expect(dataset.width == 28)
        #expect(dataset.classNames == DatasetSource.fashionMNISTClassNames)
        #expect(dataset.classCounts == [Int](repeating: 1000, count: 10))
    }
}
