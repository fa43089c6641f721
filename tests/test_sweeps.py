"""Sweeps over papermill (dakd_nb.sweeps): grid expansion, bad sweep files, failures, resuming, GPU slots,
and a sweep killed mid-run and restarted. Every run goes through the toy job in tests/nbs_fixtures, which
declares the main job's parameters and writes a results.json of the same layout in a fraction of a second."""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from dakd_nb.core import DakdError, DataError
from dakd_nb.files import load_json
from dakd_nb.sweep_results import collect_results, summarize
from dakd_nb.sweeps import Sweep, check_parameters, load_sweep, main, run_sweep
from dakd_nb.notebook_runs import finished_run

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "nbs_fixtures" / "toy_train.ipynb"


def executions(run_dir: Path) -> int:
    "How many times the toy job started in this run folder (it appends a line each time)."
    f = run_dir / "executions.txt"
    return len(f.read_text().splitlines()) if f.exists() else 0


def test_grid_expansion_and_names():
    s = Sweep.from_dict({"base": {"profile": "tiny", "n_real": 64},
                         "grid": {"n_real": [32, 64], "use_caft": [True, False], "generator": ["ddpm", "jointnet"]},
                         "seeds": [0, 1, 2]})
    runs = s.configs()
    assert len(runs) == 2 * 2 * 2 * 3
    combos = {(p["n_real"], p["use_caft"], p["generator"], p["seed"]) for p in runs.values()}
    assert len(combos) == 24 and all(p["profile"] == "tiny" for p in runs.values())
    # the name says what varies, and only that
    assert runs["n_real=32,use_caft=false,generator=ddpm,seed=2"] == \
        {"profile": "tiny", "n_real": 32, "use_caft": False, "generator": "ddpm", "seed": 2}
    assert list(runs) == list(Sweep.from_dict({"base": {"profile": "tiny", "n_real": 64},
                         "grid": {"n_real": [32, 64], "use_caft": [True, False], "generator": ["ddpm", "jointnet"]},
                         "seeds": [0, 1, 2]}).configs())  # stable across constructions
    # a config present only in some variants makes its key vary; a constant base key stays out of names
    s = Sweep.from_dict({"base": {"kd_weight": 1.0}, "configs": [{}, {"balance_factor": 1.0}]})
    assert list(s.configs()) == ["seed=0", "balance_factor=1.0,seed=0"]
    # override changes the base, refuses to touch what the sweep varies
    assert all(p["profile"] == "cpu-quick" for p in s.override(profile="cpu-quick").configs().values())
    with pytest.raises(Exception, match="balance_factor"): s.override(balance_factor=0.5)


@pytest.mark.parametrize("text, problem", [
    ("grid: [kd_weight\n", "not valid YAML"),
    ("grid: {kd_weight: [1]}\ngird: {}\n", "unknown key"),
    ("grid: {kd_weight: []}\n", "grid.kd_weight is empty"),
    ("grid:\n", "`grid` is empty"),
    ("grid: {}\nconfigs: []\n", "nothing to sweep"),
    ("", "empty"),
    ("- kd_weight: 1\n", "must be a mapping"),
    ("grid: {kd_weight: [1]}\nseeds: 0\n", "`seeds` must be"),
    ("grid: {kd_weight: [1]}\nseeds: [0, 0]\n", "duplicates"),
    ("grid: {seed: [1, 2]}\n", "grid.seed"),
    ("base: {output_dir: x}\ngrid: {kd_weight: [1]}\n", "base.output_dir"),
])
def test_bad_sweep_files(text, problem, refused):
    assert problem in refused("ablation.yaml", text, load_sweep)


def test_parameters_checked_against_the_notebook(tmp_path, capsys):
    with pytest.raises(DataError, match="kd_wieght"):
        check_parameters(Sweep.from_dict({"grid": {"kd_wieght": [1.0]}}), TOY)
    nb = nbformat.read(TOY, as_version=4)
    for cell in nb.cells: cell.metadata.pop("tags", None)
    nbformat.write(nb, tmp_path / "untagged.ipynb")
    with pytest.raises(DataError, match="no cell tagged `parameters`"):
        check_parameters(Sweep.from_dict({"grid": {"kd_weight": [1.0]}}), tmp_path / "untagged.ipynb")
    assert main([str(ROOT / "sweeps" / "caft.yaml"), "--notebook", str(tmp_path / "missing.ipynb"),
                 "--out", str(tmp_path / "o")]) == 2
    assert main([str(ROOT / "sweeps" / "caft.yaml"), "--notebook", str(TOY), "--list", "--seeds", "4"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith('use_caft=false,seed=4 {"profile": "paper"')
    assert main([str(ROOT / "sweeps" / "caft.yaml"), "--notebook", str(TOY), "--list", "--set", "use_caft=1"]) == 2


def test_sweep_records_failure_goes_on_and_resumes(tmp_path):
    sweep = Sweep.from_dict({"name": "toy", "base": {"fail_if": "kd_weight == 2.0 and seed == 1"},
                             "grid": {"kd_weight": [1.0, 2.0]}, "seeds": [0, 1]})
    out = tmp_path / "sweep"
    runs = run_sweep(sweep, TOY, out, devices=[], progress=False)
    status = {n: r["status"] for n, r in runs.items()}
    assert status == {"kd_weight=1.0,seed=0": "ok", "kd_weight=1.0,seed=1": "ok",
                      "kd_weight=2.0,seed=0": "ok", "kd_weight=2.0,seed=1": "failed"}
    for name, params in sweep.configs().items():
        res = load_json(out / name / "results.json")
        assert res["status"] == status[name] and (out / name / "run.ipynb").exists()
        if res["status"] == "ok": assert res["params"]["kd_weight"] == params["kd_weight"]
    # the failure is recorded with its error, and the executed notebook shows it
    bad = out / "kd_weight=2.0,seed=1"
    assert "fixture failure" in load_json(bad / "results.json")["error"]
    errors = [o for c in nbformat.read(bad / "run.ipynb", as_version=4).cells for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors and errors[0].ename == "RuntimeError"
    assert {n: r["status"] for n, r in load_json(out / "sweep.json")["runs"].items()} == status
    # the table: one row per run in the CSV, mean ± std over the finished seeds in the markdown
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 5 and csv_lines[0].startswith("run,status,") and "dakd.iou.oil_spill" in csv_lines[0]
    vals = [load_json(out / f"kd_weight=1.0,seed={s}" / "results.json")["test"]["dakd"]["miou"] for s in (0, 1)]
    md = (out / "results.md").read_text()
    assert f"| kd_weight=1.0 | 2/2 | {statistics.fmean(vals):.4g} ± {statistics.stdev(vals):.2g} |" in md
    assert "| kd_weight=2.0 | 1/2 |" in md and "fixture failure" in md
    assert (out / "miou.png").stat().st_size > 0 and (out / "per_class_iou.png").stat().st_size > 0
    g = {g["config"]: g for g in summarize(collect_results(out))}
    assert g["kd_weight=2.0"]["ok"] == 1 and len(g["kd_weight=2.0"]["values"]["baseline.miou"]) == 1

    # re-run, failures kept: nothing executes again
    stamps = {n: (out / n / "results.json").stat().st_mtime_ns for n in runs}
    runs2 = run_sweep(sweep, TOY, out, devices=[], rerun_failed=False, progress=False, report=False)
    assert {n: r["status"] for n, r in runs2.items()} == status
    assert stamps == {n: (out / n / "results.json").stat().st_mtime_ns for n in runs}
    # re-run by default: only the failed run executes again
    run_sweep(sweep, TOY, out, devices=[], progress=False, report=False)
    assert {n: executions(out / n) for n in runs} == {n: 1 + (s == "failed") for n, s in status.items()}
    # a finished run of other parameters (the sweep's base was edited) does not count as finished
    name, params = next(iter(sweep.configs().items()))
    assert finished_run(out / name, params) is not None
    assert finished_run(out / name, {**params, "epochs": 3}) is None
    # the command line rewrites the report from what is on disk
    (out / "results.md").unlink()
    assert main([str(ROOT / "sweeps" / "caft.yaml"), "--out", str(out), "--report-only"]) == 0
    assert (out / "results.md").exists()


def test_one_run_per_gpu(tmp_path):
    "Two (pretend) GPUs: each run sees exactly one of them through CUDA_VISIBLE_DEVICES."
    sweep = Sweep.from_dict({"grid": {"kd_weight": [1.0, 2.0]}})
    runs = run_sweep(sweep, TOY, tmp_path, devices=["0", "1"], progress=False, report=False)
    seen = {load_json(tmp_path / n / "results.json")["env"]["CUDA_VISIBLE_DEVICES"] for n in runs}
    assert seen == {"0", "1"} and {r["device"] for r in runs.values()} == {"gpu 0", "gpu 1"}


def test_cpu_workers_run_at_once(tmp_path):
    "Two CPU workers: both runs start while the first is still blocked (one worker would start the second only after it)."
    block = tmp_path / "block"
    block.touch()
    sweep = Sweep.from_dict({"base": {"block_while": str(block)}, "grid": {"kd_weight": [1.0, 2.0]}})
    names, out, result = list(sweep.configs()), tmp_path / "out", {}
    runner = threading.Thread(target=lambda: result.update(run_sweep(sweep, TOY, out, devices=[], cpu_workers=2,
                                                                     progress=False, report=False)))
    runner.start()
    deadline = time.monotonic() + 120
    while not all(executions(out / n) for n in names) and time.monotonic() < deadline and runner.is_alive(): time.sleep(0.1)
    both = all(executions(out / n) == 1 for n in names)
    block.unlink()
    runner.join()
    assert both and [r["status"] for r in result.values()] == ["ok", "ok"]
    assert load_json(out / "sweep.json")["devices"] == ["cpu", "cpu"]
    with pytest.raises(Exception, match="cpu_workers"): run_sweep(sweep, TOY, tmp_path / "bad", devices=[], cpu_workers=0)


def test_a_run_held_by_a_live_process_is_left_alone(tmp_path):
    sweep = Sweep.from_dict({"grid": {"kd_weight": [1.0]}})
    (name,) = sweep.configs()
    (tmp_path / name).mkdir()
    other = subprocess.Popen(["sleep", "120"])  # another live process (this one may take its own lock again)
    try:
        (tmp_path / name / ".sweep.lock").write_text(json.dumps({"host": socket.gethostname(), "pid": other.pid}))
        runs = run_sweep(sweep, TOY, tmp_path, devices=[], progress=False, report=False)
    finally: other.kill(); other.wait()
    assert runs[name]["status"] == "running" and executions(tmp_path / name) == 0
    assert f"process {other.pid} " in runs[name]["error"] and "in use by another run" in runs[name]["error"]


def test_timeout_is_recorded_as_failure(tmp_path):
    block = tmp_path / "block"
    block.touch()
    sweep = Sweep.from_dict({"base": {"block_while": str(block)}, "grid": {"kd_weight": [1.0]}})
    runs = run_sweep(sweep, TOY, tmp_path / "out", devices=[], timeout_s=2, progress=False, report=False)
    (rec,) = runs.values()
    assert rec["status"] == "failed" and "timed out" in rec["error"]


def _wait_for(cond, what, timeout=90):
    end = time.time() + timeout
    while not cond():
        if time.time() > end: raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _dead(pid: int) -> bool:
    try: os.kill(pid, 0)
    except ProcessLookupError: return True
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_interrupted_sweep_restarts_and_loses_nothing(tmp_path):
    """Interrupt a sweep of three runs while the second is in flight, first with Ctrl-C (SIGINT to the sweep),
    then with SIGKILL to the sweep and its papermill run; then restart it."""
    block = tmp_path / "block"
    block.touch()
    spec = {"name": "killme", "configs": [{"kd_weight": 1.0}, {"kd_weight": 2.0, "block_while": str(block)},
                                          {"kd_weight": 3.0}]}
    (tmp_path / "killme.yaml").write_text(json.dumps(spec))  # JSON is YAML
    names = list(load_sweep(tmp_path / "killme.yaml").configs())
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}

    def start_sweep(n_started):
        proc = subprocess.Popen([sys.executable, "-m", "dakd_nb.sweeps", str(tmp_path / "killme.yaml"), "--notebook",
                                 str(TOY), "--out", str(out), "--devices", "cpu"], cwd=ROOT, env=env,
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try: _wait_for(lambda: executions(out / names[1]) == n_started, "the second run to start")
        except BaseException: os.killpg(proc.pid, signal.SIGKILL); raise
        return proc, int((out / names[1] / "started").read_text())

    # Ctrl-C: the run in flight is stopped and left unrecorded, the sweep exits 130
    proc, kernel = start_sweep(1)
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130, proc.stderr.read()
    _wait_for(lambda: _dead(kernel), "the stopped run's kernel to exit")  # it polls for its parent once a second
    assert load_json(out / names[0] / "results.json")["status"] == "ok"
    assert not (out / names[1] / "results.json").exists() and not (out / names[1] / ".sweep.lock").exists()
    assert [r["status"] for r in load_json(out / "sweep.json")["runs"].values()] == ["ok", "interrupted", "pending"]

    # SIGKILL to the sweep's process group: no chance to clean up, a stale lock stays behind
    proc, kernel = start_sweep(2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    _wait_for(lambda: _dead(kernel), "the orphaned kernel to exit")
    assert (out / names[1] / ".sweep.lock").exists() and not (out / names[1] / "results.json").exists()
    assert not (out / names[2]).exists()

    block.unlink()
    runs = run_sweep(load_sweep(tmp_path / "killme.yaml"), TOY, out, devices=[], progress=False, report=False)
    assert [r["status"] for r in runs.values()] == ["ok"] * 3
    assert [executions(out / n) for n in names] == [1, 3, 1]  # the finished run was not run again
    assert not any((out / n / ".sweep.lock").exists() for n in names)
    assert [r["status"] for r in load_json(out / "sweep.json")["runs"].values()] == ["ok"] * 3


def _live_lock(folder: Path, pid: int) -> None:
    "A sweep lock in `folder` held by live process `pid` (another sweep running there)."
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".sweep.lock").write_text(json.dumps({"host": socket.gethostname(), "pid": pid}))


def test_a_second_copy_of_a_running_sweep_stops_before_anything(tmp_path, capsys):
    sweep = Sweep.from_dict({"name": "toy", "grid": {"kd_weight": [1.0]}})
    other = subprocess.Popen(["sleep", "120"])  # the first copy, still running
    try:
        _live_lock(tmp_path / "out", other.pid)
        with pytest.raises(DakdError, match=f"in use by another run \\(process {other.pid} "):
            run_sweep(sweep, TOY, tmp_path / "out", devices=[], progress=False)
        assert main([str(ROOT / "sweeps" / "caft.yaml"), "--notebook", str(TOY), "--out", str(tmp_path / "out")]) == 2
    finally: other.kill(); other.wait()
    assert "in use by another run" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".sweep.lock"]  # no sweep.json, no run folder
    run_sweep(sweep, TOY, tmp_path / "out", devices=[], progress=False, report=False)  # its process gone: the lock is stale
    assert not (tmp_path / "out" / ".sweep.lock").exists()


def test_the_report_is_the_sweeps_own_grid_and_another_sweep_is_refused(tmp_path):
    out = tmp_path / "out"
    run_sweep(Sweep.from_dict({"name": "toy", "grid": {"kd_weight": [1.0, 2.0]}}), TOY, out, devices=[], progress=False)
    run_sweep(Sweep.from_dict({"name": "toy", "grid": {"kd_weight": [2.0, 3.0]}}), TOY, out, devices=[], progress=False)
    assert [r["run"] for r in collect_results(out)] == ["kd_weight=2.0,seed=0", "kd_weight=3.0,seed=0"]
    assert len((out / "results.csv").read_text().splitlines()) == 3 and "2 runs: 2 ok" in (out / "results.md").read_text()
    assert executions(out / "kd_weight=2.0,seed=0") == 1  # the shared configuration was not run again
    assert load_json(out / "kd_weight=1.0,seed=0" / "results.json")["status"] == "ok"  # the earlier grid's run is kept, only left out
    with pytest.raises(DakdError, match="holds the sweep 'toy'.*'other'"):
        run_sweep(Sweep.from_dict({"name": "other", "grid": {"kd_weight": [3.0]}}), TOY, out, devices=[], progress=False)
    assert load_json(out / "sweep.json")["name"] == "toy"


def test_an_unreadable_results_json_is_reported_and_rerun(tmp_path):
    sweep = Sweep.from_dict({"name": "toy", "grid": {"kd_weight": [1.0, 2.0]}})
    out = tmp_path / "out"
    runs = run_sweep(sweep, TOY, out, devices=[], progress=False, report=False)
    bad = list(runs)[1]
    (out / bad / "results.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert main([str(ROOT / "sweeps" / "caft.yaml"), "--out", str(out), "--report-only"]) == 0
    assert f"| {bad} | unreadable | results.json: not a JSON text file" in (out / "results.md").read_text()
    assert [r["status"] for r in run_sweep(sweep, TOY, out, devices=[], progress=False, report=False).values()] == ["ok", "ok"]
    assert [executions(out / n) for n in runs] == [1, 2]


@pytest.mark.parametrize("args, fragment", [
    (["--seeds", "1,x"], "--seeds '1,x': expected whole numbers"),
    (["--timeout", "-1"], "timeout_s must be a positive number of seconds, got -1"),
    (["--set", "epochs=two", "--list"], "base.epochs: 'two' is a str, the notebook's parameter takes int"),
])
def test_bad_options_stop_before_any_run(tmp_path, capsys, args, fragment):
    assert main([str(ROOT / "sweeps" / "caft.yaml"), "--notebook", str(TOY), "--out", str(tmp_path / "o"), *args]) == 2
    assert fragment in capsys.readouterr().err and not (tmp_path / "o" / "sweep.json").exists()


def test_a_sweep_file_that_is_not_text_is_named(tmp_path, capsys):
    (tmp_path / "some.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert main([str(tmp_path / "some.png"), "--notebook", str(TOY), "--list"]) == 2
    assert "some.png: not a text file" in capsys.readouterr().err


def test_a_whole_number_for_a_float_parameter_is_the_same_configuration(tmp_path):
    out = tmp_path / "out"
    run_sweep(Sweep.from_dict({"name": "toy", "base": {"temperature": 1.0}, "grid": {"kd_weight": [1.0]}}), TOY, out,
              devices=[], progress=False, report=False)
    runs = run_sweep(Sweep.from_dict({"name": "toy", "base": {"temperature": 1}, "grid": {"kd_weight": [1]}}), TOY, out,
                     devices=[], progress=False, report=False)
    assert list(runs) == ["seed=0"] and executions(out / "seed=0") == 1  # found finished, not run again
