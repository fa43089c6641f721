"""The main job, headless through papermill with tiny parameters: it runs, a rerun resumes instead of redoing,
a run killed at a random moment (SIGKILL) and restarted ends with exactly the same results, and bad parameters
or an unusable output folder fail before any work. Runs cannot mix (a folder in use is refused), go stale
(stages made from other inputs stop the run, or are redone on request) or train on damaged data (a damaged
augmentation shard is generated again)."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dakd_nb.core import DakdError
from dakd_nb.data import build_splits
from dakd_nb.main_params import MainJobParams
from dakd_nb.main_job import stage_fingerprints
from dakd_nb.plan import end_dry_run, format_plan, run_plan

sys.path.insert(0, str(Path(__file__).parent))
from headless import NB, papermill, papermill_args  # noqa: E402

TINY = dict(profile="tiny", seed=1, n_real=6)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    "One uninterrupted tiny run: (its folder, its results)."
    tmp = tmp_path_factory.mktemp("main")
    res = papermill(tmp / "out.ipynb", output_dir=tmp / "run", **TINY)
    assert res.returncode == 0, res.stderr[-5000:]
    (tmp / "terminal.txt").write_text(res.stderr)
    return tmp / "run", json.loads((tmp / "run" / "results.json").read_text())


def test_main_job_tiny(tiny_run):
    run, results = tiny_run
    assert results["status"] == "ok"
    assert results["params"]["n_real"] == 6 and results["params"]["n_generated"] == 24  # -p reached the notebook
    for student in ("baseline", "dakd"):
        m = results["test"][student]
        assert 0 <= m["miou"] <= 1 and set(m["iou"]) == set(results["classes"])
    from dakd_nb.machine import machine_mismatch, machine_record
    assert machine_mismatch(results["machine"], machine_record()) is None  # the run says what its numbers depend on
    for f in ("confusion.png", "predictions.png", "student_dakd/curves.png", "augmentation/index.json"):
        assert (run / f).stat().st_size > 0, f
    # the generated pairs' Fréchet distance in the baseline student's features, always; FID and sFID only from local weights
    quality = json.loads((run / "generation_quality.json").read_text())
    assert quality["seg_fd"] > 0 and "not FID" in quality["seg_fd_note"] and "SAROSSNet" in quality["seg_fd_note"]
    assert quality["fid"] is None and quality["sfid"] is None and "inception_path" in quality["sfid_note"]
    assert results["generation"]["seg_fd"] == quality["seg_fd"]


def test_a_headless_run_reports_on_the_terminal(tiny_run):
    "Run by papermill, the notebook's output is not seen: the plan, each stage, the epoch bars and the summary are on the terminal."
    run, _ = tiny_run
    terminal = (run.parent / "terminal.txt").read_text()
    for says in ("plan\n", "data: synthsar", "generator: trained in this run", "generator: 100%", "student baseline", "student dakd",
                 "test mIoU: baseline", "DAKD's gain", "oil_spill", f"files in {run}"):
        assert says in terminal, says
    assert "STOPS" not in terminal  # the run's own lock is not another run's
    warnings = [line for line in terminal.splitlines() if "warn" in line.lower()]  # none a user cannot act on (make venv's kernel config)
    assert not warnings, warnings


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
    stale_lock = (run / ".lock").exists()  # the killed kernel's lock, unless the kill came after its last cell
    print(f"killed {delay:.1f} s into training (finished already: {finished_before_kill}); on disk: {stages}; "
          f"stale lock left: {stale_lock}")
    res = papermill(tmp_path / "out2.ipynb", output_dir=run, **TINY)
    assert res.returncode == 0, res.stderr[-5000:]
    assert not (run / ".lock").exists(), "a stale lock is taken over, and released at the end"
    resumed = json.loads((run / "results.json").read_text())
    # bit-for-bit on the CPU: every stage reseeds from (seed, step) and restores optimiser/EMA state
    assert resumed["test"] == reference["test"], (stages, delay)


def test_misspelled_parameter_fails_fast_naming_the_closest(tmp_path):
    "papermill only warns about a name its parameters cell lacks, and the run would use the default kd_weight."
    res = papermill(tmp_path / "out.ipynb", profile="tiny", output_dir=tmp_path / "run", kd_weigth=2)
    assert res.returncode != 0
    executed = (tmp_path / "out.ipynb").read_text()
    assert "ArgumentError" in executed and "unknown parameter 'kd_weigth': did you mean 'kd_weight'?" in executed
    assert not (tmp_path / "run").exists(), "no work may start before the parameters are checked"


def test_a_folder_in_use_is_refused(tmp_path):
    "A second run into a folder another live run holds stops before any work, saying who holds it."
    from dakd_nb.files import process_start
    run = tmp_path / "run"
    run.mkdir()
    other = subprocess.Popen(["sleep", "600"])  # stands in for the first run's kernel
    try:
        (run / ".lock").write_text(json.dumps({"host": socket.gethostname(), "pid": other.pid,
                                               "pid_start": process_start(other.pid), "started": "a minute ago"}))
        res = papermill(tmp_path / "out.ipynb", output_dir=run, **{**TINY, "seed": 0})
    finally:
        other.kill(); other.wait()
    assert res.returncode != 0
    executed = (tmp_path / "out.ipynb").read_text()
    assert "is in use by another run" in executed and f"process {other.pid} on" in executed
    assert sorted(p.name for p in run.iterdir()) == [".lock"] and json.loads((run / ".lock").read_text())["pid"] == other.pid


def _files(run: Path) -> dict:
    return {p.relative_to(run): p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file() and not p.name.startswith(".")}


def _copy_of(tiny_run, tmp_path: Path) -> tuple[Path, dict]:
    "A copy of the finished tiny run's folder, and the times of its files."
    run = tmp_path / "run"
    shutil.copytree(tiny_run[0], run)
    return run, _files(run)


def test_changed_inputs_stop_before_training_then_redo_stale(tiny_run, tmp_path):
    "A finished run rerun with other data (here n_real) stops and says what changed; redo_stale=True redoes the stages."
    run, before = _copy_of(tiny_run, tmp_path)
    res = papermill(tmp_path / "out.ipynb", output_dir=run, **{**TINY, "n_real": 5})
    assert res.returncode != 0
    executed = (tmp_path / "out.ipynb").read_text()
    for says in ("made from other inputs", "jointnet: data.train.synthsar.n: 6 -> 5", "augmentation: made from a changed generator",
                 "student_baseline", "student_dakd", "redo_stale=True"):
        assert says in executed, says
    assert _files(run) == before, "nothing may be trained, written or removed"
    res = papermill(tmp_path / "out2.ipynb", output_dir=run, **{**TINY, "n_real": 5, "redo_stale": True})
    assert res.returncode == 0, res.stderr[-5000:]
    results = json.loads((run / "results.json").read_text())
    assert results["params"]["n_real"] == 5 and results["params"]["n_generated"] == 20
    for stage in ("jointnet", "augmentation", "student_baseline", "student_dakd"):
        record = json.loads((run / stage / "fingerprint.json").read_text())["made_from"]
        assert json.dumps(record).count('"n": 5') >= 1, stage
    assert all(before[f] != t for f, t in _files(run).items() if f in before and f.parts[0].startswith(("jointnet", "student")))


def test_dry_run_says_what_would_stop_the_run_and_writes_nothing(tiny_run, tmp_path):
    "A preflight on a folder whose stages were made from other inputs lists them and ends in an error; nothing is written."
    run, before = _copy_of(tiny_run, tmp_path)
    p = MainJobParams.resolve(**{**TINY, "n_real": 5}, output_dir=str(run), dry_run=True)
    splits = build_splits(p.dataset, None, p.n_real, p.sizes["size"], p.sizes["n_val"], p.sizes["n_test"])
    plan = run_plan(p, splits, stage_fingerprints(p, splits), run)
    assert "STOPS       stage jointnet: STOP, made from other inputs" in format_plan(plan, dry_run=True)
    with pytest.raises(DakdError, match="the dry run found what would stop the run"): end_dry_run(plan)
    assert _files(run) == before and not (run / ".lock").exists()


def test_damaged_shard_is_generated_again_not_trained_on(tiny_run, tmp_path):
    "Flip a byte in a finished run's shard and delete the DAKD student: the shard is regenerated, the results are the same."
    run, _ = _copy_of(tiny_run, tmp_path)
    reference = tiny_run[1]
    shard = run / "augmentation" / json.loads((run / "augmentation" / "index.json").read_text())["shards"][0]["file"]
    good = shard.read_bytes()
    shard.write_bytes(good[:-5] + bytes([good[-5] ^ 0xFF]) + good[-4:])
    shutil.rmtree(run / "student_dakd")
    res = papermill(tmp_path / "out.ipynb", output_dir=run, **TINY)
    assert res.returncode == 0, res.stderr[-5000:]
    assert "does not match its SHA-256" in (tmp_path / "out.ipynb").read_text()  # the warning names the shard
    assert shard.read_bytes() == good
    assert json.loads((run / "results.json").read_text())["test"] == reference["test"]


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
    nb = nbformat.read(NB, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell_params = [(node.target.id, ast.literal_eval(node.value)) for node in ast.parse(cell.source).body
                   if isinstance(node, ast.AnnAssign)]
    fields = [(f.name, f.default) for f in dataclasses.fields(MainJobParams)]
    assert cell_params == fields and {"redo_stale", "dry_run", "generated_per_real", "image_size", "generator_steps", "generator_lr",
                                      "student_lr", "mixed_precision"} <= dict(fields).keys()


def test_papermill_reads_every_parameter_with_its_type_default_and_help(caplog):
    "`papermill --help-notebook` shows every MainJobParams field (papermill's own parser), with no 'Unable to parse' warning."
    import ast
    import dataclasses
    import logging
    import typing
    import nbformat
    from papermill.translators import PythonTranslator
    nb = nbformat.read(NB, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    with caplog.at_level(logging.WARNING, logger="papermill"): seen = {p.name: p for p in PythonTranslator.inspect(cell)}
    assert not [r for r in caplog.records if "Unable to parse" in r.getMessage()]
    hints = typing.get_type_hints(MainJobParams)
    for f in dataclasses.fields(MainJobParams):
        p = seen[f.name]
        kinds = [k for k in typing.get_args(hints[f.name]) if k is not type(None)] or [hints[f.name]]
        want = f"Optional[{kinds[0].__name__}]" if type(None) in typing.get_args(hints[f.name]) else kinds[0].__name__
        assert p.inferred_type_name == want and ast.literal_eval(p.default) == f.default and p.help.strip(), (f.name, p)


def test_stage_folder_killed_before_its_record_counts_as_not_started(tmp_path):
    "A kill between a stage folder's mkdir and its record leaves only hidden temp files: resumed, not refused as stale."
    from dakd_nb.main_job import stale_stages
    stages = {"augmentation": {"n": 4}}
    (tmp_path / "augmentation").mkdir()
    (tmp_path / "augmentation" / ".fingerprint.json.123.abc.tmp").write_text("")
    assert stale_stages(stages, tmp_path) == {}
    (tmp_path / "augmentation" / "shard-0000.safetensors").write_text("x")  # real content without a record: refused
    assert list(stale_stages(stages, tmp_path)) == ["augmentation"]
