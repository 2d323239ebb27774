import Testing
import Torch
@testable import GDA

@Suite struct EnsembleLabelerTests {
    func probabilities(_ rows: [[Float]]) throws -> Tensor {
        try Tensor(rows.flatMap { $0 }, shape: [rows.count, rows[0].count])
    }

    @Test func disagreeingMembersDropImage() throws {
        // Both images have a mean top probability of 0.75 for class 0; in the second, member B
        // prefers class 1.
        let a = try probabilities([[0.8, 0.2], [0.95, 0.05]])
        let b = try probabilities([[0.7, 0.3], [0.45, 0.55]])
        let decisions = try EnsembleLabeler(threshold: 0.7, requireAgreement: true).decide([a, b])
        #expect(decisions[0].kept)
        #expect(decisions[0].label == 0)
        #expect(abs(decisions[0].confidence - 0.75) < 1e-6)
        #expect(!decisions[1].agreed)
        #expect(!decisions[1].kept)
    }

    @Test func disagreementAllowedWhenNotRequired() throws {
        let a = try probabilities([[0.95, 0.05]])
        let b = try probabilities([[0.45, 0.55]])
        let decisions = try EnsembleLabeler(threshold: 0.65, requireAgreement: false).decide([a, b])
        #expect(decisions[0].kept)
        #expect(decisions[0].label == 0)
    }

    @Test func thresholdOneKeepsNothing() throws {
        let a = try probabilities([[0.999, 0.001], [0.2, 0.8]])
        let decisions = try EnsembleLabeler(threshold: 1.0, requireAgreement: true).decide([a, a])
        #expect(decisions.allSatisfy { !$0.kept })
    }

    @Test func lowConfidenceDropped() throws {
        let a = try probabilities([[0.6, 0.4]])
        let decisions = try EnsembleLabeler(threshold: 0.9, requireAgreement: true).decide([a])
        #expect(decisions[0].agreed)
        #expect(!decisions[0].kept)
    }

    @Test func mismatchedShapesThrow() throws {
        let a = try probabilities([[0.6, 0.4]])
        let b = try probabilities([[0.6, 0.4], [0.5, 0.5]])
        #expect(throws: GDAError.self) { try EnsembleLabeler(threshold: 0.5, requireAgreement: true).decide([a, b]) }
    }
}
