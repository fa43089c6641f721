"""DAKD in the few-label regime: the paper's recipe, student-side and generation arms, and the ceiling (a benchmark, not a test).

    python -m bench.dakd_headroom [--seeds 0 1 2 3 4] [--arms real_share freemask ...] [--runs runs/headroom]
                                  [--out bench/results] [--workers 2] [--collect-only] [--baselines-from ARM]

The `few-label` profile: 16 labelled SynthSAR scenes, students trained 128 epochs at equal optimiser steps and
validations (not yet to convergence: the ‡ arms with `epochs 256` measure the longer schedule). One generator serves every run (the training scenes are fixed; a seed changes only the training's
randomness): `runs/generators/synthsar-16-few-label`, trained here first (resumably) on those 16 scenes alone with
the profile's generator recipe, or copied from the package where it ships one of that name whose card is this
generator's (`dakd_nb/pretrained/`: a clean checkout starts with the study's own generators, no hour of training) (and, for
the `image_pretrained` arms, one whose image branch was first trained alone on 512 unlabelled SynthSAR scenes, with
the profile's recipe or on log-normal noise levels: the only arms that use images the baseline does not). Then
1. the main sweep (`main/`): per seed the baseline, the paper's DAKD student (free sampler, soft labels, uniform
   batches over D ∪ D^a) and the ceiling (the same recipe on fresh real scenes in the generated pairs' place);
2. every arm (ARMS; `<arm>/`): the same run with one recipe change, its DAKD student only. Each arm's run first gets
   the main run's finished baseline stage (and its augmentation set, where the arm generates the same pairs), which
   the main job reads back because the fingerprints are the same. An arm that changes the students' optimiser steps
   (more pairs per real scene, more epochs; ‡) trains its own baseline, and its own ceiling where it asks for one.
Arms run one after another, each `--workers` seeds at a time, each papermill run on `OMP_NUM_THREADS = 2 // workers`
threads (`--threads` sets it for every run and generator, e.g. 1 beside other work). Finished runs are
skipped, so an interrupted study resumes. Settings are chosen on the validation split (`val_gain`, the mean gain in
best validation mIoU), never on test: `choice` names the arm that wins there. To check it on seeds the study never
used, run the same command with other seeds into another folder:

    python -m bench.dakd_headroom --seeds 21 22 23 --runs runs/headroom_heldout --out bench/results/heldout

A study written before for the same seeds (`<out>/dakd_headroom.json`) is kept: its main runs and every arm it
measured with today's parameters are not run again, so `--arms NEW` runs only the new arm's runs (each trains its
baseline again where `--runs` lacks the main runs: the same fingerprint, so the same student, which `collect` checks)
and the table grows from the committed file across sessions. `--baselines-from ARM` lets the new arms read back that
arm's finished baselines in `--runs` instead (one baseline training per seed on a processor without the main runs);
each † baseline's record (when and at which commit it was trained) goes into the JSON, so shared ones show.

Writes `dakd_headroom.json` ({"runs": per seed {student: {"miou", "iou", "val_miou"}}, "summary": per arm gain,
share of the ceiling's gain, seeds positive, oil-spill IoU gain, val gain, and for the arms that share the control's
baselines (CONTROL: the chosen options on duplicated real pairs; control_of picks the one made as the arm's pairs are:
CONTROL_VAL on the validation reference, CONTROLS_COMPOSED for pairs composed with no generator) the gain over it, "over_control"; "choice", "arms" (each arm's parameters,
what it is, and "command": the command that ran its runs, kept from the committed study for the arms this one did
not run; null for arms measured before 2026-12-07, when it was first recorded), "generators", "machine",
"profile_settings" (a study made under other few-label sizes is not kept), "command" (the last one that ran runs; a
`--collect-only` keeps the committed one and adds itself as "collected")}),
`dakd_headroom.md` (the table) and `dakd_headroom.png` (each arm's gain over the baseline, a dot per seed, beside the ceiling's).
"""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from bench.dakd_gain import share_stages
from bench.data_efficiency import adopt_packaged, check_generator_card, train_generator
from dakd_nb.files import atomic_path, load_json, save_figure, save_json
from dakd_nb.machine import machine_record
from dakd_nb.main_params import COMPOSED
from dakd_nb.profiles import PROFILES
from dakd_nb.sweeps import Sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nbs" / "03_train_saross.ipynb"
PROFILE = "few-label"
GENERATOR = "runs/generators/synthsar-16-few-label"
GENERATOR_RECIPE = {}  # the profile's generator recipe as it is (profiles.PROFILES["few-label"]["generator"])
UNLABELLED = dict(n=512, seed=5)  # SynthSAR scenes no split or the ceiling uses (seeds 1-4), their labels thrown away
GENERATOR_IMAGE = "runs/generators/synthsar-16-few-label-image-pretrained"  # its image branch first trained on UNLABELLED
GENERATOR_IMAGE_LOGNORMAL = "runs/generators/synthsar-16-few-label-image-pretrained-lognormal"  # the same, on log-normal noise levels
PRETRAINED_IMAGE = (GENERATOR_IMAGE, GENERATOR_IMAGE_LOGNORMAL)  # the generators whose image branch first trains on UNLABELLED
GENERATOR_LOGNORMAL = "runs/generators/synthsar-16-few-label-lognormal"  # EDM's log-normal noise levels (the first screen of bench.generator_recipe chose it)
GENERATOR_LOGNORMAL_WARM = "runs/generators/synthsar-16-few-label-lognormal-warm"  # the log-normal one trained the profile's steps again
CONTINUES = {GENERATOR_LOGNORMAL_WARM: GENERATOR_LOGNORMAL}  # generator -> the generator its training starts from (fresh optimiser)
RECIPES = {GENERATOR: GENERATOR_RECIPE, GENERATOR_IMAGE: GENERATOR_RECIPE, GENERATOR_LOGNORMAL: {"timesteps": "lognormal"},
           GENERATOR_IMAGE_LOGNORMAL: {"timesteps": "lognormal"},
           GENERATOR_LOGNORMAL_WARM: {"timesteps": "lognormal"}}  # path -> recipe
LOGNORMAL_SDEDIT = {"jointnet_path": GENERATOR_LOGNORMAL, "generation": "sdedit", "real_share": 0.5, "filter_generated": "freemask"}  # the chosen recipe
COMPOSED_VAL = {"jointnet_path": "", "real_share": 0.5, "filter_generated": "freemask", "filter_reference": "val"}  # pairs composed from real ones: no generator
ARMS = {  # arm -> (main-job parameters it changes, what it is, whether it generates the main runs' pairs, uses unlabelled images)
    "real_share": ({"real_share": 0.5}, "half of every batch real (FreeMask's 1:1)", True, False),
    "freemask": ({"filter_generated": "freemask"}, "FreeMask: generated pixels the baseline finds hard are ignored", True, False),
    "sdedit": ({"generation": "sdedit"}, "generated from real pairs noised half way (SDEdit)", False, False),
    "sdedit_real_share_freemask": ({"generation": "sdedit", "real_share": 0.5, "filter_generated": "freemask"},
                                   "SDEdit pairs, half of every batch real, FreeMask", False, False),
    "bn_real_stats": ({"bn_real_stats": True}, "BatchNorm statistics re-estimated on real pairs", True, False),
    "generated_then_real": ({"generated_then_real": 0.5}, "generated pairs for the first half of the steps, then real ones", True, False),
    "kd_weight_half": ({"kd_weight": 0.5}, "KD weight 0.5", True, False),
    "real_share_freemask": ({"real_share": 0.5, "filter_generated": "freemask"}, "half of every batch real, FreeMask", True, False),
    "real_share_3q": ({"real_share": 0.75}, "three quarters of every batch real", True, False),
    "real_share_kd_half": ({"real_share": 0.5, "kd_weight": 0.5}, "half of every batch real, KD weight 0.5", True, False),
    "real_share_3q_freemask": ({"real_share": 0.75, "filter_generated": "freemask"}, "three quarters of every batch real, FreeMask",
                               True, False),
    "lognormal": ({"jointnet_path": GENERATOR_LOGNORMAL}, "the paper's DAKD with a generator trained on log-normal noise levels",
                  False, False),
    "lognormal_real_share_freemask": ({"jointnet_path": GENERATOR_LOGNORMAL, "real_share": 0.5, "filter_generated": "freemask"},
                                      "the log-normal generator's pairs, half of every batch real, FreeMask", False, False),
    "lognormal_real_share_freemask_rerun": ({"jointnet_path": GENERATOR_LOGNORMAL, "real_share": 0.5, "filter_generated": "freemask"},
                                            "lognormal_real_share_freemask run again, on the processor of the † arms, to compare "
                                            "them on one", False, False),
    "lognormal_sdedit_real_share_freemask": (LOGNORMAL_SDEDIT,
                                             "the log-normal generator's SDEdit pairs, half of every batch real, FreeMask", False, False),
    "lognormal_sdedit_real_share_freemask_fragments": ({**LOGNORMAL_SDEDIT, "clean_fragments": 6},
                                                       "as lognormal_sdedit_real_share_freemask, label fragments under 6 px cleaned first "
                                                       "(ships spared)", False, False),
    "lognormal_sdedit03_real_share_freemask": ({**LOGNORMAL_SDEDIT, "sdedit_strength": 0.3},
                                               "as lognormal_sdedit_real_share_freemask, real pairs noised 0.3 of the way, not half",
                                               False, False),
    "lognormal_sdedit07_real_share_freemask": ({**LOGNORMAL_SDEDIT, "sdedit_strength": 0.7},
                                               "as lognormal_sdedit_real_share_freemask, real pairs noised 0.7 of the way, not half",
                                               False, False),
    "lognormal_sdedit_real_share_freemask_t2": ({**LOGNORMAL_SDEDIT, "temperature": 2.0},
                                                "as lognormal_sdedit_real_share_freemask, KD temperature 2", False, False),
    "lognormal_sdedit_real_share_freemask_t05": ({**LOGNORMAL_SDEDIT, "temperature": 0.5},
                                                 "as lognormal_sdedit_real_share_freemask, KD temperature 0.5 (sharper targets)", False, False),
    "lognormal_sdedit_real_share_freemask_hard": ({**LOGNORMAL_SDEDIT, "generated_labels": "hard"},
                                                  "as lognormal_sdedit_real_share_freemask, hard generated labels (argmax) instead of soft",
                                                  False, False),
    "lognormal_sdedit_real_share_freemask_speckle": ({**LOGNORMAL_SDEDIT, "speckle_enl": 4.4},
                                                     "as lognormal_sdedit_real_share_freemask, each generated image's speckle "
                                                     "completed to Sentinel-1's ENL 4.4 (the generator's is too smooth)", False, False),
    "lognormal_sdedit_real_share": ({**LOGNORMAL_SDEDIT, "filter_generated": "none"},
                                    "as lognormal_sdedit_real_share_freemask without FreeMask: every generated pixel kept (FreeMask "
                                    "also drops the hard pixels of fresh real pairs, capping the recipe's own ceiling)", False, False),
    "lognormal_sdedit_real_share_freemask_r08": ({**LOGNORMAL_SDEDIT, "filter_ratio": 0.8},
                                                 "as lognormal_sdedit_real_share_freemask, FreeMask stricter: a generated pixel kept "
                                                 "only up to 0.8x (not 1.25x) its class's mean loss on real pairs", False, False),
    "lognormal_sdedit_real_share_freemask_r2": ({**LOGNORMAL_SDEDIT, "filter_ratio": 2.0},
                                                "as lognormal_sdedit_real_share_freemask, FreeMask looser: a generated pixel kept up "
                                                "to 2x (not 1.25x) its class's mean loss on real pairs", False, False),
    "lognormal_sdedit_half_free_real_share_freemask": ({**LOGNORMAL_SDEDIT, "sdedit_share": 0.5},
                                                       "as lognormal_sdedit_real_share_freemask, half of the generated pairs drawn "
                                                       "freely (new layouts) and half from SDEdit starts (the 16 scenes' layouts)",
                                                       False, False),
    "lognormal_sdedit_copy_paste_real_share_freemask": ({**LOGNORMAL_SDEDIT, "copy_paste": True},
                                                        "as lognormal_sdedit_real_share_freemask, each start with another's objects "
                                                        "(oil, look-alike, ship) pasted over it first: new layouts from real parts",
                                                        False, False),
    "lognormal_copy_paste_real_share_freemask": ({**LOGNORMAL_SDEDIT, "copy_paste": True, "sdedit_strength": 0.05},
                                                 "the copy-paste starts themselves (SDEdit at 0.05: one sampler step from little "
                                                 "noise, the generator all but unused), half of every batch real, FreeMask: what "
                                                 "copy-paste gives without the generator", False, False),
    "lognormal_turned_real_share_freemask": ({**LOGNORMAL_SDEDIT, "sdedit_strength": 0.05},
                                             "the turned real starts themselves (SDEdit at 0.05: one sampler step from little "
                                             "noise), half of every batch real, FreeMask: what the recipe gives without new "
                                             "images or layouts", False, False),
    "lognormal_image_pretrained_sdedit_real_share_freemask": ({**LOGNORMAL_SDEDIT, "jointnet_path": GENERATOR_IMAGE_LOGNORMAL},
                                                              "as lognormal_sdedit_real_share_freemask, its log-normal generator's image "
                                                              f"branch first trained on {UNLABELLED['n']} unlabelled scenes", False, True),
    "lognormal_warm_sdedit_real_share_freemask": ({**LOGNORMAL_SDEDIT, "jointnet_path": GENERATOR_LOGNORMAL_WARM},
                                                  "as lognormal_sdedit_real_share_freemask, its generator trained the profile's steps "
                                                  "twice (continued from the packaged one)", False, False),
    "lognormal_sdedit_real_share_freemask_x2": ({**LOGNORMAL_SDEDIT, "generated_per_real": 8},
                                                "as lognormal_sdedit_real_share_freemask, 8 SDEdit pairs per real scene, not 4 "
                                                "(its baseline trains as many steps)", False, False),
    "lognormal_sdedit_real_share_freemask_e256": ({**LOGNORMAL_SDEDIT, "epochs": 256, "ceiling": True},
                                                  "as lognormal_sdedit_real_share_freemask, every student trained 256 epochs, not 128 "
                                                  "(its own baseline and ceiling at those steps)", False, False),
    "e256": ({"epochs": 256, "ceiling": True}, "the paper's recipe with every student trained 256 epochs, not 128: the regime's "
             "headroom at twice the steps (its own baseline and ceiling)", True, False),
    "lognormal_e256": ({"jointnet_path": GENERATOR_LOGNORMAL, "epochs": 256}, "as lognormal (the paper's recipe, the log-normal "
                       "generator), every student trained 256 epochs", False, False),
    "lognormal_sdedit_freemask_e256": ({"jointnet_path": GENERATOR_LOGNORMAL, "generation": "sdedit", "filter_generated": "freemask",
                                        "epochs": 256}, "the log-normal generator's SDEdit pairs, FreeMask, uniform batches (no real "
                                        "share: the recipe's own ceiling is not held down), every student trained 256 epochs", False, False),
    "lognormal_layout_real_share_freemask": ({**LOGNORMAL_SDEDIT, "generation": "layout"},
                                             "as lognormal_sdedit_real_share_freemask, each pair drawn from noise for a training "
                                             "scene's label map held in every step (layout-guided: real labels, new images)", False, False),
    "lognormal_sdedit_real_share_freemask_rerun": (LOGNORMAL_SDEDIT, "lognormal_sdedit_real_share_freemask run again, parameter "
                                                   "for parameter, on the processor of the sdedit_layout arms, to compare them on one",
                                                   False, False),
    "lognormal_sdedit_real_share_freemask_own_ceiling": ({**LOGNORMAL_SDEDIT, "ceiling": True},
                                                         "lognormal_sdedit_real_share_freemask run again with its own ceiling: the "
                                                         "same options (half of every batch real, FreeMask) on fresh real scenes in "
                                                         "the SDEdit pairs' place, the most these options can take from new pairs",
                                                         False, False),
    "lognormal_sdedit_real_share_freemask_val": ({**LOGNORMAL_SDEDIT, "filter_reference": "val", "ceiling": True},
                                                 "as lognormal_sdedit_real_share_freemask, FreeMask's reference each class's mean loss "
                                                 "on the validation split, not on the training pairs the baseline fitted (there every "
                                                 "pixel it has not memorised looks hard); its own ceiling too", False, False),
    "lognormal_sdedit_freemask_val": ({"jointnet_path": GENERATOR_LOGNORMAL, "generation": "sdedit", "filter_generated": "freemask",
                                       "filter_reference": "val", "ceiling": True},
                                      "as lognormal_sdedit_real_share_freemask_val with uniform batches (no real share, which also "
                                      "holds down what fresh scenes could give); its own ceiling too", False, False),
    "lognormal_sdedit_real_share_own_ceiling": ({**LOGNORMAL_SDEDIT, "filter_generated": "none", "ceiling": True},
                                                "lognormal_sdedit_real_share run again with its own ceiling: half of every batch real, "
                                                "no FreeMask, on fresh real scenes (which of the two options holds the ceiling down)",
                                                False, False),
    "lognormal_sdedit_layout_real_share_freemask_val": ({**LOGNORMAL_SDEDIT, "generation": "sdedit_layout", "filter_reference": "val"},
                                                        "as lognormal_sdedit_layout_real_share_freemask (labels held to the real maps), "
                                                        "FreeMask on the validation reference", False, False),
    "lognormal_copy_paste_real_share_freemask_val": ({**LOGNORMAL_SDEDIT, "copy_paste": True, "sdedit_strength": 0.05, "filter_reference": "val"},
                                                     "as lognormal_copy_paste_real_share_freemask (the copy-paste starts themselves, "
                                                     "the generator all but unused), FreeMask on the validation reference", False, False),
    "lognormal_copy_paste_real_share": ({**LOGNORMAL_SDEDIT, "copy_paste": True, "sdedit_strength": 0.05, "filter_generated": "none"},
                                        "as lognormal_copy_paste_real_share_freemask_val without FreeMask: every pixel of the "
                                        "copy-paste pairs kept (they are real pixels, wrong only where pasted edges cut objects)",
                                        False, False),
    "copy_paste_real_share_freemask_val": ({**COMPOSED_VAL, "generation": "copy_paste"},
                                           "lognormal_copy_paste_real_share_freemask_val made exact: the copy-paste pairs "
                                           "composed with no generator at all (no sampler step, one-hot labels), half of every "
                                           "batch real, FreeMask on the validation reference", False, False),
    "copy_paste_freemask_val": ({**COMPOSED_VAL, "generation": "copy_paste", "real_share": None},
                                "as copy_paste_real_share_freemask_val with uniform batches over real and composed pairs (no real "
                                "share: the composed pairs are real pixels)", False, False),
    "copy_paste_real_share_freemask_val_r2": ({**COMPOSED_VAL, "generation": "copy_paste", "filter_ratio": 2.0},
                                              "the copy-paste pairs composed with no generator (no sampler step, one-hot labels), "
                                              "half of every batch real, FreeMask on the validation reference keeping a pixel up to "
                                              "2x (not 1.25x) its class's mean loss there", False, False),
    "copy_paste_real_share_freemask_val_r2_rerun": ({**COMPOSED_VAL, "generation": "copy_paste", "filter_ratio": 2.0},
                                                    "copy_paste_real_share_freemask_val_r2 run again, parameter for parameter, on the "
                                                    "processor of the paste-rule arms, to compare them on one", False, False),
    "copy_paste_sea_real_share_freemask_val_r2": ({**COMPOSED_VAL, "generation": "copy_paste", "filter_ratio": 2.0, "paste_onto": "sea"},
                                                  "as copy_paste_real_share_freemask_val_r2, objects pasted over sea only (a pasted "
                                                  "slick never covers a ship or cuts into land)", False, False),
    "copy_paste_sea2_real_share_freemask_val_r2": ({**COMPOSED_VAL, "generation": "copy_paste", "filter_ratio": 2.0, "paste_onto": "sea",
                                                    "paste_donors": 2},
                                                   "the copy-paste pairs composed with no generator, the objects of two other pairs "
                                                   "pasted over each scene's sea (ships and land kept), half of every batch real, "
                                                   "FreeMask on the validation reference keeping a pixel up to 2x its class's mean loss "
                                                   "there", False, False),
    "copy_paste_sea3_real_share_freemask_val_r2": ({**COMPOSED_VAL, "generation": "copy_paste", "filter_ratio": 2.0, "paste_onto": "sea",
                                                    "paste_donors": 3},
                                                   "as copy_paste_sea2_real_share_freemask_val_r2 with three donors: how far more pasted "
                                                   "objects per scene go", False, False),
    "turned_real_share_freemask_val_rerun": ({**COMPOSED_VAL, "generation": "turned"},
                                             "turned_real_share_freemask_val run again, parameter for parameter, on the processor of the "
                                             "paste-rule arms: their control there", False, False),
    "turned_real_share_freemask_val": ({**COMPOSED_VAL, "generation": "turned"},
                                       "the control made exact: the turned real pairs themselves, composed with no generator, "
                                       "half of every batch real, FreeMask on the validation reference", False, False),
    "turned_freemask_val": ({**COMPOSED_VAL, "generation": "turned", "real_share": None},
                            "the control of copy_paste_freemask_val: the turned real pairs themselves, composed with no "
                            "generator, uniform batches, FreeMask on the validation reference", False, False),
    "lognormal_sdedit_copy_paste_real_share_freemask_val": ({**LOGNORMAL_SDEDIT, "copy_paste": True, "filter_reference": "val"},
                                                            "as lognormal_sdedit_copy_paste_real_share_freemask (SDEdit from copy-paste "
                                                            "starts), FreeMask on the validation reference", False, False),
    "lognormal_sdedit03_copy_paste_real_share_freemask_val": ({**LOGNORMAL_SDEDIT, "copy_paste": True, "sdedit_strength": 0.3,
                                                               "filter_reference": "val"},
                                                              "as lognormal_sdedit_copy_paste_real_share_freemask_val, the starts noised "
                                                              "0.3 of the way (more of their labels kept)", False, False),
    "lognormal_turned_real_share_freemask_val": ({**LOGNORMAL_SDEDIT, "sdedit_strength": 0.05, "filter_reference": "val"},
                                                 "the control on the validation reference: the turned real starts themselves (SDEdit "
                                                 "at 0.05), half of every batch real, FreeMask on the validation reference", False, False),
    "lognormal_sdedit_layout_real_share_freemask": ({**LOGNORMAL_SDEDIT, "generation": "sdedit_layout"},
                                                    "as lognormal_sdedit_real_share_freemask, each pair's label held to its real map "
                                                    "in every step, the image steered to it (real labels, images redrawn from real "
                                                    "ones)", False, False),
    "lognormal_sdedit_layout": ({"jointnet_path": GENERATOR_LOGNORMAL, "generation": "sdedit_layout"},
                                "the log-normal generator's SDEdit pairs with their labels held to the real maps, uniform batches, no "
                                "FreeMask (right labels: nothing to hold back)", False, False),
    "image_pretrained": ({"jointnet_path": GENERATOR_IMAGE}, f"the generator's image branch first trained on {UNLABELLED['n']} "
                         "unlabelled scenes", False, True),
}
PAPER, CEILING = "dakd", "ceiling"
CONTROL = "lognormal_turned_real_share_freemask"  # the chosen options on the turned real starts themselves: no new images or layouts
CONTROL_VAL = "lognormal_turned_real_share_freemask_val"  # the same with FreeMask on the validation reference: the control of the arms that use it
CONTROLS_COMPOSED = ("turned_real_share_freemask_val", "turned_freemask_val",  # the same composed with no generator: the controls of the
                     "turned_real_share_freemask_val_rerun")                    # arms whose pairs are composed, per batch composition and processor
STEP_PARAMS = {"generated_per_real", "n_generated", "epochs"}  # arms changing these change every student's optimiser steps, the baseline's too


def control_of(arm: str,
               rows: list[dict] = (),  # the study's rows: of the composed controls with the arm's batches, the one on its baselines
               ) -> str:
    "The no-new-images control an arm's gain is set against: the one made as the arm's pairs are (composed or sampled), on its FreeMask reference."
    params = ARMS[arm][0] if arm in ARMS else {}
    if params.get("generation") in COMPOSED:  # the composed control whose batches are composed as the arm's, on the arm's processor
        same = [c for c in CONTROLS_COMPOSED if ARMS[c][0].get("real_share") == params.get("real_share")]
        return next((c for c in same if rows and all(c in r and _same_baseline(r, arm, c) for r in rows)), same[0])
    return CONTROL_VAL if params.get("filter_reference") == "val" else CONTROL


def student_steps(arm: str) -> dict:
    "The parameters by which an arm changes the students' optimiser steps (equal for baseline and DAKD): {} for most."
    return {k: v for k, v in ARMS[arm][0].items() if k in STEP_PARAMS}


def own_baseline(arm: str) -> bool:
    "Whether an arm trains its own baseline: it changes the students' steps, so the main one is not its pair."
    return bool(student_steps(arm))


def image_pretrained_start(base: dict, n_real: int, recipe: dict) -> tuple:
    "A SAR-JointNet whose image branch was trained alone on UNLABELLED scenes (resumably), ready for joint training on the labelled few."
    from dakd_nb.data import build_splits
    from dakd_nb.synthsar import SynthSAR
    from dakd_nb.train_jointnet import JointNetConfig, pretrain_image_branch, resolve_training_weights
    config = JointNetConfig.for_profile(PROFILE, device="cpu", **recipe)
    labelled = build_splits("synthsar", n_real=n_real, size=config.image_size)["train"]
    b = resolve_training_weights(config, labelled)[0]
    tag = "".join(f"-{v}" for v in recipe.values())  # e.g. -lognormal: one pre-training run per recipe
    run_dir = ROOT / "runs" / "generators" / f"synthsar-unlabelled-{UNLABELLED['n']}-image-branch{tag}.run"
    model = pretrain_image_branch(SynthSAR(UNLABELLED["n"], config.image_size, seed=UNLABELLED["seed"]), config, run_dir, labelled.classes, b)
    return model, {"image_branch": f"pre-trained {config.steps} steps on {UNLABELLED['n']} unlabelled SynthSAR scenes (seed {UNLABELLED['seed']})"}


def continued_start(path: str, base: dict, n_real: int, threads: int) -> tuple:
    "The generator CONTINUES[path] (made first where missing) as the net `path`'s training starts from, and what it is."
    from dakd_nb.pretrain import _initial_net
    from dakd_nb.train_jointnet import JointNetConfig
    train_study_generator(CONTINUES[path], base, n_real, threads)
    return _initial_net(ROOT / CONTINUES[path], JointNetConfig.for_profile(PROFILE, device="cpu", **RECIPES[path]))


def train_study_generator(path: str, base: dict, n_real: int, threads: int) -> dict:
    "Train (or resume) one of the study's generators on the labelled scenes when it is missing; its card."
    if not (ROOT / path / "card.json").is_file() and not adopt_packaged(ROOT / path, n_real, PROFILE, RECIPES[path]):
        print(f"generator: training on the {n_real} labelled scenes into {path}", file=sys.stderr)
        import torch
        torch.set_num_threads(threads)  # trained in this process
        start = (image_pretrained_start(base, n_real, RECIPES[path]) if path in PRETRAINED_IMAGE
                 else continued_start(path, base, n_real, threads) if path in CONTINUES else None)
        train_generator(ROOT / path, n_real, base, RECIPES[path], "python -m bench.dakd_headroom", start)
    return check_generator_card(ROOT / path, n_real, RECIPES[path])


def main_sweep(seeds: list[int]) -> Sweep:
    "Baseline, the paper's DAKD student and the ceiling, per seed."
    return Sweep(name="dakd_headroom", description="DAKD in the few-label regime, SynthSAR", seeds=seeds,
                 base={"profile": PROFILE, "dataset": "synthsar", "jointnet_path": GENERATOR, "ceiling": True},
                 grid={"n_real": [PROFILES[PROFILE]["data"]["n_real"]]})


def arm_sweep(arm: str, seeds: list[int]) -> Sweep:
    "The main sweep with one recipe change and no ceiling: the same run names, seed for seed."
    m = main_sweep(seeds)
    return Sweep(name=f"dakd_headroom_{arm}", description=ARMS[arm][1], seeds=seeds, grid=m.grid,
                 base={**m.base, "ceiling": False, **ARMS[arm][0]})


def arm_stages(arm: str) -> tuple[str, ...]:
    "The main run's stages an arm's run can read back: the baseline (unless it trains its own), and the augmentation set where it generates the same pairs."
    pairs = ("augmentation",) if ARMS[arm][2] else ()
    return pairs if own_baseline(arm) else ("student_baseline", *pairs)


def student_record(run_dir: Path, res: dict, student: str) -> dict:
    "A student's test mIoU and per-class IoU (results.json) and best validation mIoU (its best/metrics.json)."
    return {"miou": res["test"][student]["miou"], "iou": res["test"][student]["iou"],
            "val_miou": load_json(run_dir / f"student_{student}" / "best" / "metrics.json")["miou"]}


def collect(runs: Path, names: list[str], arms: list[str],
            kept: dict | None = None,  # a committed study of these seeds (committed_study): its main rows and kept arms stand
            ) -> list[dict]:
    "One row per seed: baseline, the paper's DAKD, the ceiling and each arm's DAKD student, from the runs' files."
    rows, kept_rows = [], {r["run"]: r for r in (kept or {}).get("runs", [])}
    for name in names:
        if name in kept_rows:  # the main run and the arms of the committed study, as it recorded them
            row = {k: v for k, v in kept_rows[name].items() if k not in ARMS or k in kept_arms(kept, arms)}
            row.setdefault("processor", _processor(kept["machine"]))  # studies before 2026-12-06 ran (and were collected) on one
            for arm in (a for a in arms if "baseline" in row.get(a, {}) and "trained" not in row[a]["baseline"]):
                row[arm]["baseline"]["trained"] = baseline_trained(runs / arm / name)  # recorded before 2026-12-07: filled where the run is here
        else:
            res = load_json(runs / "main" / name / "results.json")
            row = {"run": name, "seed": res["params"]["seed"], "n_real": res["params"]["n_real"], "n_generated": res["params"]["n_generated"],
                   "processor": _processor(res["machine"]), **{s: student_record(runs / "main" / name, res, s) for s in ("baseline", PAPER, CEILING)}}
        for arm in (a for a in arms if a not in row):
            arm_res = load_json(runs / arm / name / "results.json")
            row[arm] = student_record(runs / arm / name, arm_res, "dakd")
            elsewhere = _processor(arm_res["machine"]) != row["processor"]
            if own_baseline(arm) or abs(arm_res["test"]["baseline"]["miou"] - row["baseline"]["miou"]) > 1e-9:
                if not (elsewhere or own_baseline(arm)):
                    raise SystemExit(f"{runs / arm / name}: its baseline is not the main run's; the arms must share it")
                # another processor computes in other kernels: the same recipe and seed give another baseline, so the
                # arm is measured against the baseline its own run trained there (paired, as every gain is), as is an arm
                # whose students train other steps
                row[arm]["baseline"] = {**student_record(runs / arm / name, arm_res, "baseline"), "trained": baseline_trained(runs / arm / name)}
                if elsewhere: row[arm]["machine"] = _processor(arm_res["machine"])
            if "filter" in arm_res: row[arm]["filter"] = arm_res["filter"]["dakd"]
            if CEILING in arm_res["test"]: row[arm][CEILING] = student_record(runs / arm / name, arm_res, CEILING)  # its own, at its steps
        rows.append(row)
    return rows


def baseline_trained(run_dir: Path) -> dict | None:
    """When and at which commit the baseline an arm's run holds was trained (its stage record), or None where the run is gone:
    arms whose baselines carry the same stamp share one training (`--baselines-from`)."""
    record = run_dir / "student_baseline" / "fingerprint.json"
    if not record.is_file(): return None
    info = load_json(record)["info"]
    return {"started": info["started"], "commit": info["commit"]}


def _processor(machine: dict) -> str:
    "The processor a run's results were computed on (results differ between processors in their last bits, then more)."
    return f"{machine['cpu']} ({machine['cpu_capability']})"


def baseline_of(row: dict, student: str) -> dict:
    "The baseline a student of a seed's row is measured against: the main run's, or the one its own run trained on another processor."
    return row[student].get("baseline", row["baseline"])


def profile_settings() -> dict:
    "The few-label profile's sizes as the JSON holds them (tuples as lists): a study made under other ones is not today's."
    return json.loads(json.dumps(PROFILES[PROFILE]))


def committed_study(table: Path, seeds: list[int]) -> dict:
    "A written dakd_headroom.json of the same profile, profile sizes and seeds, whose main runs and arms need not run again; {} if none."
    if not table.is_file(): return {}
    old = load_json(table)
    if old.get("profile") != PROFILE or old.get("seeds") != seeds: return {}
    if old.get("profile_settings", profile_settings()) != profile_settings():  # files before 2026-12-07 lack it: made under today's
        print(f"{table}: made under other {PROFILE} sizes than today's ({old['profile_settings']}): none of it is kept", file=sys.stderr)
        return {}
    return old


def kept_arms(kept: dict, arms: list[str]) -> list[str]:
    "The arms a committed study measured with the parameters ARMS gives them today."
    return [a for a in arms if kept.get("arms", {}).get(a, {}).get("params") == ARMS[a][0]]


def _mean_sd(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0, "n": len(values)}


def regime_ceiling(student: str, arms: list[str]) -> str | None:
    """Whose ceiling measures the regime's headroom at a student's optimiser steps: the main runs' (CEILING) for every
    student at the profile's steps; for a ‡ arm, the arm among `arms` that is the paper's recipe at its steps with a
    ceiling (e.g. `e256`), or None where none was run."""
    if student not in ARMS or not own_baseline(student): return CEILING
    return next((a for a in arms if ARMS[a][0] == {**student_steps(student), "ceiling": True}), None)


def _ceiling_gains(rows: list[dict], student: str) -> list[float]:
    "Per seed, the gain of a student's run's ceiling over that run's baseline (the main runs' for CEILING)."
    return [r[CEILING]["miou"] - r["baseline"]["miou"] if student == CEILING else r[student][CEILING]["miou"] - baseline_of(r, student)["miou"]
            for r in rows]


def summarize(rows: list[dict], arms: list[str]) -> dict:
    """Per student: test mIoU; per DAKD student (the paper's and each arm): gain, seeds positive, oil gain, val gain and
    share of the regime's ceiling gain at its steps (`regime_ceiling`); an arm that trained its own ceiling (its recipe on
    fresh real scenes) also gets that one's gain and its share of it."""
    out = {s: {"miou": _mean_sd([r[s]["miou"] for r in rows]), "val_miou": _mean_sd([r[s]["val_miou"] for r in rows])}
           for s in ("baseline", CEILING, PAPER, *arms)}
    share = lambda gains, ceiling: statistics.fmean(gains) / ceiling if ceiling > 0 else None
    for s in (CEILING, PAPER, *arms):
        gains, ref = [r[s]["miou"] - baseline_of(r, s)["miou"] for r in rows], regime_ceiling(s, arms)
        out[s].update(gain=_mean_sd(gains), positive_seeds=sum(g > 0 for g in gains),
                      oil_gain=_mean_sd([r[s]["iou"]["oil_spill"] - baseline_of(r, s)["iou"]["oil_spill"] for r in rows]),
                      val_gain=_mean_sd([r[s]["val_miou"] - baseline_of(r, s)["val_miou"] for r in rows]), regime_ceiling=ref,
                      share_of_ceiling=None if ref is None else share(gains, statistics.fmean(_ceiling_gains(rows, ref))))
        if s in ARMS and own_baseline(s): out[s]["own_baseline"] = _mean_sd([baseline_of(r, s)["miou"] for r in rows])
        if s != CEILING and all(CEILING in r[s] for r in rows):  # an arm with its own ceiling
            own = _mean_sd(_ceiling_gains(rows, s))
            out[s].update(ceiling_gain=own, share_of_own_ceiling=share(gains, own["mean"]))
    for s in (a for a in arms if a not in (CONTROL, CONTROL_VAL, *CONTROLS_COMPOSED)):
        c = control_of(s, rows)
        if c not in arms or not all(_same_baseline(r, s, c) for r in rows): continue
        over = [r[s]["miou"] - r[c]["miou"] for r in rows]  # what the arm's pairs add over duplicated real ones, seed by seed
        out[s].update(over_control=_mean_sd(over), over_control_positive=sum(g > 0 for g in over), control=c)
    return out


def _same_baseline(row: dict, a: str, b: str) -> bool:
    "Whether two students of a seed's row are measured against the same baseline student (same processor and steps)."
    return all(baseline_of(row, a)[k] == baseline_of(row, b)[k] for k in ("miou", "val_miou"))


def choose(summary: dict, arms: list[str]) -> dict:
    "The DAKD student with the highest mean validation gain (test results play no part)."
    best = max((PAPER, *arms), key=lambda s: summary[s]["val_gain"]["mean"])
    return {"arm": best, "val_gain": summary[best]["val_gain"]["mean"], "rule": "highest mean gain in best validation mIoU"}


def _describe(student: str) -> str:
    if student == PAPER: return "the paper's DAKD (free sampler, soft labels)"
    if student == CEILING: return "ceiling: fresh real scenes in the generated pairs' place"
    return ARMS[student][1] + (" (uses unlabelled images the baseline does not)" if ARMS[student][3] else "")


def markdown(rows: list[dict], summary: dict, arms: list[str], choice: dict) -> str:
    "One row per student: test mIoU, gain over the baseline, share of the ceiling's gain, seeds positive, oil-spill IoU gain, val gain."
    pm = lambda d: f"{100 * d['mean']:+.1f} ± {100 * d['sd']:.1f}"
    n = len(rows)
    lines = ["| student | what it is | test mIoU | gain (points) | share of ceiling | seeds positive | oil-spill IoU gain | val gain | over control |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| baseline | real pairs only | {summary['baseline']['miou']['mean']:.3f} ± {summary['baseline']['miou']['sd']:.3f} | | | | | | |"]
    elsewhere = sorted({r[s]["machine"] for r in rows for s in arms if "machine" in r[s]})
    which = {m: "¹²³⁴⁵⁶⁷⁸⁹"[i] if len(elsewhere) > 1 else "" for i, m in enumerate(elsewhere)}  # more than one: each its number
    own = [a for a in arms if "ceiling_gain" in summary[a] and not own_baseline(a)]  # its own ceiling at the study's steps (§)
    for s in (CEILING, PAPER, *arms):
        d, share = summary[s], summary[s]["share_of_ceiling"]
        ran = sorted({r[s]["machine"] for r in rows if "machine" in r[s]})
        mark = (" †" + "".join(which[m] for m in ran) if ran else "") + (" ‡" if s in ARMS and own_baseline(s) else "") + (" §" if s in own else "")
        lines.append(f"| {s}{mark} | {_describe(s)} | {d['miou']['mean']:.3f} ± {d['miou']['sd']:.3f} | {pm(d['gain'])} | "
                     f"{'' if s == CEILING or share is None else f'{share:.0%}'} | {d['positive_seeds']} of {n} | {pm(d['oil_gain'])} | {pm(d['val_gain'])} | "
                     + (f"{pm(d['over_control'])} ({d['over_control_positive']} of {n}) |" if "over_control" in d else "|"))
    seeds = ", ".join(str(r["seed"]) for r in rows)
    control = (f" Over control: the test mIoU points each arm gains over `{CONTROL}` ({_describe(CONTROL)}), seed by seed, with the "
               "seeds where it is above it; given for the arms measured against the same baselines as the control (its processor, "
               "its steps): what the arm's generated pairs add beyond its options on duplicated real pairs"
               + (f"; the arms with FreeMask on the validation reference against `{CONTROL_VAL}`, the same control on that reference"
                  if CONTROL_VAL in arms else "")
               + (f"; the arms whose pairs are composed with no generator against the control composed so with their batches "
                  f"({', '.join(f'`{c}`' for c in CONTROLS_COMPOSED if c in arms)})"
                  if any(c in arms for c in CONTROLS_COMPOSED) else "") + "." if CONTROL in arms else "")
    return ("\n".join(lines) + f"\n\nMean ± sd over seeds {seeds}; gains in mIoU points against the same seed's baseline.{control} "
            f"Chosen on validation: **{choice['arm']}** ({choice['rule']}).\n"
            + (f"\n† Run on another processor ({', '.join(which[m] + m for m in elsewhere)}) than the main runs: there the same recipe and seed "
               "train another baseline, so its test mIoU is that processor's and its gains are against the baseline its own run "
               "trained there.\n" if elsewhere else "")
            + ("\n‡ Changes how many optimiser steps the students take (baseline and DAKD alike): its run trains its own "
               "baseline at those steps, and its gains are against it (" + "; ".join(_own_pair(a, summary) for a in arms if own_baseline(a))
               + ").\n" if any(own_baseline(a) for a in arms) else "")
            + ("\n§ Trained its own ceiling as well, at the study's steps on its baselines: its options on fresh real scenes in the "
               "generated pairs' place, the most those options take from new pairs (" + "; ".join(_own_ceiling(a, summary) for a in own)
               + ").\n" if own else ""))


def _own_ceiling(arm: str, summary: dict) -> str:
    "A § arm's own ceiling and the share of it the arm reaches, for the table's footnote."
    d = summary[arm]
    reach = "" if d["share_of_own_ceiling"] is None else f", of which it reaches {d['share_of_own_ceiling']:.0%}"
    return f"{arm}: its own ceiling {100 * d['ceiling_gain']['mean']:+.1f} ± {100 * d['ceiling_gain']['sd']:.1f} points{reach}"


def _own_pair(arm: str, summary: dict) -> str:
    "A ‡ arm's own baseline, whose ceiling its share is of, and its own ceiling where it trained one, for the table's footnote."
    d, ref = summary[arm], summary[arm]["regime_ceiling"]
    pm = lambda g: f"{100 * g['mean']:+.1f} ± {100 * g['sd']:.1f} points"
    text = f"{arm}: baseline test mIoU {d['own_baseline']['mean']:.3f} ± {d['own_baseline']['sd']:.3f}"
    if ref is None: text += "; no ceiling at these steps, so no share"
    elif ref == arm: text += f"; its ceiling, the paper's recipe on fresh real scenes at these steps, {pm(d['ceiling_gain'])}"
    else: text += f"; its share is of {ref}'s ceiling (the paper's recipe on fresh real scenes at these steps)"
    if "ceiling_gain" in d and ref != arm:
        own = d["share_of_own_ceiling"]
        text += f"; its own ceiling (its recipe on fresh real scenes) {pm(d['ceiling_gain'])}" + (f", of which it reaches {own:.0%}" if own is not None else "")
    return text


def plot(rows: list[dict], summary: dict, arms: list[str]):
    "Each DAKD student's gain over the baseline (bar: mean, dots: seeds), the ceiling's first."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [CEILING, PAPER, *arms]
    fig, ax = plt.subplots(figsize=(1.1 * len(names) + 2, 4))
    for i, s in enumerate(names):
        gains = [100 * (r[s]["miou"] - baseline_of(r, s)["miou"]) for r in rows]
        ax.bar(i, statistics.fmean(gains), color="grey" if s == CEILING else f"C{i}", alpha=0.7)
        ax.plot([i] * len(gains), gains, "k.", ms=4)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set(ylabel="test mIoU − baseline (points)", title=f"few-label regime ({rows[0]['n_real']} labelled scenes), {len(rows)} seeds")
    fig.tight_layout()
    return fig


def _run(sweep: Sweep, folder: Path, workers: int) -> bool:
    "Run (or resume) a sweep's runs, `workers` seeds at a time; whether all finished."
    runs = run_sweep(sweep, NOTEBOOK, folder, devices=[], cpu_workers=workers, cwd=ROOT, report=False, progress=False)
    bad = [n for n, r in runs.items() if r["status"] != "ok"]
    if bad: print(f"{sweep.name}: not finished: {bad}; run again to resume", file=sys.stderr)
    return not bad


def run_arms(arms: list[str], seeds: list[int], runs: Path, workers: int,
             threads: int,  # torch threads of an arm's generator training (between the arms' sweeps)
             baselines_from: str | None = None,  # another arm whose runs' baselines the arms read back instead of the main runs'
             ) -> bool:
    "Run the arms' sweeps one after another, `workers` seeds at a time (each arm's generator made first where missing); whether every run finished."
    names, ok = list(main_sweep(seeds).configs()), []
    base, n_real = main_sweep(seeds).base, PROFILES[PROFILE]["data"]["n_real"]
    for arm in arms:
        if generator := ARMS[arm][0].get("jointnet_path", GENERATOR):  # "": the arm's pairs are composed, no generator
            train_study_generator(generator, base, n_real, threads)  # where the main runs are not here, too
        if baselines_from and student_steps(arm) == student_steps(baselines_from):  # the same students' steps: the same baseline
            share_stages(runs / baselines_from, runs / arm, names, ("student_baseline",))
        share_stages(runs / "main", runs / arm, names, arm_stages(arm))
        ok.append(_run(arm_sweep(arm, seeds), runs / arm, workers))
    return all(ok)


def provenance(kept: dict, collect_only: bool, now: str) -> dict:
    "`command`: the command that ran the study's runs (a committed study's, when this one only collects); `collected`: this one, if other."
    return {"command": kept["command"], "collected": now} if collect_only and kept.get("command") else {"command": now}


def arm_commands(kept: dict,       # the committed study ({} if none)
                 arms: list[str],  # the study's arms
                 ran: list[str],   # the arms this command ran
                 now: str,         # this command
                 ) -> dict:        # arm -> the command that ran its runs (None where the committed study did not record it)
    "Which command ran each arm: a study grows arm by arm over sessions, each with its own command."
    return {a: now if a in ran else kept.get("arms", {}).get(a, {}).get("command") for a in arms}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--arms", nargs="*", default=list(ARMS), choices=list(ARMS))
    ap.add_argument("--runs", default=str(ROOT / "runs" / "headroom"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--workers", type=int, default=2, help="seeds run at a time (one papermill run each)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads per run and generator training (default: 2 // workers per run, 2 for a generator, which trains alone)")
    ap.add_argument("--collect-only", action="store_true", help="train and run nothing: collect the finished runs")
    ap.add_argument("--baselines-from", default=None, choices=list(ARMS), metavar="ARM",
                    help="the arms read back this arm's finished baselines (in --runs) where the main runs are not here, "
                         "e.g. on another processor than the committed main runs, each arm that trains its students the same "
                         "steps as it (‡ arms: the ‡ arm of their steps); the JSON records each baseline's training")
    args = ap.parse_args(argv)
    now = "python -m bench.dakd_headroom " + " ".join(sys.argv[1:] if argv is None else argv)
    runs, out, base = Path(args.runs), Path(args.out), main_sweep(args.seeds).base
    n_real = PROFILES[PROFILE]["data"]["n_real"]
    names, kept = list(main_sweep(args.seeds).configs()), committed_study(out / "dakd_headroom.json", args.seeds)
    main_kept = {r["run"] for r in kept.get("runs", [])} >= set(names)
    fresh = [a for a in args.arms if a not in kept_arms(kept, args.arms)] if main_kept else args.arms
    if kept: print(f"{out / 'dakd_headroom.json'}: kept {'the main runs and ' if main_kept else ''}"
                   f"{len(args.arms) - len(fresh)} arms of the committed study; running {fresh or 'nothing more'}", file=sys.stderr)
    if not args.collect_only:
        os.environ["OMP_NUM_THREADS"] = str(args.threads or max(1, 2 // args.workers))  # each papermill run's
        if not main_kept:
            train_study_generator(GENERATOR, base, n_real, args.threads or 2)
            if not _run(main_sweep(args.seeds), runs / "main", args.workers): return 1
        if not run_arms(fresh, args.seeds, runs, args.workers, args.threads or 2, args.baselines_from): return 1
    used = (set() if main_kept else {GENERATOR}) | {ARMS[a][0]["jointnet_path"] for a in fresh if "jointnet_path" in ARMS[a][0]}
    cards = {path: check_generator_card(ROOT / path, n_real, RECIPES[path]) for path in RECIPES if path in used}
    generators = {**{p: g for p, g in kept.get("generators", {}).items() if main_kept},
                  **{p: {k: c.get(k) for k in ("steps", "train_s", "config", "commit", "init_from")} for p, c in cards.items()}}
    rows = collect(runs, names, args.arms, kept if main_kept else None)
    summary = summarize(rows, args.arms)
    choice = choose(summary, args.arms)
    commands = arm_commands(kept, args.arms, [] if args.collect_only else fresh, now)
    save_json({"profile": PROFILE, "seeds": args.seeds, "arms": {a: {"params": ARMS[a][0], "what": ARMS[a][1], "uses_unlabelled": ARMS[a][3],
                                                                     "command": commands[a]} for a in args.arms},
               "generators": generators,
               "profile_settings": profile_settings(), **provenance(kept, args.collect_only, now),
               "machine": machine_record(), "runs": rows, "summary": summary, "choice": choice}, out / "dakd_headroom.json")
    with atomic_path(out / "dakd_headroom.md") as tmp: tmp.write_text(markdown(rows, summary, args.arms, choice))
    save_figure(plot(rows, summary, args.arms), out / "dakd_headroom.png", dpi=110)
    print(markdown(rows, summary, args.arms, choice))
    return 0


if __name__ == "__main__":
    sys.exit(main())
