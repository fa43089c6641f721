"""SAROSS-Net speed, memory and FLOPs, with CAFT on and off, beside the plain UNet, in one run (prints JSON).

    python -m bench.saross [--device auto|cpu|cuda]

Each (model, precision) is measured in its own spawned process, so the CPU peak RSS (ru_maxrss) belongs to
that model alone. On a GPU the paper-like size (width 64, 256x256) is timed in fp32 and in bf16 autocast
with channels_last; on a CPU the tiny profile (width 8, 64x64). FLOPs per forward (one image, counted by
torch.utils.flop_counter, a multiply-add = 2 FLOPs) are also given at width 64 and 256x256 for every model,
to set beside the paper's Table E (CAFT: +11.45 GFLOPs, input size not recovered).
"""
import argparse
import json
import multiprocessing as mp
import resource
import time

import torch
import torch.nn.functional as F

MODELS = {"saross": dict(name="saross", use_caft=True), "saross_no_caft": dict(name="saross", use_caft=False),
          "unet": dict(name="unet")}


def _flops(model, size: int) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.eval()(torch.zeros(1, 1, size, size))
    return counter.get_total_flops()


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _measure(key: str, width: int, size: int, batch: int, steps: int, device: str, bf16: bool) -> dict:
    "Train steps/s, inference images/s and peak memory of one model (runs in a fresh process)."
    from dakd_nb.saross import build_segmenter
    torch.manual_seed(0)
    device = torch.device(device)
    model = build_segmenter(num_classes=5, width=width, **MODELS[key]).to(device)
    x = torch.rand(batch, 1, size, size, device=device) * 2 - 1
    y = torch.randint(5, (batch, size, size), device=device)
    if bf16:
        model, x = model.to(memory_format=torch.channels_last), x.to(memory_format=torch.channels_last)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def train_step():
        with autocast:
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def infer():
        with torch.no_grad(), autocast:
            model(x)

    out = {"params": sum(p.numel() for p in model.parameters())}
    for name, fn, mode in (("train_steps_per_s", train_step, model.train), ("infer_images_per_s", infer, model.eval)):
        mode()
        for _ in range(2):  # warm-up: allocator, cudnn autotuning
            fn()
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        _sync(device)
        rate = steps / (time.perf_counter() - t0)
        out[name] = round(rate * (batch if name.startswith("infer") else 1), 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if device.type == "cuda":
        out["peak_gpu_mem_mb"] = round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)
    return out


def _in_fresh_process(*args) -> dict:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_measure, args)


def run(device: str = "auto",  # "auto", "cpu" or "cuda"
        steps: int | None = None,  # timed iterations per measurement; None: 10 on CPU, 30 on GPU
        ) -> dict:
    "Steps/s, images/s, params, peak memory and FLOPs of SAROSS-Net (CAFT on/off) and PlainUNet."
    from dakd_nb.saross import build_segmenter
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    gpu = device.startswith("cuda")
    width, size, batch = (64, 256, 16) if gpu else (8, 64, 8)
    steps = steps or (30 if gpu else 10)
    precisions = {"fp32": False, "bf16_channels_last": True} if gpu else {"fp32": False}
    result = {"bench": "saross", "device": torch.cuda.get_device_name(0) if gpu else "cpu",
              "config": dict(width=width, size=size, batch=batch, steps=steps, num_classes=5), "models": {}}
    for key in MODELS:
        entry = {"flops_per_forward": _flops(build_segmenter(num_classes=5, width=width, **MODELS[key]), size),
                 "gflops_per_forward_w64_256": round(_flops(build_segmenter(num_classes=5, width=64, **MODELS[key]), 256) / 1e9, 3)}
        for prec, bf16 in precisions.items():
            entry[prec] = _in_fresh_process(key, width, size, batch, steps, device, bf16)
        result["models"][key] = entry
    m = result["models"]
    result["caft_extra"] = {"params": m["saross"]["fp32"]["params"] - m["saross_no_caft"]["fp32"]["params"],
                            "gflops_w64_256": round(m["saross"]["gflops_per_forward_w64_256"]
                                                    - m["saross_no_caft"]["gflops_per_forward_w64_256"], 3)}
    # every figure also as a ratio to the plain UNet measured in the same run (same precision)
    result["ratio_to_unet"] = {key: {prec: {k: m[key][prec][k] / m["unet"][prec][k]
                                            for k in ("params", "train_steps_per_s", "infer_images_per_s", "peak_rss_mb")
                                            if k in m[key][prec] and m["unet"][prec].get(k)}
                                     for prec in precisions} for key in m if key != "unet"}
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--steps", type=int, default=None)
    print(json.dumps(run(**vars(ap.parse_args())), indent=2))
