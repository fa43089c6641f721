"""README.md is written from nbs/index.ipynb; its headline and the results page's sections (nbs/07_results.ipynb)
are what the committed result files say (bench/readme.py generates all three)."""
import json

import pytest

from bench import dakd_gain, dakd_headroom, readme


def test_both_notebooks_match_the_result_files_and_readme_matches_index():
    for path, text in readme.rendered().items():
        assert text == path.read_text(), f"{path.name} is out of date: run python -m bench.readme"


def test_the_readme_first_screen_holds_the_what_the_two_commands_and_the_headline():
    lines = readme.README.read_text().splitlines()
    screen = "\n".join(lines[:45])
    assert lines[0] == "# dakd_nb" and "SAR-JointNet" in screen and "SAROSS-Net" in screen
    assert "\nmake run " in screen and "\nmake test " in screen
    assert readme.headline().replace("](07_results", "](nbs/07_results").strip() in screen  # its last line may be the screen's last
    assert len(lines) < 150, "the README reads in one screen and a short scroll; the rest belongs on the results page"


def cell(kind, src): return {"cell_type": kind, "metadata": {}, "source": src.splitlines(True), "id": "x",
                             **({"outputs": [{"output_type": "stream", "text": ["OUT"]}], "execution_count": 1} if kind == "code" else {})}


def test_readme_text_keeps_markdown_and_visible_code_only():
    nb = {"cells": [cell("markdown", "# T\n\n> what\n"), cell("code", "#| export\nx = 1\n"),
                    cell("code", "#| hide\nassert x\n"), cell("markdown", "| a |\n|---|\n"), cell("code", "#| hide")]}
    assert readme.readme_text(nb) == "# T\n\n> what\n\n```python\nx = 1\n```\n\n| a |\n|---|\n"


def test_readme_text_points_links_to_notebooks_into_nbs():
    nb = {"cells": [cell("markdown", "[a](07_results.ipynb), [b](https://x.org/c.ipynb), [d](nbs/e.ipynb)")]}
    assert readme.readme_text(nb) == "[a](nbs/07_results.ipynb), [b](https://x.org/c.ipynb), [d](nbs/e.ipynb)\n"


@pytest.mark.parametrize("path", list(readme.NOTEBOOKS), ids=lambda p: p.stem)
def test_a_stale_section_is_rewritten_inside_its_cell_and_a_missing_one_refused(path):
    names = readme.NOTEBOOKS[path]
    stale = "\n".join(f"<!-- generated:{n} -->\nSTALE-SECTION\n<!-- /generated:{n} -->" for n in names)
    nb = {"cells": [cell("markdown", "intro"), cell("markdown", stale), cell("code", "print(1)")]}
    out = readme.render_notebook(nb, path)
    assert out["cells"][0] == nb["cells"][0] and out["cells"][2] == nb["cells"][2]
    text = "".join(out["cells"][1]["source"])
    assert "STALE-SECTION" not in text and all(readme.SECTIONS[n]() in text for n in names)
    nb["cells"][1] = cell("markdown", stale.replace(f"generated:{names[-1]} ", f"generated:{names[-1]}s "))
    with pytest.raises(SystemExit, match=f"{path.name} has no .* section for {names[-1]}$"):
        readme.render_notebook(nb, path)


# --- the headline, from hand-made study files ---------------------------------------------------------------------

MIOU = {"baseline": (0.50, 0.52), "dakd": (0.53, 0.51), "ceiling": (0.56, 0.56)}  # two seeds; DAKD +3, -1; ceiling +6, +4


def student(miou: float) -> dict:
    return {"miou": miou, "val_miou": miou, "iou": {"sea": 0.9, "oil_spill": miou / 2}}


def gain_study(arm: tuple) -> dict:
    "dakd_gain.json as bench.dakd_gain writes it, summary made by its own summarize."
    name, mious = arm
    rows = [{"seed": i, "n_generated": 8, **{s: student(m[i]) for s, m in {**MIOU, name: mious}.items()},
             "gain_miou": MIOU["dakd"][i] - MIOU["baseline"][i], f"gain_{name}_miou": mious[i] - MIOU["baseline"][i]} for i in (0, 1)]
    return {"sweep": {"file": "sweeps/dakd_gain_cpu.yaml", "base": {"profile": "cpu-quick"}}, "arms": {name: {}},
            "command": "python -m bench.dakd_gain", "runs": rows, "summary": dakd_gain.summarize(rows)}


def headroom_study(*arms: tuple) -> dict:
    "dakd_headroom.json as bench.dakd_headroom writes it, summary and choice made by its own functions."
    names = [name for name, _ in arms]
    rows = [{"seed": i, "n_real": 16, **{s: student(m[i]) for s, m in {**MIOU, **dict(arms)}.items()}} for i in (0, 1)]
    summary = dakd_headroom.summarize(rows, names)
    return {"profile": "few-label", "seeds": [0, 1], "arms": {name: {"what": "x", "command": "python -m bench.dakd_headroom --seeds 0 1 "}
                                                            for name in names},
            "command": "python -m bench.dakd_headroom --seeds 0 1 ", "runs": rows, "summary": summary,
            "choice": dakd_headroom.choose(summary, names)}


def headline_rows(arm: str) -> list[str]:
    return ["| baseline | 0.510 ± 0.014 |  |  |  |",
            "| dakd | 0.520 ± 0.014 | +1.0 ± 2.8 | 1 of 2 | 20% |",
            f"| {arm} | 0.545 ± 0.007 | +3.5 ± 0.7 | 2 of 2 | 70% |",
            "| ceiling | 0.560 ± 0.000 | +5.0 ± 1.4 | 2 of 2 |  |"]


def test_the_headline_is_the_gain_study_until_the_headroom_study_is_made(tmp_path, monkeypatch):
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    assert "Not measured yet" in readme.headline()
    (tmp_path / "dakd_gain.json").write_text(json.dumps(gain_study(("dakd_layout", (0.54, 0.55)))))
    text = readme.headline()
    assert text.startswith("From `bench/results/dakd_gain.json`, made by `python -m bench.dakd_gain` (SynthSAR, `cpu-quick` profile, 2 seeds)")
    assert "\n".join(headline_rows("dakd_layout")) in text and "(07_results.ipynb)" in text
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(headroom_study(("real_share", (0.54, 0.55)))))
    text = readme.headline()
    assert text.startswith("From `bench/results/dakd_headroom.json`, made by `python -m bench.dakd_headroom --seeds 0 1` "
                           "(SynthSAR, `few-label` profile, 2 seeds)")
    assert "\n".join(headline_rows("real_share")) in text and "dakd_layout" not in text
    assert "Chosen on validation: **real_share**, x." in text and "(07_results.ipynb)" in text  # with what it is


def test_a_study_grown_arm_by_arm_says_which_arms_its_last_command_ran_and_where_the_others_are(tmp_path, monkeypatch):
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    d = headroom_study(("old_arm", (0.50, 0.51)), ("real_share", (0.54, 0.55)))
    d["arms"]["old_arm"]["command"] = None  # measured before each arm's command was recorded
    d["command"] = d["arms"]["real_share"]["command"] = "python -m bench.dakd_headroom --arms real_share "
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(d))
    made = ("made by `python -m bench.dakd_headroom` arm by arm over several runs (with `python -m bench.dakd_headroom "
            "--arms real_share`, the last command: real_share; each other arm's command, where recorded, under `arms` in the file)")
    assert made in readme.headline()


def test_the_headline_shows_the_arms_best_on_validation_and_says_where_the_rest_are(tmp_path, monkeypatch):
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    monkeypatch.setattr(readme, "README_ARMS", 1)
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(headroom_study(("worse", (0.50, 0.51)), ("real_share", (0.54, 0.55)))))
    text = readme.headline()
    assert "\n".join(headline_rows("real_share")) in text and "| worse |" not in text
    assert "Chosen on validation: **real_share**, x." in text and "Shown: the 1 arms best on validation; the other 1 are on the results page." in text


def test_an_arm_run_on_another_processor_is_marked_in_the_headline(tmp_path, monkeypatch):
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    study = headroom_study(("real_share", (0.54, 0.55)))
    for r in study["runs"]: r["real_share"]["machine"] = "AMD EPYC (AVX2)"
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    text = readme.headline()
    assert "| real_share † | 0.545" in text and "† Run on another processor than the main runs" in text
    assert "| dakd |" in text  # the main processor's students unmarked


def test_an_arm_trained_longer_with_its_own_baseline_and_ceiling_gets_a_sentence_in_the_headline(tmp_path, monkeypatch):
    "The ‡ convergence check (bench.dakd_headroom's e256 arms): its own baseline, gain and ceiling, from the file."
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    arm = "lognormal_sdedit_real_share_freemask_e256"
    study = headroom_study(("real_share", (0.54, 0.55)), (arm, (0.56, 0.57)))
    for i, r in enumerate(study["runs"]):  # a longer-trained baseline 0.04 above the main one, a ceiling 0.02 above that
        r[arm].update(baseline=student(0.54 + i / 100), ceiling=student(0.56 + i / 100))
    study["summary"] = dakd_headroom.summarize(study["runs"], ["real_share", arm])
    study["arms"][arm]["params"] = {"epochs": 256}
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    assert (f"With every student trained 256 epochs (`{arm}`, its own baseline and ceiling): baseline 0.545 (the table's: 0.510), "
            "the arm +2.0 ± 0.0 points, its own ceiling (the same recipe on fresh real scenes) +2.0 ± 0.0.") in readme.headline()
    for i, r in enumerate(study["runs"]):  # the paper's recipe at 256 epochs: its baseline the arm's, its ceiling 0.04 above it
        r["e256"] = {**student(0.53 + i / 100), "baseline": student(0.54 + i / 100), "ceiling": student(0.58 + i / 100)}
    study["arms"]["e256"] = {"params": {"epochs": 256, "ceiling": True}, "what": "the paper's recipe at 256 epochs", "uses_unlabelled": False}
    study["summary"] = dakd_headroom.summarize(study["runs"], ["real_share", arm, "e256"])
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    text = readme.headline()
    assert ("With every student trained 256 epochs (`e256`, its own baseline and ceiling): baseline 0.545 (the table's: 0.510), "
            "the arm -1.0 ± 0.0 points, -25% of its ceiling, its own ceiling (the paper's recipe on fresh real scenes) +4.0 ± 0.0.") in text
    assert f"the arm +2.0 ± 0.0 points, 50% of `e256`’s ceiling, its own ceiling (the same recipe on fresh real scenes) +2.0 ± 0.0." in text
    study["arms"][arm]["params"] = study["arms"]["e256"]["params"] = {}
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    assert "With every student trained" not in readme.headline()


def test_the_no_new_images_control_is_set_beside_the_chosen_recipe_on_its_processor(tmp_path, monkeypatch):
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    from bench.dakd_headroom import CONTROL as arm
    beside = readme.BESIDE_CONTROL
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(headroom_study((beside, (0.54, 0.55)))))
    assert "the control" not in readme.headline()  # not run: no sentence
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(headroom_study((arm, (0.52, 0.51)), (beside, (0.54, 0.55)))))
    text = readme.headline()
    assert (f"On the study's seeds, the control `{arm}` (`{beside}`'s options on the turned real pairs themselves: no new images "
            f"or layouts) +0.5 ± 2.1 points, 1 of 2 positive; `{beside}`, on the same baselines, +3.5 ± 0.7, of which "
            "+3.0 ± 1.4 over the control (2 of 2 seeds above it)") in text
    assert "On the held-out seeds" not in text  # no held-out study in RESULTS
    from bench.dakd_headroom import CONTROL_VAL
    chosen = "lognormal_copy_paste_real_share_freemask_val"  # chosen on validation and set against its own control
    study = headroom_study((arm, (0.52, 0.51)), (beside, (0.54, 0.55)), (CONTROL_VAL, (0.51, 0.53)), (chosen, (0.56, 0.57)))
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    assert study["choice"]["arm"] == chosen
    assert (f"On the study's seeds, the control `{CONTROL_VAL}` (`{chosen}`'s options on the turned real pairs themselves: no new "
            f"images or layouts) +1.0 ± 0.0 points, 2 of 2 positive; `{chosen}`, on the same baselines, +5.5 ± 0.7, of which "
            "+4.5 ± 0.7 over the control (2 of 2 seeds above it)") in readme.headline()


def test_an_arm_with_its_own_ceiling_at_the_studys_steps_gets_a_sentence_in_the_headline(tmp_path, monkeypatch):
    "The chosen options' own ceiling (bench.dakd_headroom's own_ceiling arm): on the main baselines, set beside the paper's recipe's."
    monkeypatch.setattr(readme, "RESULTS", tmp_path)
    arm = "lognormal_sdedit_real_share_freemask_own_ceiling"
    study = headroom_study(("real_share", (0.54, 0.55)), (arm, (0.52, 0.54)))
    study["arms"][arm]["params"] = dakd_headroom.ARMS[arm][0]
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    assert "Own ceilings" not in readme.headline()  # no ceiling of its own: no sentence
    for i, r in enumerate(study["runs"]):  # its own ceiling 0.04 above the main baseline (the paper's recipe's: 0.05 on average)
        r[arm]["ceiling"] = student(0.54 + 2 * i / 100)
    study["summary"] = dakd_headroom.summarize(study["runs"], ["real_share", arm])
    (tmp_path / "dakd_headroom.json").write_text(json.dumps(study))
    assert (" Own ceilings at the study's steps (an arm's options on fresh real scenes in the generated pairs' place: the most "
            "those options take from new pairs; the paper's recipe's is the table's, +5.0 ± 1.4): "
            f"`{arm}` +4.0 ± 0.0, the arm +2.0 ± 0.0 (50% of it).") in readme.headline()
