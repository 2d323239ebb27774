import Foundation

/// Where gda looks for the datasets it knows by name.
public enum Catalog {
    /// The names `--dataset` accepts besides `folder:PATH` and `idx:PATH`.
    public static let names = ["mnist", "fashion-mnist", "cifar10"]

    /// The folder downloads go to: $GDA_CACHE, else $XDG_CACHE_HOME/gda, else ~/.cache/gda.
    public static var cacheFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["GDA_CACHE"], !folder.isEmpty { return folder }
        if let folder = environment["XDG_CACHE_HOME"], !folder.isEmpty { return folder + "/gda" }
        return NSHomeDirectory() + "/.cache/gda"
    }

    /// Folders searched for a dataset's files, in order.
    public static func searchFolders(_ name: String) -> [String] {
        var folders = ["\(cacheFolder)/\(name)"]
        if name == "fashion-mnist" || name == "mnist" {
            // Debian's dataset-fashion-mnist package installs the IDX files here.
            folders.append("/usr/share/datasets/\(name)")
        }
        return folders
    }

    /// The files that make up a dataset named in `names`.
    public static func requiredFiles(_ name: String) -> [String] {
        switch name {
        case "cifar10":
            return (1...5).map { "cifar-10-batches-bin/data_batch_\($0).bin" }
                + ["cifar-10-batches-bin/test_batch.bin", "cifar-10-batches-bin/batches.meta.txt"]
        default:
            return ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                    "t10k-labels-idx1-ubyte"]
        }
    }

    /// The first search folder holding every file of the dataset (each file plain or gzipped),
    /// or nil when it is not present.
    public static func locate(_ name: String) -> String? {
        let manager = FileManager.default
        return searchFolders(name).first { folder in
            requiredFiles(name).allSatisfy {
                manager.fileExists(atPath: "\(folder)/\($0)") || manager.fileExists(atPath: "\(folder)/\($0).gz")
            }
        }
    }
}
