"""SynthSAR generation speed: images/s per scene size, on one core (prints JSON)."""
import json
import os
import platform
import time

import numpy as np
import torch


def run(sizes=(64, 256),  # scene sides to time
        n=200,            # items per size
        ) -> dict:
    "Items/s of `SynthSAR` (generation + conversion to the model's tensors), per size, one thread."
    from dakd_nb.data import SynthSAR
    torch.set_num_threads(1)
    rates = {}
    for size in sizes:
        ds = SynthSAR(n, size=size, seed=0)
        ds[0]  # warm-up: caches, first-call imports
        t0 = time.perf_counter()
        for i in range(n): ds[i]
        rates[str(size)] = n / (time.perf_counter() - t0)
    return {"bench": "synthsar", "unit": "images/s", "n": n, "images_per_s": rates,
            "threads": 1, "numpy": np.__version__, "torch": torch.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count()}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
