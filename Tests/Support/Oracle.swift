import Foundation

/// Runs the Python oracles under Tests/Oracles: independent implementations (numpy, scipy,
/// scikit-learn, safetensors, tensorboard) that tests compare gda against.
public enum Oracle {
    /// The repository root, found from this source file's location.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The Python interpreter of the test environment that scripts/test creates.
    public static var python: String {
        ProcessInfo.processInfo.environment["GDA_PYTHON"] ?? "\(repositoryRoot)/.venv-test/bin/python"
    }

    /// Runs Tests/Oracles/SCRIPT with `arguments`; returns standard output, or throws with
    /// standard error when the script fails.
    public static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["\(repositoryRoot)/Tests/Oracles/\(script)"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdout = String(decoding: outData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw OracleError(script: script, message: String(decoding: errData, as: UTF8.self))
        }
        return stdout
    }

    /// Parses the oracle's output as a JSON object.
    public static func json(_ script: String, _ arguments: [String] = []) throws -> [String: Any] {
        let text = try run(script, arguments)
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw OracleError(script: script, message: "output is not a JSON object: \(text)")
        }
        return object
    }

    /// A fresh temporary folder for one test.
    public static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "gda-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

public struct OracleError: Error, CustomStringConvertible {
    public let script: String
    public let message: String
    public var description: String { "oracle \(script) failed: \(message)" }
}
