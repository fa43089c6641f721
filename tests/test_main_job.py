"""The main job runs headless through papermill with tiny parameters, and a second run resumes instead of redoing."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "nbs" / "03_train_saross.ipynb"


def papermill(out_nb: Path, **params) -> subprocess.CompletedProcess:
    args = [str(Path(sys.executable).parent / "papermill"), str(NB), str(out_nb), "--cwd", str(ROOT)]
    for k, v in params.items(): args += ["-p", k, str(v)]
    return subprocess.run(args, capture_output=True, text=True, timeout=1200)


def test_main_job_tiny_and_resume(tmp_path):
    run = tmp_path / "run"
    res = papermill(tmp_path / "out.ipynb", profile="tiny", output_dir=run, seed=1, n_real=6)
    assert res.returncode == 0, res.stderr[-5000:]
    results = json.loads((run / "results.json").read_text())
    assert results["status"] == "ok"
    assert results["params"]["n_real"] == 6 and results["params"]["n_generated"] == 24  # -p reached the notebook
    for student in ("baseline", "dakd"):
        m = results["test"][student]
        assert 0 <= m["miou"] <= 1 and set(m["iou"]) == set(results["classes"])
    for f in ("confusion.png", "predictions.png", "student_dakd/curves.png", "augmentation/index.json"):
        assert (run / f).stat().st_size > 0, f
    best = run / "student_dakd" / "best" / "model.safetensors"
    stamp = best.stat().st_mtime_ns
    res2 = papermill(tmp_path / "out2.ipynb", profile="tiny", output_dir=run, seed=1, n_real=6)
    assert res2.returncode == 0, res2.stderr[-5000:]
    assert best.stat().st_mtime_ns == stamp, "a finished student must be read back, not retrained"
    assert json.loads((run / "results.json").read_text())["test"] == results["test"]


def test_bad_parameter_fails_fast_naming_it(tmp_path):
    res = papermill(tmp_path / "out.ipynb", profile="tiny", output_dir=tmp_path / "run", n_generated=-5)
    assert res.returncode != 0
    executed = (tmp_path / "out.ipynb").read_text()
    assert "n_generated" in executed and "DakdError" in executed
    assert not (tmp_path / "run" / "jointnet").exists(), "no work may start before the parameters are checked"
