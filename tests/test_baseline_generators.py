"""Table M's augmentation baselines through the main job: each generator choice trains under the tiny profile's budget
and writes the same augmentation set that the students read."""
import json
import sys
from pathlib import Path

import pytest

from dakd_nb.data import build_splits
from dakd_nb.main_job import stage_fingerprints
from dakd_nb.main_params import MainJobParams
from dakd_nb.plan import run_plan

sys.path.insert(0, str(Path(__file__).parent))
from headless import papermill  # noqa: E402


@pytest.mark.parametrize("generator", ["satsynth", "semgan"])
def test_the_main_job_runs_with_each_baseline_generator(generator, tmp_path):
    res = papermill(tmp_path / "out.ipynb", output_dir=tmp_path / "run", profile="tiny", seed=1, n_real=4, n_generated=8,
                    generator=generator)
    assert res.returncode == 0, res.stderr[-5000:]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    index = json.loads((tmp_path / "run" / "augmentation" / "index.json").read_text())
    assert results["status"] == "ok" and results["params"]["generator"] == generator
    assert results["balance_factor"] == (None if generator == "semgan" else 1.0)
    assert index["variant"] == generator and index["complete"] and sum(s["count"] for s in index["shards"]) == 8
    assert set(results["test"]) == {"baseline", "dakd"} and results["generation"]["seg_fd"] > 0


def test_the_plan_of_a_semgan_run_times_its_own_networks(tmp_path):
    p = MainJobParams.resolve(profile="tiny", generator="semgan", n_real=4, output_dir=str(tmp_path / "run"), dry_run=True)
    splits = build_splits(p.dataset, None, p.n_real, p.sizes["size"], p.sizes["n_val"], p.sizes["n_test"])
    plan = run_plan(p, splits, stage_fingerprints(p, splits), tmp_path / "run", preflight=True)
    assert plan["generator"]["variant"] == "semgan" and not plan["blocking"]
    assert plan["estimate"]["jointnet"] > 0 and plan["estimate"]["augmentation"] > 0
