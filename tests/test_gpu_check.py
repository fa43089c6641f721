"""bench/gpu_check.py, the prepared GPU check, and its measuring kit bench/gpu_harness.py: its CPU-sized run (--tiny) writes
the same JSON a GPU run writes, with every section and measurement there and every figure finite; failures and
out-of-memory are recorded, not raised."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench/ is not installed: plain `pytest` does not put the checkout on sys.path
from bench import gpu_check, gpu_harness

MEASUREMENTS = {"matmul": {"bf16", "tf32"},
                "jointnet_train": {"bf16", "fp32", "bf16_package_loop"},
                "jointnet_sample": {"ddim_fp32", "ddim_bf16", "dpm_fp32", "dpm_bf16"},
                "saross_train": {"fp32", "bf16", "bf16_channels_last"},
                "extras": {"jointnet_bf16_cudnn_benchmark", "jointnet_bf16_batch_x2"}}
RATES = ("steps_per_s", "images_per_s", "infer_images_per_s", "tflops", "achieved_tflops", "s_per_iter",
         "s_per_call", "peak_mem_mb", "fwd_flops_per_image", "train_flops_per_image_counted", "params_m")


def numbers(o, path=""):
    "Every number in a JSON tree, with its path."
    if isinstance(o, dict):
        for k, v in o.items(): yield from numbers(v, f"{path}.{k}")
    elif isinstance(o, list):
        for i, v in enumerate(o): yield from numbers(v, f"{path}[{i}]")
    elif isinstance(o, (int, float)) and not isinstance(o, bool):
        yield path, o


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu_check") / "gpu_check.json"
    proc = subprocess.run([sys.executable, "-m", "bench.gpu_check", "--tiny", "--device", "cpu", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


def test_tiny_run_writes_every_section(tiny_run):
    res, stdout = tiny_run
    assert res["finished"] and res["tiny"] and res["device"] == "cpu"
    assert res["peak_flops_assumed"]["bf16"] == 989 and res["peak_flops_assumed"]["tf32"] == 494
    secs = res["sections"]
    assert set(secs) == {"machine", "imports", *gpu_check.SECTIONS}
    for name, sec in secs.items():
        assert sec["status"] in ("ok", "skipped"), (name, sec)
    assert secs["sweep"]["status"] == "ok" and secs["sweep"]["engine"] == "papermill"  # installed here: auto picks it
    assert [r["status"] for r in secs["sweep"]["runs"].values()] == ["ok", "ok"]
    for name, keys in MEASUREMENTS.items():
        assert keys <= set(secs[name]), name
        for k in keys:
            m = secs[name][k]
            assert m["status"] == "ok", (name, k, m)
            assert any(r in m for r in ("steps_per_s", "images_per_s", "tflops")), (name, k)
    # the numbers that matter on the GPU, here at toy size
    jt = secs["jointnet_train"]
    assert jt["bf16"]["batch"] == jt["profile_batch"] and jt["bf16"]["dtype"] == "bf16" and jt["fp32"]["dtype"] == "fp32"
    assert jt["bf16"]["mfu"] is None and jt["bf16"]["achieved_tflops"] > 0  # MFU is for a GPU; a CPU has no such peak
    flops = secs["jointnet_flops"]
    assert 0.8 < flops["train_flops_per_image_counted"] / flops["train_flops_per_image_3x_fwd"] < 1.25
    assert secs["saross_train"]["bf16_channels_last"]["channels_last"] is True
    assert secs["imports"]["papermill_or_ipywidgets_loaded"] == []  # the modules the check uses don't need them
    # every figure is finite and none negative; the rates are positive
    found = list(numbers(res))
    assert all(math.isfinite(v) and v >= 0 for _, v in found), [p for p, v in found if not (math.isfinite(v) and v >= 0)]
    rates = [(p, v) for p, v in found if p.rsplit(".", 1)[-1] in RATES]
    assert len(rates) > 30 and all(v > 0 for _, v in rates), [p for p, v in rates if v <= 0]
    assert "wrote" in stdout.splitlines()[-1]  # the summary table ends the log


def test_the_sweep_runs_without_papermill(tmp_path):
    "The device image has no papermill: the two runs go as plain scripts, one process each, with their results."
    out = tmp_path / "sweep.json"
    proc = subprocess.run([sys.executable, "-m", "bench.gpu_check", "--tiny", "--device", "cpu", "--only", "sweep",
                           "--sweep-engine", "python", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sweep = json.loads(out.read_text())["sections"]["sweep"]
    assert sweep["status"] == "ok" and sweep["engine"] == "python" and sweep["devices"] == ["cpu"], sweep
    runs = sweep["runs"]
    assert len(runs) == 2 and all(r["status"] == "ok" and r["results_status"] == "ok" for r in runs.values()), runs
    assert all(set(r["miou"]) == {"baseline", "dakd"} for r in runs.values())
    assert len({r["miou"]["dakd"] for r in runs.values()}) == 2  # kd_weight 1.0 and 0.5 reached the job


def test_a_failure_is_recorded_and_the_rest_still_runs(tmp_path):
    chk = gpu_harness.Check(tmp_path / "r.json", budget_s=60, tiny=True, device=torch.device("cpu"))

    def broken(entry):
        chk.measure(entry, "good", lambda: {"steps_per_s": 1.0})
        chk.measure(entry, "bad", lambda: 1 / 0)
    chk.section("one", broken)
    chk.section("two", lambda e: (_ for _ in ()).throw(RuntimeError("boom")))
    chk.section("three", lambda e: e.update(x=float("nan")))
    res = json.loads((tmp_path / "r.json").read_text())["sections"]
    assert res["one"]["status"] == "partial" and res["one"]["good"]["status"] == "ok"
    assert "ZeroDivisionError" in res["one"]["bad"]["error"]
    assert res["two"]["status"] == "failed" and "boom" in res["two"]["error"]
    assert res["three"]["status"] == "ok" and res["three"]["x"] is None  # NaN is written as null, never as NaN
    chk.budget_s = -1
    chk.section("four", lambda e: e.update(ran=True), need_s=10)
    assert "time budget" in json.loads((tmp_path / "r.json").read_text())["sections"]["four"]["skipped"]


def test_out_of_memory_halves_the_batch():
    def fn(batch):
        if batch > 8: raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return {"batch": batch}
    assert gpu_harness.with_oom_retry(fn, 32, torch.device("cuda")) == {"batch": 8, "oom_batches": [32, 16]}
    with pytest.raises(torch.cuda.OutOfMemoryError):
        gpu_harness.with_oom_retry(fn, 32, torch.device("cpu"))


def test_the_device_script():
    sh = (ROOT / "bench" / "gpu_check.sh").read_text()
    assert subprocess.run(["bash", "-n", str(ROOT / "bench" / "gpu_check.sh")], check=False).returncode == 0
    assert "--no-index --no-deps" in sh and ".whl/*.whl" in sh and "python3 -m bench.gpu_check" in sh and 'OUT_DIR="${OUT:-' in sh
    assert subprocess.run([sys.executable, "-m", "bench.gpu_check", "--device", "cpu"], cwd=ROOT, check=False,
                          capture_output=True, timeout=120).returncode == 2  # the full size is refused on a CPU
