#!/usr/bin/env python3
"""Reads a folder of TensorBoard event files with TensorBoard's own EventAccumulator and
prints what it found as JSON: {"scalars": {tag: [[step, value], ...]}, "images": {tag:
[[step, width, height, png_bytes], ...]}}.

Usage: tensorboard_events.py FOLDER
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator


def main():
    accumulator = event_accumulator.EventAccumulator(
        sys.argv[1], size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    scalars = {tag: [[event.step, event.value] for event in accumulator.Scalars(tag)]
               for tag in tags["scalars"]}
    images = {tag: [[event.step, event.width, event.height, len(event.encoded_image_string)]
                    for event in accumulator.Images(tag)]
              for tag in tags["images"]}
    print(json.dumps({"scalars": scalars, "images": images}))


if __name__ == "__main__":
    main()
