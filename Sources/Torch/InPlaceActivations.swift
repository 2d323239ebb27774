import Foundation
import Synchronization

/// The process-wide switch for activations built with `inPlace: true`.
///
/// Overwriting the input saves an allocation and a pass over memory per activation. In the
/// training steps of `gda bench` (one thread of an AMD EPYC, libtorch 2.15) in-place
/// activations made DCGAN steps 1.04 times, MADGAN (K = 10) steps 1.05 times and classifier
/// steps 1.02 times as fast (`gda bench MODEL --ab in-place`).
public enum InPlaceActivations {
    static let relu_ = Op("aten::relu_")
    static let leakyRelu_ = Op("aten::leaky_relu_")

    private static let isEnabled = Atomic<Bool>(true)

    /// Whether activations built with `inPlace: true` overwrite their input; true by default.
    /// False runs them out of place, for comparisons.
    public static var enabled: Bool {
        get { isEnabled.load(ordering: .relaxed) }
        set { isEnabled.store(newValue, ordering: .relaxed) }
    }
}
