import Torch

/// Sample grids that show what a pipeline does to a dataset's images.
public enum AugmentPreview {
    /// Indices of `count` images that cycle through the classes: the first image of each class
    /// in class order, then the second of each, and so on.
    public static func sampleIndices(_ dataset: Dataset, count: Int) -> [Int] {
        var byClass = [[Int]](repeating: [], count: Swift.max(dataset.classCount, 1))
        for (index, label) in dataset.labels.enumerated() {
            byClass[Swift.min(Swift.max(Int(label), 0), byClass.count - 1)].append(index)
        }
        var picked: [Int] = []
        var round = 0
        while picked.count < Swift.min(count, dataset.count) {
            for members in byClass where round < members.count && picked.count < count {
                picked.append(members[round])
            }
            round += 1
        }
        return picked
    }

    /// A grid with one row per image: the original in the first column, then `draws` augmented
    /// versions drawn one after another from a generator seeded with `seed`.
    ///
    /// - Throws: `GDAError.config` when `count` or `draws` is below 1 or `count` exceeds the
    ///   dataset's size.
    public static func grid(_ dataset: Dataset, pipeline: AugmentPipeline, count: Int, draws: Int,
                            seed: UInt64) throws -> Image {
        guard count >= 1, count <= dataset.count else {
            throw GDAError.config(
                "preview count must be in 1...\(dataset.count) for \(dataset.name), found \(count)")
        }
        guard draws >= 1 else {
            throw GDAError.config("preview draws must be at least 1, found \(draws)")
        }
        let indices = sampleIndices(dataset, count: count)
        let originals = try ImageSpace.bytesToUnit(try dataset.imageTensor(indices))
        let generator = try Generator(seed: seed)
        var columns = [originals]
        for _ in 0..<draws {
            columns.append(try pipeline.apply(originals, generator: generator).0)
        }

        // (K + 1) columns of (N, C, H, W) become N rows of K + 1 images each.
        let (channels, height, width) = (dataset.channels, dataset.height, dataset.width)
        let tiles = try Tensor.stack(columns, dim: 1)
            .reshape([indices.count * (draws + 1), channels, height, width])
        return try ImageGrid.make(try ImageSpace.unitToBytes(tiles), columns: draws + 1)
    }
}
