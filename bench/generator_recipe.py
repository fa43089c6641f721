"""Which way of training SAR-JointNet learns the scenes fastest on a CPU: quality against CPU minutes (a benchmark, not a test).

    python -m bench.generator_recipe [--recipes today b16 b16_minsnr ...] [--budget-min 12] [--runs runs/generator_recipe]
                                     [--out bench/results] [--threads 1] [--collect-only]

Every recipe (RECIPES: overrides of the packaged generator's training config, the cpu-quick profile's) trains the same
SAR-JointNet network on the packaged generator's data (the 64 SynthSAR training scenes at 64²) from the same seed, in
chunks, until it has used `--budget-min` minutes of CPU time (the process's CPU clock, one thread by default, so a run
beside other work still measures its own cost). At 1/8, 1/4, 1/2 and all of the budget its EMA generator is measured
with the card's figures for the paper's free sampler, exactly as the main job samples (DPM-Solver++, 20 steps):
- class-frequency ratios generated / real, speckle ENL in 8×8 sea windows, label–image alignment (mIoU of a segmenter
  trained on the real training scenes, on generated pairs against their own labels);
- `seg_fd`: the Fréchet distance between generated and held-out real images in the features of that same segmenter
  (its encoder's two deepest stages, mean-pooled: `dakd_nb.quality.segmenter_frechet_distance`, as in every run's
  `generation_quality.json`). It needs no downloaded weights; it is *not* FID and is comparable only within this file;
- training steps/s (CPU clock).
The packaged generator is measured the same way as a reference point; its CPU cost is its steps times the `today`
recipe's measured CPU seconds per step (it was trained on a GPU). Runs resume: each recipe's run folder keeps its
checkpoint and `curve.json`; `--collect-only` writes the files from what is finished. Writes:
- `generator_recipe.json`: {"recipes": {name: {"overrides", "curve": [{"step", "cpu_min", figures...}], ...}},
  "packaged": {...}, "choice": ..., "machine": ...};
- `generator_recipe.md`: the last point of each curve, and the recipe chosen (lowest seg_fd at the budget among those
  that meet the card's bars; else the lowest seg_fd);
- `generator_recipe.png`: each figure against CPU minutes, one line per recipe, the packaged generator as a star.
"""
import argparse
import dataclasses
import math
import statistics
import sys
import time
from pathlib import Path

import torch

from dakd_nb.core import OSD_CLASSES, stack_items
from dakd_nb.files import atomic_path, load_json, save_figure, save_json
from dakd_nb.machine import machine_record
from dakd_nb.data import build_splits
from dakd_nb.sampling import SARJointNetPipeline
from dakd_nb.pretrain import InMemory, PRETRAINED_RECIPE, packaged_generator, pretrain_config
from dakd_nb.quality import generation_quality
from dakd_nb.train_jointnet import train_jointnet

ROOT = Path(__file__).resolve().parents[1]
RECIPES = {  # overrides of pretrain_config(): the packaged generator's recipe is "today"
    "today": {},
    "b16": dict(batch_size=16),
    "b16_minsnr": dict(batch_size=16, weighting="min_snr"),
    "b16_lognormal": dict(batch_size=16, timesteps="lognormal"),
    "b16_lognormal_minsnr": dict(batch_size=16, timesteps="lognormal", weighting="min_snr"),
    "b16_eps_minsnr": dict(batch_size=16, prediction_type="epsilon", weighting="min_snr"),
    "b16_v_minsnr": dict(batch_size=16, prediction_type="v_prediction", weighting="min_snr"),
    "b16_lr2e-4": dict(batch_size=16, lr=2e-4, warmup_steps=100),
    "b16_wide": dict(batch_size=16, block_out_channels=(32, 64, 64)),
}
EVAL_FRACTIONS = (0.125, 0.25, 0.5, 1.0)
EVAL = dict(n_eval=128, n_reference=256, sampler="dpm", steps=20, seg_steps=400)
BARS = {"frequency": (0.5, 2.0), "ship_min": 0.5, "enl_within": 0.25, "alignment_min": 0.9}  # issue 25's targets


def reference_segmenter(train, runs: Path, seg_steps: int):
    "A SAROSS-Net trained on the real training scenes only (cached in runs/segmenter): alignment and seg_fd features."
    from dakd_nb.pretrain import _alignment_segmenter
    from dakd_nb.saross import load_segmenter, save_segmenter
    folder = runs / "segmenter"
    if not (folder / "model.safetensors").is_file():
        save_segmenter(_alignment_segmenter(train, "cpu", seg_steps), folder, train.classes, train[0]["image"].shape[-1])
    return load_segmenter(folder).eval()


def measure(pipe: SARJointNetPipeline, reference: dict, train, seg) -> dict:
    "The card's figures of the free sampler (as the main job samples) and seg_fd against held-out real scenes."
    gen = pipe(EVAL["n_eval"], EVAL["sampler"], EVAL["steps"], torch.Generator().manual_seed(0), batch_size=64)
    q = generation_quality(gen, reference, train.classes, segmenter=seg)
    freq = q["class_frequency"]
    ratio = {c: (g / r if r else float("nan")) for c, g, r in zip(freq["classes"], freq["generated"], freq["real"])}
    return {"frequency_ratio": ratio, "enl_sea": q["enl_sea"], "alignment_miou": q["alignment_miou"],
            "intensity_w1": q["intensity_w1"], "seg_fd": q["seg_fd"]}


def meets_bars(point: dict) -> dict[str, bool]:
    "Which of issue 25's quality targets a measured point meets."
    r, lo, hi = point["frequency_ratio"], *BARS["frequency"]
    enl, al = point["enl_sea"], point["alignment_miou"]
    return {"frequencies": all(lo <= r[c] <= hi for c in ("oil_spill", "look_alike", "land")),
            "ships": r["ship"] >= BARS["ship_min"],
            "enl": abs(enl["generated"] / enl["real"] - 1) <= BARS["enl_within"],
            "alignment": al["generated"] >= BARS["alignment_min"] * al["real"]}


def train_recipe(name: str, train, runs: Path, budget_min: float, reference: dict, seg, progress: bool) -> dict:
    "Train one recipe in chunks until its CPU budget is spent, measuring at each of EVAL_FRACTIONS; resumable."
    folder = runs / name
    state_path = folder / "curve.json"
    config = pretrain_config(device="cpu", **RECIPES[name], checkpoint_every=25, sample_every=0)
    state = load_json(state_path) if state_path.is_file() else {"overrides": RECIPES[name], "config": config.to_json(),
                                                                "cpu_s": 0.0, "step": 0, "curve": []}
    chunk = max(10, 800 // config.batch_size)  # steps between CPU-clock readings (each call checkpoints)
    for fraction in EVAL_FRACTIONS:
        if any(p["fraction"] == fraction for p in state["curve"]): continue
        while state["cpu_s"] < fraction * budget_min * 60:
            t0 = time.process_time()
            run = train_jointnet(train, dataclasses.replace(config, steps=state["step"] + chunk), folder / "run", progress=False)
            state.update(cpu_s=state["cpu_s"] + time.process_time() - t0, step=len(run.history), loss=run.history[-1]["loss"])
            save_json(state, state_path)
        if state["curve"] and state["curve"][-1]["step"] == state["step"]: continue  # this budget was passed in one chunk
        pipe = SARJointNetPipeline.from_pretrained(folder / "run" / "generator")
        point = {"fraction": fraction, "step": state["step"], "cpu_min": state["cpu_s"] / 60,
                 "steps_per_cpu_s": state["step"] / state["cpu_s"], "loss": state.get("loss"), **measure(pipe, reference, train, seg)}
        point["bars"] = meets_bars(point)
        state["curve"].append(point)
        save_json(state, state_path)
        if progress: print(f"{name}: step {point['step']}, {point['cpu_min']:.1f} CPU-min, seg_fd {point['seg_fd']:.3f}, "
                           f"bars {point['bars']}", flush=True)
    return state


def choose(recipes: dict) -> dict:
    "The recipe with the lowest seg_fd at its budget among those meeting every bar there; else the lowest seg_fd."
    last = {n: r["curve"][-1] for n, r in recipes.items() if r["curve"]}
    meeting = [n for n, p in last.items() if all(p["bars"].values())]
    pool = meeting or list(last)
    best = min(pool, key=lambda n: last[n]["seg_fd"])
    return {"recipe": best, "overrides": recipes[best]["overrides"], "meets_every_bar": bool(meeting),
            "rule": "lowest seg_fd at the budget among the recipes meeting every bar" + ("" if meeting else " (none does: lowest seg_fd)")}


def plot(result: dict):
    "seg_fd, alignment ratio, ENL ratio and the worst class-frequency ratio (a class never generated counted at 1/1000) against CPU minutes."
    import matplotlib.pyplot as plt
    panels = (("seg_fd", "seg_fd (lower is better)", lambda p: p["seg_fd"]),
              ("alignment", "alignment, generated / real", lambda p: p["alignment_miou"]["generated"] / p["alignment_miou"]["real"]),
              ("enl", "speckle ENL, generated / real", lambda p: p["enl_sea"]["generated"] / p["enl_sea"]["real"]),
              ("freq", "worst |log freq. ratio|, oil/look-alike/land",
               lambda p: max(abs(math.log(max(p["frequency_ratio"][c], 1e-3))) for c in ("oil_spill", "look_alike", "land"))))
    fig, axes = plt.subplots(1, 4, figsize=(18, 4))
    for ax, (_, title, get) in zip(axes, panels):
        for name, r in result["recipes"].items():
            ax.plot([p["cpu_min"] for p in r["curve"]], [get(p) for p in r["curve"]], marker="o", label=name)
        if result.get("packaged"):
            pk = result["packaged"]
            ax.plot([pk["cpu_min"]], [get(pk)], marker="*", markersize=14, color="k", linestyle="", label="packaged (today)")
        ax.set(xlabel="CPU minutes of training (one thread)", title=title, xscale="log")
    axes[1].axhline(BARS["alignment_min"], color="grey", ls=":"); axes[2].axhline(1, color="grey", ls=":")
    axes[3].axhline(math.log(2), color="grey", ls=":")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def markdown(result: dict) -> str:
    "The last point of each curve, the packaged reference and the choice."
    lines = ["| recipe | overrides | steps | CPU min | steps/CPU-s | seg_fd | oil | look-alike | ship | land | ENL gen/real | alignment gen/real | bars met |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = [(n, r["overrides"], r["curve"][-1]) for n, r in result["recipes"].items() if r["curve"]]
    if result.get("packaged"): rows.append(("packaged (today, 2000 steps)", result["packaged"]["config"], result["packaged"]))
    for name, over, p in rows:
        fr, met = p["frequency_ratio"], [k for k, v in meets_bars(p).items() if v]
        lines.append(f"| {name} | {over} | {p['step']} | {p['cpu_min']:.1f} | {p.get('steps_per_cpu_s', float('nan')):.2f} | {p['seg_fd']:.3f} | "
                     + " | ".join(f"{fr[c]:.2f}×" for c in ("oil_spill", "look_alike", "ship", "land"))
                     + f" | {p['enl_sea']['generated']:.1f}/{p['enl_sea']['real']:.1f} | "
                     f"{p['alignment_miou']['generated']:.3f}/{p['alignment_miou']['real']:.3f} | {', '.join(met) or 'none'} |")
    c = result.get("choice")
    if c: lines += ["", f"Chosen: **{c['recipe']}** ({c['rule']})."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipes", nargs="*", default=list(RECIPES), choices=list(RECIPES))
    ap.add_argument("--budget-min", type=float, default=12.0, help="CPU minutes of training per recipe")
    ap.add_argument("--runs", default="runs/generator_recipe")
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--collect-only", action="store_true", help="write the files from the finished points; train nothing")
    args = ap.parse_args(argv)
    if not args.budget_min > 0: ap.error(f"--budget-min must be above 0, got {args.budget_min}")
    torch.set_num_threads(args.threads)
    runs, out = Path(args.runs), Path(args.out)
    data = PRETRAINED_RECIPE["data"]
    train = InMemory(build_splits(data["dataset"], n_real=data["n_real"], size=data["size"])["train"])
    from dakd_nb.synthsar import SynthSAR
    reference = stack_items(SynthSAR(EVAL["n_reference"], data["size"], seed=99))  # held-out real scenes (as the card's)
    seg = reference_segmenter(train, runs, EVAL["seg_steps"])
    recipes = {}
    for name in args.recipes:
        if args.collect_only:
            if (runs / name / "curve.json").is_file(): recipes[name] = load_json(runs / name / "curve.json")
            continue
        recipes[name] = train_recipe(name, train, runs, args.budget_min, reference, seg, progress=True)
    result = {"budget_cpu_min": args.budget_min, "threads": args.threads, "eval": EVAL, "bars": BARS, "recipes": recipes,
              "machine": machine_record(), "command": "python -m bench.generator_recipe " + " ".join(sys.argv[1:] if argv is None else argv)}
    today = recipes.get("today", {}).get("curve")
    if today and (folder := packaged_generator()):
        card = load_json(folder / "card.json")
        cpu_min = card["steps"] / today[-1]["steps_per_cpu_s"] / 60
        point = {"step": card["steps"], "cpu_min": cpu_min, "config": {"steps": card["steps"], "batch_size": card["config"]["batch_size"]},
                 **measure(SARJointNetPipeline.from_pretrained(folder), reference, train, seg)}
        result["packaged"] = {**point, "bars": meets_bars(point),
                              "note": "trained on a GPU; CPU minutes = its steps at the today recipe's measured CPU seconds per step"}
    if recipes: result["choice"] = choose(recipes)
    out.mkdir(parents=True, exist_ok=True)
    save_json(result, out / "generator_recipe.json")
    with atomic_path(out / "generator_recipe.md") as tmp: tmp.write_text(markdown(result))
    save_figure(plot(result), out / "generator_recipe.png")
    print(f"wrote {out / 'generator_recipe.json'} (.md, .png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
