import Foundation
import GDA
import Testing
import Torch

@Suite("Augment photometric transforms")
struct PhotometricTests {
    // MARK: - Brightness and contrast

    @Test func brightnessMultipliesByFactor() throws {
        let images = try batch([0.5, 0.2, 0.8, 0], [1, 1, 2, 2])
        let brightness = try Brightness(factor: 1...2, clip: false)
        let out = try values(try replayed(brightness, images, ["factor": try perImage([1.5])]))
        #expect(out == [0.75, 0.3, 1.2, 0].map { Float($0) })
    }

    @Test func brightnessClipsToUnitRange() throws {
        let images = try batch([0.5, 0.8], [1, 1, 1, 2])
        let brightness = try Brightness(factor: 1...2, clip: true)
        let out = try values(try replayed(brightness, images, ["factor": try perImage([1.5])]))
        #expect(out == [0.75, 1])
    }

    @Test func contrastBlendsWithMeanGrey() throws {
        // 4×4 of 0.5 with one 0.9: mean 0.525, and 0.525 + 0.5 · (0.9 - 0.525) = 0.7125.
        var plane = [Float](repeating: 0.5, count: 16)
        plane[5] = 0.9
        let images = try batch(plane, [1, 1, 4, 4])
        let contrast = try Contrast(factor: 0...1)
        let out = try values(try replayed(contrast, images, ["factor": try perImage([0.5])]))
        #expect(Swift.abs(out[5] - 0.7125) < 1e-6)
        #expect(Swift.abs(out[0] - 0.5125) < 1e-6)
    }

    @Test func contrastUsesLumaOfColourImages() throws {
        // One pure red pixel among black: luma mean 0.299 / 4.
        let images = try batch([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 3, 2, 2])
        let contrast = try Contrast(factor: 0...0)
        let out = try values(try replayed(contrast, images, ["factor": try perImage([0])]))
        #expect(out.allSatisfy { Swift.abs($0 - 0.299 / 4) < 1e-6 })
    }

    // MARK: - Hue

    @Test func hueShiftLeavesOneChannelUnchanged() throws {
        let images = try randomBatch([2, 1, 5, 5])
        let hue = try HueShift(degrees: -180...180)
        let out = try hue.apply(images, generator: try Generator(seed: 1)).0
        #expect(try values(out) == values(images))
    }

    @Test func hueShiftOfZeroIsIdentity() throws {
        let images = try randomBatch([2, 3, 5, 5])
        let hue = try HueShift(degrees: 0...0)
        let out = try hue.apply(images, generator: try Generator(seed: 1)).0
        #expect(try values(out) == values(images))
    }

    @Test func hueShiftLeavesGreyUnchanged() throws {
        let grey = try randomBatch([4, 1, 5, 5]).repeated([1, 3, 1, 1])
        let hue = try HueShift(degrees: -180...180)
        let out = try hue.apply(grey, generator: try Generator(seed: 2)).0
        #expect(try values(out) == values(grey))
    }

    @Test func hueShiftTurnsRedGreen() throws {
        let images = try batch([1, 0, 0], [1, 3, 1, 1])
        let hue = try HueShift(degrees: -180...180)
        let out = try values(try replayed(hue, images, ["shift": try perImage([120])]))
        #expect(maxDifference(out, [0, 1, 0]) < 1e-6)
    }

    @Test func hueShiftMatchesColorsys() throws {
        let images = try randomBatch([3, 3, 4, 4], seed: 21)
        let hue = try HueShift(degrees: -180...180)
        let shifts = [37.0, -150, 179]
        let out = try replayed(hue, images, ["shift": try perImage(shifts)])
        let expected = try oracleOutput(["op": "hue", "shape": [3, 3, 4, 4],
                                         "images": try values(images).map(Double.init), "shift": shifts])
        #expect(maxDifference(try values(out), expected) < 1e-6)
    }

    // MARK: - Blur

    @Test func blurMatchesNumpyOracle() throws {
        let images = try randomBatch([2, 3, 6, 7], seed: 4)
        let blur = try GaussianBlur(kernelSize: 5, sigma: 0.5...2)
        let sigmas = [0.7, 1.6]
        let out = try replayed(blur, images, ["sigma": try perImage(sigmas)])
        let expected = try oracleOutput(["op": "blur", "shape": [2, 3, 6, 7], "kernel_size": 5,
                                         "images": try values(images).map(Double.init), "sigma": sigmas])
        #expect(maxDifference(try values(out), expected) < 1e-6)
    }

    @Test func blurKeepsConstantImage() throws {
        let images = try Tensor.full([2, 1, 5, 5], 0.3)
        let out = try GaussianBlur(kernelSize: 3, sigma: 0.5...3).apply(images, generator: try Generator(seed: 3)).0
        #expect(maxDifference(try values(out), try values(images)) < 1e-6)
    }

    @Test func blurRejectsKernelLargerThanImage() throws {
        let blur = try GaussianBlur(kernelSize: 9, sigma: 1...1)
        #expect(throws: GDAError.self) {
            _ = try blur.apply(try randomBatch([1, 1, 4, 4]), generator: try Generator(seed: 1))
        }
    }
}
