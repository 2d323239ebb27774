import Foundation
import GDA

/// Creates `folder` and its parents for an output option such as `--out`, naming the folder
/// in the error when a file is in the way or the creation fails.
func makeOutputFolder(_ folder: String, for option: String = "--out") throws {
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
        let reason = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)
            .map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
        throw GDAError("\(folder): cannot create the folder for \(option) (\(reason))")
    }
}
