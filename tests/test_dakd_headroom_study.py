"""bench/dakd_headroom.py's bookkeeping on hand-made run folders: rows, gains, the ceiling's share, the choice on validation."""
import json
import shutil
from pathlib import Path

import pytest

from bench.dakd_gain import share_stages
from bench.dakd_headroom import ARMS, arm_stages, arm_sweep, choose, collect, main_sweep, markdown, plot, summarize


XEON = {"cpu": "Intel(R) Xeon(R) Processor", "cpu_capability": "AVX512"}


def _write(run, seed, test, val, machine=XEON):
    "A run folder as the main job leaves it: results.json and each student's best/metrics.json."
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps({"params": {"seed": seed, "n_real": 16, "n_generated": 64}, "machine": machine,
                                                  "test": {s: {"miou": m, "iou": {"sea": 0.9, "oil_spill": m / 2}} for s, m in test.items()}}))
    for s, v in val.items():
        (run / f"student_{s}" / "best").mkdir(parents=True)
        (run / f"student_{s}" / "best" / "metrics.json").write_text(json.dumps({"epoch": 3, "miou": v}))


def _study(tmp_path, arm_val=(0.62, 0.63)):
    names = list(main_sweep([0, 1]).configs())
    for seed, name in enumerate(names):
        _write(tmp_path / "main" / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.39 + seed / 10, "ceiling": 0.48 + seed / 10},
               {"baseline": 0.6, "dakd": 0.59, "ceiling": 0.7})
        _write(tmp_path / "real_share" / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.44 + seed / 10},
               {"baseline": 0.6, "dakd": arm_val[seed]})
    return names


def test_gains_share_of_ceiling_and_seeds_positive(tmp_path):
    names = _study(tmp_path)
    rows = collect(tmp_path, names, ["real_share"])
    s = summarize(rows, ["real_share"])
    assert s["ceiling"]["gain"]["mean"] == pytest.approx(0.08) and s["dakd"]["gain"]["mean"] == pytest.approx(-0.01)
    assert s["real_share"]["gain"]["mean"] == pytest.approx(0.04) and s["real_share"]["share_of_ceiling"] == pytest.approx(0.5)
    assert s["real_share"]["positive_seeds"] == 2 and s["dakd"]["positive_seeds"] == 0
    assert s["real_share"]["oil_gain"]["mean"] == pytest.approx(0.02)
    assert s["real_share"]["val_gain"]["mean"] == pytest.approx(0.025)
    md = markdown(rows, s, ["real_share"], choose(s, ["real_share"]))
    assert "| real_share | half of every batch real" in md and "+4.0 ± 0.0 | 50% | 2 of 2" in md
    plot(rows, s, ["real_share"])


def test_the_choice_is_made_on_validation_not_test(tmp_path):
    names = _study(tmp_path, arm_val=(0.55, 0.56))  # better on test, worse on validation than the paper's recipe
    s = summarize(collect(tmp_path, names, ["real_share"]), ["real_share"])
    assert s["real_share"]["gain"]["mean"] > s["dakd"]["gain"]["mean"]
    assert choose(s, ["real_share"])["arm"] == "dakd"


def test_an_arm_must_share_the_main_runs_baseline(tmp_path):
    names = _study(tmp_path)
    res = tmp_path / "real_share" / names[1] / "results.json"
    res.write_text(res.read_text().replace('"miou": 0.5,', '"miou": 0.51,'))
    with pytest.raises(SystemExit, match="baseline is not the main run's"): collect(tmp_path, names, ["real_share"])


def test_an_arm_run_on_another_processor_is_measured_against_its_own_baseline(tmp_path):
    names = _study(tmp_path)
    epyc = {"cpu": "AMD EPYC", "cpu_capability": "AVX2"}
    for seed, name in enumerate(names):  # there the same recipe trained a baseline 0.02 lower; the arm is 0.03 above it
        _write(tmp_path / "lognormal" / name, seed, {"baseline": 0.38 + seed / 10, "dakd": 0.41 + seed / 10},
               {"baseline": 0.58, "dakd": 0.6}, machine=epyc)
    rows = collect(tmp_path, names, ["real_share", "lognormal"])
    s = summarize(rows, ["real_share", "lognormal"])
    assert s["lognormal"]["gain"]["mean"] == pytest.approx(0.03) and s["lognormal"]["val_gain"]["mean"] == pytest.approx(0.02)
    assert s["real_share"]["gain"]["mean"] == pytest.approx(0.04)  # the main processor's arms keep the main baseline
    md = markdown(rows, s, ["real_share", "lognormal"], choose(s, ["real_share", "lognormal"]))
    assert "| lognormal † |" in md and "| real_share |" in md and "AMD EPYC (AVX2)" in md
    plot(rows, s, ["real_share", "lognormal"])
    for seed, name in enumerate(names):  # a second arm on a third processor: each † says which
        _write(tmp_path / "freemask" / name, seed, {"baseline": 0.37 + seed / 10, "dakd": 0.38 + seed / 10},
               {"baseline": 0.58, "dakd": 0.6}, machine={"cpu": "AMD EPYC", "cpu_capability": "AVX512"})
    arms = ["real_share", "lognormal", "freemask"]
    rows = collect(tmp_path, names, arms)
    md = markdown(rows, summarize(rows, arms), arms, choose(summarize(rows, arms), arms))
    assert "| lognormal †¹ |" in md and "| freemask †² |" in md and "(¹AMD EPYC (AVX2), ²AMD EPYC (AVX512))" in md


def test_arms_run_the_main_runs_with_one_change_and_share_what_they_can(tmp_path):
    for arm, (params, _, same_pairs, _) in ARMS.items():
        sweep, main = arm_sweep(arm, [0, 1]), main_sweep([0, 1])
        assert list(sweep.configs()) == list(main.configs())  # the same run names, seed for seed
        assert {k: v for k, v in sweep.base.items() if main.base.get(k) != v} == \
               {k: v for k, v in {"ceiling": False, **params}.items() if main.base.get(k) != v}
        assert same_pairs == (not {"generation", "jointnet_path"} & params.keys())  # other pairs: no augmentation set to share
    name = list(main_sweep([0]).configs())[0]
    for stage in ("student_baseline", "augmentation", "student_dakd"):
        (tmp_path / "main" / name / stage).mkdir(parents=True)
        (tmp_path / "main" / name / stage / "fingerprint.json").write_text("{}")
    assert sorted(share_stages(tmp_path / "main", tmp_path / "freemask", [name], arm_stages("freemask"))) == [f"{name}/augmentation", f"{name}/student_baseline"]
    assert share_stages(tmp_path / "main", tmp_path / "sdedit", [name], arm_stages("sdedit")) == [f"{name}/student_baseline"]


def test_make_run_shows_the_recipe_the_study_chose_on_validation():
    """`make run`'s default parameters are the few-label profile and the arm chosen on validation in the committed study;
    an arm's own generator is named by its packaged copy, whose card is the study's record of that generator."""
    from pathlib import Path
    from bench.main_job import make_run_recipe
    root = Path(__file__).parents[1]
    study = json.loads((root / "bench" / "results" / "dakd_headroom.json").read_text())
    recipe = make_run_recipe()
    chosen = dict(study["arms"][study["choice"]["arm"]]["params"])
    if generator := chosen.pop("jointnet_path", ""):  # "": the arm's pairs are composed, no generator to name
        made, packaged = study["generators"][generator], recipe.pop("jointnet_path")
        assert packaged.startswith("dakd_nb/pretrained/"), "make run works from a clean clone: the generator ships with the package"
        card = json.loads((root / packaged / "card.json").read_text())
        assert {k: card[k] for k in made} == made, "the packaged generator is the one the study trained and measured"
    assert recipe == {"profile": study["profile"], **{k: str(v) for k, v in chosen.items()}}


def test_a_study_takes_the_packaged_copy_of_its_generator_instead_of_training_it(tmp_path, monkeypatch, capsys):
    "A clean checkout has no runs/generators: the study's generators the package ships are copied, only when their card is this point's."
    import bench.dakd_headroom as h
    from bench.data_efficiency import adopt_packaged
    from dakd_nb.files import file_sha256
    from dakd_nb.pretrain import packaged_generator
    monkeypatch.setattr(h, "ROOT", tmp_path)
    monkeypatch.setattr(h, "train_generator", lambda *a, **k: pytest.fail("a packaged generator was trained again"))
    for path in (h.GENERATOR, h.GENERATOR_LOGNORMAL):
        card = h.train_study_generator(path, {"profile": h.PROFILE, "dataset": "synthsar"}, 16, threads=1)
        src = packaged_generator(Path(path).name)
        assert card == json.loads((src / "card.json").read_text())
        assert {f.relative_to(src): file_sha256(f) for f in src.rglob("*") if f.is_file()} == \
               {f.relative_to(tmp_path / path): file_sha256(f) for f in (tmp_path / path).rglob("*") if f.is_file()}
    assert "copied, not trained" in capsys.readouterr().err
    other = tmp_path / "b" / Path(h.GENERATOR).name
    assert not adopt_packaged(other, 8, h.PROFILE, {}), "trained on other scenes"
    assert not adopt_packaged(other, 16, h.PROFILE, {"timesteps": "lognormal"}), "another recipe"
    assert not adopt_packaged(other, 16, "tiny", {}), "another profile's network"
    assert not adopt_packaged(tmp_path / "b" / "synthsar-16-unknown", 16, h.PROFILE, {}) and not other.exists()


def test_a_committed_study_is_kept_and_only_new_arms_run(tmp_path, monkeypatch):
    "A written dakd_headroom.json of the same seeds: its main runs and arms stand, only an arm it lacks runs (its baseline checked)."
    import bench.dakd_headroom as h
    runs, out, calls = tmp_path / "runs", tmp_path / "out", []
    names = _study(runs)
    monkeypatch.setattr(h, "check_generator_card", lambda *a: {"steps": 1})
    assert h.main(["--seeds", "0", "1", "--arms", "real_share", "--runs", str(runs), "--out", str(out), "--collect-only"]) == 0
    (tmp_path / "o2").mkdir()
    (tmp_path / "o2" / "dakd_headroom.json").write_text((out / "dakd_headroom.json").read_text())  # the same committed study
    fresh = tmp_path / "fresh"  # the next session: no main runs, only the new arm's, which trained its baseline again
    for seed, name in enumerate(names):
        _write(fresh / "freemask" / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.42 + seed / 10}, {"baseline": 0.6, "dakd": 0.61})
    def fake_arms(arms, seeds, runs_, workers, threads, baselines_from):
        calls.append(arms); return True
    monkeypatch.setattr(h, "run_arms", fake_arms)
    monkeypatch.setattr(h, "_run", lambda *a: pytest.fail("the committed main runs were run again"))
    assert h.main(["--seeds", "0", "1", "--arms", "real_share", "freemask", "--runs", str(fresh), "--out", str(out)]) == 0
    assert calls == [["freemask"]]
    study = json.loads((out / "dakd_headroom.json").read_text())
    assert study["summary"]["real_share"]["gain"]["mean"] == pytest.approx(0.04) and study["summary"]["freemask"]["gain"]["mean"] == pytest.approx(0.02)
    assert set(study["runs"][0]) >= {"baseline", "dakd", "ceiling", "real_share", "freemask"}
    assert study["arms"]["freemask"]["command"] == study["command"] and study["arms"]["real_share"]["command"] is None, \
        "each arm names the command that ran it (a collect runs none)"
    res = fresh / "freemask" / names[1] / "results.json"  # a baseline trained again that is not the committed one
    res.write_text(res.read_text().replace('"miou": 0.5,', '"miou": 0.51,'))
    with pytest.raises(SystemExit, match="baseline is not the main run's"):
        h.main(["--seeds", "0", "1", "--arms", "real_share", "freemask", "--runs", str(fresh), "--out", str(tmp_path / "o2"), "--collect-only"])
    res.write_text(res.read_text().replace('"miou": 0.51,', '"miou": 0.5,'))
    assert h.main(["--seeds", "0", "1", "--arms", "real_share", "freemask", "--runs", str(fresh), "--out", str(out), "--collect-only"]) == 0
    again = json.loads((out / "dakd_headroom.json").read_text())
    assert again["command"] == study["command"] and "--collect-only" in again["collected"], "the runs' command stays, the collect is beside it"
    assert again["arms"]["freemask"]["command"] == study["command"], "an arm's command is kept from the committed study"
    monkeypatch.setitem(h.PROFILES[h.PROFILE]["student"], "epochs", 7)  # the profile changed since: nothing of the study is kept
    assert h.committed_study(out / "dakd_headroom.json", [0, 1]) == {}


def test_arms_can_read_back_another_arms_baselines_and_the_study_records_each_baselines_training(tmp_path, monkeypatch):
    """On a processor without the main runs, `--baselines-from ARM` gives new arms that arm's finished baselines (not its
    augmentation set, which its own recipe made); collect records when each † baseline was trained, so shared ones show."""
    import bench.dakd_headroom as h
    names, epyc = _study(tmp_path), {"cpu": "AMD EPYC", "cpu_capability": "AVX2"}
    for seed, name in enumerate(names):
        src = tmp_path / "lognormal" / name
        _write(src, seed, {"baseline": 0.38 + seed / 10, "dakd": 0.41 + seed / 10}, {"baseline": 0.58, "dakd": 0.6}, machine=epyc)
        for stage in ("student_baseline", "augmentation"):
            (src / stage).mkdir(exist_ok=True)
            (src / stage / "fingerprint.json").write_text(json.dumps({"info": {"started": f"{stage} {seed}", "commit": "abc"}}))
    monkeypatch.setattr(h, "_run", lambda sweep, folder, workers: True)
    monkeypatch.setattr(h, "ROOT", tmp_path)  # no main runs here: nothing else to share
    monkeypatch.setattr(h, "train_generator", lambda *a, **k: pytest.fail("a packaged generator was trained again"))
    assert h.run_arms(["freemask"], [0, 1], tmp_path / "nowhere", 1, 1) and not (tmp_path / "nowhere" / "freemask").exists()
    assert (tmp_path / h.GENERATOR / "card.json").is_file(), "the arm's generator is here before its runs start, main runs or not"
    assert h.run_arms(["freemask"], [0, 1], tmp_path, 1, 1, baselines_from="lognormal")
    for seed, name in enumerate(names):
        assert json.loads((tmp_path / "freemask" / name / "student_baseline" / "fingerprint.json").read_text())["info"]["started"] == f"student_baseline {seed}"
        assert not (tmp_path / "freemask" / name / "augmentation").exists()
    (tmp_path / "e256").symlink_to(tmp_path / "lognormal")  # a ‡ arm's baselines: only arms training the same steps read them back
    assert h.run_arms(["lognormal_sdedit_freemask_e256", "lognormal_sdedit_real_share_freemask_x2"], [0, 1], tmp_path, 1, 1, baselines_from="e256")
    assert [(tmp_path / a / names[0] / "student_baseline").is_dir() for a in ("lognormal_sdedit_freemask_e256", "lognormal_sdedit_real_share_freemask_x2")] \
        == [True, False]
    for seed, name in enumerate(names):  # the freemask runs finish against the shared baseline
        res = json.loads((tmp_path / "lognormal" / name / "results.json").read_text())
        (tmp_path / "freemask" / name / "results.json").write_text(json.dumps(res))
        (tmp_path / "freemask" / name / "student_dakd" / "best").mkdir(parents=True)
        (tmp_path / "freemask" / name / "student_dakd" / "best" / "metrics.json").write_text(json.dumps({"miou": 0.6}))
    rows = collect(tmp_path, names, ["lognormal", "freemask"])
    assert [r["lognormal"]["baseline"]["trained"] for r in rows] == [r["freemask"]["baseline"]["trained"] for r in rows] \
        == [{"started": f"student_baseline {s}", "commit": "abc"} for s in (0, 1)]
    assert "trained" not in rows[0]["baseline"], "the main runs' baseline is the study's own"
    unstamped = [{**r, "freemask": {**r["freemask"], "baseline": {k: v for k, v in r["freemask"]["baseline"].items() if k != "trained"}}}
                 for r in rows]  # a study recorded before the stamp existed
    kept = {"machine": XEON, "arms": {"freemask": {"params": ARMS["freemask"][0]}}, "runs": unstamped}
    shutil.rmtree(tmp_path / "freemask" / names[1])  # that run is gone: nothing to fill in
    again = collect(tmp_path, names, ["freemask"], kept)
    assert [r["freemask"]["baseline"]["trained"] for r in again] == [{"started": "student_baseline 0", "commit": "abc"}, None]


def test_own_baseline_agrees_with_the_main_jobs_own_rule_for_every_arm():
    """`own_baseline` goes by parameter names (STEP_PARAMS); the main job decides the baseline's recipe itself
    (`student_runs`). An arm that changes the baseline's recipe through a parameter the list lacks would read back the
    main baseline as its pair: every arm is checked against the main job's rule."""
    import dataclasses
    from bench.dakd_headroom import PROFILE, own_baseline
    from dakd_nb.main_job import student_runs
    from dakd_nb.main_params import MainJobParams
    from dakd_nb.profiles import PROFILES

    def baseline_recipe(change: dict) -> dict:  # the generator does not shape the baseline: its folder need not exist here
        params = {k: v for k, v in {**main_sweep([0]).base, **change}.items() if k != "jointnet_path"}
        p = MainJobParams.resolve(**params, n_real=PROFILES[PROFILE]["data"]["n_real"])
        return dataclasses.asdict(student_runs(p, p.n_real, p.n_generated)["baseline"])

    main = baseline_recipe({})
    assert baseline_recipe({"batch_size": main["batch_size"] * 2}) != main, "the rule sees a change the name list lacks"
    assert {arm: own_baseline(arm) for arm in ARMS} == {arm: baseline_recipe(ARMS[arm][0]) != main for arm in ARMS}


def test_an_arm_that_changes_the_students_steps_trains_and_is_measured_against_its_own_baseline(tmp_path):
    "More generated pairs per real scene: more optimiser steps for both students, so the main baseline is not its pair (‡)."
    from bench.dakd_headroom import own_baseline
    arm = "lognormal_sdedit_real_share_freemask_x2"
    assert own_baseline(arm) and not own_baseline("lognormal_sdedit_real_share_freemask") and arm_stages(arm) == ()
    assert arm_stages("e256") == ("augmentation",), "the same pairs, shared; the baseline trains at its own steps"
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # on the main runs' processor, a longer-trained baseline 0.01 above the main one
        _write(tmp_path / arm / name, seed, {"baseline": 0.41 + seed / 10, "dakd": 0.44 + seed / 10}, {"baseline": 0.61, "dakd": 0.62})
    rows = collect(tmp_path, names, ["real_share", arm])
    s = summarize(rows, ["real_share", arm])
    assert s[arm]["gain"]["mean"] == pytest.approx(0.03) and s[arm]["val_gain"]["mean"] == pytest.approx(0.01)
    assert "machine" not in rows[0][arm] and s["real_share"]["gain"]["mean"] == pytest.approx(0.04)
    md = markdown(rows, s, ["real_share", arm], choose(s, ["real_share", arm]))
    assert f"| {arm} ‡ |" in md and "trains its own baseline" in md and "†" not in md



def test_an_arm_with_its_own_ceiling_is_measured_against_the_regimes_ceiling_at_its_steps(tmp_path):
    """Students trained twice the epochs: each arm's own baseline at those steps; the share is of the paper's recipe's
    ceiling at those steps (`e256`), and an arm that trained a ceiling of its own recipe also gets its share of that."""
    arm = "lognormal_sdedit_real_share_freemask_e256"
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # a baseline 0.02 above the main one; the paper's ceiling 0.08 above it, the arm's own 0.05
        _write(tmp_path / "e256" / name, seed, {"baseline": 0.42 + seed / 10, "dakd": 0.41 + seed / 10, "ceiling": 0.50 + seed / 10},
               {"baseline": 0.6, "dakd": 0.59, "ceiling": 0.7})
        _write(tmp_path / arm / name, seed, {"baseline": 0.42 + seed / 10, "dakd": 0.44 + seed / 10, "ceiling": 0.47 + seed / 10},
               {"baseline": 0.6, "dakd": 0.61, "ceiling": 0.65})
    rows = collect(tmp_path, names, ["e256", arm])
    s = summarize(rows, ["e256", arm])
    assert s[arm]["gain"]["mean"] == pytest.approx(0.02) and s[arm]["ceiling_gain"]["mean"] == pytest.approx(0.05)
    assert s[arm]["regime_ceiling"] == "e256" and s[arm]["share_of_ceiling"] == pytest.approx(0.25)
    assert s[arm]["share_of_own_ceiling"] == pytest.approx(0.4) and s["e256"]["share_of_ceiling"] == pytest.approx(-0.125)
    assert s["ceiling"]["gain"]["mean"] == pytest.approx(0.08) and s["dakd"]["regime_ceiling"] == "ceiling"  # the main one's stands
    md = markdown(rows, s, ["e256", arm], choose(s, ["e256", arm]))
    assert "| 25% |" in md and f"{arm}: baseline test mIoU 0.470 ± 0.071; its share is of e256's ceiling" in md
    assert "its own ceiling (its recipe on fresh real scenes) +5.0 ± 0.0 points, of which it reaches 40%" in md
    assert "e256: baseline test mIoU 0.470 ± 0.071; its ceiling, the paper's recipe on fresh real scenes at these steps, +8.0 ± 0.0 points" in md
    s = summarize(rows, [arm])  # without the paper's recipe at those steps there is no ceiling to take a share of
    assert s[arm]["share_of_ceiling"] is None and "no ceiling at these steps, so no share" in markdown(rows, s, [arm], choose(s, [arm]))


def test_arms_that_share_the_controls_baselines_get_their_gain_over_it(tmp_path):
    "The control (the chosen options on duplicated real pairs) is subtracted seed by seed, only where the baselines are the same."
    from bench.dakd_headroom import CONTROL
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # the control 0.01 above the baseline on the main processor; another arm elsewhere
        _write(tmp_path / CONTROL / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.41 + seed / 10}, {"baseline": 0.6, "dakd": 0.6})
        _write(tmp_path / "lognormal" / name, seed, {"baseline": 0.38 + seed / 10, "dakd": 0.45 + seed / 10},
               {"baseline": 0.58, "dakd": 0.6}, machine={"cpu": "AMD EPYC", "cpu_capability": "AVX2"})
    arms = ["real_share", "lognormal", CONTROL]
    rows = collect(tmp_path, names, arms)
    s = summarize(rows, arms)
    assert s["real_share"]["over_control"]["mean"] == pytest.approx(0.03) and s["real_share"]["over_control_positive"] == 2
    assert "over_control" not in s["lognormal"] and "over_control" not in s[CONTROL]  # other baselines; itself
    md = markdown(rows, s, arms, choose(s, arms))
    assert "| +2.5 ± 0.7 | +3.0 ± 0.0 (2 of 2) |" in md and f"Over control: the test mIoU points each arm gains over `{CONTROL}`" in md
    assert "over_control" not in summarize(rows, ["real_share", "lognormal"])["real_share"]  # no control run: no column values


def test_an_arm_on_the_validation_reference_is_set_against_the_control_on_that_reference(tmp_path):
    from bench.dakd_headroom import CONTROL, CONTROL_VAL
    arm = "lognormal_sdedit_real_share_freemask_val"
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # the controls +0.01 and +0.03 over the baseline, the arm +0.04
        for a, gain in ((CONTROL, 0.01), (CONTROL_VAL, 0.03), (arm, 0.04)):
            _write(tmp_path / a / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.40 + gain + seed / 10}, {"baseline": 0.6, "dakd": 0.6})
    arms = ["real_share", CONTROL, CONTROL_VAL, arm]
    s = summarize(collect(tmp_path, names, arms), arms)
    assert s[arm]["control"] == CONTROL_VAL and s[arm]["over_control"]["mean"] == pytest.approx(0.01)
    assert s["real_share"]["control"] == CONTROL and s["real_share"]["over_control"]["mean"] == pytest.approx(0.03)
    assert "over_control" not in s[CONTROL_VAL]  # a control is not set against a control
    assert "over_control" not in summarize(collect(tmp_path, names, arms[:2] + [arm]), arms[:2] + [arm])[arm]  # its control not run


def test_an_arm_with_its_own_ceiling_at_the_studys_steps_gets_its_share_of_it(tmp_path):
    """An arm that shares the main baselines but trains a ceiling of its own options (§): its share is still of the main
    ceiling, and the footnote gives its own ceiling and the share of it the arm reaches."""
    arm = "lognormal_sdedit_real_share_freemask_own_ceiling"
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # the main baseline; the arm +0.02, its own ceiling +0.04 (the main one +0.08)
        _write(tmp_path / arm / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.42 + seed / 10, "ceiling": 0.44 + seed / 10},
               {"baseline": 0.6, "dakd": 0.61, "ceiling": 0.65})
    rows = collect(tmp_path, names, ["real_share", arm])
    s = summarize(rows, ["real_share", arm])
    assert "baseline" not in rows[0][arm] and s[arm]["regime_ceiling"] == "ceiling"  # the main runs' baseline and ceiling
    assert s[arm]["share_of_ceiling"] == pytest.approx(0.25) and s[arm]["share_of_own_ceiling"] == pytest.approx(0.5)
    md = markdown(rows, s, ["real_share", arm], choose(s, ["real_share", arm]))
    assert f"| {arm} § |" in md and "| real_share |" in md and "‡" not in md
    assert f"{arm}: its own ceiling +4.0 ± 0.0 points, of which it reaches 50%" in md


def test_an_arm_whose_pairs_are_composed_is_set_against_the_composed_control_of_its_batches(tmp_path):
    from bench.dakd_headroom import ARMS, CONTROL, CONTROL_VAL, CONTROLS_COMPOSED, markdown
    half, uniform, _ = CONTROLS_COMPOSED
    arm = "copy_paste_real_share_freemask_val"
    assert ARMS[arm][0]["generation"] == "copy_paste" and {ARMS[c][0]["generation"] for c in CONTROLS_COMPOSED} == {"turned"}
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # the sampled control +0.03 over the baseline, the composed ones +0.02 and +0.01, the arms +0.05
        for a, gain in ((CONTROL, 0.01), (CONTROL_VAL, 0.03), (half, 0.02), (uniform, 0.01), (arm, 0.05), ("copy_paste_freemask_val", 0.05)):
            _write(tmp_path / a / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.40 + gain + seed / 10}, {"baseline": 0.6, "dakd": 0.6})
    arms = [CONTROL, CONTROL_VAL, half, uniform, arm, "copy_paste_freemask_val"]
    s = summarize(collect(tmp_path, names, arms), arms)
    assert s[arm]["control"] == half and s[arm]["over_control"]["mean"] == pytest.approx(0.03)
    assert s["copy_paste_freemask_val"]["control"] == uniform and s["copy_paste_freemask_val"]["over_control"]["mean"] == pytest.approx(0.04)
    assert "over_control" not in s[half] and "over_control" not in s[uniform]  # a control is not set against a control
    md = markdown(collect(tmp_path, names, arms), s, arms, choose(s, arms))
    assert f"composed with no generator against the control composed so with their batches (`{half}`, `{uniform}`)" in md


def test_a_composed_arm_on_another_processor_is_set_against_the_control_run_there(tmp_path):
    from bench.dakd_headroom import CONTROLS_COMPOSED, control_of
    half, _, rerun = CONTROLS_COMPOSED
    arm, moved = "copy_paste_real_share_freemask_val_r2", "copy_paste_sea_real_share_freemask_val_r2"
    names = _study(tmp_path)
    for seed, name in enumerate(names):  # half and arm on the main baselines; rerun and moved on their own (another processor)
        for a, gain in ((half, 0.02), (arm, 0.05)):
            _write(tmp_path / a / name, seed, {"baseline": 0.40 + seed / 10, "dakd": 0.40 + gain + seed / 10}, {"baseline": 0.6, "dakd": 0.6})
        for a, gain in ((rerun, 0.01), (moved, 0.06)):
            _write(tmp_path / a / name, seed, {"baseline": 0.41 + seed / 10, "dakd": 0.41 + gain + seed / 10}, {"baseline": 0.6, "dakd": 0.6},
                   machine={"cpu": "AMD EPYC", "cpu_capability": "AVX512"})
    arms = [half, arm, rerun, moved]
    rows = collect(tmp_path, names, arms)
    assert control_of(moved) == half and control_of(moved, rows) == rerun and control_of(arm, rows) == half
    s = summarize(rows, arms)
    assert s[moved]["control"] == rerun and s[moved]["over_control"]["mean"] == pytest.approx(0.05)
    assert s[arm]["control"] == half and s[arm]["over_control"]["mean"] == pytest.approx(0.03)
