import Foundation
import Testing
import TestSupport
import Torch

@testable import GDA

/// Small TorchScript networks and their PyTorch outputs from
/// scripts/fixtures/metrics_script_networks.py.
@Suite("TorchScript feature networks")
struct ScriptFeatureNetworkTests {
    static func outputs() throws -> [String: Tensor] {
        try SafeTensors.load(try MetricFixtures.path("script_outputs.safetensors")).tensors
    }

    static func network(_ name: String) throws -> ScriptFeatureNetwork {
        try ScriptFeatureNetwork(path: try MetricFixtures.path("\(name).pt"))
    }

    @Test("features-only module matches PyTorch")
    func featuresOnly() throws {
        let expected = try Self.outputs()
        let network = try Self.network("features_only")
        #expect(network.interface == .plain)
        let images = try #require(expected["images"])
        try expectClose(network.features(images), try #require(expected["features"]))
        #expect(try network.probabilities(images) == nil)
        #expect(try network.logits(images) == nil)
    }

    @Test("features-and-logits module matches PyTorch")
    func featuresAndLogits() throws {
        let expected = try Self.outputs()
        let network = try Self.network("features_and_logits")
        let images = try #require(expected["images"])
        let outputs = try network.outputs(images, probabilities: true)
        try expectClose(outputs.features, try #require(expected["features"]))
        let logits = try #require(try network.logits(images))
        try expectClose(logits, try #require(expected["head_logits"]))
        try expectClose(try #require(outputs.probabilities), try #require(expected["head_logits"]).softmax(dim: 1))
    }

    @Test("Inception-style module gives bias-free logits")
    func inceptionStyle() throws {
        let expected = try Self.outputs()
        let network = try Self.network("inception_style")
        #expect(network.interface == .inceptionStyle(hasOutputWeight: true, acceptsNoOutputBias: true))
        let images = try #require(expected["images"])
        try expectClose(network.features(images), try #require(expected["features"]))
        try expectClose(try #require(try network.logits(images)), try #require(expected["bias_free_logits"]))
        let probabilities = try #require(try network.probabilities(images))
        try expectClose(probabilities, try #require(expected["bias_free_probabilities"]))
    }

    @Test("Inception-style module without output.weight runs a second pass")
    func inceptionStyleSecondPass() throws {
        let expected = try Self.outputs()
        let network = try Self.network("inception_style_fc")
        #expect(network.interface == .inceptionStyle(hasOutputWeight: false, acceptsNoOutputBias: true))
        let images = try #require(expected["images"])
        #expect(try network.logits(images) == nil)
        let outputs = try network.outputs(images, probabilities: true)
        try expectClose(outputs.features, try #require(expected["features"]))
        try expectClose(try #require(outputs.probabilities), try #require(expected["bias_free_probabilities"]))
    }

    @Test("one channel equals three repeated channels")
    func grayscale() throws {
        let expected = try Self.outputs()
        let gray = try #require(expected["gray"])
        let repeated = try gray.repeated([1, 3, 1, 1])
        for name in ["features_only", "features_and_logits", "inception_style", "inception_style_fc"] {
            let network = try Self.network(name)
            let fromGray = try network.features(gray)
            #expect(try fromGray.scalars(as: Float.self) == network.features(repeated).scalars(as: Float.self),
                    "\(name)")
            try expectClose(fromGray, try #require(expected["gray_features"]))
        }
        let inception = try Self.network("inception_style")
        try expectClose(try #require(try inception.probabilities(gray)),
                        try #require(expected["gray_bias_free_probabilities"]))
    }

    @Test("bad files and batches are rejected")
    func rejects() throws {
        #expect(throws: GDAError.self) { try ScriptFeatureNetwork(path: "/nonexistent/inception.pt") }
        #expect(throws: GDAError.self) {
            try ScriptFeatureNetwork(path: try MetricFixtures.path("features.json"))
        }
        let network = try Self.network("features_only")
        #expect(throws: GDAError.self) { try network.features(Tensor.zeros([2, 3, 8, 8])) }
        #expect(throws: GDAError.self) { try network.features(Tensor.zeros([2, 2, 8, 8], dtype: .uint8)) }
        #expect(throws: GDAError.self) { try network.features(Tensor.zeros([3, 8, 8], dtype: .uint8)) }
    }

    private func expectClose(_ actual: Tensor, _ expected: Tensor,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
        let a = try actual.scalars(as: Double.self)
        let b = try expected.scalars(as: Double.self)
        let worst = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "largest difference \(worst)", sourceLocation: sourceLocation)
    }
}
