import Foundation
import GDA
import Testing
import Torch

/// Expected arrays are built here by index arithmetic (or by numpy through the oracle) and
/// compared exactly wherever the transform maps pixel centres onto pixel centres.
@Suite("Augment geometric transforms")
struct GeometricTests {
    /// numpy's rot90(a, 1) of one square plane: out[i][j] = a[j][n - 1 - i].
    private func rotatedCounterClockwise(_ plane: [Float], size n: Int) -> [Float] {
        (0..<(n * n)).map { index in plane[(index % n) * n + (n - 1 - index / n)] }
    }

    /// Makes one plane of zeros with a 1 at (row, column).
    private func spot(row: Int, column: Int, height: Int, width: Int) -> [Float] {
        var plane = [Float](repeating: 0, count: height * width)
        plane[row * width + column] = 1
        return plane
    }

    // MARK: - Rotation

    @Test func rotationQuarterTurnMatchesRot90() throws {
        let images = try distinctBatch([1, 1, 6, 6])
        let rotation = try Rotation(degrees: -30...30)
        let out = try replayed(rotation, images, ["angle": try perImage([90])])
        #expect(try values(out) == rotatedCounterClockwise(try values(images), size: 6))
    }

    @Test func rotationQuarterTurnMatchesNumpyOracle() throws {
        let images = try distinctBatch([2, 3, 5, 5])
        let rotation = try Rotation(degrees: 0...0)
        let out = try replayed(rotation, images, ["angle": try perImage([90, -90])])
        let flat = try values(images).map(Double.init)
        let plus = try oracleOutput(["op": "rot90", "shape": [2, 3, 5, 5], "images": flat, "k": 1])
        let minus = try oracleOutput(["op": "rot90", "shape": [2, 3, 5, 5], "images": flat, "k": -1])
        let result = try values(out)
        #expect(Array(result[0..<75]) == Array(plus[0..<75]))
        #expect(Array(result[75...]) == Array(minus[75...]))
    }

    @Test func rotationHalfTurnMovesPixel() throws {
        let images = try batch(spot(row: 1, column: 2, height: 8, width: 8), [1, 1, 8, 8])
        let rotation = try Rotation(degrees: 0...0)
        let out = try replayed(rotation, images, ["angle": try perImage([180])])
        #expect(try values(out) == spot(row: 6, column: 5, height: 8, width: 8))
    }

    @Test func rotationHalfTurnOnNonSquareFlipsBothAxes() throws {
        let images = try distinctBatch([1, 2, 4, 6])
        let rotation = try Rotation(degrees: 0...0)
        let out = try replayed(rotation, images, ["angle": try perImage([180])])
        #expect(try values(out) == values(try images.flip([2, 3])))
    }

    @Test func affineRotationMatchesRotation() throws {
        let images = try distinctBatch([1, 1, 7, 7])
        let affine = try RandomAffine(degrees: 0...0)
        let zero = try perImage([0])
        let out = try replayed(affine, images, [
            "angle": try perImage([90]), "scale": try perImage([1]), "shearX": zero, "shearY": zero,
            "shiftX": zero, "shiftY": zero,
        ])
        #expect(try values(out) == rotatedCounterClockwise(try values(images), size: 7))
    }

    // MARK: - Shear

    @Test func shearMovesRowBelowCentreLeft() throws {
        // 7×7, centre row 3: the spot 3 rows below moves left by round(3 · tan 20°) = 1, the
        // spot 3 rows above moves right by 1.
        var plane = spot(row: 6, column: 3, height: 7, width: 7)
        plane[0 * 7 + 3] = 0.5
        let images = try batch(plane, [1, 1, 7, 7])
        let shear = try Shear(x: 0...0, interpolation: .nearest)
        let out = try replayed(shear, images, [
            "shearX": try perImage([20]), "shearY": try perImage([0]),
        ])
        var expected = spot(row: 6, column: 2, height: 7, width: 7)
        expected[0 * 7 + 4] = 0.5
        #expect(try values(out) == expected)
    }

    @Test func shearBilinearSplitsByTangent() throws {
        let images = try batch(spot(row: 6, column: 3, height: 7, width: 7), [1, 1, 7, 7])
        let affine = try RandomAffine()
        let zero = try perImage([0])
        let out = try values(try replayed(affine, images, [
            "angle": zero, "scale": try perImage([1]), "shearX": try perImage([20]), "shearY": zero,
            "shiftX": zero, "shiftY": zero,
        ]))
        let moved = 3 * Foundation.tan(20 * Double.pi / 180)
        #expect(Swift.abs(Double(out[6 * 7 + 2]) - (2 - moved)) < 1e-6)
        #expect(Swift.abs(Double(out[6 * 7 + 1]) - (moved - 1)) < 1e-6)
    }

    // MARK: - Scaling and translation

    @Test func scalingHalvesAboutCentre() throws {
        let images = try distinctBatch([1, 1, 5, 5])
        let scaling = try Scaling(factor: 0.5...0.5, interpolation: .nearest)
        let out = try values(try replayed(scaling, images, ["scale": try perImage([0.5])]))
        let input = try values(images)
        #expect(out[1 * 5 + 1] == input[0])
        #expect(out[3 * 5 + 3] == input[24])
        #expect(out[2 * 5 + 2] == input[12])
        #expect(out[0] == 0)
    }

    @Test func translationShiftsWholePixels() throws {
        let images = try distinctBatch([1, 1, 4, 5])
        let translation = try Translation(x: 0.5, y: 0.5)
        let out = try values(try replayed(translation, images, [
            "shiftX": try perImage([2]), "shiftY": try perImage([-1]),
        ]))
        let input = try values(images)
        let expected: [Float] = (0..<20).map { index in
            let (row, column) = (index / 5 + 1, index % 5 - 2)
            return (0..<4).contains(row) && (0..<5).contains(column) ? input[row * 5 + column] : 0
        }
        #expect(out == expected)
    }

    @Test func translationDrawsWholePixelsInRange() throws {
        let translation = try Translation(x: 0.25, y: 0.1)
        let (_, drawn) = try translation.apply(try randomBatch([64, 1, 8, 20]), generator: try Generator(seed: 3))
        let shiftX = try drawn.value("shiftX").scalars(as: Double.self)
        let shiftY = try drawn.value("shiftY").scalars(as: Double.self)
        #expect(shiftX.allSatisfy { $0 == $0.rounded() })
        #expect(shiftX.allSatisfy { Swift.abs($0) <= 5 })
        #expect(shiftY.allSatisfy { $0 == $0.rounded() })
        #expect(shiftY.allSatisfy { Swift.abs($0) <= 1 })
        #expect(Set(shiftX).count > 3)
    }

    // MARK: - Flips

    @Test func flipsMirrorExactly() throws {
        let images = try distinctBatch([2, 3, 4, 5])
        let horizontal = try HorizontalFlip(probability: 1)
        let vertical = try VerticalFlip(probability: 1)
        let generator = try Generator(seed: 1)
        let input = try values(images)
        let mirroredX = try values(try horizontal.apply(images, generator: generator).0)
        let mirroredY = try values(try vertical.apply(images, generator: generator).0)
        for index in 0..<input.count {
            let (plane, row, column) = (index / 20, index % 20 / 5, index % 5)
            #expect(mirroredX[index] == input[plane * 20 + row * 5 + (4 - column)])
            #expect(mirroredY[index] == input[plane * 20 + (3 - row) * 5 + column])
        }
    }

    // MARK: - Crops

    /// numpy's pad-then-crop, by index: output (i, j) is padded (i + oy, j + ox).
    private func paddedCrop(_ input: [Float], height: Int, width: Int, padding: Int, offsetX: Int,
                            offsetY: Int, reflect: Bool) -> [Float] {
        func source(_ k: Int, _ n: Int) -> Int? {
            if (0..<n).contains(k) { return k }
            guard reflect else { return nil }
            return k < 0 ? -k : 2 * (n - 1) - k
        }
        return (0..<(height * width)).map { index in
            let row = source(index / width + offsetY - padding, height)
            let column = source(index % width + offsetX - padding, width)
            guard let row, let column else { return 0 }
            return input[row * width + column]
        }
    }

    @Test(arguments: [BorderMode.zeros, .reflect])
    func paddedCropMatchesPadThenCrop(border: BorderMode) throws {
        let images = try distinctBatch([2, 1, 5, 6])
        let crop = try PaddedCrop(padding: 3, border: border)
        let out = try values(try replayed(crop, images, [
            "offsetX": try perImage([0, 6]), "offsetY": try perImage([5, 1]),
        ]))
        let input = try values(images)
        let first = paddedCrop(Array(input[0..<30]), height: 5, width: 6, padding: 3, offsetX: 0,
                               offsetY: 5, reflect: border == .reflect)
        let second = paddedCrop(Array(input[30...]), height: 5, width: 6, padding: 3, offsetX: 6,
                                offsetY: 1, reflect: border == .reflect)
        #expect(out == first + second)
    }

    @Test func paddedCropDrawsOffsetsInRange() throws {
        let crop = try PaddedCrop(padding: 4)
        let (_, drawn) = try crop.apply(try randomBatch([200, 1, 8, 8]), generator: try Generator(seed: 5))
        let offsets = try drawn.value("offsetX").scalars(as: Double.self)
            + drawn.value("offsetY").scalars(as: Double.self)
        #expect(Set(offsets) == Set((0...8).map(Double.init)))
    }

    @Test func resizedCropOfWholeImageIsIdentity() throws {
        // A box of the whole area with the image's own aspect ratio (5 / 6) is the image.
        let images = try distinctBatch([3, 2, 6, 5])
        let crop = try RandomResizedCrop(scale: 1...1, ratio: (5.0 / 6)...(5.0 / 6))
        let out = try crop.apply(images, generator: try Generator(seed: 2)).0
        #expect(try values(out) == values(images))
    }

    @Test func resizedCropOfLeftHalfInterpolates() throws {
        // Width 4, box x in [0, 2]: output column x' reads x = (x' + 1/2) / 2 - 1/2.
        let images = try batch([0, 0.4, 0.8, 1], [1, 1, 1, 4])
        let crop = try RandomResizedCrop()
        let out = try values(try replayed(crop, images, [
            "cropX": try perImage([0]), "cropY": try perImage([0]),
            "cropWidth": try perImage([2]), "cropHeight": try perImage([1]),
        ]))
        let expected: [Float] = [0, 0.1, 0.3, 0.5]
        #expect(maxDifference(out, expected) < 1e-6)
    }

    @Test func resizedCropBoxesStayInsideImage() throws {
        let crop = try RandomResizedCrop(scale: 0.2...0.6, ratio: 0.5...2)
        let (_, drawn) = try crop.apply(try randomBatch([100, 1, 10, 16]), generator: try Generator(seed: 9))
        let x = try drawn.value("cropX").scalars(as: Double.self)
        let y = try drawn.value("cropY").scalars(as: Double.self)
        let w = try drawn.value("cropWidth").scalars(as: Double.self)
        let h = try drawn.value("cropHeight").scalars(as: Double.self)
        for k in 0..<100 {
            #expect(x[k] >= 0)
            #expect(x[k] + w[k] <= 16 + 1e-9)
            #expect(y[k] >= 0)
            #expect(y[k] + h[k] <= 10 + 1e-9)
            let area = w[k] * h[k] / 160
            let clamped = w[k] == 16 || h[k] == 10
            #expect(clamped || (area > 0.2 - 1e-9 && area < 0.6 + 1e-9))
        }
    }

    // MARK: - Perspective

    @Test func perspectiveWithoutDistortionIsIdentity() throws {
        let images = try distinctBatch([2, 1, 6, 7])
        let out = try Perspective(distortion: 0).apply(images, generator: try Generator(seed: 4)).0
        #expect(maxDifference(try values(out), try values(images)) < 1e-6)
    }

    @Test func perspectiveMatchesNumpyOracle() throws {
        let images = try distinctBatch([2, 2, 6, 7])
        let perspective = try Perspective(distortion: 0.5)
        let (out, drawn) = try perspective.apply(images, generator: try Generator(seed: 11))
        let corners = try drawn.value("corners").scalars(as: Double.self)
        let expected = try oracleOutput([
            "op": "perspective", "shape": [2, 2, 6, 7], "images": try values(images).map(Double.init),
            "corners": [Array(corners[0..<8]), Array(corners[8...])].map { flat in
                stride(from: 0, to: 8, by: 2).map { [flat[$0], flat[$0 + 1]] }
            },
        ])
        #expect(maxDifference(try values(out), expected) < 1e-5)
    }

    @Test func perspectiveCornersMoveInwardWithinReach() throws {
        let perspective = try Perspective(distortion: 0.4)
        let (_, drawn) = try perspective.apply(try randomBatch([50, 1, 11, 21]), generator: try Generator(seed: 8))
        let corners = try drawn.value("corners").scalars(as: Double.self)
        // Reach: 0.4 · 10 = 4 pixels in x, 0.4 · 5 = 2 in y; image corners at x 0 or 20, y 0 or 10.
        for image in 0..<50 {
            for corner in 0..<4 {
                let x = corners[image * 8 + corner * 2]
                let y = corners[image * 8 + corner * 2 + 1]
                let (left, top) = (corner == 0 || corner == 3, corner < 2)
                #expect(left ? (0...4).contains(x) : (16...20).contains(x))
                #expect(top ? (0...2).contains(y) : (8...10).contains(y))
            }
        }
    }
}
