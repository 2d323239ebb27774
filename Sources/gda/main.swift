import Foundation
import GDA
import Torch

/// Every command. Each group of commands lives in a file of its own under Commands/.
let commands: [Command] = doctorCommands + dataCommands + augmentCommands + trainCommands + trainClassifierCommands
    + classifyCommands
    + evaluateCommands + experimentCommands + benchCommands + metricBenchCommands + distributedCommands
    + fuzzCommands

let version = "0.1.0"

func printUsage() {
    print("""
    gda \(version): generative data augmentation on libtorch

    Usage: gda COMMAND [OPTIONS]

    Commands:
    """)
    let listed = commands.filter { !$0.hidden }
    let width = listed.map { $0.path.joined(separator: " ").count }.max() ?? 0
    for command in listed {
        let name = command.path.joined(separator: " ")
        print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(command.summary)")
    }
    print("""

    Run 'gda COMMAND --help' for a command's options. Exit status: 0 on success, 1 when a
    run fails, 2 for a usage or configuration error.
    """)
}

/// Writes one line to standard error, with control characters escaped.
func writeError(_ text: String) {
    FileHandle.standardError.write(Data((GDAError.printable(text) + "\n").utf8))
}

/// Finds the command whose path is the longest prefix of `words`.
func match(_ words: [String]) -> (Command, [String])? {
    commands
        .filter { words.starts(with: $0.path) }
        .max { $0.path.count < $1.path.count }
        .map { ($0, Array(words.dropFirst($0.path.count))) }
}

func main() async -> Int32 {
    let words = Array(CommandLine.arguments.dropFirst())
    if words.isEmpty || words == ["--help"] || words == ["-h"] || words == ["help"] {
        printUsage()
        return words.isEmpty ? 2 : 0
    }
    if words == ["--version"] {
        print("gda \(version) (libtorch \(Torch.version))")
        return 0
    }
    guard let (command, rest) = match(words) else {
        let groups = commands.filter { $0.path.first == words[0] }
        if !groups.isEmpty {
            writeError("gda: '\(words.joined(separator: " "))' needs a subcommand: "
                + groups.map { $0.path.joined(separator: " ") }.joined(separator: ", "))
        } else {
            writeError("gda: unknown command '\(words[0])'. Run 'gda --help' for the list.")
        }
        return 2
    }
    let name = command.path.joined(separator: " ")
    if rest.contains("--help") || rest.contains("-h") {
        print(command.usage)
        return 0
    }
    if computeCommandGroups.contains(command.path[0]) { restartWithPassiveWaitIfNeeded() }
    do {
        var arguments = try Arguments(rest, command: name, flags: command.flags.union(["help"]))
        return try await command.run(&arguments)
    } catch let error as UsageError {
        writeError("gda \(name): \(error.message)")
        if let hint = error.hint { writeError("Try '\(hint)'.") }
        return 2
    } catch let error as GDAError {
        writeError("gda \(name): \(error.message)")
        return error.exitCode
    } catch {
        writeError("gda \(name): \(error)")
        return 1
    }
}

exit(await main())
