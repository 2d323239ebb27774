import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header that maps
/// each name to its dtype, shape and byte range, then the raw little-endian tensor bytes.
public enum SafeTensors {
    /// Largest header accepted when reading, so a corrupt length cannot claim gigabytes.
    public static let maximumHeaderBytes = 100 * 1024 * 1024

    static let dtypeNames: [DType: String] = [
        .float32: "F32", .float64: "F64", .int64: "I64", .int32: "I32", .uint8: "U8", .bool: "BOOL",
    ]

    /// Encodes named tensors, sorted by name as the Python package writes them.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var payload = Data()
        var seen = Set<String>()
        for (name, tensor) in tensors.sorted(by: { $0.0 < $1.0 }) {
            guard seen.insert(name).inserted else { throw TorchError("duplicate tensor name '\(name)'") }
            guard let dtype = dtypeNames[tensor.dtype] else { throw TorchError("unsupported dtype \(tensor.dtype)") }
            let bytes = try tensor.bytes()
            header[name] = ["dtype": dtype, "shape": tensor.shape, "data_offsets": [payload.count, payload.count + bytes.count]]
            payload.append(contentsOf: bytes)
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
        while json.count % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(json)
        data.append(payload)
        return data
    }

    /// Writes named tensors to `path` atomically.
    public static func save(_ tensors: [(String, Tensor)], to path: String, metadata: [String: String] = [:]) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: path)
    }

    /// Reads every tensor of a safetensors file, checking the header against the file size.
    public static func load(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TorchError("\(path): file not found")
        }
        guard !isFolder.boolValue else { throw TorchError("\(path): is a folder, expected a safetensors file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TorchError("\(path): cannot read the file")
        }
        do {
            return try decode(data)
        } catch let error as TorchError {
            throw TorchError("\(path): \(error.message)")
        }
    }

    public static func decode(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw TorchError("file of \(data.count) bytes is too short for a safetensors header") }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(min(maximumHeaderBytes, data.count - 8)) else {
            throw TorchError("header length \(length) exceeds the \(data.count - 8) bytes after it")
        }
        let headerEnd = 8 + Int(length)
        let header: Any
        do {
            header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd))
        } catch {
            throw TorchError("header is not valid JSON")
        }
        guard let entries = header as? [String: Any] else { throw TorchError("header is not a JSON object") }
        let payloadSize = data.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let values = value as? [String: String] else {
                    throw TorchError("__metadata__ must map strings to strings")
                }
                metadata = values
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shapeValues = entry["shape"] as? [Any],
                  let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2
            else { throw TorchError("entry '\(name)' lacks dtype, shape or data_offsets") }
            guard let dtype = dtypeNames.first(where: { $0.value == dtypeName })?.key else {
                throw TorchError("entry '\(name)' has unsupported dtype \(dtypeName)")
            }
            let shape = try shapeValues.map { item -> Int in
                guard let size = (item as? NSNumber)?.intValue, size >= 0, size <= Int(Int32.max) else {
                    throw TorchError("entry '\(name)' has an invalid dimension \(item)")
                }
                return size
            }
            let offsets = try offsetValues.map { item -> Int in
                guard let offset = (item as? NSNumber)?.intValue, offset >= 0 else {
                    throw TorchError("entry '\(name)' has an invalid offset \(item)")
                }
                return offset
            }
            var count = 1
            for size in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow, product <= payloadSize else {
                    throw TorchError("entry '\(name)' shape \(shape) is larger than the file")
                }
                count = product
            }
            guard offsets[0] <= offsets[1], offsets[1] <= payloadSize else {
                throw TorchError("entry '\(name)' offsets \(offsets) fall outside the \(payloadSize) data bytes")
            }
            guard offsets[1] - offsets[0] == count * dtype.byteSize else {
                throw TorchError("entry '\(name)' covers \(offsets[1] - offsets[0]) bytes, its shape \(shape) of \(dtypeName) needs \(count * dtype.byteSize)")
            }
            let start = headerEnd + offsets[0]
            let tensor = try data[start..<(headerEnd + offsets[1])].withUnsafeBytes { bytes in
                try Tensor(bytes: bytes, shape: shape, dtype: dtype)
            }
            tensors[name] = tensor
        }
        return (tensors, metadata)
    }
}
