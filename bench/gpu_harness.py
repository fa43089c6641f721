"""The GPU check's measuring kit (bench/gpu_check.py runs the sections): a result file rewritten after every
measurement within a time budget, timed loops that are warmed up and synchronised, a retry at half the batch on
running out of GPU memory, model-FLOPs utilisation against an assumed peak, and the record of the machine."""
from __future__ import annotations

import gc
import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

import torch

# dense tensor-core peaks of the H100/H200 SXM by NVIDIA's datasheet (the H200 has the H100's arithmetic)
PEAK_FLOPS = {"bf16": 989e12, "tf32": 494e12, "fp32_no_tensor_cores": 67e12}
PEAK_SOURCE = "NVIDIA H100/H200 SXM datasheet, dense (no sparsity); assumed for any GPU this runs on"


class Check:
    "The result dict, written atomically after every measurement, and the time budget."

    def __init__(self, out: Path, budget_s: float, tiny: bool, device: torch.device):
        self.out, self.budget_s, self.tiny, self.device = out, budget_s, tiny, device
        self.t0 = time.perf_counter()
        self.result = {"schema": 1, "tiny": tiny, "device": _device_name(device), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                       "finished": False, "budget_s": budget_s, "sections": {}}

    def left(self) -> float: return self.budget_s - (time.perf_counter() - self.t0)

    def save(self) -> None:
        self.result["elapsed_s"] = round(time.perf_counter() - self.t0, 2)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.out.with_name(f".{self.out.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_clean(self.result), indent=1) + "\n")
        os.replace(tmp, self.out)

    def section(self, name: str, fn, need_s: float = 0.0) -> None:
        "Run fn(entry) into result['sections'][name]; a failure is recorded there, never raised."
        entry = self.result["sections"].setdefault(name, {})
        if self.left() < need_s:
            entry.update(status="skipped", skipped=f"time budget of {self.budget_s:.0f} s: {max(self.left(), 0):.0f} s left, "
                                                   f"needs about {need_s:.0f} s")
            return self.save()
        print(f"[{time.perf_counter() - self.t0:6.1f} s] {name} ...", flush=True)
        t = time.perf_counter()
        entry["status"] = "running"  # what a run cut short leaves here
        self.save()
        try:
            fn(entry)
            if entry["status"] == "running": entry["status"] = "ok"
            if any(isinstance(v, dict) and v.get("status") == "failed" for v in entry.values()):
                entry["status"] = "partial"
        except Exception as e:
            entry.update(status="failed", error=_error(e))
            print(f"  {name} failed: {e!r}", flush=True)
        finally:
            entry["wall_s"] = round(time.perf_counter() - t, 2)
            _free()
            self.save()

    def measure(self, entry: dict, key: str, fn, need_s: float = 0.0) -> dict | None:
        "One measurement inside a section: its dict, or its failure, goes to entry[key]."
        if self.left() < need_s:
            entry[key] = {"status": "skipped", "skipped": f"time budget of {self.budget_s:.0f} s: {max(self.left(), 0):.0f} s left"}
            self.save()
            return None
        t = time.perf_counter()
        try:
            entry[key] = {"status": "ok", **fn()}
            print(f"  {key}: {brief(entry[key])}", flush=True)
        except Exception as e:
            entry[key] = {"status": "failed", "error": _error(e)}
            print(f"  {key} failed: {e!r}", flush=True)
        entry[key]["wall_s"] = round(time.perf_counter() - t, 2)
        _free()
        self.save()
        return entry[key] if entry[key]["status"] == "ok" else None


def _clean(o):
    "JSON-safe: non-finite floats become None, tuples lists, anything else odd a string."
    if isinstance(o, dict): return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)): return [_clean(v) for v in o]
    if isinstance(o, bool) or o is None or isinstance(o, (int, str)): return o
    if isinstance(o, float): return o if math.isfinite(o) else None
    try: return _clean(float(o))
    except (TypeError, ValueError): return str(o)


def _error(e: BaseException) -> str:
    return f"{e!r}\n{''.join(traceback.format_exception(e)[-6:])[-2000:]}"


def brief(d: dict) -> str:
    keys = ("steps_per_s", "images_per_s", "tflops", "achieved_tflops", "mfu", "peak_mem_mb", "batch")
    return ", ".join(f"{k}={d[k]:.4g}" if isinstance(d[k], float) else f"{k}={d[k]}" for k in keys if d.get(k) is not None)


def _free() -> None:
    gc.collect()
    if torch.cuda.is_available(): torch.cuda.empty_cache()


def _device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def sync(device: torch.device) -> None:
    if device.type == "cuda": torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda": torch.cuda.reset_peak_memory_stats(device)


def peak_memory(device: torch.device) -> dict:
    from bench.jointnet import _peak_mb
    return {"peak_mem_mb": round(_peak_mb(device), 1),
            "peak_mem_kind": "torch.cuda.max_memory_allocated" if device.type == "cuda" else "process peak RSS (only grows)"}


def autocast(device: torch.device, dtype: torch.dtype):
    return torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32)


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def timed(fn, device: torch.device, warmup: int, target_s: float, min_iters: int, max_iters: int) -> dict:
    "Seconds per call of fn: warm-up calls, one probe call that sizes the loop to about target_s, then the timed loop."
    for _ in range(warmup): fn()
    sync(device)
    t = time.perf_counter(); fn(); sync(device)
    probe = time.perf_counter() - t
    n = max(min_iters, min(max_iters, int(target_s / max(probe, 1e-6))))
    t = time.perf_counter()
    for _ in range(n): fn()
    sync(device)
    return {"s_per_iter": (time.perf_counter() - t) / n, "iters": n, "warmup_iters": warmup + 1}


def with_oom_retry(fn, batch: int, device: torch.device) -> dict:
    "fn(batch); on a CUDA out-of-memory error, again at half the batch (recorded)."
    ooms = []
    while True:
        try:
            r = fn(batch)
            return {**r, "oom_batches": ooms} if ooms else r
        except torch.cuda.OutOfMemoryError:
            if device.type != "cuda" or batch <= 1: raise
        # out of the except block, the failed call's frames (and their tensors) are gone: free, then halve
        ooms.append(batch)
        _free()
        batch //= 2


def mfu(flops_per_s: float | None, dtype_name: str, device: torch.device, matmul: dict) -> dict:
    "Model-FLOPs utilisation against the assumed dense peak and against the measured matmul of that precision."
    if flops_per_s is None: return {}
    peak_name = "bf16" if dtype_name.startswith("bf16") else "tf32"  # cuDNN runs fp32 convolutions in TF32 by default
    out = {"achieved_tflops": flops_per_s / 1e12, "peak_name": peak_name}
    if device.type == "cuda":
        out.update(peak_tflops_assumed=PEAK_FLOPS[peak_name] / 1e12, mfu=flops_per_s / PEAK_FLOPS[peak_name])
        ceiling = (matmul.get(peak_name) or {}).get("tflops")
        if ceiling: out["fraction_of_measured_matmul"] = flops_per_s / (ceiling * 1e12)
    else:
        out.update(peak_tflops_assumed=None, mfu=None)  # a CPU has no such peak here: MFU is for the GPU
    return out


def machine(device: torch.device) -> dict:
    import numpy
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "torch": torch.__version__, "numpy": numpy.__version__, "torch_threads": torch.get_num_threads()}
    from importlib.metadata import PackageNotFoundError, version
    for dist in ("diffusers", "accelerate", "huggingface_hub", "safetensors", "papermill", "ipykernel", "ipywidgets"):
        try: info[dist] = version(dist)  # read from the metadata: importing papermill here would hide what `imports` checks
        except PackageNotFoundError: info[dist] = None
    info["settings"] = {"cudnn.benchmark": torch.backends.cudnn.benchmark, "cudnn.allow_tf32": torch.backends.cudnn.allow_tf32,
                        "cuda.matmul.allow_tf32": torch.backends.cuda.matmul.allow_tf32,
                        "float32_matmul_precision": torch.get_float32_matmul_precision()}
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        info.update(gpu=p.name, capability=f"{p.major}.{p.minor}", sm_count=p.multi_processor_count,
                    gpu_mem_gib=round(p.total_memory / 2**30, 1), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version(), gpu_count=torch.cuda.device_count(),
                    CUDA_VISIBLE_DEVICES=os.environ.get("CUDA_VISIBLE_DEVICES"))
        info["nvidia_smi"] = _nvidia_smi()
    return info


def _nvidia_smi() -> str | None:
    try:
        query = "name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.draw,power.limit,temperature.gpu,memory.used,memory.total"
        return subprocess.run(["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"], check=False,
                              capture_output=True, text=True, timeout=15).stdout.strip()
    except Exception as e: return f"unavailable: {e!r}"
