"""What SDEdit keeps of a real pair's label, class by class, as the start is noised further (a benchmark, not a test).

    python -m bench.sdedit_drift [--generator dakd_nb/pretrained/synthsar-16-few-label-lognormal] [--strengths 0.05 0.3 0.5 0.7]
                                 [--repeats 4] [--out bench/results]

The few-label study's SDEdit pairs start from its 16 labelled SynthSAR scenes noised part way and denoise image and
label jointly (`generation sdedit`, the profile's sampler). Per strength and class: the share of the start's pixels of
that class whose generated label is still that class (`kept`), where the rest went (`to`), how many pixels of the
class the generated labels hold against the starts (`generated_over_start`: above 1, the generator adds the class
elsewhere), and the generated image's mean brightness on the start's pixels of the class, against the start's
(`image_start`, `image_generated`): an image that keeps a dark slick its label calls sea is a pair that teaches the
wrong boundary. Writes `sdedit_drift.json` (with the commit its generator's card records, the sampler, machine and command),
`sdedit_drift.md` (the table) and `sdedit_drift.png` (kept share against strength, one line per class).
"""
import argparse
import sys
from pathlib import Path

import torch

from dakd_nb.files import atomic_path, load_json, save_figure, save_json
from dakd_nb.machine import machine_record

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = "dakd_nb/pretrained/synthsar-16-few-label-lognormal"  # the study's chosen arm's generator
PROFILE = "few-label"


def class_drift(start: torch.Tensor,            # (N, H, W) the starts' class ids
                generated: torch.Tensor,        # (N, H, W) the generated pairs' class ids
                start_image: torch.Tensor,      # (N, H, W) the starts' images
                generated_image: torch.Tensor,  # (N, H, W) the generated images
                names: list[str],               # class names, by id
                ) -> dict:                      # class name -> kept, to, generated_over_start, image_start, image_generated (absent classes left out)
    "Per class of the starts: how much of it the generated label keeps, where the rest goes, and the images on its pixels."
    out = {}
    for c, name in enumerate(names):
        where = start == c
        if not where.any(): continue
        went = torch.bincount(generated[where], minlength=len(names)).double() / where.sum()
        out[name] = {"pixels": int(where.sum()), "kept": float(went[c]), "to": {n: float(went[k]) for k, n in enumerate(names) if k != c},
                     "generated_over_start": float((generated == c).sum() / where.sum()),
                     "image_start": float(start_image[where].mean()), "image_generated": float(generated_image[where].mean())}
    return out


def measure(generator: str, strengths: list[float], repeats: int, seed: int = 0) -> dict:
    "Each strength's class drift over the profile's labelled scenes, each started `repeats` times with other noise."
    from dakd_nb.augmentation import load_generator
    from dakd_nb.data import build_splits
    from dakd_nb.profiles import PROFILES
    from dakd_nb.sampling import SDEditStart
    sizes, steps = PROFILES[PROFILE]["data"], PROFILES[PROFILE]["generator"]["sample_steps"]
    train = build_splits("synthsar", n_real=sizes["n_real"], size=sizes["size"], n_val=sizes["n_val"], n_test=sizes["n_test"])["train"]
    images = torch.stack([train[i]["image"] for i in range(len(train))]).float().repeat(repeats, 1, 1, 1)
    labels = torch.stack([train[i]["label"] for i in range(len(train))]).long().repeat(repeats, 1, 1)
    pipe = load_generator(ROOT / generator)
    names = list(pipe.model.config.class_names)
    drift = {}
    for strength in strengths:
        res = pipe(len(labels), "dpm", steps, torch.Generator().manual_seed(seed), None, 16, 0.0, start=SDEditStart(images, labels, strength))
        drift[str(strength)] = class_drift(labels, res["label"].long(), images[:, 0], res["image"][:, 0].float(), names)
        print(f"strength {strength}: " + ", ".join(f"{n} kept {d['kept']:.2f}" for n, d in drift[str(strength)].items()), file=sys.stderr)
    return {"generator": generator, "generator_commit": load_json(ROOT / generator / "card.json").get("commit"),
            "sampler": f"dpm, {steps} steps (the {PROFILE} profile's)", "starts": f"the {len(train)} labelled scenes of the {PROFILE} "
            f"profile, each {repeats} times", "seed": seed, "classes": names, "drift": drift}


def markdown(d: dict) -> str:
    "One row per strength: each class's kept share, then oil's destinations and images."
    classes = [c for c in d["classes"] if all(c in v for v in d["drift"].values())]
    lines = ["| strength | " + " | ".join(f"{c} kept" for c in classes) + " | oil_spill → sea | oil added (generated / start) | "
             "image on the start's oil: start → generated | sea image |", "|---" * (len(classes) + 5) + "|"]
    for s, v in d["drift"].items():
        oil = v.get("oil_spill")
        lines.append(f"| {s} | " + " | ".join(f"{v[c]['kept']:.2f}" for c in classes)
                     + (f" | {oil['to']['sea']:.2f} | {oil['generated_over_start']:.2f} | {oil['image_start']:.2f} → {oil['image_generated']:.2f}"
                        if oil else " | | | ") + f" | {v['sea']['image_generated']:.2f} |")
    return ("\n".join(lines) + f"\n\nGenerator `{d['generator']}`, sampler {d['sampler']}; starts: {d['starts']}. Kept: the share of "
            "the start's pixels of a class whose generated label is that class. Images in the model's range [-1, 1] (oil darker than sea).\n")


def plot(d: dict):
    "Kept share against SDEdit strength, one line per class."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5))
    strengths = [float(s) for s in d["drift"]]
    for c in d["classes"]:
        if all(c in v for v in d["drift"].values()):
            ax.plot(strengths, [v[c]["kept"] for v in d["drift"].values()], "o-", label=c)
    ax.set(xlabel="SDEdit strength (share of the sampler's steps run)", ylabel="start's label kept", ylim=(0, 1.02),
           title="what SDEdit keeps of a real label")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", default=GENERATOR)
    ap.add_argument("--strengths", type=float, nargs="+", default=[0.05, 0.3, 0.5, 0.7])
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    if not (ROOT / args.generator / "card.json").is_file():
        raise SystemExit(f"{args.generator}: no generator card there (a SAR-JointNet folder with card.json)")
    d = {**measure(args.generator, args.strengths, args.repeats), "machine": machine_record(),
         "command": "python -m bench.sdedit_drift " + " ".join(argv if argv is not None else sys.argv[1:])}
    save_json(d, args.out / "sdedit_drift.json")
    with atomic_path(args.out / "sdedit_drift.md") as tmp: tmp.write_text(markdown(d))
    save_figure(plot(d), args.out / "sdedit_drift.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
