import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A file of a dataset download and the MD5 its publisher lists.
public struct RemoteFile: Sendable, Equatable {
    public let name: String
    public let md5: String
}

/// Downloads the datasets known by name into the cache folder, each file verified by its
/// published MD5 before it appears under its final name.
public enum Downloads {
    /// Returns the canonical location of each dataset: the URLs and checksums torchvision uses for
    /// MNIST and Fashion-MNIST, and the binary CIFAR-10 archive from its authors' page.
    public static func files(_ name: String) throws -> (baseURL: String, files: [RemoteFile]) {
        switch name {
        case "mnist":
            return ("https://ossci-datasets.s3.amazonaws.com/mnist", [
                RemoteFile(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                RemoteFile(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"),
                RemoteFile(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"),
                RemoteFile(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c"),
            ])
        case "fashion-mnist":
            return ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com", [
                RemoteFile(name: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                RemoteFile(name: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe"),
                RemoteFile(name: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79"),
                RemoteFile(name: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310"),
            ])
        case "cifar10":
            // NOTE: this checksum of the binary archive was not checked against a download on
            // this project's machines, which have no network access.
            return ("https://www.cs.toronto.edu/~kriz", [
                RemoteFile(name: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530"),
            ])
        default:
            throw GDAError.config("cannot download '\(name)'; downloadable datasets are "
                + Catalog.names.joined(separator: ", "))
        }
    }

    /// Returns the base URL to fetch from: `mirror`, else $GDA_DOWNLOAD_BASE, else the canonical one.
    static func baseURL(_ canonical: String, mirror: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment["GDA_DOWNLOAD_BASE"]
        let base = mirror ?? (environment?.isEmpty == false ? environment : nil) ?? canonical
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw GDAError.config("download base URL '\(base)' is invalid; expected an http:// or https:// URL")
        }
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// Downloads dataset `name` into `cache/name` (the cache folder defaults to
    /// `Catalog.cacheFolder`) and returns that folder. Files already present with the right
    /// checksum are kept. CIFAR-10's archive is extracted to `cifar-10-batches-bin`.
    public static func download(_ name: String, cache: String? = nil, mirror: String? = nil,
                                log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> String {
        let (canonical, remoteFiles) = try files(name)
        let base = try baseURL(canonical, mirror: mirror)
        let folder = (cache ?? Catalog.cacheFolder) + "/" + name
        try createFolder(folder)
        for remote in remoteFiles {
            let path = folder + "/" + remote.name
            if FileManager.default.fileExists(atPath: path) {
                if try MD5.hexDigest(ofFile: path) == remote.md5 {
                    log("\(remote.name): present, checksum verified")
                    continue
                }
                log("\(remote.name): present but its checksum does not match; downloading again")
                try FileManager.default.removeItem(atPath: path)
            }
            guard let url = URL(string: base + "/" + remote.name) else {
                throw GDAError.config("cannot form a URL from '\(base)' and '\(remote.name)'")
            }
            try await HTTPDownload.fetch(url, to: path, md5: remote.md5, log: log)
        }
        if name == "cifar10" {
            try extractCIFAR(folder + "/cifar-10-binary.tar.gz", into: folder, log: log)
        }
        return folder
    }

    /// Extracts the archive beside its final place, then moves `cifar-10-batches-bin` in.
    private static func extractCIFAR(_ archive: String, into folder: String,
                                     log: @Sendable (String) -> Void) throws {
        let manager = FileManager.default
        let target = folder + "/cifar-10-batches-bin"
        let complete = Catalog.requiredFiles("cifar10").allSatisfy { manager.fileExists(atPath: folder + "/" + $0) }
        if complete { return }
        let staging = folder + "/.extract-\(getpid())"
        try? manager.removeItem(atPath: staging)
        defer { try? manager.removeItem(atPath: staging) }
        log("extracting \(archive)")
        try Tar.extract(archive, into: staging)
        guard manager.fileExists(atPath: staging + "/cifar-10-batches-bin") else {
            throw GDAError("\(archive): the archive has no cifar-10-batches-bin folder")
        }
        do {
            if manager.fileExists(atPath: target) { try manager.removeItem(atPath: target) }
            try manager.moveItem(atPath: staging + "/cifar-10-batches-bin", toPath: target)
        } catch {
            throw GDAError("\(target): cannot move the extracted files into place (\(error.localizedDescription))")
        }
    }
}
