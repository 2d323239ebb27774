import Foundation
import GDA
import Testing
import Torch

@Suite("Augment pipeline")
struct PipelineTests {
    /// Every transform with strong settings, so that clipping has work to do.
    static func everyTransform() throws -> [any Augmentation] {
        [
            try Rotation(degrees: -45...45),
            try Scaling(factor: 0.5...1.5),
            try HorizontalFlip(probability: 0.5),
            try VerticalFlip(probability: 0.5),
            try PaddedCrop(padding: 2, border: .reflect),
            try RandomResizedCrop(scale: 0.3...1),
            try Shear(x: -30...30, y: -30...30),
            try Perspective(distortion: 0.6),
            try Translation(x: 0.3, y: 0.3),
            try RandomAffine(degrees: -30...30, translate: (x: 0.2, y: 0.2), scale: 0.8...1.2, shearX: -20...20),
            try Brightness(factor: 0...3),
            try Contrast(factor: 0...3),
            try HueShift(degrees: -180...180),
            try GaussianBlur(kernelSize: 3, sigma: 0.1...3),
            try GaussianNoise(std: 0...1),
            try SpeckleNoise(std: 0...2),
            try SaltAndPepper(amount: 0...0.5),
        ]
    }

    // MARK: - Ranges

    @Test func everyTransformKeepsUnitRange() throws {
        let images = try randomBatch([6, 3, 9, 9])
        for transform in try Self.everyTransform() {
            let out = try transform.apply(images, generator: try Generator(seed: 1)).0
            let minimum = try out.min().item(as: Float.self)
            let maximum = try out.max().item(as: Float.self)
            #expect(minimum >= 0, "\(transform.name) went below 0: \(minimum)")
            #expect(maximum <= 1, "\(transform.name) went above 1: \(maximum)")
            #expect(out.shape == images.shape, "\(transform.name) changed the shape")
        }
    }

    @Test func clipOffLetsValuesLeaveRange() throws {
        let images = try Tensor.full([4, 1, 4, 4], 0.9)
        let brightness = try Brightness(factor: 2...2, clip: false)
        let out = try brightness.apply(images, generator: try Generator(seed: 1)).0
        #expect(try out.max().item(as: Float.self) > 1.5)
    }

    // MARK: - Reproducibility

    @Test func sameSeedGivesSameBatch() throws {
        let images = try randomBatch([5, 3, 9, 9])
        let pipeline = AugmentPipeline(try Self.everyTransform())
        let first = try pipeline.apply(images, generator: try Generator(seed: 42)).0
        let second = try pipeline.apply(images, generator: try Generator(seed: 42)).0
        #expect(try values(first) == values(second))
    }

    @Test func differentGeneratorStatesDiffer() throws {
        let images = try randomBatch([5, 3, 9, 9])
        let pipeline = AugmentPipeline(try Self.everyTransform())
        let generator = try Generator(seed: 42)
        let first = try pipeline.apply(images, generator: generator).0
        let second = try pipeline.apply(images, generator: generator).0
        let other = try pipeline.apply(images, generator: try Generator(seed: 43)).0
        #expect(try values(first) != values(second))
        #expect(try values(first) != values(other))
    }

    @Test func replayReproducesBatch() throws {
        let images = try randomBatch([5, 3, 9, 9])
        let pipeline = AugmentPipeline(try Self.everyTransform())
        let (out, drawn) = try pipeline.apply(images, generator: try Generator(seed: 7))
        let replayed = try pipeline.replay(images, parameters: drawn)
        #expect(try values(replayed) == values(out))
        #expect(drawn.transforms.map(\.name) == pipeline.names)
    }

    @Test func replayRejectsWrongPipeline() throws {
        let images = try randomBatch([2, 1, 6, 6])
        let (_, drawn) = try AugmentPipeline([try Rotation(degrees: -5...5)])
            .apply(images, generator: try Generator(seed: 1))
        #expect(throws: GDAError.self) {
            _ = try AugmentPipeline([try Scaling(factor: 1...2)]).replay(images, parameters: drawn)
        }
        #expect(throws: GDAError.self) {
            _ = try AugmentPipeline([]).replay(images, parameters: drawn)
        }
    }

    @Test func batchClosureMatchesApply() throws {
        let images = try randomBatch([3, 1, 8, 8])
        let pipeline = try AugmentPolicy.named("fashion", channels: 1)
        let transform: (Tensor, Generator) throws -> Tensor = pipeline.batchTransform
        let viaClosure = try transform(images, try Generator(seed: 5))
        let viaApply = try pipeline.apply(images, generator: try Generator(seed: 5)).0
        #expect(try values(viaClosure) == values(viaApply))
    }

    // MARK: - Probability

    @Test func probabilityZeroChangesNothing() throws {
        let images = try randomBatch([8, 1, 6, 6])
        let (out, drawn) = try Rotation(degrees: 10...80, probability: 0)
            .apply(images, generator: try Generator(seed: 1))
        #expect(try values(out) == values(images))
        #expect(try drawn.applied.scalars(as: Bool.self).allSatisfy { !$0 })
    }

    @Test func probabilityPicksImagesIndependently() throws {
        let images = try randomBatch([400, 1, 4, 4])
        let (out, drawn) = try HorizontalFlip(probability: 0.3).apply(images, generator: try Generator(seed: 2))
        let applied = try drawn.applied.scalars(as: Bool.self)
        // 400 images, chance 0.3: mean 120, std about 9.2.
        #expect(Swift.abs(applied.filter { $0 }.count - 120) < 40)
        let input = try values(images)
        let result = try values(out)
        for image in 0..<400 where !applied[image] {
            #expect(Array(result[(image * 16)..<(image * 16 + 16)]) == Array(input[(image * 16)..<(image * 16 + 16)]))
        }
    }

    @Test func emptyBatchPassesThrough() throws {
        let images = try Tensor.zeros([0, 1, 5, 5])
        let out = try AugmentPipeline(try Self.everyTransform())
            .apply(images, generator: try Generator(seed: 1)).0
        #expect(out.shape == [0, 1, 5, 5])
    }

    @Test func wrongImageShapeThrows() throws {
        let pipeline = AugmentPipeline([try Rotation(degrees: -5...5)])
        #expect(throws: GDAError.self) {
            _ = try pipeline.apply(try Tensor.zeros([3, 8, 8]), generator: try Generator(seed: 1))
        }
        #expect(throws: GDAError.self) {
            _ = try pipeline.apply(try Tensor.zeros([1, 1, 8, 8], dtype: .uint8), generator: try Generator(seed: 1))
        }
    }

    // MARK: - Invalid settings

    static var invalidSettings: [(String, () throws -> any Augmentation)] { [
        ("even blur kernel", { try GaussianBlur(kernelSize: 4, sigma: 1...2) }),
        ("zero blur kernel", { try GaussianBlur(kernelSize: 0, sigma: 1...2) }),
        ("zero sigma", { try GaussianBlur(kernelSize: 3, sigma: 0...1) }),
        ("negative sigma", { try GaussianBlur(kernelSize: 3, sigma: -1...1) }),
        ("probability above 1", { try Rotation(degrees: 0...10, probability: 1.5) }),
        ("negative probability", { try HorizontalFlip(probability: -0.1) }),
        ("NaN probability", { try VerticalFlip(probability: .nan) }),
        ("negative noise std", { try GaussianNoise(std: -0.1...0.1) }),
        ("negative speckle std", { try SpeckleNoise(std: -1...0) }),
        ("negative salt amount", { try SaltAndPepper(amount: -0.1...0.2) }),
        ("salt amount above 1", { try SaltAndPepper(amount: 0.5...1.5) }),
        ("salt fraction above 1", { try SaltAndPepper(amount: 0...0.1, saltFraction: 2) }),
        ("negative brightness", { try Brightness(factor: -1...1) }),
        ("negative contrast", { try Contrast(factor: -0.5...1) }),
        ("hue beyond half turn", { try HueShift(degrees: -200...0) }),
        ("zero scale", { try Scaling(factor: 0...1) }),
        ("negative padding", { try PaddedCrop(padding: -1) }),
        ("crop scale above 1", { try RandomResizedCrop(scale: 0.5...1.5) }),
        ("zero crop scale", { try RandomResizedCrop(scale: 0...1) }),
        ("zero crop ratio", { try RandomResizedCrop(ratio: 0...1) }),
        ("shear of 85 degrees", { try Shear(x: 0...85) }),
        ("translation above 1", { try Translation(x: 1.5, y: 0) }),
        ("negative translation", { try Translation(x: 0, y: -0.1) }),
        ("distortion above 1", { try Perspective(distortion: 1.2) }),
        ("affine zero scale", { try RandomAffine(scale: 0...1) }),
        ("rotation beyond a turn", { try Rotation(degrees: 0...400) }),
    ] }

    @Test func invalidSettingsThrowConfigErrors() {
        for (label, make) in Self.invalidSettings {
            do {
                _ = try make()
                Issue.record("\(label): no error")
            } catch let error as GDAError {
                #expect(error.exitCode == 2, "\(label): exit code \(error.exitCode)")
            } catch {
                Issue.record("\(label): unexpected error \(error)")
            }
        }
    }
}
