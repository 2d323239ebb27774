import Foundation
import GDA
import Torch

let doctorCommands: [Command] = [
    Command(["doctor"], summary: "Show libtorch, devices, threads and the datasets found",
            usage: """
            Usage: gda doctor

            Prints the libtorch version and location, the compute devices, the thread count and
            which datasets are present, with the folders searched.
            """) { arguments in
        try arguments.finish()
        print("gda \(version)")
        print("libtorch \(Torch.version) at \(libtorchLocation() ?? "unknown")")
        var devices = ["cpu"]
        if (try? Torch.loadCUDA()) != nil, Torch.cudaIsAvailable {
            devices += (0..<Torch.cudaDeviceCount).map { "cuda:\($0)" }
        }
        print("devices: \(devices.joined(separator: ", "))")
        print("threads: \(Torch.threads)")
        print("OpenMP wait policy: \(ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"] ?? "libgomp default")")
        print("cache: \(Catalog.cacheFolder)")
        for name in Catalog.names {
            if let folder = Catalog.locate(name) {
                print("dataset \(name): found in \(folder)")
            } else {
                print("dataset \(name): not found (searched \(Catalog.searchFolders(name).joined(separator: ", ")); "
                    + "run 'gda data download \(name)')")
            }
        }
        return 0
    },
]

/// The folder of the libtorch_cpu library this process loaded.
func libtorchLocation() -> String? {
    // /proc files report a size of 0, so they are read to the end rather than by size.
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps") else { return nil }
    let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    for line in maps.split(separator: "\n") where line.hasSuffix("libtorch_cpu.so") {
        if let start = line.firstIndex(of: "/") {
            return URL(fileURLWithPath: String(line[start...])).deletingLastPathComponent().path
        }
    }
    return nil
}
