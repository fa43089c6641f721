"""The main job, headless through papermill with tiny parameters: it runs, a rerun resumes instead of redoing,
a run killed at a random moment (SIGKILL) and restarted ends with exactly the same results, and bad parameters
or an unusable output folder fail before any work."""
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "nbs" / "03_train_saross.ipynb"
TINY = dict(profile="tiny", seed=1, n_real=6)


def papermill_args(out_nb: Path, **params) -> list[str]:
    args = [str(Path(sys.executable).parent / "papermill"), str(NB), str(out_nb), "--cwd", str(ROOT)]
    for k, v in params.items(): args += ["-p", k, str(v)]
    return args


def papermill(out_nb: Path, **params) -> subprocess.CompletedProcess:
    return subprocess.run(papermill_args(out_nb, **params), capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    "One uninterrupted tiny run: (its folder, its results)."
    tmp = tmp_path_factory.mktemp("main")
    res = papermill(tmp / "out.ipynb", output_dir=tmp / "run", **TINY)
    assert res.returncode == 0, res.stderr[-5000:]
    return tmp / "run", json.loads((tmp / "run" / "results.json").read_text())


def test_main_job_tiny(tiny_run):
    run, results = tiny_run
    assert results["status"] == "ok"
    assert results["params"]["n_real"] == 6 and results["params"]["n_generated"] == 24  # -p reached the notebook
    for student in ("baseline", "dakd"):
        m = results["test"][student]
        assert 0 <= m["miou"] <= 1 and set(m["iou"]) == set(results["classes"])
    for f in ("confusion.png", "predictions.png", "student_dakd/curves.png", "augmentation/index.json"):
        assert (run / f).stat().st_size > 0, f


def test_rerun_reads_back_finished_stages(tiny_run, tmp_path):
    run, results = tiny_run
    best = run / "student_dakd" / "best" / "model.safetensors"
    stamp = best.stat().st_mtime_ns
    res = papermill(tmp_path / "out2.ipynb", output_dir=run, **TINY)
    assert res.returncode == 0, res.stderr[-5000:]
    assert best.stat().st_mtime_ns == stamp, "a finished student must be read back, not retrained"
    assert json.loads((run / "results.json").read_text())["test"] == results["test"]


def _kill_tree(proc: subprocess.Popen) -> None:
    "SIGKILL papermill and its kernel (the kernel runs in a session of its own)."
    try: procs = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess: procs = []  # it had finished
    for p in reversed(procs):
        try: p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess: pass
    proc.wait()


def test_killed_run_resumes_to_identical_results(tiny_run, tmp_path):
    _, reference = tiny_run  # its wall_s bounds the moment of the kill, so the kill lands inside the work
    run = tmp_path / "run"
    rng = random.Random(os.environ.get("DAKD_KILL_SEED", time.time_ns()))
    proc = subprocess.Popen(papermill_args(tmp_path / "out.ipynb", output_dir=run, **TINY),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until the generator has started writing checkpoints, then kill at a random moment after it
    deadline = time.time() + 600
    while not (run / "jointnet").exists() and proc.poll() is None and time.time() < deadline: time.sleep(0.2)
    delay = rng.uniform(0, 0.8 * reference["wall_s"])
    time.sleep(delay)
    finished_before_kill = proc.poll() is not None
    _kill_tree(proc)
    stages = sorted(p.name for p in run.iterdir()) if run.exists() else []
    print(f"killed {delay:.1f} s into training (finished already: {finished_before_kill}); on disk: {stages}")
    res = papermill(tmp_path / "out2.ipynb", output_dir=run, **TINY)
    assert res.returncode == 0, res.stderr[-5000:]
    resumed = json.loads((run / "results.json").read_text())
    # bit-for-bit on the CPU: every stage reseeds from (seed, step) and restores optimiser/EMA state
    assert resumed["test"] == reference["test"], (stages, delay)


def test_bad_parameter_fails_fast_naming_it(tmp_path):
    res = papermill(tmp_path / "out.ipynb", profile="tiny", output_dir=tmp_path / "run", n_generated=-5)
    assert res.returncode != 0
    executed = (tmp_path / "out.ipynb").read_text()
    assert "n_generated" in executed and "DakdError" in executed
    assert not (tmp_path / "run" / "jointnet").exists(), "no work may start before the parameters are checked"


def test_unwritable_output_fails_before_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    res = papermill(tmp_path / "out.ipynb", profile="tiny", output_dir=blocker / "run")
    assert res.returncode != 0
    assert "not writable" in (tmp_path / "out.ipynb").read_text()


def test_distillation_into_another_student(tmp_path):
    "v2's point: DAKD needs nothing of SAROSS-Net; a plain UNet student runs the same pipeline."
    run = tmp_path / "run"
    res = papermill(tmp_path / "out.ipynb", profile="tiny", output_dir=run, student="unet", n_real=4, loss_mode="v2")
    assert res.returncode == 0, res.stderr[-5000:]
    results = json.loads((run / "results.json").read_text())
    assert results["params"]["student"] == "unet" and set(results["test"]) == {"baseline", "dakd"}


def test_parameters_cell_matches_the_dataclass():
    "Papermill's parameters cell and MainJobParams list the same names, in the same order, with the same defaults."
    import ast
    import dataclasses
    import nbformat
    from dakd_nb.main_job import MainJobParams
    nb = nbformat.read(NB, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell_params = [(node.target.id, ast.literal_eval(node.value)) for node in ast.parse(cell.source).body
                   if isinstance(node, ast.AnnAssign)]
    fields = [(f.name, f.default) for f in dataclasses.fields(MainJobParams)]
    assert cell_params == fields
