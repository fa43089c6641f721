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
    from dakd_nb.main_params import MainJobParams, check_generator
    from dakd_nb.synthsar import SynthSAR
    check_generator(MainJobParams.resolve(n_real=8, jointnet_path=str(tmp_path / "g")), SynthSAR(1, 64).classes)  # the main job takes it


def test_a_generator_continued_from_another_records_its_lineage(tmp_path):
    "A study generator that starts from a trained one (bench.dakd_headroom's CONTINUES) counts its steps as pretrain does."
    from dakd_nb.pretrain import _initial_net, _lineage
    from dakd_nb.train_jointnet import JointNetConfig
    recipe, base = dict(steps=2, batch_size=4, checkpoint_every=1), {"profile": "cpu-quick", "dataset": "synthsar"}
    train_generator(tmp_path / "g", 8, base, recipe)
    start = _initial_net(tmp_path / "g", JointNetConfig.for_profile("cpu-quick", device="cpu", **recipe))
    card = train_generator(tmp_path / "g2", 8, base, recipe, start=start)
    assert card["init_from"]["path"] == "g" and card["init_from"]["total_steps"] == 2 and card["total_steps"] == 4
    assert check_generator_card(tmp_path / "g2", 8, recipe) == card and "continuing `g`" in _lineage(card)


def test_a_semgan_generator_for_a_point(tmp_path):
    "bench.table_m's SemGAN generators: train_generator trains the GAN under the same budget rule and writes a loadable folder."
    from dakd_nb.semgan import SemGANPipeline, load_generator
    recipe = dict(variant="semgan", steps=2, batch_size=4)
    card = train_generator(tmp_path / "g", 8, {"profile": "cpu-quick", "dataset": "synthsar"}, recipe)
    assert card["steps"] == 2 and card["balance_factor"] is None and card["config"]["variant"] == "semgan"
    assert isinstance(load_generator(tmp_path / "g"), SemGANPipeline) and check_generator_card(tmp_path / "g", 8, recipe)


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


def test_collect_only_takes_the_finished_runs_and_lists_the_others(tmp_path, monkeypatch):
    "--collect-only on a study still running: the finished runs make the curve, the others are named, nothing runs."
    import bench.data_efficiency as study
    monkeypatch.setattr(study, "ROOT", tmp_path)
    monkeypatch.setattr(study, "_run", lambda *a, **k: pytest.fail("--collect-only ran the sweep"))
    monkeypatch.setattr(study, "train_generator", lambda *a, **k: pytest.fail("--collect-only trained a generator"))
    (tmp_path / "s.yaml").write_text("name: s\nbase: {profile: cpu-quick}\nseeds: [0, 1]\n"
                                     "configs: [{n_real: 16, jointnet_path: g16}, {n_real: 32, jointnet_path: g32}]\n")
    for n in (16, 32):
        (tmp_path / f"g{n}").mkdir()
        (tmp_path / f"g{n}" / "card.json").write_text(json.dumps({"data": {"n_real": n}, "config": study.GENERATOR_RECIPE}))
    configs = load_sweep(tmp_path / "s.yaml").configs()
    finished = [name for name, p in configs.items() if p["n_real"] == 16]
    for name in finished:
        b, d = (0.40, 0.43) if configs[name]["seed"] == 0 else (0.42, 0.44)
        (tmp_path / "runs" / name).mkdir(parents=True)
        (tmp_path / "runs" / name / "results.json").write_text(json.dumps(
            {"params": {"seed": configs[name]["seed"], "n_generated": 64}, "generation": None, "wall_s": 1.0,
             "test": {s: {"miou": m, "iou": {"sea": 0.9, "oil_spill": m / 2}} for s, m in (("baseline", b), ("dakd", d))}}))
    args = ["--sweep", str(tmp_path / "s.yaml"), "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "out")]
    assert study.main(args + ["--collect-only"]) == 0
    res = json.loads((tmp_path / "out" / "data_efficiency.json").read_text())
    assert list(res["summary"]) == ["16"] and res["summary"]["16"]["gain_miou"]["mean"] == pytest.approx(0.025)
    assert sorted(res["not_finished"]) == sorted(set(configs) - set(finished)) and len(res["not_finished"]) == 2
    assert "Not finished yet (2 of 4 runs)" in (tmp_path / "out" / "data_efficiency.md").read_text()
    (tmp_path / "g32" / "card.json").unlink()  # a generator not trained yet: collecting cannot make it
    with pytest.raises(SystemExit, match="no generator; run without --collect-only"): study.main(args + ["--collect-only"])
