import Foundation
import GDA
import Torch

let metricBenchCommands: [Command] = [
    Command(["bench", "fid"], summary: "Time FID on two large feature sets",
            usage: """
            Usage: gda bench fid --features FILE.safetensors [--repeats N] [--batch-size N] [--json]

            Loads float32 feature matrices named real and fake (scripts/bench/fid_scipy.py
            writes 10000×2048 of each), then times, over N repeats (default 5), the mean and
            covariance of both sets from batches (default 1000 rows) and the distance from
            those statistics. Prints the medians and the FID; --json prints every timing.
            """, flags: ["json"]) { arguments in
        guard let path = arguments.string("features") else {
            throw UsageError("--features FILE.safetensors is required", hint: "gda bench fid --help")
        }
        let repeats = try arguments.int("repeats", range: 1...1000) ?? 5
        let batchSize = try arguments.int("batch-size", range: 1...1_000_000) ?? 1000
        let json = try arguments.flag("json")
        try arguments.finish()

        let (real, fake) = try FIDBenchmark.loadFeatures(path)
        let report = try FIDBenchmark.run(real: real, fake: fake, repeats: repeats, batchSize: batchSize)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("gda fid: \(report.samples)×\(report.dimension) per set, \(report.threads) threads, "
                + "\(repeats) repeats")
            print(String(format: "  statistics median %.3f s, distance median %.3f s, total %.3f s",
                         report.statisticsMedian, report.distanceMedian,
                         report.statisticsMedian + report.distanceMedian))
            print(String(format: "  FID %.9f", report.fid))
        }
        return 0
    },
]
