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
        // A FIFO would block the read forever and a device such as /dev/zero never ends.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw TorchError("\(path): not a regular file; gda reads safetensors only from regular files")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TorchError("\(path): cannot read the file")
        }
        do {
            return try decode(data)
        } catch let error as TorchError {
            throw TorchError("\(path): \(error.message)")
        }
    }

    /// Decodes a safetensors file's bytes. The header is checked in full (see `parseHeader`)
    /// before any tensor is allocated, so a corrupt or hostile file cannot request more memory
    /// than its own size.
    public static func decode(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        // A slice of a larger Data keeps that Data's indices, so it is copied to start at 0.
        let data = data.startIndex == 0 ? data : Data(data)
        let (entries, metadata, dataStart) = try parseHeader(data)
        var tensors: [String: Tensor] = [:]
        for entry in entries {
            let range = (dataStart + entry.start)..<(dataStart + entry.end)
            tensors[entry.name] = try data[range].withUnsafeBytes { bytes in
                try Tensor(bytes: bytes, shape: entry.shape, dtype: entry.dtype)
            }
        }
        return (tensors, metadata)
    }
}
