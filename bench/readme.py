"""The README and its results page: their result sections generated from the committed result files (never typed).

    python -m bench.readme           # rewrite each notebook's sections between <!-- generated:NAME --> and
                                     # <!-- /generated:NAME -->, then README.md from index.ipynb
    python -m bench.readme --check   # exit 1 if either notebook or README.md is out of date (a test runs this)

Two notebooks hold generated sections (NOTEBOOKS): nbs/index.ipynb, the README and the docs' home page, holds the
headline; nbs/07_results.ipynb, the docs page the README links for the rest, holds everything else. Each must hold
every section assigned to it; a missing one is an error naming the notebook.

README.md is index.ipynb's markdown cells as they are and its visible code cells as Python blocks (no outputs);
`#| hide` cells are left out, and a link to a notebook beside index.ipynb gains `nbs/` (README.md is a folder up).
nbdev_readme would do this through Quarto, which re-wraps the text and is not installable on a machine that
reaches only package registries.

Sections: `headline` (each student's test mIoU, gain, seeds positive and share of the ceiling's gain, from
bench/results/dakd_headroom.json, made by `python -m bench.dakd_headroom`, or from bench/results/dakd_gain.json
while that study is not made), `dakd_gain` (bench/results/dakd_gain.md, made by `python -m bench.dakd_gain`),
`data_efficiency` (bench/results/data_efficiency.md, made by `python -m bench.data_efficiency`), `generator` (the
packaged generator's card, dakd_nb/pretrained/synthsar-64/card.json, made by `python -m dakd_nb.pretrain`),
`benchmarks` (bench/results/*.json, made by `make bench`) and `gpu` (bench/results/gpu_check.json, made by
`bash bench/gpu_check.sh`).
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
INDEX = ROOT / "nbs" / "index.ipynb"
RESULTS_PAGE = ROOT / "nbs" / "07_results.ipynb"
README = ROOT / "README.md"


def _load(name: str):
    p = RESULTS / name
    return json.loads(p.read_text()) if p.exists() else None


def _gain_study_students(d: dict) -> dict:
    "dakd_gain.json's summary in dakd_headroom.json's shape: per student `miou`, `gain`, `positive_seeds`, `share_of_ceiling` (the baseline: `miou`)."
    s, ceiling = d["summary"], d["summary"].get("ceiling_gain_miou")
    share = lambda gain: gain["mean"] / ceiling["mean"] if ceiling and ceiling["mean"] > 0 else None  # as bench.dakd_gain.summarize
    out = {"baseline": {"miou": s["baseline"]["miou"]}}
    for student, key in (("dakd", "gain"), *((a, f"gain_{a}") for a in d["arms"])):
        out[student] = {"miou": s[student]["miou"], "gain": s[f"{key}_miou"], "positive_seeds": s[f"{key}_positive_seeds"],
                        "share_of_ceiling": share(s[f"{key}_miou"])}
    if ceiling:  # the summary counts no seeds positive for the ceiling: the runs do
        out["ceiling"] = {"miou": s["ceiling"]["miou"], "gain": ceiling, "share_of_ceiling": None,
                          "positive_seeds": sum(r["ceiling"]["miou"] > r["baseline"]["miou"] for r in d["runs"])}
    return out


def headline_table(
    students: dict,  # student -> {"miou", "gain", "positive_seeds", "share_of_ceiling"} (the baseline: "miou" only), in row order
    n: int,          # seeds
) -> str:            # a markdown table, one row per student
    "Test mIoU, gain over the baseline in mIoU points, seeds positive and share of the ceiling's gain (left empty on the ceiling's row)."
    lines = ["| student | test mIoU | gain (mIoU points) | seeds positive | share of the ceiling's gain |", "|---|---|---|---|---|"]
    for name, d in students.items():
        row = [name, f"{d['miou']['mean']:.3f} ± {d['miou']['sd']:.3f}"]
        if "gain" in d:
            share = None if name == "ceiling" else d["share_of_ceiling"]
            row += [f"{100 * d['gain']['mean']:+.1f} ± {100 * d['gain']['sd']:.1f}", f"{d['positive_seeds']} of {n}",
                    "" if share is None else f"{share:.0%}"]
        lines.append("| " + " | ".join(row + [""] * (5 - len(row))) + " |")
    return "\n".join(lines) + "\n"


def heldout(arm: str) -> str:
    "A sentence on the chosen arm and the paper's recipe on the seeds the study never used (bench/results/heldout/), if they were run."
    d = _load("heldout/dakd_headroom.json")
    if not d or arm not in d["summary"]: return ""
    pm = lambda g: f"{100 * g['mean']:+.1f} ± {100 * g['sd']:.1f}"
    arm_s, paper = d["summary"][arm], d["summary"]["dakd"]
    return (f" On seeds {', '.join(map(str, d['seeds']))}, which the study never used (`bench/results/heldout/dakd_headroom.json`): "
            f"{arm} {pm(arm_s['gain'])} points, {arm_s['positive_seeds']} of {len(d['runs'])} positive; the paper's recipe {pm(paper['gain'])}.")


BESIDE_CONTROL = "lognormal_sdedit_real_share_freemask_rerun"  # an earlier choice run on the control's processor, on its baselines


def control(d: dict,      # a dakd_headroom.json
            where: str,   # how the sentence names its seeds, e.g. "the study's seeds"
            chosen: str,  # the arm the study chose on validation
            ) -> str:
    """A sentence on the chosen arm's gain over its no-new-images control (bench.dakd_headroom.control_of), or, where the
    chosen arm was not set against one in `d`, the rerun of an earlier choice (BESIDE_CONTROL), if either was run."""
    if not d: return ""
    arm = next((a for a in (chosen, BESIDE_CONTROL) if "over_control" in d["summary"].get(a, {})), None)
    if arm is None: return ""
    from bench.dakd_headroom import CONTROL
    pm = lambda g: f"{100 * g['mean']:+.1f} ± {100 * g['sd']:.1f}"
    b, n = d["summary"][arm], len(d["runs"])
    name = b.get("control", CONTROL)  # summaries before 2026-12-07 set every arm against the one control
    c = d["summary"][name]
    return (f" On {where}, the control `{name}` (`{arm}`'s options on the turned real pairs themselves: no new images or layouts) "
            f"{pm(c['gain'])} points, {c['positive_seeds']} of {n} positive; `{arm}`, on the same baselines, "
            f"{pm(b['gain'])}, of which {pm(b['over_control'])} over the control ({b['over_control_positive']} of {n} seeds above it): "
            "what its pairs add.")


def convergence(d: dict) -> str:
    "A sentence on each arm that trained its own baseline and ceiling at a longer schedule (summary's ceiling_gain), if any."
    pm = lambda g: f"{100 * g['mean']:+.1f} ± {100 * g['sd']:.1f}"
    out = ""
    for arm in (a for a in d["arms"] if "ceiling_gain" in d["summary"][a] and "epochs" in d["arms"][a]["params"]):
        s, ref = d["summary"][arm], d["summary"][arm].get("regime_ceiling")
        share = f", {s['share_of_ceiling']:.0%} of {'its' if ref == arm else f'`{ref}`’s'} ceiling" if ref and s["share_of_ceiling"] is not None else ""
        what = "the paper's recipe on fresh real scenes" if ref == arm else "the same recipe on fresh real scenes"
        out += (f" With every student trained {d['arms'][arm]['params']['epochs']} epochs (`{arm}`, its own baseline and ceiling): "
                f"baseline {s['own_baseline']['mean']:.3f} (the table's: {d['summary']['baseline']['miou']['mean']:.3f}), the arm "
                f"{pm(s['gain'])} points{share}, its own ceiling ({what}) {pm(s['ceiling_gain'])}.")
    return out


def own_ceiling(d: dict) -> str:
    "One sentence on the arms that trained their own ceiling at the study's steps, on the main baselines (summary's ceiling_gain), if any."
    pm = lambda g: f"{100 * g['mean']:+.1f} ± {100 * g['sd']:.1f}"
    arms = [a for a in d["arms"] if "ceiling_gain" in d["summary"][a] and "own_baseline" not in d["summary"][a]]
    if not arms: return ""
    each = [f"`{a}` {pm(d['summary'][a]['ceiling_gain'])}, the arm {pm(d['summary'][a]['gain'])}"
            + ("" if d["summary"][a]["share_of_own_ceiling"] is None else f" ({d['summary'][a]['share_of_own_ceiling']:.0%} of it)")
            for a in arms]
    return (" Own ceilings at the study's steps (an arm's options on fresh real scenes in the generated pairs' place: the most "
            f"those options take from new pairs; the paper's recipe's is the table's, {pm(d['summary']['ceiling']['gain'])}): "
            + "; ".join(each) + ".")


README_ARMS = 4  # the study's arms the README's table shows (best validation gain first); all of them: the results page


def headline() -> str:
    "The README's one table: the few-label study (dakd_headroom.json) once it is made, until then the default configuration's (dakd_gain.json)."
    if d := _load("dakd_headroom.json"):
        made = study_command(d)
        top = sorted(d["arms"], key=lambda a: -d["summary"][a]["val_gain"]["mean"])[:README_ARMS]  # the choice first
        rest = len(d["arms"]) - len(top)
        name, profile = "dakd_headroom.json", d["profile"]
        choice = (f" Chosen on validation: **{d['choice']['arm']}**, {d['arms'][d['choice']['arm']]['what']}." + heldout(d["choice"]["arm"])
                  + control(d, "the study's seeds", d["choice"]["arm"])
                  + control(_load("heldout/dakd_headroom.json"), "the held-out seeds", d["choice"]["arm"]) + own_ceiling(d) + convergence(d)
                  + (f" Shown: the {len(top)} arms best on validation; the other {rest} are on the results page." if rest else ""))
        elsewhere = [a for a in top if any("machine" in r.get(a, {}) for r in d["runs"])]  # bench.dakd_headroom.collect's mark
        students = {s + " †" * (s in elsewhere): d["summary"][s] for s in ("baseline", "dakd", *top, "ceiling") if s in d["summary"]}
        choice += (" † Run on another processor than the main runs: its gains are against the baseline its own run trained "
                   "there, its test mIoU that processor's." if elsewhere else "")
    elif d := _load("dakd_gain.json"):
        name, profile, choice, made = "dakd_gain.json", d["sweep"]["base"]["profile"], "", f"`{d['command'].strip()}`"
        students = _gain_study_students(d)
    else: return "_Not measured yet: run `python -m bench.dakd_headroom`._\n"
    return (f"From `bench/results/{name}`, made by {made} (SynthSAR, `{profile}` profile, {len(d['runs'])} seeds):\n\n"
            + headline_table(students, len(d["runs"])) + "\nMean ± sd over seeds, each gain against the same seed's baseline; "
            f"the ceiling is DAKD's student on fresh real scenes in the generated pairs' place.{choice} "
            "The studies seed by seed, and what they show: [Results and details](07_results.ipynb).\n")


def _study_table(study: str, source) -> str:
    "A study's table (bench/results/<study>.md) under a line naming its file and how it was made (`source(json)`)."
    p = RESULTS / f"{study}.md"
    if not p.exists(): return f"_Not measured yet: run `python -m bench.{study}`._\n"
    return f"From `bench/results/{study}.json` ({source(_load(f'{study}.json'))}; plot: `bench/results/{study}.png`):\n\n" + p.read_text()


def dakd_gain() -> str:
    return _study_table("dakd_gain", lambda d: f"{len(d['runs'])} seeds of `{d['sweep']['file']}`, made by `python -m bench.dakd_gain`")


def generator() -> str:
    from dakd_nb.pretrain import quality_table
    card = json.loads((ROOT / "dakd_nb" / "pretrained" / "synthsar-64" / "card.json").read_text())
    q = card["quality"]
    return (f"From `dakd_nb/pretrained/synthsar-64/card.json` ({card['steps']} steps, {card['train_s'] / 60:.1f} min on "
            f"{card['device']}, code `{card['commit']}`; {q['n_generated']} generated pairs per sampler against {q['n_real']} fresh "
            f"SynthSAR scenes; class frequency with its ratio to the real one):\n\n" + quality_table(card))


def benchmarks() -> str:
    lines = []
    if s := _load("synthsar.json"):
        r = s["results"]
        lines.append(f"- SynthSAR makes {r['images_per_s']['64']:.0f} images/s at 64² and {r['images_per_s']['256']:.0f} at 256², "
                     f"{r['ratio_generation_over_training']['64']:.1f}× and {r['ratio_generation_over_training']['256']:.1f}× "
                     f"what a SAROSS-Net training step consumes (`bench/results/synthsar.json`, {s['when'][:10]}).")
    if j := _load("jointnet.json"):
        for run in j["results"]["runs"]:
            if run["variant"] == "sar_jointnet":
                lines.append(f"- SAR-JointNet ({run['setting']}, {run['image_size']}², batch {run['batch']}, {run['params_m']:.2f} M parameters): "
                             f"{run['train_steps_per_s']:.2f} training steps/s, {run['sample_images_per_s']:.1f} images/s with "
                             f"{run['sample_steps']} DDIM steps (`bench/results/jointnet.json`, {j['when'][:10]}).")
    if m := _load("main_job.json"):
        r = m["results"]
        what = (f"as `make run` runs it (`{' '.join(f'-p {k} {v}' for k, v in r['params'].items())}`)" if "params" in r
                else f"in the {r['profile']} profile")
        mach = m["machine"]
        lines.append(f"- The main job {what}: {r['wall_s']:.0f} s wall, papermill included, on {mach['cpu_count']} cores of "
                     f"{mach['cpu']} ({mach['cpu_capability']}); seed 0's DAKD student {r['miou']['dakd']:.3f} against its "
                     f"baseline's {r['miou']['baseline']:.3f} (`bench/results/main_job.json`, {m['when'][:10]}).")
    if s := _load("saross.json"):
        r = s["results"]["models"]
        lines.append(f"- SAROSS-Net (width {s['results']['config']['width']}, {s['results']['config']['size']}²): "
                     f"{r['saross']['fp32']['train_steps_per_s']:.1f} training steps/s against the plain UNet's "
                     f"{r['unet']['fp32']['train_steps_per_s']:.1f} (`bench/results/saross.json`, {s['when'][:10]}).")
    return "\n".join(lines) + "\n"


def gpu() -> str:
    g = _load("gpu_check.json")
    if not g: return "_No GPU has run the check yet._\n"
    s = g["sections"]
    jt, js, st, mm = s["jointnet_train"], s["jointnet_sample"], s["saross_train"], s["matmul"]
    return (f"From `bench/results/gpu_check.json` ({g['device']}, {g['started'][:10]}; `bash bench/gpu_check.sh` with `.whl` "
            f"carried): measured matmul ceiling {mm['bf16']['tflops']:.0f} TFLOP/s bf16, {mm['tf32']['tflops']:.0f} tf32.\n\n"
            "| what (paper profile, 256²) | fp32 | bf16 |\n|---|---|---|\n"
            f"| SAR-JointNet training, steps/s (batch {jt['profile_batch']}) | {jt['fp32']['steps_per_s']:.2f} (MFU {jt['fp32']['mfu']:.2f}) "
            f"| {jt['bf16']['steps_per_s']:.2f} (MFU {jt['bf16']['mfu']:.2f}) |\n"
            f"| SAR-JointNet peak memory, GB | {jt['fp32']['peak_mem_mb'] / 1024:.0f} | {jt['bf16']['peak_mem_mb'] / 1024:.0f} |\n"
            f"| sampling, images/s ({js['steps']} steps): DDIM | {js['ddim_fp32']['images_per_s']:.2f} | {js['ddim_bf16']['images_per_s']:.2f} |\n"
            f"| sampling, images/s ({js['steps']} steps): DPM-Solver++ | {js['dpm_fp32']['images_per_s']:.2f} | {js['dpm_bf16']['images_per_s']:.2f} |\n"
            f"| SAROSS-Net training, steps/s (batch {st['profile_batch']}) | {st['fp32']['steps_per_s']:.1f} | {st['bf16']['steps_per_s']:.1f} |\n\n"
            f"MFU against {jt['fp32']['peak_tflops_assumed']:.0f} (tf32) and {jt['bf16']['peak_tflops_assumed']:.0f} (bf16) TFLOP/s. "
            f"The two-run sweep was {s['sweep'].get('status', 'skipped')}: {s['sweep'].get('skipped', s['sweep'].get('note', ''))}.\n")


def data_efficiency() -> str:
    p = RESULTS / "data_efficiency.md"
    if not p.exists(): return "_Not measured yet: run `python -m bench.data_efficiency`._\n"
    d = _load("data_efficiency.json")
    r, ref = d["generator_recipe"], d.get("reference")
    return (f"From `bench/results/data_efficiency.json` (`{d['sweep']['file']}`, {len(d['sweep']['seeds'])} seeds per point, made by "
            f"`python -m bench.data_efficiency`; each point's generator trained on that point's scenes only, {r['steps']} steps at batch "
            f"{r['batch_size']} on the CPU; plot: `bench/results/data_efficiency.png`"
            + (f", which also shows the study above at n_real {ref['n_real']} with the packaged generator" if ref else "") + "):\n\n" + p.read_text())


def generator_recipe() -> str:
    p = RESULTS / "generator_recipe.md"
    if not p.exists(): return "_Not measured yet: run `python -m bench.generator_recipe`._\n"
    d = _load("generator_recipe.json")
    return (f"From `bench/results/generator_recipe.json` (made by `{d['command'].strip()}`; {d['budget_cpu_min']:g} CPU-minutes of "
            f"training per recipe on {d['threads']} thread(s), {d['eval']['n_eval']} free-sampler pairs per point against "
            f"{d['eval']['n_reference']} held-out SynthSAR scenes; curves: `bench/results/generator_recipe.png`). The last point of "
            "each curve; `seg_fd` is a Fréchet distance in the features of a segmenter trained on the real training scenes "
            "(not FID, comparable only within this table):\n\n" + p.read_text() + _not_yet(d))


def _not_yet(d: dict) -> str:
    "The candidate recipes the file does not hold yet."
    from bench.generator_recipe import RECIPES
    missing = [r for r in RECIPES if r not in d["recipes"]]
    return f"\nNot measured yet: {', '.join(missing)} (`--recipes {' '.join(missing)}` adds them).\n" if missing else ""


def study_command(d: dict,  # a study grown arm by arm (dakd_headroom.json): "command", and each arm's under "arms"
                  ) -> str:  # markdown naming how it was made
    "The study's command where it ran every arm; otherwise the tool, the last command and the arms it ran, and where the rest are recorded."
    last = d["command"].strip()
    by = {a: (rec.get("command") or "").strip() for a, rec in d["arms"].items()}
    if all(c == last for c in by.values()): return f"`{last}`"
    ran = [a for a, c in by.items() if c == last]
    return (f"`{' '.join(last.split()[:3])}` arm by arm over several runs (with `{last}`, the last command: {', '.join(ran) or 'no arm'}; "
            "each other arm's command, where recorded, under `arms` in the file)")


def dakd_headroom() -> str:
    return _study_table("dakd_headroom", lambda d: f"{study_command(d)}, profile `{d['profile']}`, seeds "
                                                   f"{', '.join(map(str, d['seeds']))}; per seed in the file")


def sdedit_drift() -> str:
    return _study_table("sdedit_drift", lambda d: f"made by `{d['command'].strip()}` on {d['machine']['cpu']} ({d['machine']['cpu_capability']})")


def table_m() -> str:
    return _study_table("table_m", lambda d: f"`{d['sweep']['file']}`, seeds {', '.join(map(str, d['sweep']['seeds']))}, made by "
                                             f"`{d['command'].strip()}`; per run in the file")


def table_m_short() -> str:
    "The README's Table M: test mIoU per method (rows) and student (columns), each method's gain over none in brackets."
    d = _load("table_m.json")
    if not d: return "_Not measured yet: run `python -m bench.table_m` (a few hours on 2 cores, resumable)._\n"
    seeds, expected = len(d["sweep"]["seeds"]), len(d["methods"]) * len(d["students"]) * len(d["sweep"]["seeds"])
    pm = lambda x: f"{x['mean']:.1f} ± {x['sd']:.1f}" + (f" [{x['n']} of {seeds} seeds]" if x["n"] < seeds else "")
    lines = ["| method | " + " | ".join(d["students"]) + " |", "|---|" + "---|" * len(d["students"])]
    for m, row in d["cells"].items():
        cell = lambda c: "–" if c is None else pm(c["miou"]) + (f" ({c['gain']['mean']:+.1f})" if "gain" in c else "")
        lines.append(f"| {m} | " + " | ".join(cell(row.get(s)) for s in d["students"]) + " |")
    partial = (f"**Not finished: {len(d['runs'])} of {expected} runs** (– : none yet); `python -m bench.table_m` runs the rest "
               "and keeps these. " if len(d["runs"]) < expected else "")
    return (partial + f"From `bench/results/table_m.json` ({d['sweep']['base'].get('dataset', 'synthsar')}, `{d['sweep']['base']['profile']}` profile, {seeds} seeds, "
            f"made by `{d['command'].strip()}`): test mIoU (%) mean ± sd, in brackets the gain in points over the same student "
            "trained on real pairs only (none). FID, sFID and the seeds positive: [Results and details](07_results.ipynb).\n\n"
            + "\n".join(lines) + "\n")


SECTIONS = {"headline": headline, "table_m": table_m, "table_m_short": table_m_short, "dakd_gain": dakd_gain, "data_efficiency": data_efficiency, "generator": generator,
            "benchmarks": benchmarks, "gpu": gpu, "generator_recipe": generator_recipe, "dakd_headroom": dakd_headroom,
            "sdedit_drift": sdedit_drift}
NOTEBOOKS = {INDEX: ("headline", "table_m_short"),  # its sections
             RESULTS_PAGE: ("generator", "generator_recipe", "dakd_gain", "data_efficiency", "dakd_headroom", "sdedit_drift", "table_m", "benchmarks",
                            "gpu")}


def _pattern(name: str) -> re.Pattern: return re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)


def render(text: str, names: tuple[str, ...]) -> str:
    "Markdown with its generated sections `names` rewritten from their files (a text without any is returned as it is)."
    for name in names:
        text = _pattern(name).sub(lambda m: m.group(1) + SECTIONS[name]() + m.group(2), text)
    return text


def _source(cell: dict) -> str: return "".join(cell["source"])


def render_notebook(
    nb: dict,    # the notebook's JSON
    path: Path,  # where it lives: a key of NOTEBOOKS, which assigns it its sections
) -> dict:       # the notebook with its sections rewritten in its markdown cells (each section lies inside one cell)
    "The notebook with its generated sections rewritten; it must hold every one NOTEBOOKS assigns it."
    names, markdown = NOTEBOOKS[path], "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    if missing := [n for n in names if not _pattern(n).search(markdown)]:
        raise SystemExit(f"{path.name} has no <!-- generated:NAME --> section for {', '.join(missing)}")
    return {**nb, "cells": [{**c, "source": _lines(render(_source(c), names))} if c["cell_type"] == "markdown" else c
                            for c in nb["cells"]]}


def _lines(text: str) -> list[str]: return text.splitlines(True)


NB_LINK = re.compile(r"\]\(([\w.-]+\.ipynb)")  # a markdown link to a notebook beside index.ipynb


def readme_text(nb: dict) -> str:
    "README.md from a notebook in nbs/: markdown cells verbatim but for links to notebooks, visible code cells as Python blocks without `#|` lines."
    parts = []
    for c in nb["cells"]:
        src = _source(c).strip("\n")
        if c["cell_type"] == "markdown": parts.append(NB_LINK.sub(r"](nbs/\1", src))
        elif c["cell_type"] == "code" and not re.search(r"^#\|\s*hide\b", src, re.M):
            code = "\n".join(l for l in src.splitlines() if not l.startswith("#|")).strip("\n")
            if code: parts.append(f"```python\n{code}\n```")
    return "\n\n".join(parts) + "\n"


def _dump(nb: dict) -> str: return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # as nbdev_clean writes


def rendered() -> dict[Path, str]:
    "Each file this module writes (both notebooks and README.md) with the text it should have."
    nbs = {path: render_notebook(json.loads(path.read_text()), path) for path in NOTEBOOKS}
    return {**{path: _dump(nb) for path, nb in nbs.items()}, README: readme_text(nbs[INDEX])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that both notebooks and README.md are up to date")
    args = ap.parse_args(argv)
    files = rendered()
    if args.check:
        stale = [p.name for p, new in files.items() if p.read_text() != new]
        if stale: print(f"{', '.join(stale)} out of date with the result files or the notebooks: run python -m bench.readme",
                        file=sys.stderr)
        return int(bool(stale))
    for p, new in files.items(): p.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
