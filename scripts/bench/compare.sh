#!/usr/bin/env bash
# Compares gda's training steps with a plain PyTorch script of the same models on this
# machine. It runs `gda bench MODEL` and the reference step script in turns (5 pairs per
# model by default) with the same thread count. Per model it prints the median images per
# second of each, the median and range of the pairwise ratios gda / PyTorch, and the peak
# resident memory of each process.
#
# Usage: scripts/bench/compare.sh --reference PATH/reference_step.py [--models LIST]
#            [--pairs N] [--threads N] [--steps N] [--batch N] [--generators K]
#            [--wait-policy passive|active|inherit] [--verbose]
#
# --threads (default 1) sets OMP_NUM_THREADS for both processes and gda's --threads.
# --wait-policy (default passive) sets OMP_WAIT_POLICY for both; inherit leaves the
# environment as it is, and gda then chooses PASSIVE itself while PyTorch keeps libgomp's
# spinning default. Builds gda in release mode first (a no-op when it is up to date). The
# Python is $GDA_TORCH_PYTHON, else .venv-torch/bin/python; when neither exists the
# script creates .venv-torch with torch 2.15.0 (about 5 GB).
set -euo pipefail
cd "$(dirname "$0")/../.."

reference=
arguments=()
while (($#)); do
    case $1 in
        --reference) reference=${2:?--reference needs a path}; shift 2 ;;
        --reference=*) reference=${1#--reference=}; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) arguments+=("$1"); shift ;;
    esac
done
if [[ -z $reference || ! -f $reference ]]; then
    echo "compare.sh: --reference must name the PyTorch reference step script (reference_step.py)," \
        "found '${reference}'" >&2
    exit 2
fi

python=${GDA_TORCH_PYTHON:-.venv-torch/bin/python}
if [[ ! -x $python ]]; then
    echo "compare.sh: $python not found; creating .venv-torch with torch 2.15.0 (about 5 GB)" >&2
    python3 -m venv .venv-torch
    .venv-torch/bin/pip install --quiet torch==2.15.0
    python=.venv-torch/bin/python
fi

echo "compare.sh: building gda (release)" >&2
swift build -c release --product gda >&2

exec python3 scripts/bench/compare_steps.py --gda .build/release/gda --python "$python" \
    --reference "$reference" "${arguments[@]}"
