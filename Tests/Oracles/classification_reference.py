"""Reference classifier metrics from scikit-learn, and a MADGAN mode table from numpy.

Usage: classification_reference.py JSON
JSON: {"labels": [...], "predictions": [...], "probabilities": rows or null,
       "class_count": C,
       "generators": [...], "classes": [...], "generator_count": K}   # mode table, optional
Prints one JSON object:
- "report": classification_report(labels=range(C), output_dict=True, zero_division=0)
- "balanced_accuracy", "confusion_matrix" (rows are true classes)
- "ece": expected calibration error over 15 equal-width bins (lo, hi] of the maximum
  probability, |accuracy - mean confidence| weighted by the bin's share of samples
- "modes": counts, majority classes, purity and KL(class histogram || uniform)
"""
import json
import sys

import numpy as np
from scipy.stats import entropy
from sklearn.metrics import balanced_accuracy_score, classification_report, confusion_matrix


def calibration_error(labels, predictions, probabilities):
    confidence = probabilities.max(axis=1)
    correct = labels == predictions
    edges = np.linspace(0, 1, 16)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def mode_table(generators, classes, generator_count, class_count):
    counts = np.zeros((generator_count, class_count), dtype=np.int64)
    np.add.at(counts, (generators, classes), 1)
    totals = counts.sum(axis=1)
    majority = [int(row.argmax()) if total else None for row, total in zip(counts, totals)]
    purity = [float(row.max() / total) if total else None for row, total in zip(counts, totals)]
    histogram = counts.sum(axis=0) / counts.sum()
    uniform = np.full(class_count, 1 / class_count)
    return {"counts": counts.tolist(), "majority": majority, "purity": purity,
            "kl": float(entropy(histogram, uniform))}


def main():
    request = json.loads(sys.argv[1])
    labels = np.asarray(request["labels"])
    predictions = np.asarray(request["predictions"])
    classes = list(range(request["class_count"]))
    result = {
        "report": classification_report(labels, predictions, labels=classes, output_dict=True,
                                         zero_division=0),
        "balanced_accuracy": float(balanced_accuracy_score(labels, predictions)),
        "confusion_matrix": confusion_matrix(labels, predictions, labels=classes).tolist(),
    }
    if request.get("probabilities") is not None:
        probabilities = np.asarray(request["probabilities"], dtype=np.float64)
        result["ece"] = calibration_error(labels, predictions, probabilities)
    if "generators" in request:
        result["modes"] = mode_table(np.asarray(request["generators"]), np.asarray(request["classes"]),
                                     request["generator_count"], request["class_count"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
