import Foundation
import GDA
import TestSupport
import Testing

@Suite("Dataset writers and image folders")
struct WriterTests {
    static func sample(channels: Int, classNames: [String], count: Int = 12) -> Dataset {
        let size = channels * 3 * 4
        let images = (0..<(count * size)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let labels = (0..<count).map { Int32(($0 * 7) % classNames.count) }
        return Dataset(name: "sample", images: images, labels: labels, channels: channels, height: 3, width: 4,
                       classNames: classNames)
    }

    // MARK: - IDX

    @Test("IDX written is read by numpy", arguments: [1, 3])
    func idxForNumpy(channels: Int) throws {
        let folder = try Oracle.temporaryFolder()
        let dataset = Self.sample(channels: channels, classNames: ["a", "b", "c"])
        let paths = try IDX.write(dataset, folder: folder, prefix: "train")
        let images = try Oracle.json("data_files.py", ["idx-read", paths[0]])
        let labels = try Oracle.json("data_files.py", ["idx-read", paths[1]])
        let expectedShape = channels == 1 ? [12, 3, 4] : [12, 3, 3, 4]
        #expect(images["dimensions"] as? [Int] == expectedShape)
        #expect(DataFixtures.bytes(images, "data") == dataset.images)
        #expect(labels["dimensions"] as? [Int] == [12])
        #expect(DataFixtures.bytes(labels, "data").map(Int32.init) == dataset.labels)
    }

    @Test("IDX round trip keeps class names")
    func idxRoundTrip() throws {
        let folder = try Oracle.temporaryFolder()
        let dataset = Self.sample(channels: 3, classNames: ["cat", "dog", "bird", "fish"])
        try IDX.write(dataset, folder: folder, prefix: "t10k")
        let read = try DatasetSource.load("idx:" + folder, split: .test)
        #expect(read.images == dataset.images)
        #expect(read.labels == dataset.labels)
        #expect(read.classNames == dataset.classNames)
        #expect(read.channels == 3)
    }

    // MARK: - Image folders

    @Test("folder names keep label order")
    func folderNames() {
        #expect(ImageFolderWriter.folderNames(DatasetSource.mnistClassNames) == DatasetSource.mnistClassNames)
        #expect(ImageFolderWriter.folderNames(CIFAR10.classNames) == CIFAR10.classNames)
        let fashion = ImageFolderWriter.folderNames(DatasetSource.fashionMNISTClassNames)
        #expect(fashion.first == "0_T-shirt_top")
        #expect(fashion.last == "9_Ankle boot")
        #expect(fashion.sorted() == fashion)
        #expect(ImageFolderWriter.folderNames(["..", "a/b", ""]) == ["_..", "a_b", "class_2"])
        #expect(ImageFolderWriter.folderNames(["zeta", "..", ""]) == ["0_zeta", "1__..", "2_class_2"])
    }

    @Test("image folder round trip", arguments: [1, 3])
    func imageFolderRoundTrip(channels: Int) throws {
        let folder = try Oracle.temporaryFolder() + "/out"
        let dataset = Self.sample(channels: channels, classNames: ["zebra", "T-shirt/top", "a,b"])
        try ImageFolderWriter.write(dataset, folder: folder)
        let read = try DatasetSource.load("folder:" + folder, split: .train)
        #expect(read.classNames == dataset.classNames)
        #expect(read.classCounts == dataset.classCounts)
        #expect(read.channels == channels)
        // The reader goes class by class, so compare each class's images in order.
        for label in 0..<dataset.classCount {
            let expected = dataset.subset(dataset.indicesByClass[label]).images
            #expect(read.subset(read.indicesByClass[label]).images == expected)
        }
        let csv = try String(contentsOfFile: folder + "/labels.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.first == "file,label,class")
        #expect(lines.count == 13)
        #expect(lines[1] == "0_zebra/00000.png,0,zebra")
        #expect(lines[2] == "1_T-shirt_top/00000.png,1,T-shirt/top")
        #expect(lines[3] == "2_a_b/00000.png,2,\"a,b\"")
        let pillow = try Oracle.json("data_files.py", ["png-read", folder + "/1_T-shirt_top/00000.png"])
        #expect(DataFixtures.bytes(pillow, "pixels") == dataset.subset([1]).images)
    }

    @Test("non-empty target is not overwritten")
    func overwriteProtection() throws {
        let folder = try Oracle.temporaryFolder()
        try "keep".write(toFile: folder + "/note.txt", atomically: true, encoding: .utf8)
        let error = DataFixtures.errorMessage {
            try ImageFolderWriter.write(Self.sample(channels: 1, classNames: ["a"]), folder: folder)
        }
        #expect(error?.exitCode == 2)
        #expect(FileManager.default.fileExists(atPath: folder + "/note.txt"))
        try ImageFolderWriter.write(Self.sample(channels: 1, classNames: ["a"]), folder: folder, overwrite: true)
        #expect(!FileManager.default.fileExists(atPath: folder + "/note.txt"))
        #expect(FileManager.default.fileExists(atPath: folder + "/a/00011.png"))
    }

    @Test("train and test subfolders are splits")
    func splitFolders() throws {
        let root = try Oracle.temporaryFolder()
        try ImageFolderWriter.write(Self.sample(channels: 1, classNames: ["a", "b"], count: 6), folder: root + "/train")
        try ImageFolderWriter.write(Self.sample(channels: 1, classNames: ["a", "b"], count: 4), folder: root + "/test")
        #expect(try DatasetSource.load("folder:" + root, split: .train).count == 6)
        #expect(try DatasetSource.load("folder:" + root, split: .test).count == 4)
    }

    // MARK: - Bad image folders

    /// Creates a folder with classes `a` and `b`, each containing one 4×3 grey PNG.
    private func validFolder() throws -> String {
        let root = try Oracle.temporaryFolder()
        for name in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            try PNG.write(PNGTests.pattern(channels: 1, height: 3, width: 4), to: root + "/\(name)/0.png")
        }
        return root
    }

    @Test("valid folder reads")
    func validFolderReads() throws {
        let root = try validFolder()
        let dataset = try DatasetSource.load("folder:" + root, split: .train)
        #expect(dataset.classNames == ["a", "b"])
        #expect(dataset.count == 2)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("folder:" + root, split: .test) }
        #expect(error?.exitCode == 2)
    }

    @Test("empty class folder is rejected")
    func emptyClass() throws {
        let root = try validFolder()
        try FileManager.default.createDirectory(atPath: root + "/c", withIntermediateDirectories: true)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("folder:" + root, split: .train) }
        #expect(error?.message == "\(root)/c: class folder is empty; expected PNG files")
    }

    @Test("non-PNG file is rejected")
    func nonPNG() throws {
        let root = try validFolder()
        try "x".write(toFile: root + "/b/notes.txt", atomically: true, encoding: .utf8)
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("folder:" + root, split: .train) }
        #expect(error?.message == "\(root)/b/notes.txt: not a PNG file; class folders may hold only .png files")
    }

    @Test("inconsistent image size is rejected")
    func inconsistentSize() throws {
        let root = try validFolder()
        try PNG.write(PNGTests.pattern(channels: 1, height: 5, width: 4), to: root + "/b/1.png")
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("folder:" + root, split: .train) }
        #expect(error?.message == "\(root)/b/1.png: image is 4x5 grey, but \(root)/a/0.png is 4x3 grey; "
            + "every image must have the same size and colour type")
    }

    @Test("grey and RGB mix is rejected")
    func mixedColour() throws {
        let root = try validFolder()
        try PNG.write(PNGTests.pattern(channels: 3, height: 3, width: 4), to: root + "/b/1.png")
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("folder:" + root, split: .train) }
        #expect(error?.message.hasPrefix("\(root)/b/1.png: image is 4x3 RGB, but") == true)
    }

    @Test("corrupt PNG in folder is rejected")
    func corruptInFolder() throws {
        let root = try validFolder()
        try DataFixtures.write([0x89, 0x50, 0x4E, 0x47, 1, 2, 3], to: root + "/a/1.png")
        let error = DataFixtures.errorMessage { _ = try DatasetSource.load("folder:" + root, split: .train) }
        #expect(error?.message.hasPrefix("\(root)/a/1.png: ") == true)
        #expect(error?.exitCode == 1)
    }
}
