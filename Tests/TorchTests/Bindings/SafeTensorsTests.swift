import Foundation
import Testing
import TestSupport
import Torch

/// Files written by `SafeTensors.save` read back by the Python `safetensors` package, and the
/// other way round: names, dtypes, shapes and bytes must be identical.
@Suite struct SafeTensorsInteropTests {
    static let numpyNames: [DType: String] = [
        .float32: "float32", .float64: "float64", .int64: "int64", .int32: "int32",
        .uint8: "uint8", .bool: "bool",
    ]

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Returns the oracle's description of each tensor: numpy dtype name, shape and hex bytes.
    static func described(_ json: [String: Any]) throws -> [String: (String, [Int], String)] {
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        return try tensors.mapValues { entry in
            (try #require(entry["dtype"] as? String), try #require(entry["shape"] as? [Int]),
             try #require(entry["hex"] as? String))
        }
    }

    @Test func pythonReadsSwiftFile() throws {
        let tensors: [(String, Tensor)] = [
            ("f32", try Tensor([Float(0.5), -0.0, .infinity, -.infinity, .leastNormalMagnitude,
                                .greatestFiniteMagnitude], shape: [2, 3])),
            ("f64", try Tensor([Double.pi, -1e300, Double.leastNonzeroMagnitude])),
            ("i64", try Tensor([Int64.min, Int64.max, 0, -1], shape: [2, 2])),
            ("i32", try Tensor([Int32.min, Int32.max, 7, -7], shape: [2, 1, 2])),
            ("u8", try Tensor([UInt8(0), 1, 128, 255])),
            ("bool", try Tensor([true, false, true, false, false, true], shape: [3, 2])),
            ("scalar", try Tensor(scalar: Float(2.5))),
            ("scalar_bool", try Tensor(scalar: true)),
            ("empty", try Tensor([Float](), shape: [0, 3])),
            ("empty_u8", try Tensor([UInt8](), shape: [2, 0])),
            ("layer.0.weight", try Tensor([Int32(1), 2, 3, 4], shape: [2, 2])),
        ]
        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/swift.safetensors"
        let metadata = ["format": "pt", "note": "ünïcödé \"quoted\""]
        try SafeTensors.save(tensors, to: path, metadata: metadata)

        let json = try Oracle.json("safetensors_interop.py", ["read", path])
        let read = try Self.described(json)
        #expect(Set(read.keys) == Set(tensors.map(\.0)))
        for (name, tensor) in tensors {
            let (dtype, shape, bytes) = try #require(read[name], "Python did not read \(name)")
            #expect(dtype == Self.numpyNames[tensor.dtype], "\(name) dtype")
            #expect(shape == tensor.shape, "\(name) shape")
            #expect(bytes == Self.hex(try tensor.bytes()), "\(name) bytes")
        }
        #expect(json["metadata"] as? [String: String] == metadata)
    }

    @Test func swiftReadsPythonFile() throws {
        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/python.safetensors"
        let json = try Oracle.json("safetensors_interop.py", ["write", path])
        let written = try Self.described(json)

        let (tensors, metadata) = try SafeTensors.load(path)
        #expect(Set(tensors.keys) == Set(written.keys))
        for (name, (dtype, shape, bytes)) in written {
            let tensor = try #require(tensors[name], "Swift did not read \(name)")
            #expect(Self.numpyNames[tensor.dtype] == dtype, "\(name) dtype")
            #expect(tensor.shape == shape, "\(name) shape")
            #expect(Self.hex(try tensor.bytes()) == bytes, "\(name) bytes")
        }
        #expect(metadata == json["metadata"] as? [String: String])
    }

    @Test func roundTripKeepsEverything() throws {
        let tensors: [(String, Tensor)] = [
            ("b", try Tensor([Float(1), 2, 3], shape: [3, 1])),
            ("a", try Tensor([Int64(-5)], shape: [1])),
            ("empty", try Tensor([Double](), shape: [0])),
        ]
        let (decoded, metadata) = try SafeTensors.decode(try SafeTensors.encode(tensors))
        #expect(metadata.isEmpty)
        #expect(Set(decoded.keys) == ["a", "b", "empty"])
        for (name, tensor) in tensors {
            let copy = try #require(decoded[name])
            #expect(copy.dtype == tensor.dtype)
            #expect(copy.shape == tensor.shape)
            #expect(try SameBytes.tensors(copy, tensor))
        }
    }

    @Test func decodeAcceptsDataSlice() throws {
        let encoded = try SafeTensors.encode([("x", try Tensor([Float(1), 2]))])
        let padded = Data([9, 9, 9]) + encoded
        let (tensors, _) = try SafeTensors.decode(padded[3...])
        #expect(try tensors["x"]?.scalars(as: Float.self) == [1, 2])
    }

    @Test func encodeRejectsDuplicateNames() throws {
        let x = try Tensor([Float(1)])
        #expect(throws: TorchError.self) { try SafeTensors.encode([("x", x), ("x", x)]) }
    }

    @Test func loadNamesMissingFile() throws {
        let error = try #require(throws: TorchError.self) {
            try SafeTensors.load("/nonexistent/model.safetensors")
        }
        #expect(error.message.contains("/nonexistent/model.safetensors"))
        #expect(error.message.contains("not found"))
    }
}

/// Corrupt and hostile files: each must throw a TorchError that names the problem, without a
/// crash and without allocating what the header claims.
@Suite struct SafeTensorsHostileTests {
    /// Builds a file from header text and data bytes.
    static func file(_ header: String, _ payload: [UInt8] = [], length: UInt64? = nil) -> Data {
        let json = Array(header.utf8)
        var size = (length ?? UInt64(json.count)).littleEndian
        var data = Data(bytes: &size, count: 8)
        data.append(contentsOf: json)
        data.append(contentsOf: payload)
        return data
    }

    static func entry(_ dtype: String = "F32", _ shape: String = "[2]",
                      _ offsets: String = "[0, 8]") -> String {
        "{\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": \(offsets)}"
    }

    static let eight = [UInt8](repeating: 0, count: 8)

    static let cases: [(String, Data, String)] = [
        ("empty file", Data(), "too short"),
        ("truncated length", Data([1, 0, 0]), "too short"),
        ("header beyond file", file("{}", length: 1000), "exceeds the 2 bytes"),
        ("huge header length", file("{}", length: UInt64.max), "exceeds the maximum"),
        ("invalid UTF-8", Data([2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE]), "UTF-8"),
        ("not JSON", file("{\"x\": "), "not valid JSON"),
        ("array header", file("[1, 2]"), "not a JSON object"),
        ("string header", file("\"x\""), "JSON"),
        ("entry not object", file("{\"x\": 3}"), "'x' is not a JSON object"),
        ("missing dtype", file("{\"x\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", eight),
         "no dtype"),
        ("unknown dtype", file("{\"x\": \(entry("F16"))}", eight), "\"F16\", expected one of"),
        ("lower-case dtype", file("{\"x\": \(entry("f32"))}", eight), "dtype \"f32\""),
        ("numeric dtype", file("{\"x\": {\"dtype\": 6, \"shape\": [2], \"data_offsets\": [0, 8]}}",
                               eight), "no dtype"),
        ("missing shape", file("{\"x\": {\"dtype\": \"F32\", \"data_offsets\": [0, 8]}}", eight),
         "no shape"),
        ("negative dimension", file("{\"x\": \(entry("F32", "[-2]"))}", eight), "dimension -2"),
        ("fractional dimension", file("{\"x\": \(entry("F32", "[2.5]"))}", eight), "dimension 2.5"),
        ("float dimension", file("{\"x\": \(entry("F32", "[2.0]"))}", eight), "dimension"),
        ("boolean dimension", file("{\"x\": \(entry("F32", "[true]"))}", eight), "dimension"),
        ("huge dimension", file("{\"x\": \(entry("F32", "[1e30]"))}", eight), "dimension"),
        ("dimension beyond Int64", file("{\"x\": \(entry("F32", "[18446744073709551615]"))}", eight),
         "dimension"),
        ("overflowing shape", file("{\"x\": \(entry("F32", "[4294967296, 4294967296]"))}", eight),
         "overflows"),
        ("shape beyond data", file("{\"x\": \(entry("F32", "[2147483647, 1000]"))}", eight),
         "covers 8 bytes"),
        ("wrong size", file("{\"x\": \(entry("F32", "[3]"))}", eight), "needs 12"),
        ("offsets past end", file("{\"x\": \(entry("F32", "[2]", "[8, 16]"))}", eight),
         "beyond the 8 data bytes"),
        ("reversed offsets", file("{\"x\": \(entry("F32", "[0]", "[8, 0]"))}", eight),
         "end before they start"),
        ("three offsets", file("{\"x\": \(entry("F32", "[2]", "[0, 8, 8]"))}", eight),
         "data_offsets [start, end]"),
        ("negative offset", file("{\"x\": \(entry("F32", "[2]", "[-8, 0]"))}", eight),
         "data_offsets [start, end]"),
        ("overlap", file("{\"x\": \(entry()), \"y\": \(entry("F32", "[1]", "[4, 8]"))}", eight),
         "overlap"),
        ("same range twice", file("{\"x\": \(entry()), \"y\": \(entry())}", eight), "overlap"),
        ("gap", file("{\"x\": \(entry("F32", "[1]", "[0, 4]")), \"y\": \(entry("F32", "[1]", "[8, 12]"))}",
                     eight + [0, 0, 0, 0]), "leaving data bytes 4..<8 unused"),
        ("trailing bytes", file("{\"x\": \(entry())}", eight + [0]), "ends at byte 8"),
        ("missing data", file("{}", eight), "ends at byte 0"),
        ("duplicate key", file("{\"x\": \(entry()), \"x\": \(entry())}", eight), "'x' more than once"),
        ("duplicate escaped key", file("{\"x\": \(entry()), \"\\u0078\": \(entry())}", eight),
         "'x' more than once"),
        ("metadata not strings", file("{\"__metadata__\": {\"a\": 1}}"), "__metadata__"),
    ]

    @Test(arguments: cases.map(\.0))
    func hostileFileThrows(_ name: String) throws {
        let (_, data, message) = try #require(Self.cases.first { $0.0 == name })
        let error = try #require(throws: TorchError.self, "\(name)") {
            try SafeTensors.decode(data)
        }
        #expect(error.message.contains(message), "\(name): \(error.message)")
    }

    @Test func validEdgeCasesDecode() throws {
        // Zero-size tensors may share an offset with each other and with the next tensor.
        let header = "{\"__metadata__\": {\"k\": \"v\"}, \"e1\": \(Self.entry("F32", "[0, 5]", "[0, 0]")), "
            + "\"e2\": \(Self.entry("I64", "[0]", "[0, 0]")), \"x\": \(Self.entry()), "
            + "\"s\": \(Self.entry("U8", "[]", "[8, 9]"))}"
        let (tensors, metadata) = try SafeTensors.decode(Self.file(header, Self.eight + [7]))
        #expect(metadata == ["k": "v"])
        #expect(tensors["e1"]?.shape == [0, 5])
        #expect(tensors["e2"]?.shape == [0])
        #expect(try tensors["x"]?.scalars(as: Float.self) == [0, 0])
        #expect(tensors["s"]?.shape == [])
        #expect(try tensors["s"]?.item(as: UInt8.self) == 7)
    }
}
