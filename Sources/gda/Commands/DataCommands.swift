import Foundation
import GDA
import Torch

let dataCommands: [Command] = [
    Command(["data", "list"], summary: "List the datasets gda knows by name and where they are",
            usage: """
            Usage: gda data list

            Prints each named dataset (mnist, fashion-mnist, cifar10), whether its files are
            present, and the folder they were found in or the folders searched. Any folder of
            IDX files (idx:PATH) or of class folders of PNG files (folder:PATH) also works as a
            dataset name.
            """) { arguments in
        try arguments.finish()
        for name in Catalog.names {
            if let folder = Catalog.locate(name) {
                print("\(name): found in \(folder)")
            } else {
                print("\(name): not found (searched \(Catalog.searchFolders(name).joined(separator: ", "))); "
                    + "run 'gda data download \(name)'")
            }
        }
        return 0
    },

    Command(["data", "info"], summary: "Show a dataset's sizes, classes and channel statistics",
            usage: """
            Usage: gda data info NAME

            NAME is mnist, fashion-mnist, cifar10, idx:PATH or folder:PATH. Prints the number
            of training and test images, the image shape, each class with its image counts, and
            the per-channel mean and standard deviation of the training images in [0, 1].
            """) { arguments in
        let name = try requiredName(arguments, command: "data info")
        try arguments.finish(maximumPositionals: 1)
        let train = try DatasetSource.load(name, split: .train)
        let test = try loadTestSplit(name)
        print(name)
        print("  train: \(train.count) images")
        print("  test: " + (test.map { "\($0.count) images" } ?? "none (no test split)"))
        print("  image shape: \(train.channels)x\(train.height)x\(train.width) (channels x height x width)")
        print("  classes: \(train.classCount)")
        let trainCounts = train.classCounts
        let testCounts = test?.classCounts
        let nameWidth = train.classNames.map(\.count).max() ?? 0
        for (label, className) in train.classNames.enumerated() {
            var line = "    \(pad(String(label), 3, left: true))  \(pad(className, nameWidth))"
                + "  \(pad(String(trainCounts[label]), 6, left: true)) train"
            if let testCounts, label < testCounts.count {
                line += "  \(pad(String(testCounts[label]), 6, left: true)) test"
            }
            print(line)
        }
        let (mean, std) = DatasetStats.channelMeanStd(train)
        print("  channel mean (train, [0, 1]): " + mean.map { String(format: "%.4f", $0) }.joined(separator: " "))
        print("  channel std (train, [0, 1]): " + std.map { String(format: "%.4f", $0) }.joined(separator: " "))
        return 0
    },

    Command(["data", "download"], summary: "Download a dataset and verify its checksums",
            usage: """
            Usage: gda data download NAME [--cache DIR] [--mirror URL]

            NAME is mnist, fashion-mnist or cifar10. Files go to DIR/NAME (default: the cache
            folder, $GDA_CACHE or ~/.cache/gda) and appear under their final names only once
            their published MD5 matches. An interrupted download resumes where it stopped.

            Options:
              --cache DIR    folder to download into instead of the cache folder
              --mirror URL   base URL to fetch the files from instead of the canonical one
                             (also settable with $GDA_DOWNLOAD_BASE)
            """) { arguments in
        let name = try requiredName(arguments, command: "data download")
        let cache = arguments.string("cache")
        let mirror = arguments.string("mirror")
        try arguments.finish(maximumPositionals: 1)
        guard Catalog.names.contains(name) else {
            throw UsageError("cannot download '\(name)'; expected one of \(Catalog.names.joined(separator: ", "))")
        }
        let folder = try await Downloads.download(name, cache: cache, mirror: mirror) { print($0) }
        print("\(name): ready in \(folder)")
        return 0
    },

    Command(["data", "preview"], summary: "Write a grid of a dataset's images, one row per class",
            usage: """
            Usage: gda data preview NAME --out FILE.png [--count N] [--split train|test] [--seed S]

            Writes a PNG grid with one row per class and N images of that class per row,
            chosen at random with seed S.

            Options:
              --out FILE.png   the image to write (required)
              --count N        images per class, 1...64 (default 8)
              --split SPLIT    train or test (default train)
              --seed S         seed for choosing the images (default 0)
            """) { arguments in
        let name = try requiredName(arguments, command: "data preview")
        guard let out = arguments.string("out") else {
            throw UsageError("--out FILE.png is required", hint: "gda data preview --help")
        }
        let count = try arguments.int("count", range: 1...64) ?? 8
        let splitName = arguments.string("split") ?? "train"
        guard let split = Split(rawValue: splitName) else {
            throw UsageError("--split takes train or test, found '\(splitName)'")
        }
        let seed = try arguments.int("seed", range: 0...Int.max) ?? 0
        try arguments.finish(maximumPositionals: 1)
        let dataset = try DatasetSource.load(name, split: split)
        let grid = try ImageGrid.classRows(dataset, perClass: count, seed: UInt64(seed))
        try makeOutputFolder(URL(fileURLWithPath: out).deletingLastPathComponent().path)
        try PNG.write(grid, to: out)
        print("wrote \(out): \(dataset.classCount) classes x \(count) images (\(grid.width)x\(grid.height) pixels)")
        return 0
    },
]

// MARK: - Helpers

/// Returns the positional NAME argument.
private func requiredName(_ arguments: Arguments, command: String) throws -> String {
    guard let name = arguments.positionals.first else {
        throw UsageError("missing dataset NAME", hint: "gda \(command) --help")
    }
    return name
}

/// Loads the test split, or returns nil for an image folder without one.
private func loadTestSplit(_ name: String) throws -> Dataset? {
    guard name.hasPrefix("folder:") else { return try DatasetSource.load(name, split: .test) }
    do {
        return try DatasetSource.load(name, split: .test)
    } catch let error as GDAError where error.exitCode == 2 {
        return nil
    }
}

private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return left ? padding + text : text + padding
}
