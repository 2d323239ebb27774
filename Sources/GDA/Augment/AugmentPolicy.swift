/// Named augmentation policies: per-dataset choices of transforms that keep every image's
/// label true.
///
/// - `none`: no transform.
/// - `digits` (MNIST): an affine warp with probability 0.9 (rotation ±10°, shifts up to 10%
///   of the size rounded to whole pixels, scale 0.9–1.1, x-shear ±8°). Then Gaussian blur
///   with probability 0.2 (3 taps, σ 0.1–0.8 px) and Gaussian noise with probability 0.3
///   (std up to 0.05). Label-preserving because a digit keeps its identity under small turns,
///   shifts, zooms and slants, which handwriting itself varies by; MNIST digits sit in a 20×20 box
///   inside the 28×28 frame, so shifts of up to 3 pixels keep them whole. No flips: a
///   mirrored 2, 3, 4, 5 or 7 is not a digit, and no turn is large enough to make a 6 a 9.
/// - `fashion` (Fashion-MNIST): `digits` plus a horizontal flip with probability 0.5.
///   Garments, shoes and bags are left-right symmetric as classes: a mirrored sneaker is a
///   sneaker. No vertical flip, because every class has an up (collars, soles, bag handles).
/// - `cifar10` (CIFAR-10): a 4-pixel zero-padded crop and a horizontal flip with probability
///   0.5 (the usual CIFAR-10 recipe of He et al., "Deep residual learning for image
///   recognition", 2016), then brightness and contrast factors 0.8–1.2 and a hue shift of ±18°,
///   each with probability 0.5 and clipped to [0, 1]. Label-preserving because objects keep
///   their class when shifted by a few pixels, mirrored left to right, lit differently or
///   slightly recoloured; no vertical flip, since sky and ground have a side. The hue shift is
///   left out for images without 3 channels.
/// - `auto`: `fashion` for one-channel images, `cifar10` for any other channel count; the
///   default for datasets other than the three named ones.
public enum AugmentPolicy {
    /// The policy names `named` accepts.
    public static let names = ["none", "digits", "fashion", "cifar10", "auto"]

    /// Builds the policy called `name` for images with `channels` channels.
    ///
    /// - Throws: `GDAError.config` for an unknown name (the message lists the valid ones) or a
    ///   channel count below 1.
    public static func named(_ name: String, channels: Int) throws -> AugmentPipeline {
        guard channels >= 1 else {
            throw GDAError.config(
                "augmentation policy '\(name)': channels must be at least 1, found \(channels)")
        }
        switch name {
        case "none":
            return AugmentPipeline([])
        case "digits":
            return AugmentPipeline(try digitTransforms())
        case "fashion":
            return AugmentPipeline(try digitTransforms() + [try HorizontalFlip(probability: 0.5)])
        case "cifar10":
            return AugmentPipeline(try cifar10Transforms(channels: channels))
        case "auto":
            return try named(channels == 1 ? "fashion" : "cifar10", channels: channels)
        default:
            throw GDAError.config("unknown augmentation policy '\(name)'; valid policies: "
                + names.joined(separator: ", "))
        }
    }

    /// Returns the policy a dataset uses when none is given: `digits` for mnist, `fashion` for
    /// fashion-mnist, `cifar10` for cifar10; for any other dataset, `fashion` when its images
    /// have one channel and `cifar10` otherwise.
    public static func defaultName(forDataset dataset: String, channels: Int) -> String {
        let name = defaultName(forDataset: dataset)
        guard name == "auto" else { return name }
        return channels == 1 ? "fashion" : "cifar10"
    }

    /// Returns the policy a dataset uses when none is given, for a caller that does not know the
    /// channel count yet: as `defaultName(forDataset:channels:)` for the named datasets, and
    /// `auto` for any other, which `named` resolves from the channel count.
    public static func defaultName(forDataset dataset: String) -> String {
        switch dataset {
        case "mnist": "digits"
        case "fashion-mnist": "fashion"
        case "cifar10": "cifar10"
        default: "auto"
        }
    }

    // MARK: - Transforms

    private static func digitTransforms() throws -> [any Augmentation] {
        [
            try RandomAffine(degrees: -10...10, translate: (x: 0.1, y: 0.1), scale: 0.9...1.1,
                             shearX: -8...8, probability: 0.9),
            try GaussianBlur(kernelSize: 3, sigma: 0.1...0.8, probability: 0.2),
            try GaussianNoise(std: 0...0.05, probability: 0.3),
        ]
    }

    private static func cifar10Transforms(channels: Int) throws -> [any Augmentation] {
        var transforms: [any Augmentation] = [
            try PaddedCrop(padding: 4, border: .zeros),
            try HorizontalFlip(probability: 0.5),
            try Brightness(factor: 0.8...1.2, probability: 0.5),
            try Contrast(factor: 0.8...1.2, probability: 0.5),
        ]
        if channels == 3 {
            transforms.append(try HueShift(degrees: -18...18, probability: 0.5))
        }
        return transforms
    }
}
