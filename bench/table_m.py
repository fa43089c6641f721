"""The paper's Table M here: augmentation methods × students, mIoU and F1 over seeds, each row's gain over "none" (a benchmark, not a test).

    python -m bench.table_m [--sweep sweeps/table_m_cpu.yaml] [--runs runs/table_m] [--out bench/results]
                            [--workers 2] [--threads N] [--collect-only]

The CPU table (sweeps/table_m_cpu.yaml: SynthSAR, the few-label regime of bench.dakd_headroom, three seeds). One
generator per augmentation method serves every run, trained here first (resumably, in `<path>.run`) on the 16
labelled scenes alone with the few-label profile's budget (GENERATORS; the sar_jointnet one is the headroom study's,
copied from the package, which ships it; a COMPOSED_METHODS row has none: its pairs are composed from the real ones),
and measured once into its card (`quality`: 256 free-sampler pairs against 512 fresh SynthSAR scenes, seg_fd in the
features of one SAROSS-Net trained on the labelled scenes for every method, so the column compares methods; FID and
sFID with `--inception-path`).
Then one sweep per cell, a method and a student (`<runs>/<method>/<student>/seed=…`): the first method's cells train
each student's baseline, the "none" row, and every other method's run of the same student and seed reads that
baseline back (the fingerprints are the same), so every row's gain is against one baseline per student and seed.
Cells run `--workers` at a time, each papermill run on `--threads` threads (default 2 // workers); finished runs are
skipped, so an interrupted table resumes. A table written before for the same sweep (`<out>/table_m.json`: same file,
base and seeds) keeps its runs: the cells and seeds it holds are not run again and its rows join the new ones, so the
CPU table can finish over several sessions from its committed file (a run whose first-method baseline is not under
`--runs` trains that baseline again: the same fingerprint, the same student).

`--collect-only` reads any folder of finished main-job runs (e.g. a GPU run of sweeps/table_m.yaml made by
`python -m dakd_nb.sweeps`), grouping the runs by their results.json's generator, student and seed, each run's gain
against its own baseline. Writes `table_m.json` ({"cells": per method and student {"miou", "f1", "gain"} as mean ±
sd over seeds, "generation": per method seg_fd / FID / sFID / alignment from the cards, or else from the runs'
generation_quality.json, "runs", "sweep", "generators", "machine"}),
`table_m.md` (rows: methods, columns: students) and `table_m.png` (each cell's gain over "none").
"""
import argparse
import os
import statistics
import sys
import threading
from dataclasses import replace
from pathlib import Path

from bench.dakd_gain import _mean_sd, share_stages
from bench.dakd_headroom import GENERATOR, _run
from bench.data_efficiency import adopt_packaged, check_generator_card, train_generator
from dakd_nb.files import atomic_path, load_json, save_figure, save_json
from dakd_nb.machine import machine_record
from dakd_nb.pretrain import PRETRAINED_RECIPE
from dakd_nb.sweeps import Sweep, load_sweep

ROOT = Path(__file__).resolve().parents[1]
CPU_SWEEP = ROOT / "sweeps" / "table_m_cpu.yaml"
NONE = "none"  # the row of students trained on real pairs only
GENERATORS = {  # method -> its CPU generator folder (trained on the few-label profile's 16 labelled scenes)
    "sar_jointnet": GENERATOR, "ddpm": "runs/generators/synthsar-16-few-label-ddpm",
    "satsynth": "runs/generators/synthsar-16-few-label-satsynth", "semgan": "runs/generators/synthsar-16-few-label-semgan"}
COMPOSED_METHODS = {  # method -> the main-job parameters of a row whose pairs are composed from the real ones, no generator
    "copy_paste": {"generation": "copy_paste", "paste_onto": "sea", "paste_donors": 2}}  # the headroom study's paste rule
QUALITY = ("seg_fd", "fid", "sfid", "alignment_miou")  # generation_quality.json's figures a row reports
EVAL = dict(n_eval=PRETRAINED_RECIPE["eval"]["n_eval"], n_reference=PRETRAINED_RECIPE["eval"]["n_reference"], reference_seed=99,
            seg_steps=400)  # as the packaged generator's card measures (pretrain)


def methods(sweep: Sweep) -> list[str]:
    "The sweep's augmentation methods (its generator grid), in its order."
    if "generator" not in sweep.grid or "student" not in sweep.grid:
        raise SystemExit(f"{sweep.source}: a Table M sweep varies `generator` and `student` in its grid")
    return list(sweep.grid["generator"])


def cell_sweep(sweep: Sweep, method: str, student: str) -> Sweep:
    "One cell's runs (a method and a student, the sweep's other grid keys and seeds), its generator loaded from GENERATORS (or composed)."
    made = COMPOSED_METHODS.get(method) or {"generator": method, "jointnet_path": GENERATORS[method]}
    return Sweep(name=f"{sweep.name}_{method}_{student}", description=f"{sweep.description}: {method}, {student}", seeds=sweep.seeds,
                 base={**sweep.base, **made},
                 grid={**{k: v for k, v in sweep.grid.items() if k != "generator"}, "student": [student]})


def sweep_n_real(sweep: Sweep) -> int:
    "The number of labelled scenes every run of the sweep trains on (its profile's, or the base's n_real)."
    from dakd_nb.profiles import profile_part
    return sweep.base.get("n_real") or profile_part(sweep.base["profile"], "data")["n_real"]


def generator_methods(sweep: Sweep,
                      only: list[str] | None = None,  # these methods (None: every one with a generator)
                      ) -> list[str]:
    "The sweep's methods that have a generator (not COMPOSED_METHODS), in its order."
    return [m for m in methods(sweep) if m not in COMPOSED_METHODS and (only is None or m in only)]


def pending_generators(sweep: Sweep,
                       done: frozenset,  # (method, student, seed) finished before (committed_rows)
                       ) -> list[str]:
    "The methods with a generator and a cell still to run: only their generators are trained and measured."
    return [m for m in generator_methods(sweep) if any((m, s, seed) not in done for s in sweep.grid["student"] for seed in sweep.seeds)]


def train_generators(sweep: Sweep, threads: int,
                     only: list[str] | None = None,  # these methods (None: every generator method)
                     ) -> dict[str, dict]:
    "Each method's generator, trained on the profile's labelled scenes where missing; method -> its checked card."
    import torch
    n_real = sweep_n_real(sweep)
    cards = {}
    for m in generator_methods(sweep, only):
        folder, recipe = ROOT / GENERATORS[m], {"variant": m}
        if not (folder / "card.json").is_file() and not adopt_packaged(folder, n_real, sweep.base["profile"], recipe):
            print(f"generator {m}: training on the {n_real} labelled scenes into {GENERATORS[m]}", file=sys.stderr)
            torch.set_num_threads(threads)
            train_generator(folder, n_real, sweep.base, recipe, "python -m bench.table_m")
        cards[m] = check_generator_card(folder, n_real, recipe)
    return cards


def measure_generators(sweep: Sweep, inception_path: str | None = None,
                       only: list[str] | None = None,  # these methods (None: every generator method)
                       ) -> dict[str, dict]:
    "Each method's generator card measured (measure_cards); method -> quality."
    ms = generator_methods(sweep, only)
    return dict(zip(ms, measure_cards([ROOT / GENERATORS[m] for m in ms], sweep, inception_path)))


def measure_cards(folders: list[Path],             # generator folders trained on the sweep's labelled scenes
                  sweep: Sweep,                    # its profile sets the size and the sampler's steps
                  inception_path: str | None = None,
                  ) -> list[dict]:                 # each folder's card["quality"]
    "Free-sampler pairs against the same fresh SynthSAR scenes in the same real-trained segmenter (seg_fd comparable across folders), written into each card as `quality` once."
    import torch
    from dakd_nb.core import stack_items
    from dakd_nb.data import build_splits
    from dakd_nb.pretrain import InMemory, _alignment_segmenter
    from dakd_nb.profiles import profile_part
    from dakd_nb.quality import generation_quality
    from dakd_nb.semgan import SemGANPipeline, load_generator
    from dakd_nb.synthsar import SynthSAR
    size, steps = profile_part(sweep.base["profile"], "data")["size"], profile_part(sweep.base["profile"], "generator")["sample_steps"]
    train, reference, seg = None, None, None
    out = []
    for folder in folders:
        card = load_json(folder / "card.json")
        if "quality" not in card:
            if seg is None:  # one segmenter and one reference for every method
                train = InMemory(build_splits("synthsar", n_real=sweep_n_real(sweep), size=size)["train"])
                reference = stack_items(SynthSAR(EVAL["n_reference"], size, seed=EVAL["reference_seed"]))
                seg = _alignment_segmenter(train, "cpu", EVAL["seg_steps"])
            pipe, g = load_generator(folder), torch.Generator().manual_seed(0)
            pairs = (pipe(EVAL["n_eval"], generator=g, batch_size=64) if isinstance(pipe, SemGANPipeline)
                     else pipe(EVAL["n_eval"], "dpm", steps, g, batch_size=64))
            q = generation_quality(pairs, reference, train.classes, segmenter=seg, inception_path=inception_path)
            card = {**card, "quality": {k: v for k, v in q.items() if k != "spectrum"},
                    "quality_eval": {**EVAL, "sampler": "free" if isinstance(pipe, SemGANPipeline) else f"dpm, {steps} steps"}}
            save_json(card, folder / "card.json")
        out.append(card["quality"])
    return out


def committed_table(table: Path, sweep: Sweep, sweep_file: str) -> dict:
    """A written table_m.json for this sweep (same file, base and seeds), or {}: its runs, finished in an earlier session,
    are not run again, and its generation figures and generator records stand for generators not on this machine."""
    if not table.is_file(): return {}
    old = load_json(table)
    return old if old.get("sweep") == {"file": sweep_file, "base": sweep.base, "seeds": sweep.seeds} else {}


def committed_rows(table: Path, sweep: Sweep, sweep_file: str) -> list[dict]:
    "The runs a written table_m.json holds for this sweep (committed_table)."
    return committed_table(table, sweep, sweep_file).get("runs", [])


def merge_rows(fresh: list[dict], kept: list[dict]) -> list[dict]:
    "Finished runs: those under --runs, then the kept ones of cells and seeds they do not hold."
    have = {(r["method"], r["student"], r["seed"]) for r in fresh}
    return fresh + [r for r in kept if (r["method"], r["student"], r["seed"]) not in have]


def run_table(sweep: Sweep, runs: Path, workers: int, threads: int,
              done: frozenset = frozenset(),  # (method, student, seed) finished before (committed_rows): skipped
              ) -> bool:
    "Every cell into `runs/<method>/<student>`, `workers` at a time: the first method's (which train the baselines), then the others."
    first, *rest = methods(sweep)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    ok = []
    def pool(cells: list[tuple[str, str]]) -> None:
        def work():
            while cells:
                m, s = cells.pop(0)
                todo = [seed for seed in sweep.seeds if (m, s, seed) not in done]
                if not todo: continue
                cell = replace(cell_sweep(sweep, m, s), seeds=todo)
                if m != first:  # a baseline the first method's run did not train here is trained again by the cell's run
                    share_stages(runs / first / s, runs / m / s, list(cell.configs()), ("student_baseline",))
                try: ok.append(_run(cell, runs / m / s, 1))  # one seed at a time: the pool runs `workers` cells at once
                except Exception as e:  # a cell that fails to start fails the table, naming it (the others go on)
                    print(f"{m}/{s}: {type(e).__name__}: {e}", file=sys.stderr)
                    ok.append(False)
        threads_ = [threading.Thread(target=work) for _ in range(workers)]
        for t in threads_: t.start()
        for t in threads_: t.join()
    students = list(sweep.grid["student"])
    pool([(first, s) for s in students])
    if all(ok): pool([(m, s) for m in rest for s in students])
    return all(ok)


def collect(runs: Path) -> list[dict]:
    "One record per finished run under `runs`: method, student, seed, baseline and augmented test mIoU / F1, generation figures."
    rows = []
    for res_file in sorted(runs.rglob("results.json")):
        res = load_json(res_file)
        if res.get("status") != "ok" or "dakd" not in res.get("test", {}): continue
        p, quality = res["params"], res_file.parent / "generation_quality.json"
        q = load_json(quality) if quality.is_file() else {}
        method = p["generation"] if p.get("generation") in COMPOSED_METHODS else p["generator"]
        rows.append({"run": str(res_file.parent.relative_to(runs)), "method": method, "student": p["student"], "seed": p["seed"],
                     "jointnet_path": p.get("jointnet_path") or None,
                     **{s: {"miou": res["test"][s]["miou"], "f1": res["test"][s]["f1_macro"]} for s in ("baseline", "dakd")},
                     "generation": {k: q.get(k) for k in QUALITY}})
    return rows


def summarize(rows: list[dict], order: list[str], students: list[str]) -> dict:
    "Per row (none, then each method) and student: mIoU and F1 mean ± sd over seeds, and the gain over the same run's baseline."
    cells = {NONE: {}, **{m: {} for m in order}}
    for s in students:
        by_seed = {}  # the baselines of each seed: one shared, or each run's own (a GPU sweep), averaged
        for r in rows:
            if r["student"] == s: by_seed.setdefault(r["seed"], []).append(r["baseline"])
        if by_seed: cells[NONE][s] = {k: _mean_sd([100 * statistics.fmean(b[k] for b in bs) for bs in by_seed.values()])
                                      for k in ("miou", "f1")}
        for m in order:
            at = [r for r in rows if r["student"] == s and r["method"] == m]
            if not at: continue
            cells[m][s] = {**{k: _mean_sd([100 * r["dakd"][k] for r in at]) for k in ("miou", "f1")},
                           "gain": _mean_sd([100 * (r["dakd"]["miou"] - r["baseline"]["miou"]) for r in at]),
                           "positive_seeds": sum(r["dakd"]["miou"] > r["baseline"]["miou"] for r in at)}
    return cells


def generation_figures(rows: list[dict], order: list[str], students: list[str]) -> dict:
    "Per method: each generation figure as mean ± sd over the runs of the first student that measured it (seg_fd depends on the segmenter)."
    out = {}
    for m in order:
        out[m] = {}
        for k in QUALITY:
            for s in students:
                v = [r["generation"][k] for r in rows if r["method"] == m and r["student"] == s and r["generation"].get(k) is not None]
                if v:
                    out[m][k] = {**_mean_sd(v), "source": f"the runs' real-trained {s} baseline"}
                    break
    return out


def card_figures(cards: dict[str, dict]) -> dict:
    "Per method: the generation figures its card measured (measure_generators), in generation_figures' shape."
    source = "a SAROSS-Net trained on the labelled scenes (the generator cards')"
    return {m: {k: {"mean": c["quality"][k], "sd": 0.0, "n": 1, "source": source} for k in QUALITY if c["quality"].get(k) is not None}
            for m, c in cards.items()}


def _pm(d: dict | None, digits: int = 1, sign: bool = False) -> str:
    return "–" if d is None else f"{d['mean']:{'+' if sign else ''}.{digits}f} ± {d['sd']:.{digits}f}"


def _cell(d: dict | None) -> str:
    "One student's cell of a row: mIoU / F1, then the gain over none with its positive seeds (none's own row: no gain)."
    if d is None: return "– | –"
    gain = f"{_pm(d['gain'], sign=True)} ({d['positive_seeds']}/{d['gain']['n']})" if "gain" in d else ""
    return f"{_pm(d['miou'])} / {_pm(d['f1'])} | {gain}"


def markdown(cells: dict, generation: dict, students: list[str], seeds: list[int]) -> str:
    "Rows: none, then each method; per student mIoU / F1 and the gain over none; the method's generation figures."
    lines = ["| method | seg_fd ↓ | FID ↓ | sFID ↓ | " + " | ".join(f"{s} mIoU / F1 | {s} gain" for s in students) + " |",
             "|" + "---|" * (4 + 2 * len(students))]
    for m, row in cells.items():
        figures = " | ".join(_pm(generation.get(m, {}).get(k), 2) for k in ("seg_fd", "fid", "sfid"))
        lines.append(f"| {m} | {figures} | " + " | ".join(_cell(row.get(s)) for s in students) + " |")
    seg = {g["seg_fd"]["source"] for g in generation.values() if "seg_fd" in g}
    return ("\n".join(lines) + f"\n\nmIoU and F1 (macro) in %, mean ± sd over seeds {', '.join(map(str, seeds))}; gain: mIoU points "
            "over the same seed's student trained on real pairs only (none), with the seeds where it is positive. seg_fd: the "
            f"Fréchet distance of generated and real images in the features of {', '.join(sorted(seg)) or '–'} "
            "(not FID; comparable within this column only). FID / sFID need local Inception weights (`inception_path`).")


def plot(cells: dict, students: list[str]):
    "Each method's gain over none per student (bars: mean, error bars: sd over seeds)."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    order = [m for m in cells if m != NONE]
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(students), 3.4))
    width = 0.8 / max(1, len(order))
    for i, m in enumerate(order):
        xs = [j + (i - (len(order) - 1) / 2) * width for j in range(len(students))]
        g = [cells[m].get(s, {}).get("gain") for s in students]
        ax.bar(xs, [x["mean"] if x else 0 for x in g], width, yerr=[x["sd"] if x else 0 for x in g], label=m, capsize=2)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(students)), students)
    ax.set(ylabel="mIoU − none (points)", title="Table M: each augmentation method's gain per student")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default=str(CPU_SWEEP), help="a Table M sweep (grid: student and generator)")
    ap.add_argument("--runs", default=str(ROOT / "runs" / "table_m"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--seeds", nargs="+", type=int, default=None, help="replace the sweep's seeds")
    ap.add_argument("--workers", type=int, default=2, choices=(1, 2), help="cells run at a time")
    ap.add_argument("--threads", type=int, default=None, help="torch threads per run (default 2 // workers)")
    ap.add_argument("--inception-path", default=None, help="a local inception-2015-12-05.pt: FID and sFID in the cards too")
    ap.add_argument("--measure-cards", nargs="+", default=None, metavar="FOLDER",
                    help="only measure these generator folders (trained on the sweep's labelled scenes) into their cards, as the table's")
    ap.add_argument("--collect-only", action="store_true", help="train and run nothing: collect the finished runs under --runs")
    args = ap.parse_args(argv)
    sweep, runs, out = load_sweep(args.sweep), Path(args.runs), Path(args.out)
    if args.seeds: sweep = sweep.override(seeds=args.seeds)
    order, students, threads = methods(sweep), list(sweep.grid["student"]), args.threads or 2 // args.workers
    if args.measure_cards:
        for folder, q in zip(args.measure_cards, measure_cards([Path(f) for f in args.measure_cards], sweep, args.inception_path)):
            print(f"{folder}: seg_fd {q['seg_fd']:.2f}, alignment {q['alignment_miou']['generated']:.3f} (real {q['alignment_miou']['real']:.3f})")
        return 0
    sweep_file = os.path.relpath(args.sweep, ROOT)
    committed = committed_table(out / "table_m.json", sweep, sweep_file)
    kept = committed.get("runs", [])
    if not args.collect_only:
        done = frozenset((r["method"], r["student"], r["seed"]) for r in kept)
        pending = pending_generators(sweep, done)
        train_generators(sweep, threads, pending)
        measure_generators(sweep, args.inception_path, pending)
        if not run_table(sweep, runs, args.workers, threads, done): return 1
    rows = [r for r in merge_rows(collect(runs), kept) if r["seed"] in sweep.seeds and r["student"] in students and r["method"] in order]
    if not rows: raise SystemExit(f"{runs}: no finished run of {sweep.source}'s grid")
    used = {(r["method"], r["jointnet_path"]) for r in rows if r["jointnet_path"]}  # the generators the runs loaded
    cards = {m: load_json(ROOT / path / "card.json") for m, path in sorted(used) if (ROOT / path / "card.json").is_file()}
    generated = generator_methods(sweep)  # composed rows have no generator to measure
    cells = summarize(rows, order, students)
    if all(m in cards and "quality" in cards[m] for m in generated):  # the CPU table: one segmenter for every generator
        generation = card_figures({m: cards[m] for m in generated})
    elif all(m in committed.get("generation", {}) for m in generated):  # their cards not here: as the committed table measured them
        generation, cards = {m: committed["generation"][m] for m in generated}, {**committed.get("generators", {}), **cards}
    else: generation = generation_figures(rows, generated, students)
    save_json({"sweep": {"file": sweep_file, "base": sweep.base, "seeds": sweep.seeds},
               "command": "python -m bench.table_m " + " ".join(sys.argv[1:] if argv is None else argv),
               "students": students, "methods": order, "cells": cells, "generation": generation, "runs": rows,
               "generators": {m: {k: c.get(k) for k in ("steps", "train_s", "config", "commit", "quality_eval")} for m, c in sorted(cards.items())},
               "machine": machine_record()}, out / "table_m.json")
    text = markdown(cells, generation, students, sweep.seeds)
    with atomic_path(out / "table_m.md") as tmp: tmp.write_text(text)
    save_figure(plot(cells, students), out / "table_m.png", dpi=110)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
