"""Table M's augmentation baselines through the main job: each generator choice trains under the tiny profile's budget
and writes the same augmentation set that the students read."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from headless import papermill  # noqa: E402


@pytest.mark.parametrize("generator", ["satsynth"])
def test_the_main_job_runs_with_each_baseline_generator(generator, tmp_path):
    res = papermill(tmp_path / "out.ipynb", output_dir=tmp_path / "run", profile="tiny", seed=1, n_real=4, n_generated=8,
                    generator=generator)
    assert res.returncode == 0, res.stderr[-5000:]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    index = json.loads((tmp_path / "run" / "augmentation" / "index.json").read_text())
    assert results["status"] == "ok" and results["params"]["generator"] == generator
    assert index["variant"] == generator and index["complete"] and sum(s["count"] for s in index["shards"]) == 8
    assert set(results["test"]) == {"baseline", "dakd"} and results["generation"]["seg_fd"] > 0
