"""Run the benchmarks and write one JSON per benchmark to bench/results/ (never part of the tests).

    python -m bench.run [--only synthsar jointnet ...] [--out bench/results]

Every figure is written beside its reference measured in the same run (e.g. SAR-JointNet beside a bare
diffusers UNet2DModel), with the machine it ran on.
"""
import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

BENCHES = ("synthsar", "jointnet", "saross", "main_job")


NUMERIC_PACKAGES = ("numpy", "scipy", "scikit-image", "diffusers", "accelerate", "safetensors")  # what a number passes through


def cpu_model() -> str:
    "The CPU's model name (/proc/cpuinfo where there is one)."
    info = Path("/proc/cpuinfo")
    if info.is_file():
        for line in info.read_text().splitlines():
            if line.startswith("model name"): return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict:
    """What a measured number depends on beyond the code: training amplifies float rounding, so a CPU with another
    instruction set (cpu_capability: AVX2, AVX512, ...) or other package versions gives other (equally valid) numbers."""
    info = {"python": sys.version.split()[0], "torch": torch.__version__, "platform": platform.platform(),
            "cpu": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "packages": {name: importlib.metadata.version(name) for name in NUMERIC_PACKAGES}}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info



REPRODUCING = ("cpu_capability", "torch", "packages")  # machine() keys a retrained number depends on


def machine_mismatch(recorded: dict,  # the `machine` of a results file
                     here: dict,      # machine() now
                     ) -> str | None:
    "Why a number recorded on `recorded` will not come out the same here (None: it should, bit for bit)."
    unknown = [k for k in REPRODUCING if k not in recorded]
    if unknown: return f"the record does not say its {', '.join(unknown)}, so it cannot be known to reproduce here"
    differ = [f"{k}: {recorded[k]} there, {here[k]} here" for k in REPRODUCING if recorded[k] != here[k]]
    return "; ".join(differ) or None

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=list(BENCHES), choices=BENCHES)
    ap.add_argument("--out", default="bench/results")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only:
        mod = importlib.import_module(f"bench.{name}")
        t0 = time.time()
        result = {"benchmark": name, "machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "results": mod.run()}
        result["wall_s"] = round(time.time() - t0, 2)
        tmp = out / f".{name}.json.tmp"
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, out / f"{name}.json")
        print(f"{name}: {out / (name + '.json')}")


if __name__ == "__main__":
    main()
