"""bench/data_efficiency.py: each point's generator sees only that point's scenes, and the curve's bookkeeping on hand-made rows."""
import json

import pytest

from bench.data_efficiency import (check_generator_card, generator_jobs, markdown, plot, summarize, train_generator)
from bench.dakd_gain import ROOT
from dakd_nb.sweeps import Sweep, load_sweep


def test_each_point_has_its_own_generator():
    jobs = generator_jobs(load_sweep(ROOT / "sweeps" / "data_efficiency_cpu.yaml"))
    assert len(set(jobs.values())) == len(jobs) >= 3  # one generator per n_real, none shared
    assert not any("pretrained" in p for p in jobs)   # never the packaged one (trained on all 64 default scenes)
    shared = Sweep("s", base={"profile": "cpu-quick"}, explicit=[{"n_real": 16, "jointnet_path": "g"}, {"n_real": 32, "jointnet_path": "g"}])
    with pytest.raises(SystemExit, match="each generator sees one training set"): generator_jobs(shared)
    with pytest.raises(SystemExit, match="its own jointnet_path"): generator_jobs(Sweep("s", grid={"n_real": [16, 32]}))


def test_a_generator_serves_only_its_point(tmp_path):
    recipe = dict(steps=2, batch_size=4, checkpoint_every=1)
    card = train_generator(tmp_path / "g", 8, {"profile": "cpu-quick", "dataset": "synthsar"}, recipe)
    assert card["data"]["n_real"] == 8 and card["steps"] == 2 and (tmp_path / "g" / "model" / "config.json").is_file()
    assert check_generator_card(tmp_path / "g", 8, recipe)["steps"] == 2
    with pytest.raises(SystemExit, match="not the point's n_real 16"): check_generator_card(tmp_path / "g", 16, recipe)
    with pytest.raises(SystemExit, match="move it away"): check_generator_card(tmp_path / "g", 8, {**recipe, "steps": 3})
    from dakd_nb.main_job import MainJobParams, check_generator
    from dakd_nb.synthsar import SynthSAR
    check_generator(MainJobParams.resolve(n_real=8, jointnet_path=str(tmp_path / "g")), SynthSAR(1, 64).classes)  # the main job takes it


def _row(n, seed, b, d):
    return {"n_real": n, "seed": seed, "gain_miou": d - b,
            **{s: {"miou": m, "iou": {"sea": 0.9, "oil_spill": m / 2}} for s, m in (("baseline", b), ("dakd", d))}}


def test_curve_summary_per_n_real():
    rows = [_row(16, 0, 0.30, 0.34), _row(16, 1, 0.32, 0.34), _row(64, 0, 0.50, 0.48), _row(64, 1, 0.52, 0.51)]
    s = summarize(rows)
    assert list(s) == ["16", "64"]
    assert s["16"]["gain_miou"]["mean"] == pytest.approx(0.03) and s["16"]["gain_positive_seeds"] == 2
    assert s["64"]["gain_miou"]["mean"] == pytest.approx(-0.015) and s["64"]["gain_positive_seeds"] == 0
    assert s["16"]["gain_oil_spill_iou"]["mean"] == pytest.approx(0.015) and s["64"]["seeds"] == [0, 1]
    md = markdown(s)
    assert md.count("\n| ") == 2 and "+3.0 ± 1.4" in md and "-1.5 ± 0.7" in md and "2 of 2" in md and "0 of 2" in md
    plot(rows, s, {"n_real": 64, "gain_miou": {"mean": -0.05, "sd": 0.04, "n": 5}})
