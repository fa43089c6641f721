"""The GPU path in one short run: SAR-JointNet and SAROSS-Net speed, MFU and memory, sampling, and a sweep (prints a table).

    python -m bench.gpu_check [--out PATH] [--tiny] [--budget-s S] [--only SECTION ...]

Made for one H100/H200-class GPU inside a few minutes (bench/gpu_check.sh is the one command to run there);
`--tiny` runs the same sections at toy sizes (32², 2 timed steps) on a CPU in seconds, which is what
tests/test_gpu_check.py does. Sections, each recorded even when another fails:

- `matmul`: an 8192³ bf16 (and tf32) matrix product, the practical ceiling to set MFU beside.
- `jointnet_flops`, `jointnet_train`: the paper profile's SAR-JointNet (`JointNetConfig.for_profile("paper")`) at
  256², its profile batch, training steps/s in fp32 and bf16 autocast (forward, loss, backward, AdamW; noise drawn
  on the device), model-FLOPs utilisation (FLOPs of one forward counted by FlopCounterMode, training = 3x that) against
  the assumed dense peak and against the measured matmul, peak memory. `bf16_package_loop` adds what
  `train_jointnet` does per step besides (CPU-seeded noise, gradient clipping, EMA, loss read back).
- `jointnet_sample`: `sample_jointnet` images/s with DDIM and DPM-Solver++ ("dpm"), fp32 and bf16 autocast.
- `saross_train`: SAROSS-Net at the paper profile's width (64), 256², student batch: training steps/s in fp32, bf16
  autocast and bf16 + channels_last, inference images/s, MFU, peak memory.
- `sweep`: a two-run sweep through `dakd_nb.sweeps.run_sweep`, one run per visible GPU at a time (CUDA_VISIBLE_DEVICES),
  each its own process: papermill where it is installed, else the notebook's code as a plain script (`--sweep-engine`).
  On a GPU it runs the main job at the tiny profile; with `--tiny`, the sweep tests' toy notebook.
- `extras` (only while the time budget lasts): SAR-JointNet bf16 with cudnn.benchmark on, and at twice the batch.

The JSON is rewritten after every measurement, so a run cut short still leaves what it measured; a failed
measurement holds its error and the rest still run. Every timed loop is warmed up first and synchronised
(bench/gpu_harness.py is the measuring kit).
"""
from __future__ import annotations

import argparse
import faulthandler
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench.gpu_harness import (DTYPES, PEAK_FLOPS, PEAK_SOURCE, Check, autocast, brief, machine, mfu, peak_memory, reset_peak,
                               sync, timed, with_oom_retry)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "results" / "gpu_check.json"
SECTIONS = ("matmul", "jointnet_flops", "jointnet_train", "jointnet_sample", "saross_train", "sweep", "extras")


def imports_section(entry: dict) -> None:
    "Import the modules the check uses, each on its own (papermill and ipywidgets must not be needed here)."
    for m in ("dakd_nb.core", "dakd_nb.jointnet", "dakd_nb.train_jointnet", "dakd_nb.saross", "dakd_nb.sweeps"):
        try:
            __import__(m)
            entry[m] = "ok"
        except Exception as e:
            entry[m] = f"failed: {e!r}"
            entry["status"] = "failed"
    entry["papermill_or_ipywidgets_loaded"] = sorted(m for m in ("papermill", "ipywidgets") if m in sys.modules)


def matmul_section(chk: Check, entry: dict) -> None:
    n = 256 if chk.tiny else 8192
    dev = chk.device
    entry["n"] = n

    def run(dtype, tf32):
        prev = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        try:
            a = torch.randn(n, n, device=dev, dtype=dtype)  # random data: zeros run faster than real data
            b = torch.randn(n, n, device=dev, dtype=dtype)
            t = timed(lambda: a @ b, dev, warmup=3, target_s=0.2 if chk.tiny else 1.0, min_iters=2 if chk.tiny else 10,
                      max_iters=2 if chk.tiny else 500)
            return {**t, "tflops": 2 * n ** 3 / t["s_per_iter"] / 1e12}
        finally:
            torch.backends.cuda.matmul.allow_tf32 = prev

    chk.measure(entry, "bf16", lambda: run(torch.bfloat16, False))
    chk.measure(entry, "tf32", lambda: run(torch.float32, True))


def _jointnet_parts(chk: Check):
    from dakd_nb.core import OSD_CLASSES
    from dakd_nb.train_jointnet import JointNetConfig, build_jointnet, build_scheduler
    cfg = JointNetConfig.for_profile("tiny" if chk.tiny else "paper")
    return cfg, OSD_CLASSES, build_jointnet, build_scheduler


B_OSD = 0.528  # the paper's balancing factor on OSD (b from data needs the data; speed does not depend on it)


def _jointnet_model(chk: Check, seed: int = 0):
    cfg, classes, build_jointnet, build_scheduler = _jointnet_parts(chk)
    torch.manual_seed(seed)
    return cfg, classes, build_jointnet(cfg, classes, B_OSD).to(chk.device), build_scheduler(cfg)


def jointnet_flops_section(chk: Check, entry: dict) -> None:
    from torch.utils.flop_counter import FlopCounterMode

    from dakd_nb.jointnet import jointnet_loss
    cfg, classes, model, sched = _jointnet_model(chk)
    k, s, dev = classes.num_classes, cfg.image_size, chk.device
    entry.update(profile="tiny" if chk.tiny else "paper", image_size=s, block_out_channels=list(cfg.block_out_channels),
                 layers_per_block=cfg.layers_per_block, params_m=sum(p.numel() for p in model.parameters()) / 1e6)
    x, y = torch.rand(1, 1, s, s, device=dev) * 2 - 1, torch.randint(0, k, (1, s, s), device=dev)
    with torch.no_grad(), FlopCounterMode(display=False) as c:
        model.eval()(x, torch.randn(1, k, s, s, device=dev), torch.tensor([500], device=dev))
    entry["fwd_flops_per_image"] = c.get_total_flops()
    entry["train_flops_per_image_3x_fwd"] = 3 * entry["fwd_flops_per_image"]
    model.train()
    with FlopCounterMode(display=False) as c:
        jointnet_loss(model, sched, x, y, B_OSD, k, ce_weight=1.0)["loss"].backward()
    entry["train_flops_per_image_counted"] = c.get_total_flops()  # forward + backward, counted
    entry["note"] = "a multiply-add = 2 FLOPs; MFU uses train = 3 x forward, as the brief asks"
    chk.result["jointnet_fwd_flops_per_image"] = entry["fwd_flops_per_image"]


def _timing(chk: Check, target_s: float) -> dict:
    if chk.tiny: return {"warmup": 1, "target_s": 0.0, "min_iters": 2, "max_iters": 2}
    return {"warmup": 3, "target_s": target_s, "min_iters": 5, "max_iters": 200}


def jointnet_train(chk: Check, dtype_name: str, batch: int, loop: str = "core", cudnn_benchmark: bool | None = None) -> dict:
    "Training steps/s of the profile's SAR-JointNet at one precision and batch."
    from dakd_nb.jointnet import jointnet_loss
    dev, dtype = chk.device, DTYPES[dtype_name]
    prev_bench = torch.backends.cudnn.benchmark
    if cudnn_benchmark is not None: torch.backends.cudnn.benchmark = cudnn_benchmark
    try:
        cfg, classes, model, sched = _jointnet_model(chk)
        k, s = classes.num_classes, cfg.image_size
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        ema = None
        if loop == "package":
            from diffusers.training_utils import EMAModel
            ema = EMAModel(model.parameters(), decay=cfg.ema_decay)
            ema.to(dev)
        x = torch.rand(batch, 1, s, s, device=dev) * 2 - 1
        y = torch.randint(0, k, (batch, s, s), device=dev)
        sync(dev); reset_peak(dev)
        count = [0]

        def step():
            # core: noise drawn on the device (generator None); package: as train_jointnet, a CPU generator per step
            g = torch.Generator().manual_seed(count[0]) if loop == "package" else None
            count[0] += 1
            with autocast(dev, dtype):
                parts = jointnet_loss(model, sched, x, y, B_OSD, k, ce_weight=1.0, generator=g)
            parts["loss"].backward()
            if loop == "package" and cfg.grad_clip: torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            opt.zero_grad(set_to_none=True)
            if ema is not None:
                ema.step(model.parameters())
                [float(v.detach()) for v in parts.values()]  # the history record reads every part back each step

        t = timed(step, dev, **_timing(chk, target_s=8.0))
        peak = peak_memory(dev)
        with torch.no_grad(), autocast(dev, dtype):
            loss = float(jointnet_loss(model, sched, x, y, B_OSD, k, ce_weight=1.0)["loss"])
        if not math.isfinite(loss): raise FloatingPointError(f"loss is {loss} after {count[0]} steps")
        flops = chk.result.get("jointnet_fwd_flops_per_image")
        steps_per_s = 1 / t["s_per_iter"]
        return {"batch": batch, "image_size": s, "dtype": dtype_name, "loop": loop, "steps_per_s": steps_per_s,
                "images_per_s": steps_per_s * batch, **t, **peak,
                "cudnn_benchmark": torch.backends.cudnn.benchmark, "loss_after": loss,
                **mfu(3 * flops * batch * steps_per_s if flops else None, dtype_name, dev,
                       chk.result["sections"].get("matmul", {}))}
    finally:
        torch.backends.cudnn.benchmark = prev_bench


def jointnet_train_section(chk: Check, entry: dict) -> None:
    cfg = _jointnet_parts(chk)[0]
    entry["profile_batch"] = cfg.batch_size
    entry["note"] = ("core: jointnet_loss forward + backward + AdamW, noise drawn on the device; package_loop: also a "
                     "CPU-seeded generator per step, grad clipping, EMA and the loss parts read back, as train_jointnet does")
    for name, dt in (("bf16", "bf16"), ("fp32", "fp32")):
        chk.measure(entry, name, lambda dt=dt: with_oom_retry(lambda b: jointnet_train(chk, dt, b), cfg.batch_size, chk.device))
    chk.measure(entry, "bf16_package_loop", lambda: with_oom_retry(
        lambda b: jointnet_train(chk, "bf16", b, loop="package"), cfg.batch_size, chk.device))


def jointnet_sample_section(chk: Check, entry: dict) -> None:
    from dakd_nb.sampling import SAMPLERS, sample_jointnet
    cfg, _, model, sched = _jointnet_model(chk)
    model.eval()
    dev = chk.device
    batch, steps = cfg.batch_size, (2 if chk.tiny else 50)
    entry.update(batch=batch, steps=steps, image_size=cfg.image_size, samplers_known=list(SAMPLERS),
                 note="one timed call of sample_jointnet(n=batch, batch_size=batch) after a 2-step warm-up; "
                      "bf16 is autocast around the call (weights and the sampler state stay fp32); untrained weights")
    flops = chk.result.get("jointnet_fwd_flops_per_image")
    for sampler in ("ddim", "dpm"):
        for dt in ("fp32", "bf16"):
            def run(sampler=sampler, dt=dt):
                with autocast(dev, DTYPES[dt]):
                    sample_jointnet(model, sched, batch, sampler, 2, torch.Generator().manual_seed(0), batch_size=batch)
                sync(dev); reset_peak(dev)
                t = time.perf_counter()
                with autocast(dev, DTYPES[dt]):
                    out = sample_jointnet(model, sched, batch, sampler, steps, torch.Generator().manual_seed(0), batch_size=batch)
                sync(dev)
                wall = time.perf_counter() - t
                if not (torch.isfinite(out["image"]).all() and torch.isfinite(out["soft"]).all()):
                    raise FloatingPointError(f"{sampler} {dt}: non-finite samples")
                return {"images_per_s": batch / wall, "s_per_call": wall, "s_per_step": wall / steps,
                        "model_evals_per_s": steps / wall, **peak_memory(dev),
                        **mfu(flops * batch * steps / wall if flops else None, dt, dev, chk.result["sections"].get("matmul", {}))}
            chk.measure(entry, f"{sampler}_{dt}", run)


def saross_train(chk: Check, dtype_name: str, channels_last: bool, batch: int, width: int, size: int) -> dict:
    "Training steps/s (cross-entropy, AdamW) and inference images/s of SAROSS-Net at one precision and layout."
    import torch.nn.functional as F

    from dakd_nb.saross import build_segmenter
    dev, dtype = chk.device, DTYPES[dtype_name]
    torch.manual_seed(0)
    model = build_segmenter(num_classes=5, width=width).to(dev)
    x = torch.rand(batch, 1, size, size, device=dev) * 2 - 1
    y = torch.randint(0, 5, (batch, size, size), device=dev)
    if channels_last: model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    sync(dev); reset_peak(dev)

    def train_step():
        with autocast(dev, dtype):
            loss = F.cross_entropy(model(x).float(), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    def infer():
        with torch.no_grad(), autocast(dev, dtype):
            model(x)

    model.train()
    t = timed(train_step, dev, **_timing(chk, target_s=4.0))
    peak = peak_memory(dev)
    with torch.no_grad(), autocast(dev, dtype):
        loss = float(F.cross_entropy(model(x).float(), y))
    if not math.isfinite(loss): raise FloatingPointError(f"loss is {loss}")
    model.eval()
    ti = timed(infer, dev, **_timing(chk, target_s=2.0))
    flops = chk.result.get("saross_fwd_flops_per_image")
    steps_per_s = 1 / t["s_per_iter"]
    return {"batch": batch, "image_size": size, "width": width, "dtype": dtype_name, "channels_last": channels_last,
            "steps_per_s": steps_per_s, "images_per_s": steps_per_s * batch, **t,
            "infer_images_per_s": batch / ti["s_per_iter"], **peak, "loss_after": loss,
            **mfu(3 * flops * batch * steps_per_s if flops else None, dtype_name, dev, chk.result["sections"].get("matmul", {}))}


def saross_train_section(chk: Check, entry: dict) -> None:
    from torch.utils.flop_counter import FlopCounterMode

    from dakd_nb.profiles import PROFILES
    from dakd_nb.saross import build_segmenter
    prof = "tiny" if chk.tiny else "paper"
    width = PROFILES[prof]["segmenter"]["width"]
    batch = PROFILES[prof]["student"]["batch_size"]
    size = PROFILES[prof]["data"]["size"]
    model = build_segmenter(num_classes=5, width=width).to(chk.device).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as c:
        model(torch.rand(1, 1, size, size, device=chk.device) * 2 - 1)
    entry.update(profile=prof, model="saross (CAFT on, ResNet-18-like encoder)", width=width, image_size=size,
                 profile_batch=batch, params_m=sum(p.numel() for p in model.parameters()) / 1e6,
                 fwd_flops_per_image=c.get_total_flops(),
                 note="cross-entropy + AdamW per step (distill's KD and Dice terms are element-wise, left out)")
    chk.result["saross_fwd_flops_per_image"] = entry["fwd_flops_per_image"]
    del model
    for key, dt, cl in (("fp32", "fp32", False), ("bf16", "bf16", False), ("bf16_channels_last", "bf16", True)):
        chk.measure(entry, key, lambda dt=dt, cl=cl: with_oom_retry(
            lambda b: saross_train(chk, dt, cl, b, width, size), batch, chk.device))


def sweep_section(chk: Check, entry: dict, engine: str = "auto") -> None:
    from dakd_nb.notebook_runs import LOGS, resolve_engine
    from dakd_nb.sweeps import Sweep, run_sweep, visible_gpus
    if chk.tiny: nb, base, timeout = ROOT / "tests" / "nbs_fixtures" / "toy_train.ipynb", {"profile": "tiny"}, 60.0
    else: nb, base, timeout = ROOT / "nbs" / "03_train_saross.ipynb", {"profile": "tiny", "dataset": "synthsar"}, None
    left = chk.left()
    timeout = timeout or min(150.0, max(30.0, (left - 10) / 2))  # two runs on one GPU run one after the other
    sweep = Sweep.from_dict({"name": "gpu_check", "base": base, "grid": {"kd_weight": [1.0, 0.5]}, "seeds": [0]})
    gpus = visible_gpus() if chk.device.type == "cuda" else []
    engine = resolve_engine(engine)
    entry.update(notebook=str(nb.relative_to(ROOT)), base=base, devices=gpus or ["cpu"], timeout_per_run_s=round(timeout, 1),
                 engine=engine)
    with tempfile.TemporaryDirectory(prefix="gpu_check_sweep_") as tmp:
        # the runs work in a folder of their own (so the main job skips its README-only display cell, which needs
        # IPython) and import dakd_nb from this checkout
        prev = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), prev) if p)
        try:
            runs = run_sweep(sweep, nb, Path(tmp) / "sweep", devices=gpus, timeout_s=timeout, cwd=tmp, report=False,
                             progress=False, engine=engine)
        finally:
            if prev is None: os.environ.pop("PYTHONPATH")
            else: os.environ["PYTHONPATH"] = prev
        for name, rec in runs.items():
            info = {k: rec.get(k) for k in ("status", "device", "wall_s", "error")}
            res = Path(tmp) / "sweep" / name / "results.json"
            if res.exists():
                r = json.loads(res.read_text())
                info["results_status"] = r.get("status")
                info["miou"] = {k: v.get("miou") for k, v in (r.get("test") or {}).items() if isinstance(v, dict)}
                if r.get("env"): info["env"] = r["env"]
            log = Path(tmp) / "sweep" / name / LOGS[engine]
            if rec.get("status") != "ok" and log.exists(): info["log_tail"] = log.read_text(errors="replace")[-3000:]
            entry.setdefault("runs", {})[name] = info
    entry["status"] = "ok" if all(r["status"] == "ok" for r in entry["runs"].values()) else "failed"


def extras_section(chk: Check, entry: dict) -> None:
    cfg = _jointnet_parts(chk)[0]
    chk.measure(entry, "jointnet_bf16_cudnn_benchmark",
                lambda: with_oom_retry(lambda b: jointnet_train(chk, "bf16", b, cudnn_benchmark=True), cfg.batch_size, chk.device),
                need_s=0 if chk.tiny else 30)
    chk.measure(entry, "jointnet_bf16_batch_x2",
                lambda: with_oom_retry(lambda b: jointnet_train(chk, "bf16", b), 2 * cfg.batch_size, chk.device),
                need_s=0 if chk.tiny else 30)


# ----------------------------------------------------------------------------------------------- main
def _table(res: dict) -> str:
    "One line per measurement, for the end of the log."
    def why(d): return (d.get("skipped") or d.get("error") or "").splitlines()[0][:90] if (d.get("skipped") or d.get("error")) else ""
    rows = []
    for sec, e in res["sections"].items():
        subs = {k: v for k, v in e.items() if isinstance(v, dict) and "status" in v}
        if not subs: rows.append(f"{sec:16} {'':26} {e.get('status', '?'):8} {why(e)}")
        for k, v in subs.items():
            rows.append(f"{sec:16} {k:26} {v['status']:8} {brief(v) if v['status'] == 'ok' else why(v)}")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help=f"JSON file (default {DEFAULT_OUT.relative_to(ROOT)}; "
                    "with --tiny, gpu_check_tiny.json beside it)")
    ap.add_argument("--tiny", action="store_true", help="toy sizes (32², 2 timed steps): runs on a CPU in seconds")
    ap.add_argument("--device", default="auto", help="auto (cuda if available), cuda, cuda:N or cpu")
    ap.add_argument("--budget-s", type=float, default=None, help="stop starting measurements after this long "
                    "(default 300 on a GPU, 120 with --tiny)")
    ap.add_argument("--only", nargs="*", choices=SECTIONS, default=None, help="run only these sections")
    ap.add_argument("--no-sweep", action="store_true", help="leave out the sweep")
    ap.add_argument("--sweep-engine", default="auto", choices=["auto", "papermill", "python"],
                    help="how the sweep's runs execute (auto: papermill when installed, else the notebook as a script)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default 1 on a CPU: oversubscribed "
                    "OpenMP threads spin on a shared machine; the GPU run leaves torch's default)")
    args = ap.parse_args(argv)
    dev = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    if dev.type == "cpu" and not args.tiny:
        print("no GPU here: the paper-size check would take hours on a CPU; pass --tiny for the CPU-sized run", file=sys.stderr)
        return 2
    if args.threads or dev.type == "cpu": torch.set_num_threads(args.threads or 1)
    out = args.out or (DEFAULT_OUT.with_name("gpu_check_tiny.json") if args.tiny else DEFAULT_OUT)
    budget = args.budget_s if args.budget_s is not None else (120.0 if args.tiny else 300.0)
    faulthandler.dump_traceback_later(budget + 90, exit=True)  # a hang prints where it hung and ends the run
    if dev.type == "cuda" and dev.index is not None: torch.cuda.set_device(dev)
    chk = Check(out, budget, args.tiny, dev)
    chk.result["peak_flops_assumed"] = {**{k: v / 1e12 for k, v in PEAK_FLOPS.items()}, "unit": "TFLOP/s", "source": PEAK_SOURCE}
    chk.section("machine", lambda e: e.update(machine(dev)))
    chk.section("imports", imports_section)
    only = set(args.only or SECTIONS) - ({"sweep"} if args.no_sweep else set())
    plan = [("matmul", matmul_section, 0), ("jointnet_flops", jointnet_flops_section, 0),
            ("jointnet_train", jointnet_train_section, 0), ("jointnet_sample", jointnet_sample_section, 0),
            ("saross_train", saross_train_section, 0), ("sweep", lambda c, e: sweep_section(c, e, args.sweep_engine), 0 if args.tiny else 60),
            ("extras", extras_section, 0 if args.tiny else 30)]
    for name, fn, need in plan:
        if name in only: chk.section(name, lambda e, fn=fn: fn(chk, e), need_s=need)
    chk.result["finished"] = True
    chk.save()
    faulthandler.cancel_dump_traceback_later()
    print(_table(chk.result))
    print(f"wrote {out} in {chk.result['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
