"""Table M (issue 22): the sweeps' cells, bench/table_m.py's bookkeeping on hand-made run folders, and every paper cell's dry run."""
import json
import os
from pathlib import Path

import pytest

from bench.table_m import CPU_SWEEP, COMPOSED_METHODS, cell_sweep, GENERATORS, NONE, collect, generation_figures, main, markdown, methods, summarize
from dakd_nb.main_job import stage_fingerprints
from dakd_nb.main_params import MainJobParams
from dakd_nb.plan import run_plan
from dakd_nb.saross import segmenter_names
from dakd_nb.sweeps import load_sweep

import fixtures
from test_real_data_path import quick_estimate, splits_of  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]
PAPER_SWEEP = ROOT / "sweeps" / "table_m.yaml"


def test_both_sweeps_cross_the_papers_four_students_with_four_generators():
    for f in (CPU_SWEEP, PAPER_SWEEP):
        s = load_sweep(f)
        assert set(s.grid["student"]) == {"deeplabv3plus", "cbdnet", "mask2former", "segformer"} <= set(segmenter_names())
        assert set(methods(s)) - set(COMPOSED_METHODS) == {"sar_jointnet", "ddpm", "satsynth", "semgan"} and len(s.seeds) == 3
        assert len(s.configs()) == 4 * len(methods(s)) * 3
    assert set(methods(load_sweep(CPU_SWEEP))) & set(COMPOSED_METHODS) == {"copy_paste"}  # the CPU table's row without a generator


def test_every_method_of_the_cpu_table_runs_the_same_names_on_its_own_generator():
    "The first method's baselines are read back by the others' runs of the same student and name: same parameters but the generator."
    s = load_sweep(CPU_SWEEP)
    other = lambda params: {k: v for k, v in params.items() if k not in ("generator", "jointnet_path")}
    for student in s.grid["student"]:
        first = cell_sweep(s, "sar_jointnet", student).configs()
        assert list(first) == [f"seed={x}" for x in s.seeds]
        for m in methods(s):
            for name, params in cell_sweep(s, m, student).configs().items():
                if m in COMPOSED_METHODS:  # no generator: the main job's composed generation, checked as a run would be
                    assert "jointnet_path" not in params and params["generation"] == m and params["student"] == student
                    assert {k: v for k, v in params.items() if k not in COMPOSED_METHODS[m]} == other(first[name]), (m, name)
                    MainJobParams.resolve(**params, output_dir="x")
                    continue
                assert params["generator"] == m and params["jointnet_path"] == GENERATORS[m] and params["student"] == student
                assert other(params) == other(first[name]), (m, name)
    assert len(set(GENERATORS.values())) == len(GENERATORS), "each method its own generator folder"


def _write(run: Path, method: str, student: str, seed: int, base: float, dakd: float, seg_fd: float | None):
    "A finished main-job run folder: results.json and generation_quality.json."
    run.mkdir(parents=True)
    test = {s: {"miou": m, "f1_macro": m + 0.1} for s, m in (("baseline", base), ("dakd", dakd))}
    (run / "results.json").write_text(json.dumps({"status": "ok", "params": {"generator": method, "student": student, "seed": seed},
                                                  "test": test}))
    (run / "generation_quality.json").write_text(json.dumps({"seg_fd": seg_fd, "fid": None, "alignment_miou": 0.3}))


def _table(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    for seed in (0, 1):
        for m, gain in (("sar_jointnet", 0.02), ("semgan", -0.01)):
            _write(runs / m / f"student=segformer,seed={seed}", m, "segformer", seed, 0.50 + seed / 10, 0.50 + seed / 10 + gain, None)
            _write(runs / m / f"student=cbdnet,seed={seed}", m, "cbdnet", seed, 0.40, 0.40 + gain * (seed + 1), 10.0 + seed)
    (runs / "semgan" / "student=cbdnet,seed=9").mkdir()  # an unfinished run: no results.json
    return runs


def test_rows_gains_and_the_none_row(tmp_path):
    rows = collect(_table(tmp_path))
    assert len(rows) == 8
    cells = summarize(rows, ["sar_jointnet", "semgan"], ["cbdnet", "segformer"])
    assert list(cells) == [NONE, "sar_jointnet", "semgan"]
    assert cells[NONE]["segformer"]["miou"]["mean"] == pytest.approx(55.0) and cells[NONE]["segformer"]["f1"]["mean"] == pytest.approx(65.0)
    assert "gain" not in cells[NONE]["cbdnet"]
    assert cells["sar_jointnet"]["cbdnet"]["gain"]["mean"] == pytest.approx(3.0)  # 2 and 4 points
    assert cells["sar_jointnet"]["cbdnet"]["gain"]["sd"] == pytest.approx(1.4142, abs=1e-3)
    assert cells["semgan"]["segformer"]["positive_seeds"] == 0 and cells["sar_jointnet"]["segformer"]["positive_seeds"] == 2
    gen = generation_figures(rows, ["sar_jointnet", "semgan"], ["segformer", "cbdnet"])
    assert gen["semgan"]["seg_fd"] == {"mean": 10.5, "sd": pytest.approx(0.7071, abs=1e-3), "n": 2, "source": "the runs' real-trained cbdnet baseline"}
    assert "fid" not in gen["semgan"], "no run measured FID: no figure, not a zero"
    md = markdown(cells, gen, ["cbdnet", "segformer"], [0, 1])
    assert "| none | – | – | – | 40.0 ± 0.0 / 50.0 ± 0.0 |  | 55.0 ± 7.1 / 65.0 ± 7.1 |  |" in md
    assert "| semgan | 10.50 ± 0.71 | – | – | 38.5 ± 0.7 / 48.5 ± 0.7 | -1.5 ± 0.7 (0/2) |" in md
    assert "in the features of the runs' real-trained cbdnet baseline" in md


def test_a_composed_row_is_collected_by_its_generation_and_keeps_the_committed_generators_figures(tmp_path):
    "A copy_paste run's results.json names the default generator: its row is its generation's; the generators' figures stay the committed table's."
    import bench.table_m as tm
    runs, out = _table(tmp_path), tmp_path / "out"
    for seed in (0, 1):
        run = runs / "copy_paste" / f"student=cbdnet,seed={seed}"
        _write(run, "sar_jointnet", "cbdnet", seed, 0.40, 0.45, 3.0)
        res = json.loads((run / "results.json").read_text())
        (run / "results.json").write_text(json.dumps({**res, "params": {**res["params"], "generation": "copy_paste"}}))
    assert {r["method"] for r in collect(runs)} == {"sar_jointnet", "semgan", "copy_paste"}
    sweep = tmp_path / "t.yaml"
    sweep.write_text("name: t\nbase: {profile: tiny}\ngrid: {student: [cbdnet, segformer], generator: [sar_jointnet, semgan, copy_paste]}\n"
                     "seeds: [0, 1]\n")
    rel = os.path.relpath(sweep, tm.ROOT)
    figures = {m: {"seg_fd": {"mean": fd, "sd": 0.0, "n": 1, "source": "the cards"}} for m, fd in (("sar_jointnet", 6.0), ("semgan", 190.0))}
    out.mkdir()
    (out / "table_m.json").write_text(json.dumps({"sweep": {"file": rel, "base": {"profile": "tiny"}, "seeds": [0, 1]}, "runs": [],
                                                  "generation": figures, "generators": {"semgan": {"steps": 7}}}))
    assert main(["--sweep", str(sweep), "--runs", str(runs), "--out", str(out), "--collect-only"]) == 0
    table = json.loads((out / "table_m.json").read_text())
    assert table["generation"] == figures and table["generators"]["semgan"]["steps"] == 7  # the committed ones, not the runs' figures
    assert table["cells"]["copy_paste"]["cbdnet"]["gain"]["mean"] == pytest.approx(5.0) and "segformer" not in table["cells"]["copy_paste"]
    assert "| copy_paste | – | – | – |" in (out / "table_m.md").read_text()
    assert tm.pending_generators(load_sweep(sweep), frozenset(
        (m, s, x) for m in ("sar_jointnet", "copy_paste") for s in ("cbdnet", "segformer") for x in (0, 1))) == ["semgan"]


def test_the_none_row_averages_each_seeds_own_baselines(tmp_path):
    "A GPU sweep trains a baseline in every run: the none row takes each seed's mean of them, then the spread over seeds."
    runs = tmp_path / "runs"
    for seed, (a, b) in enumerate(((0.40, 0.44), (0.50, 0.52))):
        _write(runs / "sar_jointnet" / f"seed={seed}", "sar_jointnet", "cbdnet", seed, a, a + 0.01, None)
        _write(runs / "semgan" / f"seed={seed}", "semgan", "cbdnet", seed, b, b, None)
    none = summarize(collect(runs), ["sar_jointnet", "semgan"], ["cbdnet"])[NONE]["cbdnet"]["miou"]
    assert none["n"] == 2 and none["mean"] == pytest.approx((42 + 51) / 2) and none["sd"] == pytest.approx(6.364, abs=1e-3)


def test_collect_only_writes_the_table_files(tmp_path, monkeypatch):
    runs, out = _table(tmp_path), tmp_path / "out"
    sweep = tmp_path / "t.yaml"
    sweep.write_text("name: t\nbase: {profile: tiny}\ngrid: {student: [cbdnet, segformer], generator: [sar_jointnet, semgan]}\n"
                     "seeds: [0, 1]\n")
    assert main(["--sweep", str(sweep), "--runs", str(runs), "--out", str(out), "--collect-only"]) == 0
    table = json.loads((out / "table_m.json").read_text())
    assert table["methods"] == ["sar_jointnet", "semgan"] and len(table["runs"]) == 8 and table["generators"] == {}
    assert (out / "table_m.md").read_text().startswith("| method |") and (out / "table_m.png").stat().st_size > 0
    import bench.readme
    monkeypatch.setattr(bench.readme, "RESULTS", out)  # the README's short table and the results page read the same file
    short = bench.readme.table_m_short()
    assert "| method | cbdnet | segformer |" in short and "| semgan | 38.5 ± 0.7 (-1.5) | 54.0 ± 7.1 (-1.0) |" in short
    assert "of 2 seeds]" not in short
    assert "| none | 40.0 ± 0.0 | 55.0 ± 7.1 |" in short and bench.readme.table_m().endswith((out / "table_m.md").read_text())
    with pytest.raises(SystemExit, match="no finished run"):
        main(["--sweep", str(sweep), "--runs", str(tmp_path / "empty"), "--out", str(tmp_path / "out2"), "--collect-only"])


@pytest.fixture(scope="module")
def osd_at_paper_size(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("osd_table_m")
    fixtures.write_osd(root, n_train=110, n_test=4, size=(256, 256))
    return root


def test_every_paper_cell_passes_its_dry_run(osd_at_paper_size, tmp_path, quick_estimate):
    "Each cell of sweeps/table_m.yaml, as the sweep runner would start it with dry_run=True: a plan with nothing blocking."
    for name, params in load_sweep(PAPER_SWEEP).configs().items():
        if params["seed"]: continue  # a seed changes no check
        p = MainJobParams.resolve(**{**params, "data_root": str(osd_at_paper_size), "output_dir": str(tmp_path / name), "dry_run": True})
        splits = splits_of(p)
        plan = run_plan(p, splits, stage_fingerprints(p, splits), tmp_path / name, preflight=True)
        assert not plan["blocking"], (name, plan["blocking"])
        assert plan["generator"]["variant"] == params["generator"], name


def test_each_methods_generator_is_trained_once_and_measured_in_one_segmenters_features(tmp_path, monkeypatch):
    "train_generators and measure_generators on the tiny profile: a card per method with seg_fd, kept when run again."
    import bench.table_m as tm
    monkeypatch.setattr(tm, "GENERATORS", {m: str(tmp_path / m) for m in ("sar_jointnet", "semgan")})
    monkeypatch.setattr(tm, "EVAL", {**tm.EVAL, "n_eval": 8, "n_reference": 8, "seg_steps": 2})
    sweep = load_sweep_text(tmp_path, "grid: {student: [cbdnet], generator: [sar_jointnet, semgan]}")
    cards = tm.train_generators(sweep, threads=1)
    assert {m: c["config"]["variant"] for m, c in cards.items()} == {"sar_jointnet": "sar_jointnet", "semgan": "semgan"}
    quality = tm.measure_generators(sweep)
    for m in ("sar_jointnet", "semgan"):
        assert quality[m]["seg_fd"] > 0 and quality[m]["n_generated"] == 8 and "spectrum" not in quality[m]
        assert json.dumps(json.loads((tmp_path / m / "card.json").read_text())["quality"]) == json.dumps(quality[m])  # NaN ENL: no sea
    assert json.dumps(tm.measure_generators(sweep)) == json.dumps(quality)  # measured once: read back, not measured again
    gen = tm.card_figures({m: json.loads((tmp_path / m / "card.json").read_text()) for m in quality})
    assert gen["semgan"]["seg_fd"]["mean"] == quality["semgan"]["seg_fd"] and "SAROSS-Net" in gen["semgan"]["seg_fd"]["source"]
    other = tmp_path / "other"  # any folder trained on the same scenes (a packaged one): measured as the table's are
    import shutil
    shutil.copytree(tmp_path / "sar_jointnet", other)
    card = json.loads((other / "card.json").read_text())
    del card["quality"]
    (other / "card.json").write_text(json.dumps(card))
    assert tm.main(["--sweep", str(tmp_path / "t.yaml"), "--measure-cards", str(other)]) == 0
    assert json.loads((other / "card.json").read_text())["quality"]["seg_fd"] == pytest.approx(quality["sar_jointnet"]["seg_fd"], rel=1e-4)


def test_a_table_finishes_over_sessions_from_its_committed_file(tmp_path, monkeypatch):
    "Runs a committed table_m.json holds (same sweep) are not run again and stay in the table; a changed sweep keeps none."
    import bench.table_m as tm
    sweep_file = tmp_path / "t.yaml"
    sweep_file.write_text("name: t\nbase: {profile: tiny, dataset: synthsar}\n"
                          "grid: {student: [cbdnet, segformer], generator: [sar_jointnet, semgan]}\nseeds: [0, 1]\n")
    runs, out, calls = tmp_path / "runs", tmp_path / "out", []
    def fake_run(cell, folder, workers):
        calls.append((cell.base["generator"], cell.grid["student"][0], cell.seeds))
        for seed in cell.seeds: _write(folder / f"seed={seed}", cell.base["generator"], cell.grid["student"][0], seed, 0.4, 0.43, None)
        return True
    monkeypatch.setattr(tm, "_run", fake_run)
    monkeypatch.setattr(tm, "train_generators", lambda *a: {})
    monkeypatch.setattr(tm, "measure_generators", lambda *a: {})
    earlier = tmp_path / "earlier"
    for m, st, seed in (("sar_jointnet", "cbdnet", 0), ("sar_jointnet", "cbdnet", 1), ("semgan", "cbdnet", 0)):
        _write(earlier / m / st / f"seed={seed}", m, st, seed, 0.4, 0.40, None)
    sweep = load_sweep(sweep_file)
    rel = os.path.relpath(sweep_file, tm.ROOT)
    out.mkdir()
    (out / "table_m.json").write_text(json.dumps({"sweep": {"file": rel, "base": sweep.base, "seeds": sweep.seeds},
                                                  "runs": collect(earlier)}))
    assert tm.main(["--sweep", str(sweep_file), "--runs", str(runs), "--out", str(out), "--workers", "1"]) == 0
    assert sorted(calls) == [("sar_jointnet", "segformer", [0, 1]), ("semgan", "cbdnet", [1]), ("semgan", "segformer", [0, 1])]
    table = json.loads((out / "table_m.json").read_text())
    assert len(table["runs"]) == 8 and table["cells"]["semgan"]["cbdnet"]["gain"]["mean"] == pytest.approx(1.5)  # 0 and 3 points
    import bench.readme
    monkeypatch.setattr(bench.readme, "RESULTS", out)
    assert "Not finished" not in bench.readme.table_m_short()
    (out / "table_m.json").write_text(json.dumps({**table, "runs": table["runs"][:7]}))  # as a table half-way through says it
    assert "**Not finished: 7 of 8 runs**" in bench.readme.table_m_short()
    (out / "table_m.json").write_text(json.dumps(table))
    calls.clear()
    (out / "table_m.json").write_text(json.dumps({**table, "sweep": {**table["sweep"], "seeds": [0]}}))  # another sweep's table
    assert tm.main(["--sweep", str(sweep_file), "--runs", str(tmp_path / "runs2"), "--out", str(out), "--workers", "1"]) == 0
    assert len(calls) == 4


def load_sweep_text(tmp_path: Path, grid: str):
    f = tmp_path / "t.yaml"
    f.write_text(f"name: t\nbase: {{profile: tiny, dataset: synthsar}}\n{grid}\nseeds: [0]\n")
    return load_sweep(f)


def test_run_table_runs_each_pending_cell_once_and_fails_when_one_does(tmp_path, monkeypatch):
    "Each cell still to run goes to the headroom study's runner, one seed at a time; a cell that raises fails the table."
    import bench.table_m as tm
    sweep = tmp_path / "t.yaml"
    sweep.write_text("name: t\nbase: {profile: tiny}\ngrid: {student: [cbdnet, segformer], generator: [sar_jointnet, copy_paste]}\n"
                     "seeds: [0, 1]\n")
    s, calls = load_sweep(sweep), []
    monkeypatch.setattr(tm, "_run", lambda cell, folder, workers: calls.append((folder.relative_to(tmp_path).as_posix(), cell.seeds, workers)) or True)
    done = frozenset(("sar_jointnet", st, x) for st in ("cbdnet", "segformer") for x in (0, 1)) | {("copy_paste", "cbdnet", 0)}
    assert tm.run_table(s, tmp_path, 2, 1, done)
    assert sorted(calls) == [("copy_paste/cbdnet", [1], 1), ("copy_paste/segformer", [0, 1], 1)]
    def broken(cell, folder, workers): raise RuntimeError("no notebook")
    monkeypatch.setattr(tm, "_run", broken)
    assert not tm.run_table(s, tmp_path, 2, 1, done)
