import Foundation

/// A usage error: a wrong command, flag or value. The program prints it with a hint and
/// exits with status 2.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    var hint: String? = nil

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    var description: String { message }
}

/// Parsed command-line arguments: positionals in order and `--name value` or `--name=value`
/// options. Flags without a value are declared up front so they do not swallow the next word.
struct Arguments {
    private(set) var positionals: [String] = []
    private var options: [String: String] = [:]
    private var consumed: Set<String> = []
    let command: String

    /// Parses `words`; `flags` are the options that take no value.
    init(_ words: [String], command: String, flags: Set<String> = []) throws {
        self.command = command
        var index = 0
        var onlyPositionals = false
        while index < words.count {
            let word = words[index]
            index += 1
            if onlyPositionals || !word.hasPrefix("--") || word == "-" {
                positionals.append(word)
                continue
            }
            if word == "--" {
                onlyPositionals = true
                continue
            }
            var name = String(word.dropFirst(2))
            var value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else if flags.contains(name) {
                value = "true"
            } else {
                guard index < words.count else {
                    throw UsageError("option --\(name) needs a value", hint: "gda \(command) --help")
                }
                value = words[index]
                index += 1
            }
            options[name] = value
        }
    }

    func has(_ name: String) -> Bool { options[name] != nil }

    /// A flag's value: true when given without a value.
    mutating func flag(_ name: String) throws -> Bool {
        guard let value = take(name) else { return false }
        switch value {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw UsageError("--\(name) takes true or false, found '\(value)'")
        }
    }

    mutating func string(_ name: String) -> String? { take(name) }

    mutating func int(_ name: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let text = take(name) else { return nil }
        guard let value = Int(text) else { throw UsageError("--\(name) expects an integer, found '\(text)'") }
        if let range, !range.contains(value) {
            throw UsageError("--\(name) must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
        return value
    }

    mutating func double(_ name: String, range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let text = take(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw UsageError("--\(name) expects a number, found '\(text)'")
        }
        if let range, !range.contains(value) {
            throw UsageError("--\(name) must be in [\(range.lowerBound), \(range.upperBound)], found \(value)")
        }
        return value
    }

    /// A comma-separated list.
    mutating func list(_ name: String) -> [String]? {
        take(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    private mutating func take(_ name: String) -> String? {
        consumed.insert(name)
        return options[name]
    }

    /// Rejects options no reader asked for, and positionals beyond `maximumPositionals`.
    func finish(maximumPositionals: Int = 0) throws {
        let unknown = Set(options.keys).subtracting(consumed).sorted()
        if let first = unknown.first {
            throw UsageError("unknown option --\(first) for 'gda \(command)'", hint: "gda \(command) --help")
        }
        try finishPositionals(maximumPositionals)
    }

    /// Throws for any option besides `--resume RUN`, which continues a run with the settings
    /// saved in RUN/config.json, so other settings have no effect there.
    func finishResume(maximumPositionals: Int = 0) throws {
        let others = Set(options.keys).subtracting(consumed).sorted()
        if let first = others.first {
            throw UsageError("--\(first) cannot be combined with --resume: a resumed run keeps the settings "
                + "in RUN/config.json", hint: "gda \(command) --help")
        }
        try finishPositionals(maximumPositionals)
    }

    private func finishPositionals(_ maximumPositionals: Int) throws {
        if positionals.count > maximumPositionals {
            throw UsageError("unexpected argument '\(positionals[maximumPositionals])' for 'gda \(command)'",
                             hint: "gda \(command) --help")
        }
    }
}
