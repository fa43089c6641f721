"""SynthSAR generation speed: images/s per scene size, on one core, against the rate at which a training step of
the cpu-quick SAROSS-Net consumes images of the same size in the same run (prints JSON). A ratio above 1 means
the data never makes training wait, even from a single loader process."""
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
    from dakd_nb.synthsar import SynthSAR
    torch.set_num_threads(1)
    rates = {}
    for size in sizes:
        ds = SynthSAR(n, size=size, seed=0)
        ds[0]  # warm-up: caches, first-call imports
        t0 = time.perf_counter()
        for i in range(n): ds[i]
        rates[str(size)] = n / (time.perf_counter() - t0)
    consumed = {str(size): _training_images_per_s(size) for size in sizes}
    ratio = {k: rates[k] / consumed[k] for k in rates}
    return {"bench": "synthsar", "unit": "images/s", "n": n, "images_per_s": rates,
            "reference": "SAROSS-Net (width 8) training images/s, batch 8, same size, one thread",
            "reference_images_per_s": consumed, "ratio_generation_over_training": ratio,
            "threads": 1, "numpy": np.__version__, "torch": torch.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count()}


def _training_images_per_s(size: int, batch: int = 8, steps: int = 5) -> float:
    "Images/s that AdamW steps of the cpu-quick SAROSS-Net consume at this size."
    from dakd_nb.saross import build_segmenter
    torch.manual_seed(0)
    model = build_segmenter("saross", num_classes=5, width=8)
    opt = torch.optim.AdamW(model.parameters())
    x, y = torch.randn(batch, 1, size, size), torch.randint(0, 5, (batch, size, size))
    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    step()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    return batch * steps / (time.perf_counter() - t0)


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
