import Foundation
import GDA
import Torch

let augmentCommands: [Command] = [
    Command(["augment", "preview"], summary: "Write a PNG grid of images and their augmented versions",
            usage: """
            Usage: gda augment preview --dataset NAME [--policy NAME] --out FILE.png [--count N]
                                       [--draws K] [--seed S]

            Writes a grid with one row per training image: the original in the first column,
            then K augmented versions drawn with the policy.

              --dataset NAME   mnist, fashion-mnist, cifar10, idx:PATH or folder:PATH
              --policy NAME    \(AugmentPolicy.names.joined(separator: ", "))
                               (default: the dataset's own, such as digits for mnist)
              --out FILE.png   the PNG file to write
              --count N        images, one per row, taken in turn from each class (default 8)
              --draws K        augmented versions of each image (default 8)
              --seed S         seed of the augmentation's random generator (default 0)
            """) { arguments in
        guard let spec = arguments.string("dataset") else {
            throw UsageError("--dataset is required", hint: "gda augment preview --help")
        }
        guard let out = arguments.string("out") else {
            throw UsageError("--out is required", hint: "gda augment preview --help")
        }
        let requestedPolicy = arguments.string("policy")
        let count = try arguments.int("count", range: 1...1000) ?? 8
        let draws = try arguments.int("draws", range: 1...100) ?? 8
        let seed = try arguments.int("seed", range: 0...Int.max) ?? 0
        try arguments.finish()

        // An unknown policy fails before the dataset is read.
        if let requestedPolicy, !AugmentPolicy.names.contains(requestedPolicy) {
            _ = try AugmentPolicy.named(requestedPolicy, channels: 1)
        }
        let dataset = try DatasetSource.load(spec, split: .train)
        let policy = requestedPolicy
            ?? AugmentPolicy.defaultName(forDataset: spec, channels: dataset.channels)
        let pipeline = try AugmentPolicy.named(policy, channels: dataset.channels)
        let rows = Swift.min(count, dataset.count)
        let grid = try AugmentPreview.grid(dataset, pipeline: pipeline, count: rows, draws: draws,
                                           seed: UInt64(seed))
        try makeOutputFolder(URL(fileURLWithPath: out).deletingLastPathComponent().path)
        try PNG.write(grid, to: out)
        let transforms = pipeline.names.isEmpty ? "no transforms" : pipeline.names.joined(separator: ", ")
        print("wrote \(out): \(rows) \(dataset.name) images, each with \(draws) draws of policy "
            + "\(policy) (\(transforms))")
        return 0
    },
]
