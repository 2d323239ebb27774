import Foundation
import GDA
import Testing
import Torch

@Suite("Augment noise transforms")
struct NoiseTests {
    @Test func gaussianNoiseAddsScaledDraws() throws {
        let images = try randomBatch([3, 2, 4, 4])
        let noise = try GaussianNoise(std: 0.05...0.2, clip: false)
        let (out, drawn) = try noise.apply(images, generator: try Generator(seed: 1))
        let std = try drawn.value("std").scalars(as: Double.self)
        let draws = try values(try drawn.value("noise"))
        let input = try values(images)
        let expected = input.indices.map { input[$0] + Float(std[$0 / 32]) * draws[$0] }
        #expect(maxDifference(try values(out), expected) < 1e-6)
        #expect(std.allSatisfy { (0.05...0.2).contains($0) })
    }

    @Test func speckleNoiseLeavesBlackPixelsBlack() throws {
        var plane = [Float](repeating: 0.6, count: 16)
        for index in stride(from: 0, to: 16, by: 3) { plane[index] = 0 }
        let images = try batch(plane, [1, 1, 4, 4])
        let speckle = try SpeckleNoise(std: 0.3...0.3, clip: false)
        let (out, drawn) = try speckle.apply(images, generator: try Generator(seed: 2))
        let draws = try values(try drawn.value("noise"))
        let result = try values(out)
        for index in 0..<16 {
            #expect(Swift.abs(result[index] - plane[index] * (1 + 0.3 * draws[index])) < 1e-6)
        }
    }

    @Test func saltAndPepperHitsExactCount() throws {
        // round(f · 100) for f in 0.05...0.3, numpy's half-to-even rounding.
        let images = try Tensor.full([40, 3, 10, 10], 0.5)
        let noise = try SaltAndPepper(amount: 0.05...0.3)
        let (out, drawn) = try noise.apply(images, generator: try Generator(seed: 3))
        let amounts = try drawn.value("amount").scalars(as: Double.self)
        let result = try values(out)
        for image in 0..<40 {
            let expected = Int((amounts[image] * 100).rounded(.toNearestOrEven))
            let plane = Array(result[(image * 300)..<(image * 300 + 100)])
            #expect(plane.filter { $0 != 0.5 }.count == expected)
            // Every channel of a hit pixel is set alike.
            for channel in 1..<3 {
                let other = Array(result[(image * 300 + channel * 100)..<(image * 300 + channel * 100 + 100)])
                #expect(other == plane)
            }
        }
    }

    @Test func saltAndPepperSplitsBySaltFraction() throws {
        let images = try Tensor.full([20, 1, 20, 20], 0.5)
        let noise = try SaltAndPepper(amount: 0.5...0.5, saltFraction: 0.25)
        let out = try values(try noise.apply(images, generator: try Generator(seed: 4)).0)
        let salt = Double(out.filter { $0 == 1 }.count)
        let pepper = Double(out.filter { $0 == 0 }.count)
        #expect(salt + pepper == 4000)
        // 4000 hits, each white with chance 1/4: mean 1000, std about 27.
        #expect(Swift.abs(salt - 1000) < 150)
    }
}
