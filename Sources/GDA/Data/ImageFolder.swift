import Foundation

/// Image folders as torchvision's `ImageFolder` reads them: one subfolder per class, named
/// for the class, holding PNG files. Classes are numbered in sorted order of folder names.
public enum ImageFolder {
    /// Reads `folder:PATH`. When PATH has `train` and `test` subfolders, each split reads its
    /// own; otherwise PATH itself is the training split and there is no test split.
    ///
    /// Every image must be a PNG with the same size and channel count (1 for grey, 3 for
    /// colour). Hidden files are skipped, and any other non-PNG file is an error. Class names
    /// are the folder names unless a `classes.txt` (one name per line, in sorted folder order)
    /// sits in the split's folder or in PATH, as `ImageFolderWriter` writes it.
    public static func read(_ path: String, split: Split, name: String) throws -> Dataset {
        guard isFolder(path) else {
            throw GDAError.config("\(path): folder not found (folder:PATH names a folder of class folders)")
        }
        var root = path
        if isFolder(path + "/train") && isFolder(path + "/test") {
            root = path + "/" + split.rawValue
        } else if split == .test {
            throw GDAError.config("\(path): has no test split; expected train/ and test/ subfolders, "
                + "each holding one folder per class")
        }
        let classesFile = [root, path].map { $0 + "/classes.txt" }.first { FileManager.default.fileExists(atPath: $0) }
        return try readClasses(root, name: name, classesFile: classesFile)
    }

    /// Reads the class folders directly under `root`, naming the classes from `classesFile`
    /// when given.
    public static func readClasses(_ root: String, name: String, classesFile: String? = nil) throws -> Dataset {
        let folders = try visibleEntries(root).filter { isFolder(root + "/" + $0) }
        guard !folders.isEmpty else {
            throw GDAError("\(root): no class folders; expected one subfolder of PNG files per class")
        }
        var classNames = folders
        if let classesFile {
            classNames = try DatasetSource.readClassNames(classesFile)
            guard classNames.count == folders.count else {
                throw GDAError("\(classesFile): has \(classNames.count) class names, but \(root) has "
                    + "\(folders.count) class folders")
            }
        }
        var images = [UInt8]()
        var labels = [Int32]()
        var shape: (channels: Int, height: Int, width: Int, file: String)?
        for (label, folder) in folders.enumerated() {
            let classFolder = root + "/" + folder
            let files = try visibleEntries(classFolder)
            guard !files.isEmpty else {
                throw GDAError("\(classFolder): class folder is empty; expected PNG files")
            }
            for file in files {
                let filePath = classFolder + "/" + file
                guard file.lowercased().hasSuffix(".png"), !isFolder(filePath) else {
                    throw GDAError("\(filePath): not a PNG file; class folders may hold only .png files")
                }
                let image = try PNG.read(filePath)
                if let shape {
                    guard image.channels == shape.channels, image.height == shape.height,
                          image.width == shape.width else {
                        throw GDAError("\(filePath): image is \(describe(image.channels, image.height, image.width)), "
                            + "but \(shape.file) is \(describe(shape.channels, shape.height, shape.width)); "
                            + "every image must have the same size and colour type")
                    }
                } else {
                    shape = (image.channels, image.height, image.width, filePath)
                }
                images += image.pixels
                labels.append(Int32(label))
            }
        }
        guard let shape else { throw GDAError("\(root): no images") }
        return Dataset(name: name, images: images, labels: labels, channels: shape.channels,
                       height: shape.height, width: shape.width, classNames: classNames)
    }

    private static func describe(_ channels: Int, _ height: Int, _ width: Int) -> String {
        switch channels {
        case 1: return "\(width)x\(height) grey"
        case 3: return "\(width)x\(height) RGB"
        default: return "\(width)x\(height) \(channels)-channel"
        }
    }

    static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    /// Entry names in `folder`, sorted, without hidden ones.
    private static func visibleEntries(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw GDAError("\(folder): cannot list the folder (\(error.localizedDescription))")
        }
    }
}
