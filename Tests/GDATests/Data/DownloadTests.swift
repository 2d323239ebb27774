import Foundation
@testable import GDA
import TestSupport
import Testing

/// A `serve_files.py` process on 127.0.0.1, stopped when released.
final class LocalServer {
    let process = Process()
    /// The server's standard input: closing it ends the server.
    let input = Pipe()
    let port: Int
    let logPath: String

    init(folder: String, dropAfter: Int? = nil) throws {
        logPath = folder + ".log"
        try #require(FileManager.default.createFile(atPath: logPath, contents: nil), "cannot create \(logPath)")
        process.executableURL = URL(fileURLWithPath: Oracle.python)
        process.arguments = ["\(Oracle.repositoryRoot)/Tests/Oracles/serve_files.py", folder, logPath]
            + (dropAfter.map { ["--drop-after", "\($0)"] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw FixtureError("serve_files.py did not print its port")
        }
        self.port = port
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        // Polls rather than calling waitUntilExit, which did not return inside this test runner.
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func url(_ name: String) throws -> URL {
        try #require(URL(string: "\(base)/\(name)"))
    }

    /// The Range header of each request, in order ("-" for none).
    var ranges: [String] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
    }
}

@Suite("MD5, tar and downloads")
struct DownloadTests {
    /// Returns `size` pseudo-random bytes.
    private func payload(size: Int) -> [UInt8] {
        var generator = SplitMix64(seed: UInt64(size))
        return (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// Creates a folder to serve, containing `payload.bin` of `size` pseudo-random bytes.
    private func servedPayload(size: Int) throws -> (folder: String, bytes: [UInt8], md5: String) {
        let folder = try Oracle.temporaryFolder()
        let bytes = payload(size: size)
        let path = folder + "/payload.bin"
        try DataFixtures.write(bytes, to: path)
        let digests = try #require(try Oracle.json("data_files.py", ["md5", path])["md5"] as? [String: String])
        return (folder, bytes, try #require(digests[path]))
    }

    // MARK: - MD5

    @Test("MD5 matches hashlib")
    func md5MatchesHashlib() throws {
        // Sizes around the 64-byte block and the 56-byte padding boundary, and a multi-block file.
        let sizes = [0, 1, 55, 56, 63, 64, 65, 127, 1000, 100_003]
        let folder = try Oracle.temporaryFolder()
        let paths = sizes.map { "\(folder)/\($0).bin" }
        for (size, path) in zip(sizes, paths) { try DataFixtures.write(payload(size: size), to: path) }
        let digests = try #require(try Oracle.json("data_files.py", ["md5"] + paths)["md5"] as? [String: String])
        for (size, path) in zip(sizes, paths) {
            let expected = try #require(digests[path])
            #expect(try MD5.hexDigest(ofFile: path) == expected, "size \(size)")
            // Uneven updates give the same digest.
            let bytes = payload(size: size)
            var hash = MD5()
            var offset = 0
            var step = 1
            while offset < bytes.count {
                let end = min(bytes.count, offset + step)
                hash.update(Array(bytes[offset..<end]))
                offset = end
                step = step * 3 % 97 + 1
            }
            #expect(hash.hexDigest() == expected, "size \(size)")
        }
    }

    // MARK: - Tar

    @Test("tar extracts CIFAR layout")
    func tarExtractsCIFAR() throws {
        let folder = try Oracle.temporaryFolder()
        let archive = folder + "/cifar.tar.gz"
        let listed = try #require(try Oracle.json("data_files.py", ["tar", archive, "cifar"])["md5"] as? [String: String])
        let written = try Tar.extract(archive, into: folder + "/out")
        #expect(Set(written) == Set(listed.keys))
        for (name, md5) in listed {
            #expect(try MD5.hexDigest(ofFile: folder + "/out/" + name) == md5)
        }
        let dataset = try CIFAR10.load(folder: folder + "/out/cifar-10-batches-bin", split: .train)
        #expect(dataset.count == 2 + 3 + 4 + 5 + 6)
        #expect(dataset.classNames == CIFAR10.classNames)
    }

    @Test("tar long names are kept")
    func tarLongName() throws {
        let folder = try Oracle.temporaryFolder()
        let archive = folder + "/long.tar.gz"
        let listed = try #require(try Oracle.json("data_files.py", ["tar", archive, "longname"])["md5"] as? [String: String])
        let written = try Tar.extract(archive, into: folder + "/out")
        #expect(written == Array(listed.keys))
    }

    @Test("unsafe tar entries are rejected", arguments: [
        ("dotdot", "'../x' contains '..'"),
        ("absolute", "'/tmp/gda-absolute-entry' has an absolute path"),
        ("symlink", "'link' is a link"),
        ("hardlink", "'link' is a link"),
    ])
    func tarRejectsUnsafe(kind: String, phrase: String) throws {
        let folder = try Oracle.temporaryFolder()
        let archive = folder + "/\(kind).tar.gz"
        _ = try Oracle.json("data_files.py", ["tar", archive, kind])
        let error = DataFixtures.errorMessage { try Tar.extract(archive, into: folder + "/out/inner") }
        #expect(error?.message.hasPrefix(archive) == true)
        #expect(error?.message.contains(phrase) == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out/x"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/out/inner/link"))
    }

    // MARK: - HTTP

    @Test("download verifies and renames")
    func downloadSucceeds() async throws {
        let (folder, bytes, md5) = try servedPayload(size: 50_000)
        let server = try LocalServer(folder: folder)
        let target = try Oracle.temporaryFolder() + "/payload.bin"
        try await HTTPDownload.fetch(try server.url("payload.bin"), to: target, md5: md5)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(bytes))
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))
        #expect(server.ranges == ["-"])
    }

    @Test("checksum mismatch leaves no file")
    func checksumMismatch() async throws {
        let (folder, _, _) = try servedPayload(size: 4_000)
        let server = try LocalServer(folder: folder)
        let target = try Oracle.temporaryFolder() + "/payload.bin"
        let wrong = String(repeating: "0", count: 32)
        await #expect(throws: GDAError.self) {
            try await HTTPDownload.fetch(try server.url("payload.bin"), to: target, md5: wrong)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))
    }

    @Test("dropped connection resumes with Range")
    func droppedConnectionResumes() async throws {
        let (folder, bytes, md5) = try servedPayload(size: 300_000)
        let server = try LocalServer(folder: folder, dropAfter: 100_000)
        let target = try Oracle.temporaryFolder() + "/payload.bin"
        try await HTTPDownload.fetch(try server.url("payload.bin"), to: target, md5: md5)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(bytes))
        let ranges = server.ranges
        #expect(ranges.count == 2)
        #expect(ranges.first == "-")
        // The retry requests the rest, from wherever the dropped transfer stopped.
        #expect(ranges.last?.hasPrefix("bytes=") == true)
        #expect(ranges.last != "bytes=0-")
    }

    @Test("left-behind partial resumes")
    func partialResumes() async throws {
        let (folder, bytes, md5) = try servedPayload(size: 20_000)
        let server = try LocalServer(folder: folder)
        let target = try Oracle.temporaryFolder() + "/payload.bin"
        try DataFixtures.write(Array(bytes.prefix(1234)), to: target + ".partial")
        try await HTTPDownload.fetch(try server.url("payload.bin"), to: target, md5: md5)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(bytes))
        #expect(server.ranges == ["bytes=1234-"])
    }

    @Test("complete partial is verified")
    func completePartial() async throws {
        let (folder, bytes, md5) = try servedPayload(size: 2_000)
        let server = try LocalServer(folder: folder)
        let target = try Oracle.temporaryFolder() + "/payload.bin"
        try DataFixtures.write(bytes, to: target + ".partial")
        try await HTTPDownload.fetch(try server.url("payload.bin"), to: target, md5: md5)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(bytes))
        #expect(server.ranges == ["bytes=2000-"])
    }

    @Test("missing file is an HTTP error")
    func notFound() async throws {
        let server = try LocalServer(folder: try Oracle.temporaryFolder())
        let target = try Oracle.temporaryFolder() + "/absent.bin"
        do {
            try await HTTPDownload.fetch(try server.url("absent.bin"), to: target, md5: "")
            Issue.record("expected an error")
        } catch let error as GDAError {
            #expect(error.message.contains("HTTP status 404"))
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("dataset download from a wrong mirror keeps nothing")
    func datasetWrongMirror() async throws {
        let folder = try Oracle.temporaryFolder()
        try DataFixtures.write([1, 2, 3], to: folder + "/train-images-idx3-ubyte.gz")
        let server = try LocalServer(folder: folder)
        let cache = try Oracle.temporaryFolder()
        do {
            _ = try await Downloads.download("mnist", cache: cache, mirror: server.base)
            Issue.record("expected a checksum error")
        } catch let error as GDAError {
            #expect(error.message.contains("checksum mismatch: expected MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873"))
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: cache + "/mnist")
        #expect(left.isEmpty)
    }
}
