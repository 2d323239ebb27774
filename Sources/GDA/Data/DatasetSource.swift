import Foundation

/// A part of a dataset: the training images or the test images.
public enum Split: String, Sendable, CaseIterable {
    case train, test
}

/// Loads datasets by the names the command line accepts: `mnist`, `fashion-mnist`,
/// `cifar10`, `idx:PATH` and `folder:PATH`.
public enum DatasetSource {
    /// Class names of the datasets known by name.
    public static let mnistClassNames = (0...9).map(String.init)
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
        "Ankle boot",
    ]

    /// Loads one split of the dataset `spec`.
    ///
    /// Unknown names and missing datasets or paths are configuration errors (exit status 2).
    /// Files that exist but are corrupt or inconsistent are run errors (exit status 1). Each
    /// message names the file and what was wrong.
    public static func load(_ spec: String, split: Split) throws -> Dataset {
        if spec.hasPrefix("idx:") {
            return try loadIDXFolder(String(spec.dropFirst(4)), split: split, name: spec)
        }
        if spec.hasPrefix("folder:") {
            return try ImageFolder.read(String(spec.dropFirst(7)), split: split, name: spec)
        }
        switch spec {
        case "mnist", "fashion-mnist":
            let folder = try locate(spec)
            let classNames = spec == "mnist" ? mnistClassNames : fashionMNISTClassNames
            let prefix = split == .train ? "train" : "t10k"
            return try IDX.load(images: try findIDXFile(folder, prefix: prefix, kind: "images"),
                                labels: try findIDXFile(folder, prefix: prefix, kind: "labels"),
                                classNames: classNames, name: spec)
        case "cifar10":
            return try CIFAR10.load(folder: try locate(spec) + "/cifar-10-batches-bin", split: split)
        default:
            throw GDAError.config("unknown dataset '\(spec)'; expected one of "
                + Catalog.names.joined(separator: ", ") + ", idx:PATH or folder:PATH")
        }
    }

    // MARK: - Named datasets

    private static func locate(_ name: String) throws -> String {
        guard let folder = Catalog.locate(name) else {
            throw GDAError.config("dataset \(name) not found (searched "
                + Catalog.searchFolders(name).joined(separator: ", ") + "); run 'gda data download \(name)'")
        }
        return folder
    }

    // MARK: - IDX folders

    /// The IDX file for `prefix` (train, t10k or test) and `kind` (images or labels) in
    /// `folder`, as written by MNIST (`train-images-idx3-ubyte`, with `-` or `.` before
    /// `idx`), with or without `.gz`; images may also be `idx4` (N, C, H, W).
    static func findIDXFile(_ folder: String, prefix: String, kind: String) throws -> String {
        let ranks = kind == "images" ? ["3", "4"] : ["1"]
        var candidates = [String]()
        for rank in ranks {
            for separator in ["-", "."] {
                let base = "\(folder)/\(prefix)-\(kind)\(separator)idx\(rank)-ubyte"
                candidates += [base, base + ".gz"]
            }
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return found
        }
        throw GDAError.config("\(folder): no \(kind) file for '\(prefix)' found; expected "
            + "\(prefix)-\(kind)-idx\(ranks[0])-ubyte (or .gz)")
    }

    /// Loads `idx:PATH`: a folder holding `train-*` files for the training split and `t10k-*`
    /// (or `test-*`) files for the test split. Class names come from `classes.txt` in the
    /// folder (one per line) when present; otherwise they are the numbers 0 through the
    /// largest label found in either split's labels.
    static func loadIDXFolder(_ folder: String, split: Split, name: String) throws -> Dataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw GDAError.config("\(folder): folder not found (idx:PATH names a folder of IDX files)")
        }
        let prefixes = split == .train ? ["train"] : ["t10k", "test"]
        let prefix = prefixes.first { (try? findIDXFile(folder, prefix: $0, kind: "images")) != nil } ?? prefixes[0]
        let imagesPath = try findIDXFile(folder, prefix: prefix, kind: "images")
        let labelsPath = try findIDXFile(folder, prefix: prefix, kind: "labels")
        let classNames = try idxClassNames(folder, labelsPath: labelsPath)
        return try IDX.load(images: imagesPath, labels: labelsPath, classNames: classNames, name: name)
    }

    private static func idxClassNames(_ folder: String, labelsPath: String) throws -> [String] {
        let classesPath = folder + "/classes.txt"
        if FileManager.default.fileExists(atPath: classesPath) {
            return try readClassNames(classesPath)
        }
        // Both splits' labels, so that the training and test sets agree on the class count.
        var largest: Int32 = 0
        let others = ["train", "t10k", "test"].compactMap { try? findIDXFile(folder, prefix: $0, kind: "labels") }
        for path in Set(others + [labelsPath]).sorted() {
            largest = max(largest, try IDX.readLabels(path).max() ?? 0)
        }
        return (0...Int(largest)).map(String.init)
    }

    /// Reads class names, one per line; blank lines at the end are ignored.
    static func readClassNames(_ path: String) throws -> [String] {
        let data = try InputFile.read(path, maximumBytes: InputFile.maximumTextBytes, kind: "a class-name file")
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw GDAError("\(path): no class names in the file") }
        if let blank = lines.firstIndex(of: "") {
            throw GDAError("\(path): line \(blank + 1) is empty; expected one class name per line")
        }
        return lines
    }
}
