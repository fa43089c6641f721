"""The main job's training knobs (image_size, generator_steps, generator_lr, student_lr, mixed_precision, and the DAKD
student's options: real_share, generated_then_real, filter_generated, bn_real_stats, generation="sdedit"): each
checked before any work, each reaching the stage it belongs to, and each in the fingerprints of the stages
whose result it changes; bf16 on a GPU without it falls back to fp16, and a CPU trains in full precision."""
import pytest
import torch

from dakd_nb import main_job, main_params
from dakd_nb.core import ArgumentError
from dakd_nb.machine import resolve_mixed_precision
from dakd_nb.data import build_splits
from dakd_nb.main_params import MainJobParams, jointnet_config
from dakd_nb.main_job import get_generator, stage_fingerprints, student_runs, train_students


def splits_of(p: MainJobParams) -> dict:
    return build_splits(p.dataset, None, p.n_real, p.sizes["size"], p.sizes["n_val"], p.sizes["n_test"])


@pytest.fixture
def adamw_lrs(monkeypatch) -> list[float]:
    "The learning rate each AdamW is built with, as the training loops build them."
    seen = []
    class Recorded(torch.optim.AdamW):
        def __init__(self, params, lr, **kwargs):
            seen.append(lr)
            super().__init__(params, lr=lr, **kwargs)
    monkeypatch.setattr(torch.optim, "AdamW", Recorded)
    return seen


@pytest.fixture
def gpu_without_bf16(monkeypatch):
    "The parameters resolve as on a GPU that has no bf16 (a V100, say)."
    monkeypatch.setattr(main_params, "resolve_device", lambda device="auto": torch.device("cuda"))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a, **k: "Tesla V100")


@pytest.mark.parametrize("bad, says", [
    (dict(image_size=48), "image_size=48 must be a multiple of 32"), (dict(image_size=0), "image_size=0"),
    (dict(generator_steps=0), "generator_steps=0 must be at least 1"), (dict(generator_steps=2.5), "must be a whole number"),
    (dict(generator_lr=0), "generator_lr=0.0 must be in (0, 1)"), (dict(student_lr=3), "student_lr=3.0 must be in (0, 1)"),
    (dict(student_lr="fast"), "student_lr='fast' must be a finite number"),
    (dict(mixed_precision="fp8"), "mixed_precision='fp8' is not one of ['no', 'fp16', 'bf16']"),
    (dict(generation="guided"), "generation='guided' is not one of ['unconditional', 'layout', 'sdedit', 'sdedit_layout', 'copy_paste', 'turned']"),
    (dict(sdedit_strength=0), "sdedit_strength=0.0 must be in (0, 1]"), (dict(real_share=1.5), "real_share=1.5 must be in [0, 1]"),
    (dict(sdedit_share=0), "sdedit_share=0.0 must be in (0, 1]"),
    (dict(paste_onto="land", generation="copy_paste"), "paste_onto='land' is not one of ['any', 'sea']"),
    (dict(paste_donors=0, generation="copy_paste"), "paste_donors=0 must be at least 1"),
    (dict(paste_donors=2, generation="turned"), "paste_donors=2 shapes the pasted objects, but generation='turned'"),
    (dict(copy_paste=True, generation="layout"), "copy_paste=True composes the SDEdit starts, but generation='layout'"),
    (dict(sdedit_share=0.5, generation="sdedit_layout"), "sdedit_share=0.5 splits SDEdit pairs from free ones, but generation='sdedit_layout'"),
    (dict(generated_then_real=1), "generated_then_real=1.0 must be in [0, 1)"), (dict(filter_ratio=0), "filter_ratio=0.0 must be above 0"),
    (dict(filter_generated="freemusk"), "filter_generated='freemusk' is not one of ['none', 'freemask']"),
    (dict(filter_reference="test"), "filter_reference='test' is not one of ['train', 'val']"),
    # settings of a part the run does not use would go unused: refused
    (dict(filter_reference="val"), "filter_reference='val' tunes FreeMask, but filter_generated='none'"),
    (dict(filter_ratio=2), "filter_ratio=2.0 tunes FreeMask, but filter_generated='none'"),
    (dict(sdedit_strength=0.3), "sdedit_strength=0.3 sets how far SDEdit noises its real starts, but generation='unconditional'"),
    (dict(sdedit_strength=0.3, generation="layout"), "but generation='layout'"),
    (dict(student="segformr"), "student='segformr' is not one of ['saross', 'unet', 'deeplabv3plus', 'cbdnet', 'segformer', 'mask2former']"),
    (dict(real_share=0.5, generated_then_real=0.5), "give one of them"),
    (dict(real_share=0.5, n_generated=0), "real_share=0.5 shapes how the DAKD student uses generated pairs, but n_generated is 0"),
    (dict(bn_real_stats=True, generated_per_real=0), "bn_real_stats=True shapes"),
    (dict(layout_guidance=-0.1), "layout_guidance=-0.1 must be at least 0"),
    (dict(speckle_enl=-1), "speckle_enl=-1.0 must be at least 0"),
    (dict(clean_fragments=-1), "clean_fragments=-1 must be at least 0"),
    (dict(clean_fragments=4, n_generated=0), "clean_fragments=4 shapes how the DAKD student uses generated pairs"),
    # the cpu-quick run loads the packaged generator: steps and a learning rate for it would go unused
    (dict(profile="cpu-quick", generator_steps=5), "generator_steps=5 set, but this run loads the generator in"),
])
def test_knobs_are_checked_before_any_work(bad, says):
    with pytest.raises(ArgumentError) as e: MainJobParams.resolve(**{"profile": "tiny", **bad})
    assert says in str(e.value), e.value


def test_defaults_are_the_profiles(capsys):
    tiny = MainJobParams.resolve(profile="tiny")
    assert (tiny.image_size, tiny.mixed_precision) == (32, "no") and tiny.generator_steps is None
    assert jointnet_config(tiny).steps == 4 and student_runs(tiny, 8, 32)["dakd"].lr == 1e-3
    assert MainJobParams.resolve(generator_steps=5, retrain_generator=True).generator_steps == 5
    if not torch.cuda.is_available():  # the paper profile's bf16 on a CPU: full precision, said once
        assert MainJobParams.resolve(profile="paper").mixed_precision == "no"
        assert "mixed_precision='bf16' is for a GPU: training on the cpu in full precision" in capsys.readouterr().out


@pytest.mark.parametrize("student", ["deeplabv3plus", "cbdnet", "segformer", "mask2former"])
def test_table_m_students_are_main_job_students(student):
    "`-p student NAME` takes each Table M student, and the plan's timing step trains it (a (logits, extras) output included)."
    from dakd_nb.plan import time_estimate
    p = MainJobParams.resolve(profile="tiny", student=student, device="cpu")
    assert p.student == student
    est = time_estimate(p, splits_of(p), ["student_dakd"])
    assert est["student_dakd"] > 0


def test_image_size_sets_the_crop_and_the_generator():
    p = MainJobParams.resolve(profile="tiny", n_real=2, image_size=64)
    splits = splits_of(p)
    assert splits["train"][0]["image"].shape == (1, 64, 64) and splits["test"][0]["label"].shape == (64, 64)
    assert jointnet_config(p).image_size == 64 and p.sizes["size"] == 64


def test_bf16_falls_back_to_fp16_on_a_gpu_without_it(gpu_without_bf16, capsys):
    assert resolve_mixed_precision("bf16", torch.device("cuda"))[0] == "fp16"
    assert resolve_mixed_precision("fp16", torch.device("cuda")) == ("fp16", None)
    p = MainJobParams.resolve(profile="paper")  # the profile's bf16
    assert p.mixed_precision == "fp16" and "Tesla V100 has no bf16: using fp16" in capsys.readouterr().out
    assert jointnet_config(p).mixed_precision == "fp16"
    assert {c.mixed_precision for c in student_runs(p, 8, 32).values()} == {"fp16"}
    assert MainJobParams.resolve(profile="paper", mixed_precision="no").mixed_precision == "no"


def test_generator_steps_and_lr_reach_the_generators_training(adamw_lrs, tmp_path, capsys):
    p = MainJobParams.resolve(profile="tiny", n_real=4, generator_steps=3, generator_lr=0.02, output_dir=str(tmp_path))
    splits = splits_of(p)
    get_generator(p, splits["train"], tmp_path, stage_fingerprints(p, splits))
    history = (tmp_path / "jointnet" / "loss.csv").read_text().splitlines()[1:]
    assert len(history) == 3 and adamw_lrs == [0.02]  # the tiny profile trains 4 steps at 1e-3
    assert "generator: 100%" in capsys.readouterr().err  # the step bar is named


def test_student_lr_reaches_the_optimiser(adamw_lrs, tmp_path, capsys):
    p = MainJobParams.resolve(profile="tiny", n_real=4, n_generated=0, epochs=1, student_lr=0.0123, output_dir=str(tmp_path))
    splits = splits_of(p)
    students = train_students(p, splits, None, tmp_path, stage_fingerprints(p, splits))
    assert list(students) == ["baseline"] and adamw_lrs == [0.0123]
    assert "student baseline: 100%" in capsys.readouterr().err


def _stages(**knobs) -> dict:
    p = MainJobParams.resolve(profile="tiny", n_real=3, **knobs)
    return stage_fingerprints(p, splits_of(p))


@pytest.mark.parametrize("knob, changed", [
    (dict(image_size=64), {"jointnet", "augmentation", "student_baseline", "student_dakd"}),
    (dict(generator_steps=3), {"jointnet", "augmentation", "student_dakd"}),
    (dict(generator_lr=0.02), {"jointnet", "augmentation", "student_dakd"}),
    (dict(student_lr=0.02), {"student_baseline", "student_dakd"}),
    (dict(generation="layout"), {"augmentation", "student_dakd"}),
    (dict(speckle_enl=4.4), {"augmentation", "student_dakd"}),
    (dict(generation="sdedit"), {"augmentation", "student_dakd"}),
    (dict(generation="sdedit_layout"), {"augmentation", "student_dakd"}),
    (dict(real_share=0.5), {"student_dakd"}), (dict(generated_then_real=0.5), {"student_dakd"}),
    (dict(bn_real_stats=True), {"student_dakd"}), (dict(filter_generated="freemask"), {"student_dakd"}),
    (dict(clean_fragments=4), {"student_dakd"}),
    # settings of generated pairs: the baseline sees none, so a study's arms can share its baseline
    (dict(kd_weight=0.5), {"student_dakd"}), (dict(temperature=2.0), {"student_dakd"}),
    (dict(generated_labels="hard"), {"student_dakd"}),
])
def test_a_knob_makes_the_stages_it_shapes_stale(knob, changed):
    before, after = _stages(), _stages(**knob)
    assert {n for n in before if before[n] != after[n]} == changed


def test_layout_guidance_shapes_only_layout_generation():
    assert _stages(layout_guidance=0.5) == _stages()  # unused by the free sampler: nothing is stale
    layout, stronger = _stages(generation="layout"), _stages(generation="layout", layout_guidance=0.5)
    assert {n for n in layout if layout[n] != stronger[n]} == {"augmentation", "student_dakd"}
    assert layout["augmentation"]["layouts"]["train"] == layout["student_baseline"]["data"]["train"]  # the maps are the training split's


def test_speckle_completion_needs_synthsar(tmp_path):
    (tmp_path / "osd").mkdir()
    with pytest.raises(ArgumentError) as e: MainJobParams.resolve(profile="tiny", dataset="osd", data_root=str(tmp_path / "osd"), speckle_enl=4.4)
    assert "speckle_enl=4.4 needs dataset='synthsar'" in str(e.value)


def test_speckle_completion_reaches_the_augmentation_set(tmp_path):
    from dakd_nb.files import load_json
    from dakd_nb.jointnet import make_scheduler
    from dakd_nb.sampling import SARJointNetPipeline
    from toys import tiny_jointnet
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=4, speckle_enl=4.4, output_dir=str(tmp_path))
    splits = splits_of(p)
    net = tiny_jointnet(b=0.5, size=32, classes=splits["train"].classes)
    aug = main_job.get_augmentation_set(p, SARJointNetPipeline(net, make_scheduler()), tmp_path, stage_fingerprints(p, splits), splits["train"])
    assert load_json(aug.path / "index.json")["speckle_enl"] == 4.4 and len(aug) == 4


def test_layout_generation_draws_its_maps_from_the_training_split(tmp_path):
    from dakd_nb.core import stack_items
    from dakd_nb.jointnet import make_scheduler
    from dakd_nb.sampling import SARJointNetPipeline
    from toys import tiny_jointnet
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=5, generation="layout", output_dir=str(tmp_path))
    splits = splits_of(p)
    net = tiny_jointnet(b=0.5, size=32, classes=splits["train"].classes)
    aug = main_job.get_augmentation_set(p, SARJointNetPipeline(net, make_scheduler()), tmp_path, stage_fingerprints(p, splits), splits["train"])
    maps = stack_items(splits["train"])["label"]
    turned = [torch.rot90(m, k, (-2, -1)).flip(-1) if f else torch.rot90(m, k, (-2, -1)) for m in maps for k in range(4) for f in (0, 1)]
    assert len(aug) == 5 and all(any(torch.equal(aug[i]["label"], t) for t in turned) for i in range(5))


def test_mixed_precision_is_in_every_trained_stages_fingerprint(gpu_without_bf16):
    before, after = _stages(), _stages(mixed_precision="fp16")
    assert {n for n in before if before[n] != after[n]} == {"jointnet", "augmentation", "student_baseline", "student_dakd"}


def test_ceiling_student_distils_fresh_real_scenes(tmp_path, monkeypatch):
    from pathlib import Path
    from dakd_nb.augmentation import RealAsGenerated
    from dakd_nb.synthsar import SynthSAR
    p = MainJobParams.resolve(profile="tiny", n_real=4, n_generated=4, epochs=1, ceiling=True, output_dir=str(tmp_path))
    splits, seen, train = splits_of(p), {}, main_job.train_segmenter
    def spy(model, train_set, val_set, config, out, generated_set=None, **kw):
        seen[Path(out).name] = generated_set
        return train(model, train_set, val_set, config, out, generated_set=generated_set, **kw)
    monkeypatch.setattr(main_job, "train_segmenter", spy)
    augmentation = RealAsGenerated(SynthSAR(4, 32, seed=9))  # stands in for the generated set
    students = train_students(p, splits, augmentation, tmp_path, stage_fingerprints(p, splits))
    assert list(students) == ["baseline", "dakd", "ceiling"]
    assert seen["student_baseline"] is None and seen["student_dakd"] is augmentation
    ceiling = seen["student_ceiling"]
    assert len(ceiling) == 4 and torch.equal(ceiling[3]["image"], SynthSAR(4, 32, seed=main_job.CEILING_SEED)[3]["image"])


def test_sdedit_strength_shapes_only_sdedit_generation():
    sde, weaker = _stages(generation="sdedit"), _stages(generation="sdedit", sdedit_strength=0.3)
    assert {n for n in sde if sde[n] != weaker[n]} == {"augmentation", "student_dakd"}
    assert sde["augmentation"]["sources"]["train"] == sde["student_baseline"]["data"]["train"]  # it starts from the training split


def test_sdedit_share_shapes_the_generated_pairs_and_the_students_made_from_them():
    sde, half = _stages(generation="sdedit"), _stages(generation="sdedit", sdedit_share=0.5)
    assert {n for n in sde if sde[n] != half[n]} == {"augmentation", "student_dakd"}
    assert half["augmentation"]["sdedit_share"] == 0.5 and "sdedit_share" not in sde["augmentation"]  # sets made before it read back


def test_copy_paste_shapes_the_generated_pairs_and_the_students_made_from_them(tmp_path):
    from dakd_nb.files import load_json
    from dakd_nb.jointnet import make_scheduler
    from dakd_nb.sampling import SARJointNetPipeline
    from toys import tiny_jointnet
    sde, pasted = _stages(generation="sdedit"), _stages(generation="sdedit", copy_paste=True)
    assert {n for n in sde if sde[n] != pasted[n]} == {"augmentation", "student_dakd"} and "copy_paste" not in sde["augmentation"]
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=4, generation="sdedit", copy_paste=True, output_dir=str(tmp_path))
    splits = splits_of(p)
    net = tiny_jointnet(b=0.5, size=32, classes=splits["train"].classes)
    aug = main_job.get_augmentation_set(p, SARJointNetPipeline(net, make_scheduler()), tmp_path, stage_fingerprints(p, splits), splits["train"])
    assert load_json(aug.path / "index.json")["sdedit"]["copy_paste"] is True



def test_composed_generation_trains_and_loads_no_generator(tmp_path):
    from dakd_nb.files import load_json
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=5, generation="copy_paste", output_dir=str(tmp_path))
    splits, stages = splits_of(p), _stages(generation="copy_paste")
    assert "jointnet" not in stages and stages["augmentation"]["generator"] is None and stages["augmentation"]["paste"] is True
    assert stages["augmentation"]["sources"]["train"] == stages["student_baseline"]["data"]["train"]  # composed from the training split
    turned = _stages(generation="turned")
    assert {n for n in stages if stages[n] != turned[n]} == {"augmentation", "student_dakd"}
    assert get_generator(p, splits["train"], tmp_path, stage_fingerprints(p, splits)) is None and not (tmp_path / "jointnet").exists()
    aug = main_job.get_augmentation_set(p, None, tmp_path, stage_fingerprints(p, splits), splits["train"])
    index = load_json(aug.path / "index.json")
    assert len(aug) == 5 and index["generator_sha256"] is None and index["variant"] == "copy_paste" and index["composed"]["n_source"] == 3


def test_paste_rules_shape_the_composed_pairs_and_the_students_made_from_them(tmp_path):
    from dakd_nb.files import load_json
    plain, sea = _stages(generation="copy_paste"), _stages(generation="copy_paste", paste_onto="sea", paste_donors=2)
    assert {n for n in plain if plain[n] != sea[n]} == {"augmentation", "student_dakd"} and "paste_onto" not in plain["augmentation"]
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=5, generation="copy_paste", paste_onto="sea", paste_donors=2,
                              output_dir=str(tmp_path))
    splits = splits_of(p)
    aug = main_job.get_augmentation_set(p, None, tmp_path, stage_fingerprints(p, splits), splits["train"])
    assert load_json(aug.path / "index.json")["composed"] | {"source_sha256": None} == {
        "source_sha256": None, "n_source": 3, "paste": True, "onto": "sea", "donors": 2}


def test_turned_generation_is_the_training_pairs_turned(tmp_path):
    from dakd_nb.core import dihedral
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=5, generation="turned", output_dir=str(tmp_path))
    splits = splits_of(p)
    aug = main_job.get_augmentation_set(p, None, tmp_path, stage_fingerprints(p, splits), splits["train"])
    turned = [(dihedral(splits["train"][i]["image"], k).half().float(), dihedral(splits["train"][i]["label"], k).long())
              for i in range(3) for k in range(8)]
    assert all(any(torch.equal(aug[j]["image"], x) and torch.equal(aug[j]["label"], y) for x, y in turned) for j in range(5))
    assert all(torch.equal(aug[j]["soft"].argmax(0), aug[j]["label"]) for j in range(5))  # one-hot soft labels


def test_layout_guidance_shapes_sdedit_layout_generation_as_the_held_labels_steering():
    held, steered = _stages(generation="sdedit_layout"), _stages(generation="sdedit_layout", layout_guidance=0.1)
    assert held["augmentation"]["hold_label"] == 0.3 and "hold_label" not in _stages(generation="sdedit")["augmentation"]
    assert {n for n in held if held[n] != steered[n]} == {"augmentation", "student_dakd"}
    assert _stages(generation="sdedit", layout_guidance=0.1) == _stages(generation="sdedit")  # plain SDEdit holds no label


def test_student_options_reach_the_dakd_student_only():
    p = MainJobParams.resolve(profile="tiny", real_share=0.5, bn_real_stats=True)
    runs = student_runs(p, 8, 32)
    assert (runs["dakd"].real_share, runs["dakd"].bn_real_stats) == (0.5, True)
    assert (runs["baseline"].real_share, runs["baseline"].bn_real_stats) == (None, False)  # the baseline is every arm's
    assert student_runs(MainJobParams.resolve(profile="tiny", generated_then_real=0.25), 8, 32)["dakd"].generated_then_real == 0.25


def test_freemask_reference_shapes_only_the_filtered_students():
    train, val = _stages(filter_generated="freemask"), _stages(filter_generated="freemask", filter_reference="val")
    assert {n for n in train if train[n] != val[n]} == {"student_dakd"} and "reference" not in train["student_dakd"]["filter"]


@pytest.mark.parametrize("reference", ["train", "val"])
def test_freemask_filter_weighs_the_dakd_students_pairs_with_the_baseline(tmp_path, monkeypatch, reference):
    from pathlib import Path
    from dakd_nb.augmentation import RealAsGenerated
    from dakd_nb.files import load_json
    from dakd_nb.synthsar import SynthSAR
    p = MainJobParams.resolve(profile="tiny", n_real=4, n_generated=4, epochs=1, filter_generated="freemask",
                              filter_reference=reference, output_dir=str(tmp_path))
    splits, seen, train = splits_of(p), {}, main_job.train_segmenter
    def spy(model, train_set, val_set, config, out, generated_set=None, **kw):
        seen[Path(out).name] = (generated_set, {k: v.clone() for k, v in model.state_dict().items()})
        return train(model, train_set, val_set, config, out, generated_set=generated_set, **kw)
    monkeypatch.setattr(main_job, "train_segmenter", spy)
    judged, freemask = [], main_job.freemask_weights
    monkeypatch.setattr(main_job, "freemask_weights", lambda model, real, *a: judged.append(real) or freemask(model, real, *a))
    augmentation = RealAsGenerated(SynthSAR(4, 32, seed=9))
    students = train_students(p, splits, augmentation, tmp_path, stage_fingerprints(p, splits))
    filtered = seen["student_dakd"][0]
    record = load_json(tmp_path / "student_dakd" / "filter.json")
    assert record["pixels"] == 4 * 32 * 32 and 0 < record["kept"] <= record["pixels"] and record["reference"] == reference
    assert float(sum(filtered[i]["weight"].sum() for i in range(4))) == record["kept"]
    expected, _ = freemask(students["baseline"][0], splits[reference], augmentation, 5, 1.25)
    assert all(torch.equal(filtered[i]["weight"], expected[i]) for i in range(4))  # the baseline's best weights judged them
    assert judged == [splits[reference]]  # the split whose class-mean CE is the reference


def test_fragment_clean_up_reaches_only_the_dakd_students_pairs(tmp_path, monkeypatch):
    from pathlib import Path
    from dakd_nb.augmentation import RealAsGenerated
    from dakd_nb.files import load_json
    from dakd_nb.pair_filters import clean_fragments
    from dakd_nb.synthsar import SynthSAR
    p = MainJobParams.resolve(profile="tiny", n_real=4, n_generated=4, epochs=1, clean_fragments=6, ceiling=True, output_dir=str(tmp_path))
    splits, seen, train = splits_of(p), {}, main_job.train_segmenter
    def spy(model, train_set, val_set, config, out, generated_set=None, **kw):
        seen[Path(out).name] = generated_set
        return train(model, train_set, val_set, config, out, generated_set=generated_set, **kw)
    monkeypatch.setattr(main_job, "train_segmenter", spy)
    augmentation = RealAsGenerated(SynthSAR(4, 32, seed=9))
    train_students(p, splits, augmentation, tmp_path, stage_fingerprints(p, splits))
    cleaned, record = seen["student_dakd"], load_json(tmp_path / "student_dakd" / "fragments.json")
    expected = [clean_fragments(augmentation[i]["label"], 6, spare=(3,)) for i in range(4)]
    assert all(torch.equal(cleaned[i]["soft"].argmax(0), expected[i]) for i in range(4))
    assert record["relabelled"] == sum(int((e != augmentation[i]["label"]).sum()) for i, e in enumerate(expected))
    assert record["relabelled"] > 0 and record["pixels"] == 4 * 32 * 32 and record["spared"] == ["ship"]
    assert not isinstance(seen["student_ceiling"], type(cleaned))  # fresh real scenes are not cleaned
    assert not (tmp_path / "student_ceiling" / "fragments.json").exists()


def test_sdedit_generation_starts_from_the_training_split(tmp_path):
    from dakd_nb.files import load_json
    from dakd_nb.jointnet import make_scheduler
    from dakd_nb.sampling import SARJointNetPipeline
    from toys import tiny_jointnet
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=5, generation="sdedit", sdedit_strength=0.4, output_dir=str(tmp_path))
    splits = splits_of(p)
    net = tiny_jointnet(b=0.5, size=32, classes=splits["train"].classes)
    aug = main_job.get_augmentation_set(p, SARJointNetPipeline(net, make_scheduler()), tmp_path, stage_fingerprints(p, splits), splits["train"])
    record = load_json(aug.path / "index.json")["sdedit"]
    assert len(aug) == 5 and record["n_source"] == 3 and record["strength"] == 0.4 and "hold_label" not in record


def test_sdedit_layout_generation_keeps_the_training_splits_label_maps(tmp_path):
    from dakd_nb.core import dihedral
    from dakd_nb.files import load_json
    from dakd_nb.jointnet import make_scheduler
    from dakd_nb.sampling import SARJointNetPipeline
    from toys import tiny_jointnet
    p = MainJobParams.resolve(profile="tiny", n_real=3, n_generated=5, generation="sdedit_layout", output_dir=str(tmp_path))
    splits = splits_of(p)
    net = tiny_jointnet(b=0.5, size=32, classes=splits["train"].classes)
    aug = main_job.get_augmentation_set(p, SARJointNetPipeline(net, make_scheduler()), tmp_path, stage_fingerprints(p, splits), splits["train"])
    record = load_json(aug.path / "index.json")["sdedit"]
    assert record["hold_label"] == p.layout_guidance and record["strength"] == p.sdedit_strength
    turned = [dihedral(splits["train"][i]["label"], k).long() for i in range(3) for k in range(8)]
    assert all(any(torch.equal(aug[j]["label"].long(), m) for m in turned) for j in range(5))  # each label a turned real map


@pytest.mark.parametrize("other", [dict(n_real=8), dict(generator_lr=1e-4), dict(image_size=96), dict(retrain_generator=True)])
def test_a_packaged_generator_serves_only_the_runs_it_was_trained_for(other):
    from dakd_nb.main_params import generator_folder
    assert generator_folder(MainJobParams.resolve(profile="few-label")).name == "synthsar-16-few-label"
    assert generator_folder(MainJobParams.resolve(profile="cpu-quick")).name == "synthsar-64"
    assert generator_folder(MainJobParams.resolve(profile="tiny")) is None
    assert generator_folder(MainJobParams.resolve(profile="few-label", **other)) is None  # other scenes or recipe: it trains its own
