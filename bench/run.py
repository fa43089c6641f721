"""Run the benchmarks and write one JSON per benchmark to bench/results/ (never part of the tests).

    python -m bench.run [--only synthsar jointnet ...] [--out bench/results]

Every figure is written beside its reference measured in the same run (e.g. SAR-JointNet beside a bare
diffusers UNet2DModel), with the machine it ran on.
"""
import argparse
import importlib
import json
import os
import time
from pathlib import Path

from dakd_nb.machine import machine_record

BENCHES = ("synthsar", "jointnet", "saross", "main_job")


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
        result = {"benchmark": name, "machine": machine_record(), "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "results": mod.run()}
        result["wall_s"] = round(time.time() - t0, 2)
        tmp = out / f".{name}.json.tmp"
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, out / f"{name}.json")
        print(f"{name}: {out / (name + '.json')}")


if __name__ == "__main__":
    main()
