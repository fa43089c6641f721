"""The data-efficiency curve: DAKD's gain over the baseline against the number of labelled real images (a benchmark, not a test).

    python -m bench.data_efficiency [--sweep sweeps/data_efficiency_cpu.yaml] [--runs runs/sweeps/data_efficiency_cpu]
                                    [--out bench/results] [--collect-only]

A point's generator may see that point's real images and nothing else: the packaged generator was trained on the 64
default scenes, so DAKD at n_real < 64 with it would distil scenes its baseline never saw. So every configuration of
the sweep names its own `jointnet_path`, and before the sweep runs, each one missing is trained (resumably, in
`<path>.run`) on that configuration's SynthSAR training split, with one recipe for every point (GENERATOR_RECIPE:
the packaged generator's network, fewer and smaller steps, to fit a CPU), and written with a card.json. Then the
sweep runs baseline and DAKD at each n_real (papermill; finished runs are skipped, so an interrupted study resumes),
and the runs' results.json files become:
- `data_efficiency.json`: {"runs": [{"n_real", "seed", "baseline", "dakd", "gain_miou", "generation"}], "summary":
  {n_real: {...}}, "generators": {n_real: card}, "generator_recipe", "sweep", "machine"};
- `data_efficiency.md`: the table, one row per n_real (mean ± sd over seeds, and every seed's gain);
- `data_efficiency.png`: both students' mIoU and DAKD's gain (mIoU and oil-spill IoU) against n_real.
The DAKD gain study at n_real 64 with the packaged generator (bench/results/dakd_gain.json) is drawn beside the curve
when it is there: same test set, a generator trained longer on a GPU.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

from bench.dakd_gain import ROOT, NOTEBOOK, _mean_sd, _run, collect
from dakd_nb.files import atomic_dir, atomic_path, load_json, save_figure, save_json
from dakd_nb.sweeps import Sweep, load_sweep

GENERATOR_RECIPE = dict(steps=1000, batch_size=16, checkpoint_every=100)  # every point's generator, on the CPU


def generator_jobs(sweep: Sweep) -> dict[str, int]:
    "jointnet_path -> n_real for every configuration; a path shared by two n_real, or a configuration without one, is an error."
    jobs = {}
    for v in sweep.variants():
        path, n = v.get("jointnet_path"), v.get("n_real")
        if not path or n is None:
            raise SystemExit(f"{sweep.source}: every configuration needs n_real and its own jointnet_path (got {v})")
        if jobs.setdefault(path, n) != n:
            raise SystemExit(f"{sweep.source}: jointnet_path {path} is given for n_real {jobs[path]} and {n}; each generator sees one training set")
    return jobs


def check_generator_card(folder: Path, n_real: int, recipe: dict) -> dict:
    "A generator folder's card, checked against the point it serves: trained on n_real scenes with this recipe."
    card = load_json(folder / "card.json")
    if card["data"]["n_real"] != n_real or any(card["config"].get(k) != v for k, v in recipe.items()):
        got = {k: card["config"].get(k) for k in recipe}
        raise SystemExit(f"{folder}: trained on {card['data']['n_real']} scenes with {got}, not the point's n_real {n_real} "
                         f"with {recipe}; move it away to train it again")
    return card


def adopt_packaged(folder: Path,  # a study's generator folder, not there yet
                   n_real: int,    # the labelled scenes it must be trained on
                   profile: str,   # the profile whose generator recipe it follows
                   recipe: dict,   # the study's changes to that recipe
                   ) -> bool:      # whether the packaged copy was taken
    "Copy the generator the package ships under `folder`'s name into `folder`, no training, when its card says it is this one."
    import json
    import shutil
    from dakd_nb.main_params import NOT_SHAPING
    from dakd_nb.pretrain import packaged_generator
    from dakd_nb.train_jointnet import JointNetConfig
    src = packaged_generator(folder.name)
    if src is None or (folder / "card.json").is_file(): return False
    card = load_json(src / "card.json")
    mine = json.loads(json.dumps(JointNetConfig.for_profile(profile, device="cpu", **recipe).to_json()))
    shaping = lambda c: {k: v for k, v in c.items() if k not in NOT_SHAPING}
    if card["data"].get("dataset") != "synthsar" or card["data"]["n_real"] != n_real or shaping(card["config"]) != shaping(mine):
        return False
    with atomic_dir(folder) as tmp:
        shutil.copytree(src, tmp, dirs_exist_ok=True)
    print(f"generator: {folder} is the packaged {src.name} (same scenes, same recipe): copied, not trained", file=sys.stderr)
    return True


def train_generator(folder: Path, n_real: int, base: dict, recipe: dict, command: str = "python -m bench.data_efficiency",
                    start=None,  # (model, what it is) to start from, e.g. an image branch pre-trained on unlabelled scenes; None: fresh
                    ) -> dict:
    "Train (or resume) a generator (recipe's variant; SAR-JointNet by default) on the first n_real scenes of the run's SynthSAR training split (base's profile); write folder and card."
    import torch
    from dakd_nb.data import build_splits
    from dakd_nb.sampling import SARJointNetPipeline
    from dakd_nb.main_params import MainJobParams
    from dakd_nb.pretrain import InMemory, _commit, train_chunked
    from dakd_nb.semgan import train_semgan
    from dakd_nb.train_jointnet import JointNetConfig, plot_loss_curve
    p = MainJobParams.resolve(**{**base, "n_real": n_real, "jointnet_path": ""})
    if p.dataset != "synthsar": raise SystemExit("the CPU studies train their generators on SynthSAR")
    run_dir, clock = folder.with_name(folder.name + ".run"), folder.with_name(folder.name + ".run") / "train_time.json"
    train = InMemory(build_splits("synthsar", n_real=n_real, size=p.sizes["size"])["train"])
    config = JointNetConfig.for_profile(p.profile, device="cpu", **recipe)
    gan = config.variant == "semgan"
    before, t0 = (load_json(clock)["train_s"] if clock.exists() else 0.0), time.time()
    run = train_semgan(train, config, run_dir) if gan else train_chunked(train, config, run_dir, model=None if start is None else start[0])
    save_json({"train_s": before + time.time() - t0}, clock)
    last = run.history[-1] if run.history else {}
    card = {"command": command, "commit": _commit(), "data": {"dataset": "synthsar", "n_real": n_real, "size": p.sizes["size"]},
            "config": config.to_json(), "steps": config.steps if gan else len(run.history), "train_s": load_json(clock)["train_s"],
            "device": "cpu", "balance_factor": getattr(run.pipeline.model.config, "balance_factor", None),
            "final_loss": last.get("loss_g" if gan else "loss"), "init_from": None if start is None else start[1]}
    if start is not None and "total_steps" in start[1]:  # continuing a trained generator: its steps and these, as pretrain counts them
        card["total_steps"] = card["steps"] + start[1]["total_steps"]
    with atomic_dir(folder) as tmp:
        if gan: run.pipeline.save_pretrained(tmp)  # float32: a GAN's generator is small
        else: SARJointNetPipeline(run.pipeline.model.to("cpu").half(), run.pipeline.scheduler).save_pretrained(tmp)  # as pretrain saves it
        save_json(card, tmp / "card.json")
        if not gan: save_figure(plot_loss_curve(run.history), tmp / "loss.png")
    return card


def summarize(rows: list[dict]) -> dict:
    "Per n_real: each student's mIoU and oil-spill IoU, DAKD's gain in both (mean and sample sd over seeds), positive seeds."
    out = {}
    for n in sorted({r["n_real"] for r in rows}):
        at = [r for r in rows if r["n_real"] == n]
        out[str(n)] = {**{f"{s}_miou": _mean_sd([r[s]["miou"] for r in at]) for s in ("baseline", "dakd")},
                       **{f"{s}_oil_spill_iou": _mean_sd([r[s]["iou"]["oil_spill"] for r in at]) for s in ("baseline", "dakd")},
                       "gain_miou": _mean_sd([r["gain_miou"] for r in at]),
                       "gain_oil_spill_iou": _mean_sd([r["dakd"]["iou"]["oil_spill"] - r["baseline"]["iou"]["oil_spill"] for r in at]),
                       "gain_positive_seeds": sum(r["gain_miou"] > 0 for r in at), "seeds": [r["seed"] for r in at]}
    return out


def markdown(summary: dict) -> str:
    "One row per n_real: both students' mIoU and oil-spill IoU, and DAKD's gain, mean ± sd over seeds."
    pm = lambda d, k=1: f"{k * d['mean']:.3f} ± {k * d['sd']:.3f}" if k == 1 else f"{k * d['mean']:+.1f} ± {k * d['sd']:.1f}"
    head = ("| n_real | seeds | baseline mIoU | DAKD mIoU | gain (mIoU points) | positive | baseline oil IoU | DAKD oil IoU "
            "| gain (oil IoU points) |\n|---|---|---|---|---|---|---|---|---|\n")
    return head + "".join(f"| {n} | {len(s['seeds'])} | {pm(s['baseline_miou'])} | {pm(s['dakd_miou'])} | {pm(s['gain_miou'], 100)} | "
                          f"{s['gain_positive_seeds']} of {len(s['seeds'])} | {pm(s['baseline_oil_spill_iou'])} | "
                          f"{pm(s['dakd_oil_spill_iou'])} | {pm(s['gain_oil_spill_iou'], 100)} |\n" for n, s in summary.items())


def plot(rows: list[dict], summary: dict, reference: dict | None = None):
    "Left: both students' mIoU against n_real (mean ± sd, a dot per seed). Right: DAKD's gain in mIoU and oil-spill IoU."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ns = [int(n) for n in summary]
    fig, (ax, ag) = plt.subplots(1, 2, figsize=(10, 4))
    for j, s in enumerate(("baseline", "dakd")):
        m = [summary[str(n)][f"{s}_miou"] for n in ns]
        ax.errorbar(ns, [d["mean"] for d in m], [d["sd"] for d in m], marker="o", capsize=3, color=f"C{j}", label=s)
        ax.plot([r["n_real"] for r in rows], [r[s]["miou"] for r in rows], ".", color=f"C{j}", alpha=0.5)
    for j, (k, label) in enumerate((("gain_miou", "mIoU"), ("gain_oil_spill_iou", "oil-spill IoU"))):
        g = [summary[str(n)][k] for n in ns]
        ag.errorbar(ns, [100 * d["mean"] for d in g], [100 * d["sd"] for d in g], marker="o", capsize=3, color=f"C{j + 2}", label=label)
    if reference:  # the study at the default n_real with the packaged (GPU-trained) generator
        ag.errorbar([reference["n_real"]], [100 * reference["gain_miou"]["mean"]], [100 * reference["gain_miou"]["sd"]], marker="*",
                    ms=10, capsize=3, color="k", ls="none", label=f"mIoU, packaged generator ({reference['gain_miou']['n']} seeds)")
    ag.axhline(0, color="k", lw=0.8)
    ticks = sorted(set(ns) | ({reference["n_real"]} if reference else set()))
    for a in (ax, ag): a.set_xscale("log", base=2); a.set_xticks(ticks, [str(n) for n in ticks]); a.set_xlabel("labelled real images (n_real)")
    ax.set(ylabel="test mIoU", title="both students"); ag.set(ylabel="DAKD − baseline (points)", title="DAKD's gain")
    ax.legend(fontsize=8); ag.legend(fontsize=8)
    fig.tight_layout()
    return fig


def reference_point(out: Path) -> dict | None:
    "The DAKD gain study's summary at its n_real (packaged generator), when bench/results/dakd_gain.json is there."
    f = out / "dakd_gain.json"
    if not f.is_file(): return None
    study = load_json(f)
    return {"n_real": study["sweep"]["base"].get("n_real", 64), "gain_miou": study["summary"]["gain_miou"], "file": "bench/results/dakd_gain.json"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default=str(ROOT / "sweeps" / "data_efficiency_cpu.yaml"))
    ap.add_argument("--runs", default=str(ROOT / "runs" / "sweeps" / "data_efficiency_cpu"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--collect-only", action="store_true",
                    help="do not train or run anything: collect the finished runs (the others are listed under not_finished)")
    args = ap.parse_args(argv)
    sweep, runs_dir, out = load_sweep(args.sweep), Path(args.runs), Path(args.out)
    jobs, cards = generator_jobs(sweep), {}
    for path, n in jobs.items():
        folder = ROOT / path
        if not (folder / "card.json").is_file():
            if args.collect_only: raise SystemExit(f"{folder}: no generator; run without --collect-only")
            print(f"generator for n_real={n}: training into {path}", file=sys.stderr)
            train_generator(folder, n, sweep.base, GENERATOR_RECIPE)
        cards[str(n)] = check_generator_card(folder, n, GENERATOR_RECIPE)
    if not args.collect_only and not _run(sweep, runs_dir): return 1
    configs = sweep.configs()
    done = {name: p for name, p in configs.items() if (runs_dir / name / "results.json").is_file()}
    pending = [name for name in configs if name not in done]  # only with --collect-only: a study still running
    if not done: raise SystemExit(f"{runs_dir}: no finished run to collect")
    rows = collect(runs_dir, list(done))
    for r, params in zip(rows, done.values()): r["n_real"] = params["n_real"]
    summary, reference = summarize(rows), reference_point(out)
    from dakd_nb.machine import machine_record
    save_json({"sweep": {"file": str(Path(args.sweep).resolve().relative_to(ROOT)), "base": sweep.base, "configs": sweep.explicit,
                         "seeds": sweep.seeds},
               "generator_recipe": GENERATOR_RECIPE, "generators": cards, "reference": reference,
               "command": "python -m bench.data_efficiency", "machine": machine_record(), "runs": rows, "not_finished": pending, "summary": summary},
              out / "data_efficiency.json")
    note = f"\nNot finished yet ({len(pending)} of {len(configs)} runs): {', '.join(pending)}.\n" if pending else ""
    with atomic_path(out / "data_efficiency.md") as tmp: tmp.write_text(markdown(summary) + note)
    save_figure(plot(rows, summary, reference), out / "data_efficiency.png", dpi=110)
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
