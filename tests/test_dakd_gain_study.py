"""bench/dakd_gain.py's bookkeeping on hand-made results.json files: the table, the summary and the ceiling's share."""
import json
from pathlib import Path

import pytest

from bench.dakd_gain import collect, markdown, plot, summarize

CLASSES = ("sea", "oil_spill")


def _write(folder, seed, miou, ceiling=None):
    test = {s: {"miou": m, "iou": {"sea": 0.9, "oil_spill": m / 2}} for s, m in miou.items()}
    if ceiling is not None: test["ceiling"] = {"miou": ceiling, "iou": {"sea": 0.9, "oil_spill": ceiling / 2}}
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"params": {"seed": seed, "n_generated": 256}, "test": test,
                                                     "generation": None, "wall_s": 1.0}))


@pytest.mark.parametrize("with_ceiling", [False, True])
def test_summary_gain_and_ceiling_share(tmp_path, with_ceiling):
    runs = {"s0": (0.40, 0.44, 0.50), "s1": (0.50, 0.52, 0.60)}
    for name, (b, d, c) in runs.items():
        _write(tmp_path / name, int(name[1]), {"baseline": b, "dakd": d}, c if with_ceiling else None)
    rows = collect(tmp_path, list(runs))
    s = summarize(rows)
    assert s["gain_miou"]["mean"] == pytest.approx(0.03) and s["gain_positive_seeds"] == 2
    assert s["gain_oil_spill_iou"]["mean"] == pytest.approx(0.015)
    md = markdown(rows, s)
    assert md.count("| 0 |") == (3 if with_ceiling else 2)  # one row per student of seed 0
    if with_ceiling:
        assert s["ceiling_gain_miou"]["mean"] == pytest.approx(0.10) and s["share_of_ceiling"] == pytest.approx(0.3)
        assert "256 fresh real scenes" in md and "30% of it" in md
    else:
        assert "ceiling" not in s and "Ceiling" not in md
    plot(rows, s)


def test_a_negative_gain_is_not_given_as_a_share(tmp_path):
    for name, (b, d, c) in {"s0": (0.50, 0.45, 0.55), "s1": (0.50, 0.47, 0.53)}.items():
        _write(tmp_path / name, int(name[1]), {"baseline": b, "dakd": d}, c)
    rows = collect(tmp_path, ["s0", "s1"])
    s = summarize(rows)
    assert s["gain_positive_seeds"] == 0 and s["share_of_ceiling"] == pytest.approx(-1.0)
    assert "DAKD's gain is below zero" in markdown(rows, s) and "%" not in markdown(rows, s).split("Ceiling")[1]


def test_layout_arm_joins_its_seed_and_shares_the_baseline(tmp_path):
    from bench.dakd_gain import merge_arm, share_stages
    for name, (b, d, dl) in {"s0": (0.50, 0.45, 0.53), "s1": (0.40, 0.47, 0.46)}.items():
        _write(tmp_path / "main" / name, int(name[1]), {"baseline": b, "dakd": d})
        _write(tmp_path / "arm" / name, int(name[1]), {"baseline": b, "dakd": dl})
    rows = merge_arm(collect(tmp_path / "main", ["s0", "s1"]), collect(tmp_path / "arm", ["s0", "s1"]), "dakd_layout")
    s = summarize(rows)
    assert s["gain_dakd_layout_miou"]["mean"] == pytest.approx(0.045) and s["gain_dakd_layout_positive_seeds"] == 2
    assert s["gain_miou"]["mean"] == pytest.approx(0.01) and "dakd_layout" in markdown(rows, s)
    assert s["dakd_layout_minus_dakd_miou"]["mean"] == pytest.approx(0.035) and "seed for seed: +3.5 ± 6.4" in markdown(rows, s)
    plot(rows, s)
    # a baseline that differs between the arms is an error, not a table
    (tmp_path / "arm" / "s1" / "results.json").write_text((tmp_path / "arm" / "s1" / "results.json").read_text().replace("0.4,", "0.41,"))
    with pytest.raises(SystemExit, match="seed 1: the dakd_speckle arm's baseline"):
        merge_arm(collect(tmp_path / "main", ["s0", "s1"]), collect(tmp_path / "arm", ["s0", "s1"]), "dakd_speckle")
    # a finished baseline stage is copied into an arm run that has none and is not finished; nothing else is
    stage = tmp_path / "main" / "s0" / "student_baseline"
    stage.mkdir()
    (stage / "fingerprint.json").write_text("{}")
    (tmp_path / "arm2").mkdir()
    assert share_stages(tmp_path / "main", tmp_path / "arm2", ["s0", "s1"]) == ["s0/student_baseline"]
    assert (tmp_path / "arm2" / "s0" / "student_baseline" / "fingerprint.json").is_file()
    assert share_stages(tmp_path / "main", tmp_path / "arm2", ["s0", "s1"]) == []


def test_reuse_main_rebuilds_the_study_from_its_json_and_adds_an_arm(tmp_path, monkeypatch):
    "--reuse-main: the recorded runs come back unchanged, a named arm is merged in (its baseline checked), nothing else runs."
    import bench.dakd_gain as study
    from dakd_nb.files import load_json
    for name, (b, d, dl, ds) in {"s0": (0.50, 0.45, 0.53, 0.52), "s1": (0.40, 0.47, 0.46, 0.44)}.items():
        _write(tmp_path / "runs" / "main" / name, int(name[1]), {"baseline": b, "dakd": d})
        _write(tmp_path / "runs" / "dakd_gain_layout_cpu" / name, int(name[1]), {"baseline": b, "dakd": dl})
        _write(tmp_path / "runs" / "dakd_gain_speckle_cpu" / name, int(name[1]), {"baseline": b, "dakd": ds})
    class Sweep:  # two seeds, run folders s0 and s1
        seeds, base = [0, 1], {}
        def __init__(self, name): self.name = name
        def configs(self): return {"s0": {}, "s1": {}}
    monkeypatch.setattr(study, "load_sweep", lambda f: Sweep(Path(f).stem))
    monkeypatch.setattr(study, "run_sweep", lambda *a, **k: pytest.fail("--collect-only / --reuse-main ran a sweep"))
    monkeypatch.setattr(study, "ROOT", tmp_path)
    args = ["--sweep", str(tmp_path / "dakd_gain_cpu.yaml"), "--runs", str(tmp_path / "runs" / "main"), "--out", str(tmp_path / "out")]
    assert study.main(args + ["--collect-only", "--arms", "dakd_layout"]) == 0
    first = load_json(tmp_path / "out" / "dakd_gain.json")
    assert "dakd_speckle" not in first["summary"] and first["summary"]["gain_dakd_layout_miou"]["mean"] == pytest.approx(0.045)
    monkeypatch.setattr(study, "run_sweep", lambda s, nb, folder, **k: {n: {"status": "ok"} for n in s.configs()})
    import shutil
    shutil.rmtree(tmp_path / "runs" / "main")  # reused from the json, not the folders
    assert study.main(args + ["--reuse-main", "--arms", "dakd_speckle"]) == 0
    _write(tmp_path / "runs" / "dakd_gain_layout_speckle_cpu" / "s0", 0, {"baseline": 0.50, "dakd": 0.60})
    _write(tmp_path / "runs" / "dakd_gain_layout_speckle_cpu" / "s1", 1, {"baseline": 0.40, "dakd": 0.40})
    assert study.main(args + ["--reuse-main", "--arms", "dakd_layout_speckle"]) == 0  # adds it; keeps dakd_layout and dakd_speckle
    assert study.main(args + ["--reuse-main", "--arms", "dakd_layout"]) == 0  # refreshing one arm keeps the arms whose names contain it
    second = load_json(tmp_path / "out" / "dakd_gain.json")
    assert second["summary"]["gain_dakd_layout_speckle_miou"]["mean"] == pytest.approx(0.05)
    assert second["summary"]["gain_dakd_layout_miou"] == first["summary"]["gain_dakd_layout_miou"]
    assert second["summary"]["gain_dakd_speckle_miou"]["mean"] == pytest.approx(0.03) and "dakd_speckle" in (tmp_path / "out" / "dakd_gain.md").read_text()
    # runs recorded on another kind of CPU: an arm's baseline trained here would differ, so --reuse-main refuses up front
    second["machine"]["cpu_capability"] = "another"
    (tmp_path / "out" / "dakd_gain.json").write_text(json.dumps(second))
    assert study.main(args + ["--reuse-main", "--arms", "dakd_layout"]) == 1


def test_seed_0_trains_exactly_the_default_runs_students():
    "The study's seed 0 makes every stage `make run` makes from the same inputs: the same fingerprints (the ceiling aside)."
    from dakd_nb.data import build_splits
    from dakd_nb.main_params import MainJobParams
    from dakd_nb.main_job import stage_fingerprints
    from dakd_nb.sweeps import load_sweep
    configs = load_sweep(Path(__file__).parents[1] / "sweeps" / "dakd_gain_cpu.yaml").configs()
    seed_0 = next(c for c in configs.values() if c["seed"] == 0)

    def stages(**params):
        p = MainJobParams.resolve(**params, output_dir="unused")
        return stage_fingerprints(p, build_splits(p.dataset, None, p.n_real, p.sizes["size"], p.sizes["n_val"], p.sizes["n_test"]))
    default, study = stages(), stages(**seed_0)
    assert set(study) - set(default) == {"student_ceiling"}
    for name in default:
        assert study[name] == default[name], name
    assert stages(**{**seed_0, "seed": 1})["student_baseline"] != default["student_baseline"]  # the check can fail


def test_machine_record_names_what_decides_the_numbers():
    "A study's numbers are exact only on the same kind of CPU and the same numeric packages: the record says which."
    from dakd_nb.machine import machine_record
    m = machine_record()
    assert m["cpu_capability"] in {"DEFAULT", "AVX2", "AVX512", "ZVECTOR", "VSX", "NEON", "SVE256", "SVE128"}
    assert {"numpy", "scipy", "scikit-image", "diffusers"} <= set(m["packages"])
    assert all(v.count(".") >= 1 for v in m["packages"].values())
