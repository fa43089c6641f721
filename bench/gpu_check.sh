#!/usr/bin/env bash
# The one command for a lent GPU machine (run from the repository root, with `.whl` carried):
#     bash bench/gpu_check.sh [extra bench.gpu_check arguments, e.g. --tiny]
# Installs the carried pure-Python wheels (.whl/: diffusers and what it needs beyond the machine's image) into
# /tmp/site, imports dakd_nb from the working tree (not installed), and writes gpu_check.json and gpu_check.log
# into $OUT (the folder whose files come back), or into bench/results/ when OUT is unset.
# Expected: about 3 minutes on one H200 after the machine is up; the check stops starting measurements after
# 300 s (--budget-s) and ends itself at 390 s if something hangs, keeping the JSON written so far.
set -o pipefail
cd "$(dirname "$0")/.." || exit 1
OUT_DIR="${OUT:-bench/results}"
mkdir -p "$OUT_DIR"
SITE="${GPU_CHECK_SITE:-/tmp/site}"
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl \
        || echo "gpu_check.sh: installing .whl/ failed; trying with what the machine has" >&2
else
    echo "gpu_check.sh: no .whl/ here (carry it); trying with what the machine has" >&2
fi
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,power.draw,temperature.gpu,memory.used,memory.total \
    --format=csv 2>&1 | tee "$OUT_DIR/gpu_check.log"
python3 -m bench.gpu_check --out "$OUT_DIR/gpu_check.json" "$@" 2>&1 | tee -a "$OUT_DIR/gpu_check.log"
rc=$?
nvidia-smi --query-gpu=clocks.sm,power.draw,temperature.gpu --format=csv,noheader 2>&1 | tee -a "$OUT_DIR/gpu_check.log"
exit $rc
