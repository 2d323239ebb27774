import Foundation
import Torch

/// Command groups whose work is mostly libtorch kernels, where OpenMP's wait policy matters.
/// `doctor` is among them so that it shows the policy the others run with.
let computeCommandGroups: Set<String> = [
    "train", "sample", "classify", "evaluate", "label", "experiment", "bench", "doctor",
]

/// Restarts the process with `OMP_WAIT_POLICY=PASSIVE` when the user set neither that nor
/// `GOMP_SPINCOUNT` and libtorch runs more than one intra-op thread; returns otherwise.
///
/// libgomp, the OpenMP runtime of the PyPI torch wheel, reads these variables once, when it
/// is loaded, so they cannot be changed from inside the process. By default a thread that
/// finishes its share of a parallel loop spins before it sleeps. When other processes keep
/// the cores busy, it spins while the thread it waits for is descheduled. On a shared
/// 2-core machine, 2-thread training steps took 3 to 9 times as long as with a passive
/// policy (BENCHMARKS.md). Restarting costs one more process start, about 0.3 s there.
func restartWithPassiveWaitIfNeeded() {
    #if os(Linux)
    let environment = ProcessInfo.processInfo.environment
    guard environment["OMP_WAIT_POLICY"] == nil, environment["GOMP_SPINCOUNT"] == nil,
          Torch.threads > 1
    else { return }
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1)
    let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", arguments)
    // execv returns only on failure; this process then runs on with libgomp's default.
    unsetenv("OMP_WAIT_POLICY")
    #endif
}
