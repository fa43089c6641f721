"""bench/generator_recipe.py's rules on hand-made points: the quality bars, the choice, the table and the figure."""
import pytest

from bench.generator_recipe import RECIPES, choose, markdown, meets_bars, plot
from dakd_nb.pretrain import pretrain_config


def _point(oil=1.0, ship=1.0, enl=(4.5, 4.5), alignment=(0.40, 0.42), fd=1.0, step=100, cpu_min=1.0):
    return {"step": step, "cpu_min": cpu_min, "steps_per_cpu_s": 1.0, "seg_fd": fd,
            "frequency_ratio": {"sea": 1.0, "oil_spill": oil, "look_alike": 1.0, "ship": ship, "land": 1.0},
            "enl_sea": {"generated": enl[0], "real": enl[1]}, "alignment_miou": {"generated": alignment[0], "real": alignment[1]}}


@pytest.mark.parametrize("change, failed", [
    ({}, set()), ({"oil": 2.5}, {"frequencies"}), ({"oil": 0.4}, {"frequencies"}), ({"ship": 0.25}, {"ships"}),
    ({"enl": (10.7, 4.46)}, {"enl"}), ({"enl": (5.5, 4.46)}, set()), ({"alignment": (0.338, 0.416)}, {"alignment"}),
])
def test_bars_are_issue_25s_targets(change, failed):
    assert {k for k, ok in meets_bars(_point(**change)).items() if not ok} == failed


def test_the_choice_prefers_recipes_that_meet_every_bar():
    recipes = {"fast_but_wrong": {"overrides": {}, "curve": [_point(fd=0.5, oil=3.0)]},
               "no_oil_at_all": {"overrides": {}, "curve": [_point(fd=2.0, oil=0.0)]},  # plotted, not a math error
               "right": {"overrides": {"batch_size": 16}, "curve": [_point(fd=0.9)]},
               "right_worse": {"overrides": {}, "curve": [_point(fd=1.2)]}}
    for r in recipes.values(): r["curve"][-1]["bars"] = meets_bars(r["curve"][-1])
    c = choose(recipes)
    assert c["recipe"] == "right" and c["meets_every_bar"]
    del recipes["right"], recipes["right_worse"], recipes["no_oil_at_all"]
    assert choose(recipes)["recipe"] == "fast_but_wrong" and not choose(recipes)["meets_every_bar"]
    md = markdown({"recipes": recipes, "choice": choose(recipes)})
    assert "| fast_but_wrong |" in md and "3.00×" in md and "none does" in md
    plot({"recipes": recipes})


def test_every_recipe_is_a_valid_training_config():
    for name, overrides in RECIPES.items(): pretrain_config(**overrides)  # an unknown field or value raises
    assert RECIPES["today"] == {}  # the packaged generator's recipe, unchanged


def test_seg_fd_is_the_encoders_two_deepest_stages_mean_pooled():
    "The package's seg_fd that measure() records is the definition bench/results/generator_recipe.json was made with."
    import torch
    from bench.generator_recipe import measure
    from dakd_nb.core import stack_items
    from dakd_nb.quality import feature_statistics, frechet_distance
    from dakd_nb.saross import build_segmenter
    from toys import ToySAR
    torch.manual_seed(0)
    seg = build_segmenter("saross", num_classes=3, width=8).eval()
    pairs = stack_items(ToySAR(24, size=32), range(24))
    gen, reference = ({k: v[s] for k, v in pairs.items()} for s in (slice(0, 12), slice(12, 24)))
    point = measure(lambda *a, **kw: gen, reference, type("Train", (), {"classes": ToySAR.classes})(), seg)
    pooled = lambda x: (lambda f: torch.cat([f[-2].mean((2, 3)), f[-1].mean((2, 3))], 1))(seg.encoder(x))
    with torch.no_grad(): by_hand = frechet_distance(*feature_statistics(pooled(gen["image"])), *feature_statistics(pooled(reference["image"])))
    assert point["seg_fd"] > 0 and abs(point["seg_fd"] - by_hand) <= 1e-6 * by_hand
