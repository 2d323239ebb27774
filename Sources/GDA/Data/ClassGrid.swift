import Torch

extension ImageGrid {
    /// Lays out one row per class of `perClass` images of that class, chosen at random with
    /// `seed` and shown in dataset order. A class with fewer images leaves the rest of its row
    /// blank (white).
    public static func classRows(_ dataset: Dataset, perClass: Int, seed: UInt64, padding: Int = 2) throws -> Image {
        precondition(perClass > 0, "images per class must be positive, found \(perClass)")
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8]()
        bytes.reserveCapacity(dataset.classCount * perClass * dataset.imageSize)
        for var members in dataset.indicesByClass {
            members.shuffle(using: &generator)
            let chosen = members.prefix(perClass).sorted()
            for index in chosen {
                bytes += dataset.images[(index * dataset.imageSize)..<((index + 1) * dataset.imageSize)]
            }
            bytes += [UInt8](repeating: 255, count: (perClass - chosen.count) * dataset.imageSize)
        }
        let images = try Tensor(bytes, shape: [dataset.classCount * perClass, dataset.channels, dataset.height,
                                              dataset.width])
        return try make(images, columns: perClass, padding: padding)
    }
}
