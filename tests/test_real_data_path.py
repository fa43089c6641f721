"""The real-data path of the main job: every data set in its published on-disk layout (tiny fixtures written
by tests/fixtures.py) through the job's parameters, splits, plan and preflight; the paper profile's split
logic at the published counts (1002 + 110 OSD tiles); one name per data set in the job and in dakd-verify;
every sweep fits the data; and a headless dry run (papermill) that stops cleanly. With --slow: the README's
OSD dry run at the published counts (it times paper-sized networks), and a tiny training run on the OSD layout."""
import json
import sys
from pathlib import Path

import pytest


from dakd_nb.core import ArgumentError, DakdError
from dakd_nb.data import build_splits
from dakd_nb.main_params import MainJobParams
from dakd_nb.main_job import stage_fingerprints
from dakd_nb.plan import format_plan, run_plan
from dakd_nb.manifest import verify_cli
from dakd_nb.sweeps import load_sweep

sys.path.insert(0, str(Path(__file__).parent))
import fixtures  # noqa: E402
from headless import ROOT, assert_terminal_says, papermill  # noqa: E402


# main-job name -> (fixture writer, its arguments): 14 training tiles of at least 32 px (the tiny profile's size)
LAYOUTS = {
    "osd": ("osd", dict(n_train=14, n_test=2, size=(48, 32))),
    "sos_palsar": ("sos", dict(n_train=14, n_test=2)),
    "sos_sentinel": ("sos", dict(n_train=14, n_test=2)),
    "refined_sos": ("refined_sos", dict(n_train=7, n_val=2)),  # 7 per sensor: 14 training tiles
    "inpe": ("inpe", dict(counts={"train": 14, "val": 3, "test": 2}, size=(40, 32))),
}


def splits_of(p: MainJobParams) -> dict:
    return build_splits(p.dataset, p.data_root or None, p.n_real, p.sizes["size"], p.sizes["n_val"], p.sizes["n_test"])


@pytest.fixture
def quick_estimate(monkeypatch):
    "Leave out the timed steps where the test is about the data (the OSD dry run below times them for real)."
    monkeypatch.setattr("dakd_nb.plan.time_estimate", lambda p, splits, todo: {**{t: 1.0 for t in todo}, "test": 1.0})


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_layout_resolves_splits_and_passes_the_preflight(name, tmp_path, quick_estimate):
    writer, kwargs = LAYOUTS[name]
    root = tmp_path / "data"
    fixtures.WRITERS[writer](root, **kwargs)
    p = MainJobParams.resolve(profile="tiny", dataset=name, data_root=str(root), output_dir=str(tmp_path / "run"))
    held_out = 0 if name == "inpe" else 4  # the tiny profile's n_val; INPE brings its own validation split
    assert p.dataset == name and p.n_real == 8 and p.n_generated == 32
    splits = splits_of(p)
    assert len(splits["train"]) == 8 and len(splits["val"].base) == (3 if name == "inpe" else held_out)
    plan = run_plan(p, splits, stage_fingerprints(p, splits), tmp_path / "run")
    assert plan["check"]["ok"] and plan["check"]["differences"], plan["check"]  # a good copy, smaller than the published one
    assert not plan["blocking"] and not (tmp_path / "run").exists(), plan["blocking"]
    assert (plan["data"]["pool"], plan["data"]["held_out"]) == (14, held_out)
    assert set(plan["estimate"]) == {"jointnet", "augmentation", "student_baseline", "student_dakd", "test"}
    text = format_plan(plan, dry_run=True)
    assert f"train 8 tiles ({14 if held_out else 'of 14'}" in text and "data check  OK" in text
    # all that is left can be asked for; one more is refused before any work, saying why
    left = 14 - held_out
    assert MainJobParams.resolve(profile="tiny", dataset=name, data_root=str(root), n_real=left).n_real == left
    with pytest.raises(ArgumentError) as e: MainJobParams.resolve(profile="tiny", dataset=name, data_root=str(root), n_real=left + 1)
    pool = ("has 14 training tiles of which 4 are held out for validation (n_val of the 'tiny' profile), leaving 10"
            if held_out else "has 14 training tiles (its validation split is a separate one)")
    assert f"parameter n_real={left + 1} but {name} at {root} {pool}; ask for at most {left}" in str(e.value), e.value


def test_a_damaged_copy_stops_the_preflight(tmp_path, quick_estimate):
    "A training tile is read only when trained on; the preflight's check finds it damaged now."
    fixtures.write_osd(tmp_path / "data", n_train=14, n_test=2, size=(48, 32))
    p = MainJobParams.resolve(profile="tiny", dataset="osd", data_root=str(tmp_path / "data"), output_dir=str(tmp_path / "run"))
    splits = splits_of(p)
    jpg = splits["train"].base.dataset.files[splits["train"].base.indices[0]][0]
    jpg.write_bytes(jpg.read_bytes()[:200])
    plan = run_plan(p, splits, stage_fingerprints(p, splits), tmp_path / "run")
    assert not plan["check"]["ok"] and any(f"{jpg.name}: cannot be decoded" in q for q in plan["check"]["problems"])
    assert any("1 problem(s)" in b for b in plan["blocking"]) and jpg.name in format_plan(plan)


# --- one name per data set -----------------------------------------------------------------------------------

def test_one_name_per_data_set_aliases_taken_in_the_job_and_in_verify(tmp_path, capsys):
    fixtures.write_refined_sos(tmp_path / "refined", n_train=3)  # 6 training tiles: 4 for validation (tiny), 2 to train on
    fixtures.write_sos(tmp_path / "sos", n_train=6)
    for alias, name, root in [("refined-sos", "refined_sos", "refined"), ("sos-palsar", "sos_palsar", "sos")]:
        assert MainJobParams.resolve(profile="tiny", dataset=alias, data_root=str(tmp_path / root), n_real=1).dataset == name
        for spelling in (alias, name):
            assert verify_cli([spelling, str(tmp_path / root), "--loose"]) == 0
            assert capsys.readouterr().out.startswith(f"{name} at ")
    with pytest.raises(ArgumentError, match="dataset='sos'.*train on one of sos_palsar, sos_sentinel"):
        MainJobParams.resolve(profile="tiny", dataset="sos", data_root=str(tmp_path / "sos"))
    assert verify_cli(["sos", str(tmp_path / "sos"), "--loose"]) == 0  # dakd-verify checks both areas
    assert verify_cli(["refined-soss", str(tmp_path / "refined")]) == 1
    assert "did you mean 'refined_sos'?" in capsys.readouterr().err


# --- the paper profile at the published counts ------------------------------------------------------------------

@pytest.fixture(scope="module")
def osd_published_counts(tmp_path_factory) -> Path:
    "OSD's layout at its published counts, 1002 training and 110 test tiles, each 256x256 (the paper profile's size)."
    root = tmp_path_factory.mktemp("osd_1002")
    fixtures.write_osd(root, n_train=1002, n_test=110, size=(256, 256))
    return root


def test_paper_profile_takes_every_osd_tile_left_after_validation(osd_published_counts):
    root = str(osd_published_counts)
    p = MainJobParams.resolve(profile="paper", dataset="osd", data_root=root)
    assert (p.n_real, p.n_generated) == (902, 3608)  # 1002 - 100 held out; 4 generated per real tile
    assert MainJobParams.resolve(profile="paper", dataset="osd", data_root=root, generated_per_real=1).n_generated == 902
    with pytest.raises(ArgumentError) as e: MainJobParams.resolve(profile="paper", dataset="osd", data_root=root, n_real=1000)
    assert (f"parameter n_real=1000 but osd at {root} has 1002 training tiles of which 100 are held out for validation "
            "(n_val of the 'paper' profile), leaving 902; ask for at most 902, or n_real=None for all of them") in str(e.value)
    splits = build_splits("osd", root, None, 256, 100)
    train, val = splits["train"].base, splits["val"].base  # Subsets of the same training split
    assert len(train) == 902 and len(val) == 100 and len(splits["test"].base) == 110
    assert sorted(train.indices + val.indices) == list(range(1002))  # disjoint, and together the whole split
    assert train.indices[:64] == build_splits("osd", root, 64, 256, 100)["train"].base.indices  # a smaller n_real is a subset


def test_paper_profile_on_inpe_counts(tmp_path):
    fixtures.write_inpe(tmp_path, counts={"train": 108, "val": 43, "test": 22}, size=(40, 32))
    assert MainJobParams.resolve(profile="paper", dataset="inpe", data_root=str(tmp_path)).n_real == 108


def test_every_sweep_run_fits_the_published_counts(osd_published_counts, tmp_path):
    "No sweep asks for more real tiles than are left (the n_generated sweep once asked for 1002 of OSD's 902)."
    fixtures.write_inpe(tmp_path, counts={"train": 108, "val": 43, "test": 22}, size=(40, 32))
    for f in sorted((ROOT / "sweeps").glob("*.yaml")):
        sweep = load_sweep(f)
        if sweep.base.get("dataset") != "osd": continue
        for name, params in sweep.configs().items():
            p = MainJobParams.resolve(**{**params, "data_root": str(osd_published_counts)})
            assert p.n_real <= 902, (f.name, name)
        if "n_real" not in {k for v in sweep.variants() for k in v}:  # runs whose n_real is the default fit any set
            for name, params in sweep.configs().items():
                MainJobParams.resolve(**{**params, "dataset": "inpe", "data_root": str(tmp_path)})


# --- headless runs ------------------------------------------------------------------------------------------

def test_paper_plan_at_published_counts(osd_published_counts, tmp_path, quick_estimate):
    "The plan the README's preflight prints for OSD (the timing left out: the slow test below times it for real)."
    run = tmp_path / "run"
    p = MainJobParams.resolve(profile="paper", dataset="osd", data_root=str(osd_published_counts), output_dir=str(run), dry_run=True)
    splits = splits_of(p)
    text = format_plan(run_plan(p, splits, stage_fingerprints(p, splits), run), dry_run=True)
    for says in ("plan (dry run: nothing is trained or written)", "validation 100 tiles", "test 110 tiles",
                 "train 902 tiles (1002 in the training split, 100 held out for validation)", "data check  OK",
                 "3608 pairs (4 per real tile)", "trained in this run (jointnet/generator): sar_jointnet, 150000 steps",
                 f"output      {run} (new)", "time        about"):
        assert says in text, (says, text)
    assert not run.exists(), "a dry run writes nothing"


def _dry_run(tmp_path: Path, **params) -> tuple:
    "A headless dry run into tmp_path/run: (papermill's result, the run folder, the code cells left unrun)."
    run = tmp_path / "run"
    res = papermill(tmp_path / "dry.ipynb", output_dir=run, dry_run=True, **params)
    executed = json.loads((tmp_path / "dry.ipynb").read_text())
    unrun = [c for c in executed["cells"] if c["cell_type"] == "code" and c["metadata"]["papermill"]["status"] == "pending"]
    return res, run, unrun


def test_a_dry_run_plans_and_stops_cleanly(tmp_path):
    "The preflight headless: exit status 0, the plan on the terminal, no training cell run and nothing written."
    fixtures.write_osd(tmp_path / "data", n_train=14, n_test=2, size=(48, 32))
    res, run, unrun = _dry_run(tmp_path, profile="tiny", dataset="osd", data_root=tmp_path / "data")
    assert res.returncode == 0, res.stderr[-5000:]
    assert_terminal_says(res, "plan (dry run: nothing is trained or written)", "data check  OK", f"output      {run} (new)",
                         "train 8 tiles (14 in the training split, 4 held out for validation)", "time        about")
    assert not run.exists(), "a dry run writes nothing"
    assert any("train_students(" in "".join(c["source"]) for c in unrun), "no training cell may run"


def test_a_dry_run_on_an_empty_copy_names_what_is_missing_in_every_split(tmp_path):
    (tmp_path / "data").mkdir()
    res, run, _ = _dry_run(tmp_path, profile="tiny", dataset="osd", data_root=tmp_path / "data")
    assert res.returncode != 0 and not run.exists()
    assert_terminal_says(res, "2 splits cannot be read", "data/train/images: folder missing", "data/test/images: folder missing")


@pytest.mark.slow  # times a paper-sized generator and student on this machine (minutes on a busy CPU)
def test_osd_dry_run_at_published_counts_plans_and_stops_cleanly(osd_published_counts, tmp_path):
    "The README's preflight as a person types it: paper profile, OSD at its published counts."
    res, run, unrun = _dry_run(tmp_path, profile="paper", dataset="osd", data_root=osd_published_counts)
    assert res.returncode == 0, res.stderr[-5000:]
    assert_terminal_says(res, "train 902 tiles (1002 in the training split, 100 held out for validation)", "time        about")
    assert not run.exists() and unrun


@pytest.mark.slow  # a whole tiny run; test_main_job checks the terminal report on SynthSAR in the default suite
def test_tiny_run_on_the_osd_layout_reports_on_the_terminal(tmp_path):
    "End to end on files in OSD's layout: a generator trained here, both students, results, and the terminal told."
    fixtures.write_osd(tmp_path / "data", n_train=14, n_test=2, size=(64, 32))
    run = tmp_path / "run"
    res = papermill(tmp_path / "out.ipynb", profile="tiny", dataset="osd", data_root=tmp_path / "data", output_dir=run, n_real=6)
    assert res.returncode == 0, res.stderr[-5000:]
    results = json.loads((run / "results.json").read_text())
    assert results["params"]["dataset"] == "osd" and results["params"]["n_real"] == 6 and results["generator"].startswith("trained")
    assert set(results["test"]) == {"baseline", "dakd"} and len(results["classes"]) == 5
    assert_terminal_says(res, "plan\n", "data: osd", "generator: trained in this run", "student baseline", "student dakd",
                         "test mIoU: baseline", "DAKD's gain", "oil_spill", f"files in {run}")
    assert "STOPS" not in res.stderr  # the run's own lock is not another run's
    with pytest.raises(DakdError): MainJobParams.resolve(profile="tiny", dataset="osd", data_root=str(tmp_path / "data"), n_real=11)


def test_validation_on_overlapping_windows(tmp_path):
    "OSD's 1250x650 tiles at 256 always overlap in their last windows, so this is every real OSD run's validation."
    from dakd_nb.metrics import evaluate
    from dakd_nb.saross import build_segmenter
    fixtures.write_osd(tmp_path, n_train=6, n_test=2, size=(48, 32))
    val = build_splits("osd", tmp_path, 1, 32, 4)["val"]
    assert any(not val[j]["valid"].all() for j in range(len(val)))
    m = evaluate(build_segmenter("unet", num_classes=5, width=8).eval(), val, val.classes)
    assert sum(map(sum, m["confusion_matrix"])) == sum(val.base[i]["label"].numel() for i in range(len(val.base)))  # each pixel once
