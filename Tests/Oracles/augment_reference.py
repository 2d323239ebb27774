"""Reference outputs of gda's augmentation transforms, written independently with numpy and
Python's colorsys.

Usage: augment_reference.py INPUT.json
INPUT.json holds {"op": NAME, "shape": [B, C, H, W], "images": flat row-major values, ...}
with per-image parameters under the keys each op names below. Prints {"output": flat values}.

- hue: "shift" in degrees per image; each RGB pixel goes through colorsys.rgb_to_hsv, its
  hue moves by shift / 360 of a turn (mod 1), and colorsys.hsv_to_rgb brings it back.
- blur: "sigma" per image and "kernel_size"; a normalised kernel exp(-t^2 / (2 sigma^2)) for
  t in -r..r, applied along rows then columns of the image padded with np.pad's "reflect".
- rot90: numpy.rot90(image, k) over the last two axes, with "k" a single integer.
- perspective: "corners" per image, (4, 2) output positions of the top-left, top-right,
  bottom-right and bottom-left pixel centres; solves the output-to-input homography with
  numpy.linalg.solve and samples bilinearly, reading zeros outside the image.
"""
import colorsys
import json
import sys

import numpy as np


def hue(images, shifts):
    out = images.copy()
    for b, shift in enumerate(shifts):
        _, _, height, width = images.shape
        for i in range(height):
            for j in range(width):
                r, g, bl = images[b, :, i, j]
                h, s, v = colorsys.rgb_to_hsv(r, g, bl)
                out[b, :, i, j] = colorsys.hsv_to_rgb((h + shift / 360.0) % 1.0, s, v)
    return out


def blur(images, sigmas, kernel_size):
    radius = kernel_size // 2
    taps = np.arange(-radius, radius + 1, dtype=np.float64)
    out = np.empty_like(images)
    for b, sigma in enumerate(sigmas):
        kernel = np.exp(-taps ** 2 / (2 * sigma ** 2))
        kernel /= kernel.sum()
        for c in range(images.shape[1]):
            padded = np.pad(images[b, c], radius, mode="reflect")
            rows = np.apply_along_axis(lambda r: np.convolve(r, kernel[::-1], mode="valid"), 1, padded)
            out[b, c] = np.apply_along_axis(lambda r: np.convolve(r, kernel[::-1], mode="valid"), 0, rows)
    return out


def perspective(images, corners):
    _, _, height, width = images.shape
    start = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float64)
    out = np.zeros_like(images)
    for b in range(images.shape[0]):
        end = np.asarray(corners[b], dtype=np.float64)
        rows, rhs = [], []
        for (x, y), (sx, sy) in zip(end, start):
            rows.append([x, y, 1, 0, 0, 0, -x * sx, -y * sx])
            rows.append([0, 0, 0, x, y, 1, -x * sy, -y * sy])
            rhs += [sx, sy]
        h = np.append(np.linalg.solve(np.array(rows), np.array(rhs)), 1.0).reshape(3, 3)
        for i in range(height):
            for j in range(width):
                px, py, pw = h @ np.array([j, i, 1.0])
                x, y = px / pw, py / pw
                x0, y0 = int(np.floor(x)), int(np.floor(y))
                for si, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
                    for sj, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
                        if 0 <= si < height and 0 <= sj < width:
                            out[b, :, i, j] += wy * wx * images[b, :, si, sj]
    return out


def main():
    with open(sys.argv[1]) as handle:
        request = json.load(handle)
    images = np.asarray(request["images"], dtype=np.float64).reshape(request["shape"])
    op = request["op"]
    if op == "hue":
        out = hue(images, request["shift"])
    elif op == "blur":
        out = blur(images, request["sigma"], request["kernel_size"])
    elif op == "rot90":
        out = np.rot90(images, request["k"], axes=(2, 3))
    elif op == "perspective":
        out = perspective(images, request["corners"])
    else:
        raise SystemExit(f"unknown op {op!r}")
    print(json.dumps({"output": np.ascontiguousarray(out).ravel().tolist()}))


if __name__ == "__main__":
    main()
