import Foundation
import GDA
import Testing
import Torch

@Suite("Augment policies and preview")
struct PolicyTests {
    private let flipNames: Set = ["horizontal-flip", "vertical-flip"]

    @Test func digitsPolicyHasNoFlips() throws {
        for channels in [1, 3] {
            let names = try AugmentPolicy.named("digits", channels: channels).names
            #expect(!names.isEmpty)
            #expect(flipNames.isDisjoint(with: names), "digits with \(channels) channels: \(names)")
        }
    }

    @Test func fashionPolicyFlipsHorizontallyOnly() throws {
        let names = try AugmentPolicy.named("fashion", channels: 1).names
        #expect(names.contains("horizontal-flip"))
        #expect(!names.contains("vertical-flip"))
        #expect(Array(names.prefix(3)) == (try AugmentPolicy.named("digits", channels: 1).names))
    }

    @Test func cifar10PolicyContents() throws {
        #expect(try AugmentPolicy.named("cifar10", channels: 3).names
            == ["padded-crop", "horizontal-flip", "brightness", "contrast", "hue-shift"])
        #expect(try AugmentPolicy.named("cifar10", channels: 1).names
            == ["padded-crop", "horizontal-flip", "brightness", "contrast"])
        let crop = try #require(try AugmentPolicy.named("cifar10", channels: 3).transforms.first as? PaddedCrop)
        #expect(crop.padding == 4)
    }

    @Test func nonePolicyIsIdentity() throws {
        let images = try randomBatch([2, 3, 6, 6])
        let out = try AugmentPolicy.named("none", channels: 3).apply(images, generator: try Generator(seed: 1)).0
        #expect(try values(out) == values(images))
    }

    @Test func unknownPolicyListsValidNames() throws {
        do {
            _ = try AugmentPolicy.named("mnist-heavy", channels: 1)
            Issue.record("no error for an unknown policy")
        } catch let error as GDAError {
            #expect(error.exitCode == 2)
            #expect(error.message.contains("mnist-heavy"))
            for name in AugmentPolicy.names {
                #expect(error.message.contains(name))
            }
        }
    }

    @Test func invalidChannelCountThrows() {
        #expect(throws: GDAError.self) { _ = try AugmentPolicy.named("digits", channels: 0) }
    }

    @Test func defaultNamesPerDataset() {
        #expect(AugmentPolicy.defaultName(forDataset: "mnist", channels: 1) == "digits")
        #expect(AugmentPolicy.defaultName(forDataset: "fashion-mnist", channels: 1) == "fashion")
        #expect(AugmentPolicy.defaultName(forDataset: "cifar10", channels: 3) == "cifar10")
        #expect(AugmentPolicy.defaultName(forDataset: "folder:/data/x", channels: 1) == "fashion")
        #expect(AugmentPolicy.defaultName(forDataset: "idx:/data/y", channels: 3) == "cifar10")
        #expect(AugmentPolicy.defaultName(forDataset: "mnist") == "digits")
        #expect(AugmentPolicy.defaultName(forDataset: "folder:/data/x") == "auto")
    }

    @Test func autoPolicyFollowsChannelCount() throws {
        #expect(try AugmentPolicy.named("auto", channels: 1).names
            == (try AugmentPolicy.named("fashion", channels: 1).names))
        #expect(try AugmentPolicy.named("auto", channels: 3).names
            == (try AugmentPolicy.named("cifar10", channels: 3).names))
    }

    @Test func policiesKeepShapeAndRange() throws {
        for (name, channels) in [("digits", 1), ("fashion", 1), ("cifar10", 3)] {
            let images = try randomBatch([8, channels, 28, 28])
            let out = try AugmentPolicy.named(name, channels: channels)
                .apply(images, generator: try Generator(seed: 3)).0
            #expect(out.shape == images.shape)
            #expect(try out.min().item(as: Float.self) >= 0)
            #expect(try out.max().item(as: Float.self) <= 1)
        }
    }

    // MARK: - Preview

    /// Ten classes of 4×5 images, three of each; image k is filled with byte 10·k + 1.
    private func smallDataset(channels: Int) -> Dataset {
        let count = 30
        let size = channels * 4 * 5
        let images = (0..<count).flatMap { [UInt8](repeating: UInt8(10 * ($0 % 25) + 1), count: size) }
        return Dataset(name: "small", images: images, labels: (0..<count).map { Int32($0 % 10) },
                       channels: channels, height: 4, width: 5, classNames: (0..<10).map { "c\($0)" })
    }

    @Test func previewIndicesCycleThroughClasses() {
        let indices = AugmentPreview.sampleIndices(smallDataset(channels: 1), count: 12)
        #expect(indices == Array(0..<12))
        let labels = [Int32](arrayLiteral: 2, 2, 0, 1, 0)
        let dataset = Dataset(name: "uneven", images: [UInt8](repeating: 0, count: 5), labels: labels,
                              channels: 1, height: 1, width: 1, classNames: ["a", "b", "c"])
        #expect(AugmentPreview.sampleIndices(dataset, count: 5) == [2, 3, 0, 4, 1])
    }

    @Test func previewGridHasOriginalsInFirstColumn() throws {
        let dataset = smallDataset(channels: 3)
        let pipeline = try AugmentPolicy.named("cifar10", channels: 3)
        let image = try AugmentPreview.grid(dataset, pipeline: pipeline, count: 4, draws: 3, seed: 1)
        // 4 rows of 4 tiles of 4×5, with 2 pixels of padding around each.
        #expect(image.channels == 3)
        #expect(image.height == 4 * 4 + 5 * 2)
        #expect(image.width == 4 * 5 + 5 * 2)
        for row in 0..<4 {
            let top = 2 + row * 6
            let value = image.pixels[(top + 1) * image.width + 3]
            #expect(value == UInt8(10 * row + 1), "row \(row) starts with image \(row)")
        }
        let png = try PNG.decode(try PNG.encode(image))
        #expect(png == image)
    }

    @Test func previewRejectsBadCounts() {
        let dataset = smallDataset(channels: 1)
        let pipeline = AugmentPipeline([])
        #expect(throws: GDAError.self) {
            _ = try AugmentPreview.grid(dataset, pipeline: pipeline, count: 0, draws: 2, seed: 1)
        }
        #expect(throws: GDAError.self) {
            _ = try AugmentPreview.grid(dataset, pipeline: pipeline, count: 31, draws: 2, seed: 1)
        }
        #expect(throws: GDAError.self) {
            _ = try AugmentPreview.grid(dataset, pipeline: pipeline, count: 3, draws: 0, seed: 1)
        }
    }
}
