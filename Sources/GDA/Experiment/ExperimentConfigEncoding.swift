// Encoding writes every key, so a run's config.json shows every value it used.

extension ExperimentConfig {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(profile, forKey: .profile)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(seed, forKey: .seed)
        try c.encode(device, forKey: .device)
        try c.encode(threads, forKey: .threads)
        try c.encode(domain, forKey: .domain)
        try c.encode(gan, forKey: .gan)
        try c.encode(labeling, forKey: .labeling)
        try c.encode(classifiers, forKey: .classifiers)
    }
}
