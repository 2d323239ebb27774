// swift-tools-version:6.0
// The manifest reads one input, the LIBTORCH environment variable, which names a libtorch
// folder (with include/ and lib/). Unset, it points at the project-local install that
// scripts/setup writes under .deps/.
import PackageDescription

let libtorch = Context.environment["LIBTORCH"]
    ?? Context.packageDirectory + "/.deps/python/torch"
let include = libtorch + "/include"
let lib = libtorch + "/lib"

let package = Package(
    name: "gda",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gda", targets: ["gda"]),
        .library(name: "GDA", targets: ["GDA"]),
        .library(name: "Torch", targets: ["Torch"]),
    ],
    targets: [
        .target(
            name: "CTorch",
            cxxSettings: [
                .unsafeFlags([
                    "-I" + include, "-I" + include + "/torch/csrc/api/include",
                    "-Wno-deprecated-declarations", "-Wno-unused-parameter", "-O2",
                ]),
            ],
            linkerSettings: [
                .unsafeFlags(["-L" + lib, "-Xlinker", "-rpath", "-Xlinker", lib]),
                .linkedLibrary("torch_cpu"),
                .linkedLibrary("c10"),
                .linkedLibrary("dl"),
            ]
        ),
        .target(name: "Torch", dependencies: ["CTorch"]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "GDA", dependencies: ["Torch", "CPNG", "CZlib"]),
        .executableTarget(name: "gda", dependencies: ["GDA", "Torch"]),
        .target(name: "TestSupport", dependencies: ["Torch"], path: "Tests/Support"),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GDATests", dependencies: ["GDA", "Torch", "TestSupport"], resources: [.copy("Fixtures")]),
    ],
    cxxLanguageStandard: .cxx20
)
