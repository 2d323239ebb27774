"""Reference values from scipy.stats for the report statistics.

Usage: statistics_reference.py JSON
JSON: {"quantiles": {"p": [...], "df": [...]},      # t quantiles for every (p, df) pair
       "cdf": {"t": [...], "df": [...]},            # t distribution function, every pair
       "samples": [[...], ...],                     # mean, sd (ddof=1), 95% t interval
       "pairs": [[[a...], [b...]], ...]}            # ttest_rel(a, b) and its 95% interval
Prints one JSON object with the same keys; undefined values are null and infinite ones
the strings "inf" and "-inf".
"""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats

warnings.simplefilter("ignore")


def clean(value):
    """NaN becomes null and infinities the strings "inf" and "-inf", which JSON lacks."""
    value = float(value)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def main():
    request = json.loads(sys.argv[1])
    result = {}

    q = request["quantiles"]
    result["quantiles"] = [[float(stats.t.ppf(p, df)) for df in q["df"]] for p in q["p"]]

    c = request["cdf"]
    result["cdf"] = [[float(stats.t.cdf(t, df)) for df in c["df"]] for t in c["t"]]

    samples = []
    for values in request["samples"]:
        values = np.asarray(values, dtype=np.float64)
        n = len(values)
        sd = values.std(ddof=1) if n > 1 else float("nan")
        if n > 1:
            low, high = stats.t.interval(0.95, n - 1, loc=values.mean(), scale=sd / math.sqrt(n))
        else:
            low, high = float("nan"), float("nan")
        samples.append({"mean": float(values.mean()), "sd": clean(sd),
                        "lower": clean(low), "upper": clean(high)})
    result["samples"] = samples

    pairs = []
    for a, b in request["pairs"]:
        test = stats.ttest_rel(a, b)
        interval = test.confidence_interval(0.95)
        pairs.append({"statistic": clean(test.statistic), "pvalue": clean(test.pvalue),
                      "df": int(test.df), "mean": float(np.mean(np.subtract(a, b))),
                      "lower": clean(interval.low), "upper": clean(interval.high)})
    result["pairs"] = pairs
    print(json.dumps(result))


if __name__ == "__main__":
    main()
