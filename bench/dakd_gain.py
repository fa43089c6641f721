"""The DAKD gain study: baseline vs DAKD on the default configuration over several seeds (a benchmark, not a test).

    python -m bench.dakd_gain [--sweep sweeps/dakd_gain_cpu.yaml] [--runs runs/sweeps/dakd_gain_cpu] [--out bench/results]
                              [--arms dakd_layout dakd_speckle dakd_layout_speckle | --arms] [--reuse-main]

Runs the sweep through the package's sweep runner (papermill; finished runs are skipped, so an interrupted study
resumes), then each arm's sweep (ARMS: the same runs with one parameter changed, e.g. `generation: layout`; each
arm run first gets the main run's finished baseline stage folder, which it reads back because its fingerprint is
the same, instead of training the same baseline again), then writes, from the runs' results.json files only:
- `dakd_gain.json`: {"runs": [{"seed", "baseline": {"miou", "iou": {class: ...}}, "dakd": {...}, "generation": ...}],
  "summary": {...}, "sweep": ..., "machine": ...};
- `dakd_gain.md`: the table (per seed and mean ± sd over seeds);
- `dakd_gain.png`: mIoU and per-class IoU of both students, every seed shown.
Seed 0 is the notebook's default run (`make run RECIPE=`, or papermill without -p): same parameters, so the same numbers on the same kind of machine (the
`machine` record: CPU instruction set, torch and numeric package versions; training amplifies float rounding).
`--reuse-main` takes the main runs and the arms not named in --arms from the dakd_gain.json already in --out (its
"runs") instead of their run folders, and runs only the named arms: each arm's baseline must equal the recorded one.
"""
import argparse
import statistics
import sys
from pathlib import Path

from dakd_nb.files import atomic_path, load_json, save_figure, save_json
from dakd_nb.machine import machine_mismatch, machine_record
from dakd_nb.sweeps import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nbs" / "03_train_saross.ipynb"
STUDENTS = ("baseline", "dakd")
ARMS = {  # the DAKD student of each arm: its sweep, and what it changes
    "dakd_layout": ("dakd_gain_layout_cpu.yaml", "DAKD with layout-guided generation"),
    "dakd_speckle": ("dakd_gain_speckle_cpu.yaml", "DAKD with the generated speckle completed to ENL 4.4"),
    "dakd_layout_speckle": ("dakd_gain_layout_speckle_cpu.yaml", "DAKD with layout-guided generation, speckle completed to ENL 4.4"),
}
CEILING = "ceiling"  # the DAKD student on fresh real scenes instead of generated pairs (the `ceiling` parameter)
SHARED_STAGES = ("student_baseline",)  # the arms' runs read these back from the main runs (same fingerprints)


def arms_in(rows: list[dict]) -> tuple[str, ...]:
    "The arms' DAKD students every run has."
    return tuple(s for s in ARMS if all(s in r for r in rows))


def students(rows: list[dict]) -> tuple[str, ...]:
    "The students every run has: baseline and DAKD, the arms' DAKD students and the ceiling when the study has them."
    return STUDENTS + arms_in(rows) + ((CEILING,) if all(CEILING in r for r in rows) else ())


def collect(runs_dir: Path, names: list[str]) -> list[dict]:
    "One record per finished run, in sweep order, read from its results.json."
    rows = []
    for name in names:
        res = load_json(runs_dir / name / "results.json")
        rows.append({"run": name, "seed": res["params"]["seed"], "n_generated": res["params"]["n_generated"],
                     **{s: {"miou": res["test"][s]["miou"], "iou": res["test"][s]["iou"]} for s in STUDENTS + (CEILING,)
                        if s in res["test"]},
                     "gain_miou": res["test"]["dakd"]["miou"] - res["test"]["baseline"]["miou"],
                     "generation": {k: res["generation"][k] for k in ("class_frequency", "enl_sea", "enl_sea_scene", "alignment_miou")
                                    if res.get("generation") and k in res["generation"]},
                     "wall_s": res["wall_s"]})
    return rows


def share_stages(main_dir: Path, arm_dir: Path, names: list[str], stages: tuple[str, ...] = SHARED_STAGES) -> list[str]:
    "Copy each main run's finished `stages` into the arm's run of the same name where it has none; the copied folders."
    import shutil
    copied = []
    for name in names:
        for stage in stages:
            src, dst = main_dir / name / stage, arm_dir / name / stage
            if (src / "fingerprint.json").is_file() and not dst.exists() and not (arm_dir / name / "results.json").exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(src, dst)
                copied.append(f"{name}/{stage}")
    return copied


def merge_arm(rows: list[dict], arm_rows: list[dict], student: str) -> list[dict]:
    "An arm's DAKD student into each seed's row as `student`, after checking that both runs trained the same baseline."
    by_seed = {r["seed"]: r for r in arm_rows}
    for r in rows:
        arm = by_seed[r["seed"]]
        if abs(arm["baseline"]["miou"] - r["baseline"]["miou"]) > 1e-9:
            raise SystemExit(f"seed {r['seed']}: the {student} arm's baseline ({arm['baseline']['miou']:.4f}) is not the main run's "
                             f"({r['baseline']['miou']:.4f}); the arms must share their baseline")
        r[student], r[f"gain_{student}_miou"] = arm["dakd"], arm["gain_miou"]
        r[f"generation_{student}"] = arm["generation"]
    return rows


def _mean_sd(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0, "n": len(values)}


def summarize(rows: list[dict]) -> dict:
    "Mean and sample sd over seeds of each student's mIoU and per-class IoU, and of the gain."
    classes = list(rows[0]["baseline"]["iou"])
    out = {s: {"miou": _mean_sd([r[s]["miou"] for r in rows]),
               "iou": {c: _mean_sd([r[s]["iou"][c] for r in rows]) for c in classes}} for s in students(rows)}
    out["gain_miou"] = _mean_sd([r["gain_miou"] for r in rows])
    out["gain_positive_seeds"] = sum(r["gain_miou"] > 0 for r in rows)
    out["gain_oil_spill_iou"] = _mean_sd([r["dakd"]["iou"]["oil_spill"] - r["baseline"]["iou"]["oil_spill"] for r in rows])
    for a in arms_in(rows):
        out[f"gain_{a}_miou"] = _mean_sd([r[f"gain_{a}_miou"] for r in rows])
        out[f"gain_{a}_positive_seeds"] = sum(r[f"gain_{a}_miou"] > 0 for r in rows)
        out[f"gain_{a}_oil_spill_iou"] = _mean_sd([r[a]["iou"]["oil_spill"] - r["baseline"]["iou"]["oil_spill"] for r in rows])
        out[f"{a}_minus_dakd_miou"] = _mean_sd([r[a]["miou"] - r["dakd"]["miou"] for r in rows])  # paired: same seed, same baseline
    if CEILING in out:  # how much fresh real data adds, and DAKD's gain as a share of it
        out["ceiling_gain_miou"] = _mean_sd([r[CEILING]["miou"] - r["baseline"]["miou"] for r in rows])
        gap = out["ceiling_gain_miou"]["mean"]
        out["share_of_ceiling"] = out["gain_miou"]["mean"] / gap if gap > 0 else None
    return out


def markdown(rows: list[dict], summary: dict) -> str:
    "The study as a markdown table: one row per seed and student, then mean ± sd."
    classes, names = list(rows[0]["baseline"]["iou"]), students(rows)
    head = "| seed | student | mIoU | " + " | ".join(classes) + " |\n|---|---|---|" + "---|" * len(classes) + "\n"
    body = "".join(f"| {r['seed']} | {s} | {r[s]['miou']:.3f} | " + " | ".join(f"{r[s]['iou'][c]:.3f}" for c in classes) + " |\n"
                   for r in rows for s in names)
    mean = "".join(f"| mean ± sd | {s} | {summary[s]['miou']['mean']:.3f} ± {summary[s]['miou']['sd']:.3f} | "
                   + " | ".join(f"{summary[s]['iou'][c]['mean']:.3f} ± {summary[s]['iou'][c]['sd']:.3f}" for c in classes) + " |\n"
                   for s in names)
    g = summary["gain_miou"]
    arms = "".join(f"{ARMS[a][1]} ({a}) − baseline mIoU: {100 * summary[f'gain_{a}_miou']['mean']:+.1f} ± "
                   f"{100 * summary[f'gain_{a}_miou']['sd']:.1f} points ({summary[f'gain_{a}_positive_seeds']} of {len(rows)} positive: "
                   + ", ".join(f"{100 * r[f'gain_{a}_miou']:+.1f}" for r in rows) + f"; against the paper's DAKD student, seed for seed: "
                   f"{100 * summary[f'{a}_minus_dakd_miou']['mean']:+.1f} ± {100 * summary[f'{a}_minus_dakd_miou']['sd']:.1f}).\n" for a in arms_in(rows))
    ceiling = ""
    if CEILING in summary:
        c, share = summary["ceiling_gain_miou"], summary["share_of_ceiling"]
        ceiling = (f"Ceiling (the DAKD student on {rows[0]['n_generated']} fresh real scenes instead of generated pairs) "
                   f"− baseline: {100 * c['mean']:+.1f} ± {100 * c['sd']:.1f} points"
                   + (f"; DAKD's gain is {share:.0%} of it.\n" if share is not None and share >= 0 else
                      "; DAKD's gain is below zero.\n" if share is not None else ".\n"))
    return (head + body + mean + f"\nDAKD − baseline mIoU: {100 * g['mean']:+.1f} ± {100 * g['sd']:.1f} points over {g['n']} seeds "
            f"({summary['gain_positive_seeds']} of {g['n']} positive: "
            + ", ".join(f"{100 * r['gain_miou']:+.1f}" for r in rows) + ").\n" + arms + ceiling)


def plot(rows: list[dict], summary: dict):
    "mIoU and per-class IoU of both students: bars at the mean, one dot per seed."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    metrics = ["miou"] + list(rows[0]["baseline"]["iou"])
    fig, ax = plt.subplots(figsize=(8, 4.0))
    names = students(rows)
    w = 0.8 / len(names)
    for j, s in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * w for i in range(len(metrics))]
        vals = [[r[s]["miou"] if m == "miou" else r[s]["iou"][m] for r in rows] for m in metrics]
        ax.bar(xs, [statistics.fmean(v) for v in vals], width=0.95 * w, label=s, color=f"C{j}", alpha=0.7)
        for x, v in zip(xs, vals): ax.plot([x] * len(v), v, "k.", ms=3)
    ax.set_xticks(range(len(metrics)), ["mIoU"] + metrics[1:])
    g = summary["gain_miou"]
    ax.set(ylabel="test IoU", ylim=(0, 1), title=f"DAKD vs baseline, {g['n']} seeds: gain {100 * g['mean']:+.1f} ± {100 * g['sd']:.1f} mIoU points")
    ax.legend(ncol=min(len(names), 3), loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _run(sweep, folder: Path) -> bool:
    "Run (or resume) a sweep's runs; whether all finished."
    runs = run_sweep(sweep, NOTEBOOK, folder, devices=None, cwd=ROOT, report=False)
    bad = [n for n, r in runs.items() if r["status"] != "ok"]
    if bad: print(f"{sweep.name}: not finished: {bad}; run again to resume", file=sys.stderr)
    return not bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default=str(ROOT / "sweeps" / "dakd_gain_cpu.yaml"))
    ap.add_argument("--runs", default=str(ROOT / "runs" / "sweeps" / "dakd_gain_cpu"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--arms", nargs="*", default=list(ARMS), choices=list(ARMS),
                    help="the arms to run (run folders under the --runs folder's parent, named after each arm's sweep); none: --arms")
    ap.add_argument("--reuse-main", action="store_true",
                    help="take the main runs and the arms not named from the dakd_gain.json in --out; run only the named arms")
    ap.add_argument("--collect-only", action="store_true", help="do not run anything: collect finished runs")
    args = ap.parse_args(argv)
    sweep, runs_dir, out = load_sweep(args.sweep), Path(args.runs), Path(args.out)
    arms = {a: load_sweep(ROOT / "sweeps" / ARMS[a][0]) for a in args.arms}
    for a, s in arms.items():
        if list(s.configs()) != list(sweep.configs()):
            print(f"{ARMS[a][0]}: its runs must be the main sweep's, seed for seed", file=sys.stderr); return 1
    if args.reuse_main:
        if problem := machine_mismatch(load_json(out / "dakd_gain.json").get("machine", {}), machine_record()):
            print(f"{out / 'dakd_gain.json'}: its runs were made on another kind of machine ({problem}); an arm's retrained "
                  "baseline would not equal the recorded one. Run the whole study here (without --reuse-main).", file=sys.stderr)
            return 1
        named = {k for a in args.arms for k in (a, f"gain_{a}_miou", f"generation_{a}")}  # what merge_arm writes for them
        rows = [{k: v for k, v in r.items() if k not in named} for r in load_json(out / "dakd_gain.json")["runs"]]
    else:
        if not args.collect_only and not _run(sweep, runs_dir): return 1
        rows = collect(runs_dir, list(sweep.configs()))
    for a, s in arms.items():
        arm_dir = runs_dir.parent / s.name
        if not args.collect_only:
            share_stages(runs_dir, arm_dir, list(sweep.configs()))
            if not _run(s, arm_dir): return 1
        rows = merge_arm(rows, collect(arm_dir, list(s.configs())), a)
    summary = summarize(rows)
    rel = lambda f: str(Path(f).resolve().relative_to(ROOT))
    save_json({"sweep": {"file": rel(args.sweep), "base": sweep.base, "seeds": sweep.seeds},
               "arms": {a: {"file": f"sweeps/{ARMS[a][0]}", "base": load_sweep(ROOT / "sweeps" / ARMS[a][0]).base} for a in arms_in(rows)},
               "command": "python -m bench.dakd_gain", "machine": machine_record(), "runs": rows, "summary": summary}, out / "dakd_gain.json")
    with atomic_path(out / "dakd_gain.md") as tmp: tmp.write_text(markdown(rows, summary))
    save_figure(plot(rows, summary), out / "dakd_gain.png", dpi=110)
    print(markdown(rows, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
