#!/usr/bin/env bash
# The GPU checks of issue 17, as one prepared script for a lent GPU machine (the `device` tool), run from the
# repository root:   run(command="bash benchmarks/gpu_check.sh", timeout_s=540)
# The log comes back as $OUT/gpu_check.log. Figures go to docs/performance.md.
#
# What it checks:
#  1. the machine: GPU, driver, torch and its CUDA;
#  2. `ganviz train` with the default device ("auto") picks CUDA (the metrics JSON says which device trained);
#  3. whole processes: `ganviz train` against the plain loop (benchmarks/plain_gan.py), 512×3 WGAN-GP, both on
#     CUDA (goal ≥ 1.0×), then 64×3 non-saturating (small nets are launch-bound on a GPU: expect the CPU to win);
#  4. steady state in one process, the same cases;
#  5. the frame builder's parts on a CUDA-trained net (what the window's worker pays per frame; the window
#     itself needs PySide6, whose wheel is larger than what may travel to the machine, so it is not drawn there).
# The GPU image has python3 with torch, numpy and scipy, which is all these steps import.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/ganviz-gpu-check}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
step() { printf '\n== %s\n' "$*"; }
{
    step "machine"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no nvidia-smi"
    $PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
    if ! $PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
        echo "no CUDA: the GPU checks cannot run here"
        exit 1
    fi

    step "ganviz train picks CUDA by default"
    $PY -m ganviz train --steps 50 --hidden 64 --quiet --metrics-out "$OUT/auto.json" &&
        $PY -c "import json; print('device:', json.load(open('$OUT/auto.json'))['device'])"

    step "whole processes on CUDA: ganviz train vs plain loop (ratio > 1: ganviz faster)"
    $PY benchmarks/bench_train.py --device cuda --whole --cases gp512 ns64 --rounds 3 --whole-seconds 8

    step "steady state on CUDA"
    $PY benchmarks/bench_train.py --device cuda --quick --cases gp512 ns64

    step "frame parts on a CUDA net (the window's worker)"
    $PY benchmarks/bench_frames.py --hidden 512 --repeats 15
} 2>&1 | tee "$OUT/gpu_check.log"
