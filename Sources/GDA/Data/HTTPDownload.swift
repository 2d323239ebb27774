import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP download into `NAME.partial`, renamed to `NAME` only when its MD5 matches.
///
/// A `.partial` file left by an earlier attempt is resumed with an HTTP Range request. A server
/// that ignores the range (status 200) restarts it from the beginning. A connection lost midway
/// is retried from where it stopped, up to `attempts` times in all.
public enum HTTPDownload {
    public static func fetch(_ url: URL, to path: String, md5: String, attempts: Int = 3,
                             log: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let partial = path + ".partial"
        let manager = FileManager.default
        var lastError: (any Error)?
        for attempt in 1...max(1, attempts) {
            let offset = fileSize(partial)
            if offset > 0 {
                log("\(url.lastPathComponent): resuming at byte \(offset)")
            } else {
                log("\(url.lastPathComponent): downloading from \(url.absoluteString)")
            }
            do {
                try await transfer(url, to: partial, offset: offset)
                lastError = nil
                break
            } catch let error as GDAError {
                throw error
            } catch {
                lastError = error
                let reached = fileSize(partial)
                log("\(url.lastPathComponent): attempt \(attempt) failed after \(reached) bytes "
                    + "(\(error.localizedDescription))")
            }
        }
        if let lastError {
            throw GDAError("\(url.absoluteString): download failed after \(attempts) attempts "
                + "(\(lastError.localizedDescription)); run the command again to resume from \(partial)")
        }
        let found = try MD5.hexDigest(ofFile: partial)
        guard found == md5 else {
            try? manager.removeItem(atPath: partial)
            throw GDAError("\(url.absoluteString): checksum mismatch: expected MD5 \(md5), found \(found); "
                + "the download was deleted. Check the mirror and try again")
        }
        do {
            if manager.fileExists(atPath: path) { try manager.removeItem(atPath: path) }
            try manager.moveItem(atPath: partial, toPath: path)
        } catch {
            throw GDAError("\(path): cannot rename the verified download into place (\(error.localizedDescription))")
        }
        log("\(url.lastPathComponent): checksum verified, saved as \(path)")
    }

    static func fileSize(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Fetches `url` from byte `offset` on, appending to `partial`. HTTP errors throw
    /// `GDAError` (not retried); transport errors throw the `URLError`, which is retried.
    private static func transfer(_ url: URL, to partial: String, offset: Int) async throws {
        if !FileManager.default.fileExists(atPath: partial) {
            guard FileManager.default.createFile(atPath: partial, contents: nil) else {
                throw GDAError("\(partial): cannot create the file")
            }
        }
        guard let output = FileHandle(forWritingAtPath: partial) else {
            throw GDAError("\(partial): cannot open the file for writing")
        }
        defer { try? output.close() }
        try output.seekToEnd()
        var request = URLRequest(url: url)
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let receiver = Receiver(url: url, output: output, offset: offset)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            receiver.start(session.dataTask(with: request), continuation: continuation)
        }
    }
}

/// Writes a data task's body to the `.partial` file as it arrives.
private final class Receiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // Every field below is guarded by `lock`; delegate calls arrive on the session's queue.
    private let lock = NSLock()
    private let url: URL
    private let output: FileHandle
    private let offset: Int
    private var continuation: CheckedContinuation<Void, any Error>?
    private var failure: (any Error)?
    /// Set when the server reports the requested range past the end (416): the partial
    /// file is already whole, and the checksum decides.
    private var alreadyComplete = false

    init(url: URL, output: FileHandle, offset: Int) {
        self.url = url
        self.output = output
        self.offset = offset
    }

    func start(_ task: URLSessionDataTask, continuation: CheckedContinuation<Void, any Error>) {
        lock.lock()
        self.continuation = continuation
        lock.unlock()
        task.resume()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        var problem: GDAError?
        switch status {
        case 200:
            // The whole file: any earlier partial content is discarded.
            do {
                try output.truncate(atOffset: 0)
            } catch {
                problem = GDAError("\(url.absoluteString): cannot restart the partial file (\(error))")
            }
        case 206:
            let range = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Range") ?? ""
            if !range.hasPrefix("bytes \(offset)-") {
                problem = GDAError("\(url.absoluteString): the server responded to the range request from byte "
                    + "\(offset) with Content-Range '\(range)'")
            }
        case 416 where offset > 0:
            lock.lock()
            alreadyComplete = true
            lock.unlock()
            completionHandler(.cancel)
            return
        default:
            problem = GDAError("\(url.absoluteString): HTTP status \(status); expected 200 or 206")
        }
        lock.lock()
        if failure == nil { failure = problem }
        lock.unlock()
        completionHandler(problem == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        do {
            try output.write(contentsOf: data)
        } catch {
            failure = GDAError("cannot write the download of \(url.absoluteString) (\(error.localizedDescription))")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.lock()
        let result = alreadyComplete ? failure : failure ?? error
        let continuation = continuation
        self.continuation = nil
        lock.unlock()
        if let result {
            continuation?.resume(throwing: result)
        } else {
            continuation?.resume()
        }
    }
}
