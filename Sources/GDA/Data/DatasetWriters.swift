import Foundation
import Torch

// MARK: - IDX

extension IDX {
    /// Writes `dataset` as uncompressed IDX files in `folder` in the MNIST layout:
    /// `<prefix>-images-idx3-ubyte` (N, H, W) for one channel or `<prefix>-images-idx4-ubyte`
    /// (N, C, H, W) otherwise, `<prefix>-labels-idx1-ubyte`, and the class names, one per line,
    /// in `classes.txt`. Each file is written atomically. Returns the paths written.
    @discardableResult
    public static func write(_ dataset: Dataset, folder: String, prefix: String) throws -> [String] {
        guard dataset.labels.allSatisfy({ (0...255).contains($0) }) else {
            throw GDAError("cannot write \(dataset.name) as IDX: labels must fit in one byte (0...255)")
        }
        try createFolder(folder)
        let imageDimensions = dataset.channels == 1
            ? [dataset.count, dataset.height, dataset.width]
            : [dataset.count, dataset.channels, dataset.height, dataset.width]
        let imagesPath = "\(folder)/\(prefix)-images-idx\(imageDimensions.count)-ubyte"
        let labelsPath = "\(folder)/\(prefix)-labels-idx1-ubyte"
        let classesPath = "\(folder)/classes.txt"
        try writeAtomically(header(imageDimensions) + dataset.images, to: imagesPath)
        try writeAtomically(header([dataset.count]) + dataset.labels.map { UInt8($0) }, to: labelsPath)
        try writeAtomically(Array((dataset.classNames.joined(separator: "\n") + "\n").utf8), to: classesPath)
        return [imagesPath, labelsPath, classesPath]
    }

    /// Returns the IDX header: the magic (unsigned bytes, rank) and big-endian dimensions.
    static func header(_ dimensions: [Int]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, unsignedByteType, UInt8(dimensions.count)]
        for dimension in dimensions {
            bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: dimension >> $0) }
        }
        return bytes
    }
}

/// Writes through `AtomicFile`, reporting failures as `GDAError`.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    do {
        try AtomicFile.write(Data(bytes), to: path)
    } catch let error as TorchError {
        throw GDAError(error.message)
    }
}

func createFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw GDAError("\(path): cannot create the folder (\(error.localizedDescription))")
    }
}

// MARK: - Image folders

/// Writes datasets as image folders that torchvision's `ImageFolder` and `folder:PATH` read:
/// one subfolder per class holding `00000.png`, `00001.png`, ..., plus `classes.txt` (class
/// names in label order) and `labels.csv` (`file,label,class`, one row per image in dataset
/// order).
public enum ImageFolderWriter {
    /// Writes `dataset` to `folder`, which must not exist or be empty unless `overwrite` is
    /// set. The files go to a temporary sibling folder that is renamed into place at the end,
    /// so an interrupted write leaves no partial `folder`.
    public static func write(_ dataset: Dataset, folder: String, overwrite: Bool = false) throws {
        guard dataset.channels == 1 || dataset.channels == 3 else {
            throw GDAError("cannot write \(dataset.name) as PNG: images need 1 or 3 channels, found \(dataset.channels)")
        }
        let manager = FileManager.default
        // A file at `folder` would be replaced below, so it is rejected up front.
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder, isDirectory: &isDirectory) && !isDirectory.boolValue {
            throw GDAError.config("\(folder): exists and is not a folder; choose another folder")
        }
        let existing = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        if manager.fileExists(atPath: folder) && !existing.isEmpty && !overwrite {
            throw GDAError.config("\(folder): already exists and is not empty; choose another folder or remove it")
        }
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        try createFolder(parent)
        let temporary = "\(folder).partial-\(getpid())"
        try? manager.removeItem(atPath: temporary)
        do {
            try writeContents(dataset, to: temporary)
            if manager.fileExists(atPath: folder) {
                let old = "\(folder).old-\(getpid())"
                try manager.moveItem(atPath: folder, toPath: old)
                try manager.moveItem(atPath: temporary, toPath: folder)
                try manager.removeItem(atPath: old)
            } else {
                try manager.moveItem(atPath: temporary, toPath: folder)
            }
        } catch {
            try? manager.removeItem(atPath: temporary)
            if let error = error as? GDAError { throw error }
            throw GDAError("\(folder): cannot write the image folder (\(error.localizedDescription))")
        }
    }

    /// Returns the folder name of each class: the sanitised class name, with a zero-padded label
    /// prefix (`0_T-shirt_top`) on every folder when sorting the names would not give label
    /// order, because `ImageFolder` numbers classes in sorted folder order.
    public static func folderNames(_ classNames: [String]) -> [String] {
        var names = classNames.enumerated().map { sanitize($1, label: $0) }
        if names.sorted() != names || Set(names).count != names.count {
            let width = String(max(0, names.count - 1)).count
            names = names.enumerated().map { label, name in
                String(repeating: "0", count: width - String(label).count) + "\(label)_\(name)"
            }
        }
        return names
    }

    /// Returns a class name made safe as one path component: characters other than letters, digits,
    /// space, `-`, `_` and `.` become `_`, and names that are empty or start with `.` get a prefix.
    static func sanitize(_ name: String, label: Int) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: " -_."))
        var result = String(String.UnicodeScalarView(name.unicodeScalars.map { allowed.contains($0) ? $0 : "_" }))
        result = result.trimmingCharacters(in: .whitespaces)
        if result.isEmpty { result = "class_\(label)" }
        if result.hasPrefix(".") { result = "_" + result }
        return result
    }

    private static func writeContents(_ dataset: Dataset, to root: String) throws {
        try createFolder(root)
        let folders = folderNames(dataset.classNames)
        for name in folders { try createFolder(root + "/" + name) }
        let digits = max(5, String(max(0, dataset.classCounts.max() ?? 0)).count)
        var nextNumber = [Int](repeating: 0, count: dataset.classCount)
        var csv = "file,label,class\n"
        for index in 0..<dataset.count {
            let label = Int(dataset.labels[index])
            let number = String(nextNumber[label])
            nextNumber[label] += 1
            let file = folders[label] + "/" + String(repeating: "0", count: digits - number.count) + number + ".png"
            let start = index * dataset.imageSize
            let image = Image(channels: dataset.channels, height: dataset.height, width: dataset.width,
                              pixels: Array(dataset.images[start..<(start + dataset.imageSize)]))
            // Plain writes: the folder becomes visible only once complete, by the rename.
            let path = root + "/" + file
            guard FileManager.default.createFile(atPath: path, contents: try PNG.encode(image)) else {
                throw GDAError("\(path): cannot write the file")
            }
            csv += "\(csvField(file)),\(label),\(csvField(dataset.classNames[label]))\n"
        }
        try writeAtomically(Array(csv.utf8), to: root + "/labels.csv")
        try writeAtomically(Array((dataset.classNames.joined(separator: "\n") + "\n").utf8), to: root + "/classes.txt")
    }

    /// Returns a CSV field, quoted when it contains a comma, quote or line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
