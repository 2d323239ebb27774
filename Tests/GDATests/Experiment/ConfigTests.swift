import Foundation
import Testing
@testable import GDA

@Suite struct ExperimentConfigTests {
    func decode(_ json: String) throws -> ExperimentConfig {
        try ExperimentConfig.decode(Data(json.utf8))
    }

    func configError(_ json: String) -> GDAError? {
        do {
            _ = try decode(json)
            return nil
        } catch let error as GDAError {
            return error
        } catch {
            return GDAError("unexpected error type: \(error)")
        }
    }

    @Test func emptyObjectIsQuickProfile() throws {
        #expect(try decode("{}") == ExperimentConfig.profile("quick"))
    }

    @Test func keysOverrideProfile() throws {
        let config = try decode(#"{"profile": "thesis", "classifiers": {"seeds": 7}}"#)
        let thesis = try ExperimentConfig.profile("thesis")
        #expect(config.classifiers.seeds == 7)
        #expect(config.classifiers.realFractions == thesis.classifiers.realFractions)
        #expect(config.gan.epochs == thesis.gan.epochs)
    }

    @Test func unknownTopLevelKeyNamed() throws {
        let error = try #require(configError(#"{"datset": "mnist"}"#))
        #expect(error.exitCode == 2)
        #expect(error.message.contains("'datset'"))
        #expect(error.message.contains("dataset"))
    }

    @Test func unknownNestedKeyNamedWithPath() throws {
        let error = try #require(configError(#"{"gan": {"epochz": 3}}"#))
        #expect(error.exitCode == 2)
        #expect(error.message.contains("'gan.epochz'"))
        #expect(error.message.contains("batch_size"))
    }

    @Test func wrongTypeNamesKey() throws {
        let error = try #require(configError(#"{"classifiers": {"seeds": "three"}}"#))
        #expect(error.exitCode == 2)
        #expect(error.message.contains("classifiers.seeds"))
        #expect(error.message.contains("integer"))
    }

    @Test func outOfRangeNamesKeyAndValue() throws {
        let error = try #require(configError(#"{"labeling": {"threshold": 1.5}}"#))
        #expect(error.exitCode == 2)
        #expect(error.message.contains("labeling.threshold"))
        #expect(error.message.contains("1.5"))
    }

    @Test func unknownSourceRejected() throws {
        let error = try #require(configError(#"{"classifiers": {"sources": ["real", "vae"]}}"#))
        #expect(error.message.contains("classifiers.sources"))
    }

    @Test func unknownProfileRejected() throws {
        let error = try #require(configError(#"{"profile": "huge"}"#))
        #expect(error.message.contains("huge"))
        #expect(error.message.contains("quick"))
    }

    @Test func invalidJSONRejected() throws {
        let error = try #require(configError(#"{"seed": 1,"#))
        #expect(error.exitCode == 2)
        #expect(error.message.contains("JSON"))
    }

    @Test func encodedConfigDecodesToSameValue() throws {
        let config = try decode(#"{"profile": "tiny", "seed": 42, "gan": {"generators": 3}}"#)
        let again = try ExperimentConfig.decode(config.encoded())
        #expect(again == config)
        let text = String(decoding: try config.encoded(), as: UTF8.self)
        #expect(text.contains("\"minimum_steps\""))
        #expect(text.contains("\"batch_size\""))
    }
}
