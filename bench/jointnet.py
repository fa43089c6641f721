"""SAR-JointNet speed and memory against one diffusers UNet2DModel of the same width (a benchmark, not a test).

`run()` returns a dict and `python -m bench.jointnet` prints it as JSON. Measured in one process, on the same
device: training steps/s (SAR-JointNet loss, AdamW step) and sampling images/s (DDIM) of SAR-JointNet and of a
single UNet2DModel on the concatenated channels with the same block widths (the paper's "DDPM" reference), and
peak memory (GPU: torch.cuda.max_memory_allocated per variant; CPU: the process's peak RSS so far, which only
grows: the single UNet is measured first, so its figure is its own and SAR-JointNet's is the larger of the two).
On a shared CPU, pass threads=1: oversubscribed OpenMP threads spin and distort the ratio. On a GPU the paper profile's
256² network is also measured in bf16.
"""
import json
import resource
import sys
import time

import torch

from dakd_nb.train_jointnet import JointNetConfig, build_jointnet, build_scheduler
from dakd_nb.jointnet import jointnet_loss
from dakd_nb.sampling import sample_jointnet
from dakd_nb.core import OSD_CLASSES


def _peak_mb(device: torch.device) -> float:
    if device.type == "cuda": return torch.cuda.max_memory_allocated(device) / 2**20
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024


def _time(fn, repeats: int, device: torch.device) -> float:
    fn()  # warm-up (allocations, kernels)
    if device.type == "cuda": torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats): fn()
    if device.type == "cuda": torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


def measure(variant: str, cfg: JointNetConfig, device: torch.device, dtype: torch.dtype, batch: int,
            train_repeats: int, sample_steps: int) -> dict:
    "Training steps/s and DDIM images/s of one generator variant."
    cfg = JointNetConfig(**{**cfg.__dict__, "variant": variant})
    model = build_jointnet(cfg, OSD_CLASSES, b=0.528 if variant == "sar_jointnet" else 1.0).to(device)
    sched, k, s = build_scheduler(cfg), OSD_CLASSES.num_classes, cfg.image_size
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.rand(batch, 1, s, s, device=device) * 2 - 1
    y = torch.randint(0, k, (batch, s, s), device=device)
    g = torch.Generator().manual_seed(0)
    if device.type == "cuda": torch.cuda.reset_peak_memory_stats(device)

    def step():
        with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            loss = jointnet_loss(model, sched, x, y, model.config.balance_factor, k,
                                 ce_weight=1.0 if variant == "sar_jointnet" else 0.0, generator=g)["loss"]
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)

    t_train = _time(step, train_repeats, device)

    def sample():
        with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            sample_jointnet(model.eval(), sched, batch, "ddim", sample_steps, torch.Generator().manual_seed(0), batch_size=batch)

    t_sample = _time(sample, 1, device)
    return {"params_m": sum(p.numel() for p in model.parameters()) / 1e6, "train_steps_per_s": 1 / t_train,
            "sample_images_per_s": batch / t_sample, "peak_mb": _peak_mb(device)}


def run(device: str | None = None, threads: int | None = None) -> dict:
    "Benchmark SAR-JointNet against a single UNet2DModel of the same width; returns a JSON-able dict."
    if threads: torch.set_num_threads(threads)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    quick = JointNetConfig.for_profile("cpu-quick")
    out = {"device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
           "torch_threads": torch.get_num_threads(), "runs": []}
    settings = [("cpu-quick", quick, torch.float32, 16, 5, 10)]
    if dev.type == "cuda":
        settings.append(("paper-256-bf16", JointNetConfig.for_profile("paper"), torch.bfloat16, 16, 10, 50))
    for name, cfg, dtype, batch, reps, steps in settings:
        for variant in ("ddpm", "sar_jointnet"):
            r = measure(variant, cfg, dev, dtype, batch, reps, steps)
            out["runs"].append({"setting": name, "variant": variant, "image_size": cfg.image_size, "batch": batch,
                                "dtype": str(dtype).replace("torch.", ""), "sample_steps": steps, **r})
    # SAR-JointNet's figures as ratios to the single UNet2DModel measured in the same run
    by = {(r["setting"], r["variant"]): r for r in out["runs"]}
    out["ratio_sar_jointnet_to_unet2d"] = {
        name: {k: by[(name, "sar_jointnet")][k] / by[(name, "ddpm")][k]
               for k in ("params_m", "train_steps_per_s", "sample_images_per_s", "peak_mb")}
        for name, *_ in settings}
    return out


if __name__ == "__main__":
    args = dict(a.split("=", 1) for a in sys.argv[1:])  # e.g. device=cpu threads=1
    json.dump(run(args.get("device"), int(args["threads"]) if "threads" in args else None), sys.stdout, indent=1)
    print()
