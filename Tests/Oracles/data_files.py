"""Independent writers and readers for gda's dataset formats, built on numpy, gzip and PIL.

Subcommands (each prints one JSON object):
  idx FOLDER PREFIX COUNT C H W CLASSES SEED GZIP
      writes PREFIX-images-idx3-ubyte (idx4 when C > 1) and PREFIX-labels-idx1-ubyte,
      gzipped when GZIP is 1; prints the images and labels as flat lists.
  cifar FOLDER
      writes CIFAR-10 binary batches data_batch_1.bin ... data_batch_5.bin (batch i has i + 1
      records) and test_batch.bin (4 records); prints the images (flat, C×H×W per image) and
      labels of the training and test splits.
  idx-read FILE
      reads an IDX file (plain or gzipped) with numpy; prints its dimensions and flat data.
  stats FILE
      reads an IDX images file with numpy and prints per-channel mean and population std of
      the pixels in [0, 1].
  md5 FILE...
      prints each file's MD5 from hashlib, by path.
  tar ARCHIVE KIND
      writes a gzipped tar with Python's tarfile. KIND cifar: a tiny cifar-10-batches-bin
      folder (prints each member's MD5); longname: one file with a 150-character path; dotdot,
      absolute, symlink, hardlink: one harmless file then one entry of that kind.
  png-read FILE
      reads a PNG with PIL; prints its mode, size and pixels as planar C×H×W bytes.
  png-write FILE C H W SEED
      writes a random grey (C=1) or RGB (C=3) PNG with PIL; prints the planar pixels.
"""

import gzip
import json
import sys

import numpy as np


def idx_bytes(array):
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write(path, data, compress):
    if compress:
        with gzip.open(path + ".gz", "wb") as handle:
            handle.write(data)
    else:
        with open(path, "wb") as handle:
            handle.write(data)


def idx(folder, prefix, count, channels, height, width, classes, seed, compress):
    rng = np.random.default_rng(seed)
    shape = (count, height, width) if channels == 1 else (count, channels, height, width)
    images = rng.integers(0, 256, size=shape, dtype=np.uint8)
    labels = rng.integers(0, classes, size=(count,), dtype=np.uint8)
    rank = 3 if channels == 1 else 4
    write(f"{folder}/{prefix}-images-idx{rank}-ubyte", idx_bytes(images), compress)
    write(f"{folder}/{prefix}-labels-idx1-ubyte", idx_bytes(labels), compress)
    return {"images": images.reshape(-1).tolist(), "labels": labels.tolist()}


def cifar_batch(path, count, rng):
    images = rng.integers(0, 256, size=(count, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=(count,), dtype=np.uint8)
    records = np.concatenate([labels[:, None], images.reshape(count, -1)], axis=1)
    with open(path, "wb") as handle:
        handle.write(records.astype(np.uint8).tobytes())
    return images.reshape(-1).tolist(), labels.tolist()


def cifar(folder):
    rng = np.random.default_rng(10)
    train = {"images": [], "labels": []}
    for batch in range(1, 6):
        images, labels = cifar_batch(f"{folder}/data_batch_{batch}.bin", batch + 1, rng)
        train["images"] += images
        train["labels"] += labels
    images, labels = cifar_batch(f"{folder}/test_batch.bin", 4, rng)
    return {"train": train, "test": {"images": images, "labels": labels}}


def idx_read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    if data[:3] != bytes([0, 0, 0x08]):
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data[4 + 4 * rank:], dtype=np.uint8).reshape(shape)


def stats(path):
    array = idx_read(path)
    rank = array.ndim
    if rank == 3:
        array = array[:, None]
    unit = array.astype(np.float64) / 255
    return {"mean": unit.mean(axis=(0, 2, 3)).tolist(), "std": unit.std(axis=(0, 2, 3)).tolist()}


def md5(paths):
    import hashlib

    digests = {}
    for path in paths:
        with open(path, "rb") as handle:
            digests[path] = hashlib.md5(handle.read()).hexdigest()
    return {"md5": digests}


def tar(archive, kind):
    import hashlib
    import io
    import tarfile

    def add(handle, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        handle.addfile(info, io.BytesIO(data))

    rng = np.random.default_rng(5)
    digests = {}
    with tarfile.open(archive, "w:gz") as handle:
        if kind == "cifar":
            folder = tarfile.TarInfo("cifar-10-batches-bin")
            folder.type = tarfile.DIRTYPE
            handle.addfile(folder)
            names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
            for index, name in enumerate(names):
                records = rng.integers(0, 256, size=(index + 2, 3073), dtype=np.uint8)
                records[:, 0] %= 10
                data = records.tobytes()
                add(handle, "cifar-10-batches-bin/" + name, data)
                digests["cifar-10-batches-bin/" + name] = hashlib.md5(data).hexdigest()
            meta = "\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                              "ship", "truck"]).encode() + b"\n\n"
            add(handle, "cifar-10-batches-bin/batches.meta.txt", meta)
            digests["cifar-10-batches-bin/batches.meta.txt"] = hashlib.md5(meta).hexdigest()
        elif kind == "longname":
            name = "deep/" + "n" * 150 + ".bin"
            add(handle, name, b"long")
            digests[name] = hashlib.md5(b"long").hexdigest()
        else:
            add(handle, "fine.txt", b"fine")
            if kind == "dotdot":
                add(handle, "../x", b"escape")
            elif kind == "absolute":
                add(handle, "/tmp/gda-absolute-entry", b"escape")
            else:
                link = tarfile.TarInfo("link")
                link.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                link.linkname = "/etc/passwd" if kind == "symlink" else "fine.txt"
                handle.addfile(link)
    return {"md5": digests}


def png_read(path):
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        array = np.asarray(image)
        mode = image.mode
    planar = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return {"mode": mode, "shape": list(planar.shape), "pixels": planar.reshape(-1).tolist()}


def png_write(path, channels, height, width, seed):
    from PIL import Image

    rng = np.random.default_rng(seed)
    planar = rng.integers(0, 256, size=(channels, height, width), dtype=np.uint8)
    if channels == 1:
        Image.fromarray(planar[0]).save(path)
    else:
        Image.fromarray(np.ascontiguousarray(planar.transpose(1, 2, 0))).save(path)
    return {"pixels": planar.reshape(-1).tolist()}


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "idx":
        folder, prefix = args[0], args[1]
        numbers = [int(a) for a in args[2:]]
        result = idx(folder, prefix, *numbers[:6], bool(numbers[6]))
    elif command == "cifar":
        result = cifar(args[0])
    elif command == "idx-read":
        array = idx_read(args[0])
        result = {"dimensions": list(array.shape), "data": array.reshape(-1).tolist()}
    elif command == "stats":
        result = stats(args[0])
    elif command == "md5":
        result = md5(args)
    elif command == "tar":
        result = tar(args[0], args[1])
    elif command == "png-read":
        result = png_read(args[0])
    elif command == "png-write":
        result = png_write(args[0], *[int(a) for a in args[1:5]])
    else:
        raise SystemExit(f"unknown subcommand {command}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
