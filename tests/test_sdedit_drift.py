"bench.sdedit_drift's per-class bookkeeping: what a generated label keeps of its start's, where the rest went, and the images there."
import pytest
import torch

from bench.sdedit_drift import class_drift, markdown

NAMES = ["sea", "oil_spill", "look_alike", "ship", "land"]


def test_a_label_kept_as_it_was_keeps_every_class():
    start = torch.tensor([[[0, 0, 1, 1], [0, 4, 4, 1]]])
    image = torch.linspace(-1, 1, 8).reshape(1, 2, 4)
    d = class_drift(start, start.clone(), image, image, NAMES)
    assert set(d) == {"sea", "oil_spill", "land"}  # classes absent from the starts are left out
    assert all(v["kept"] == 1 and v["generated_over_start"] == 1 and sum(v["to"].values()) == 0 for v in d.values())


def test_oil_relabelled_as_sea_is_counted_where_it_went_with_the_images_there():
    start = torch.tensor([[[1, 1, 1, 1], [0, 0, 0, 0]]])
    generated = torch.tensor([[[1, 0, 0, 0], [0, 0, 0, 1]]])  # three of four oil pixels become sea; oil appears elsewhere
    start_image = torch.tensor([[[-0.8] * 4, [0.0] * 4]])
    generated_image = torch.tensor([[[-0.8, -0.6, -0.4, -0.2], [0.0] * 4]])
    d = class_drift(start, generated, start_image, generated_image, NAMES)
    oil = d["oil_spill"]
    assert oil["kept"] == pytest.approx(0.25) and oil["to"]["sea"] == pytest.approx(0.75) and oil["generated_over_start"] == pytest.approx(0.5)
    assert oil["image_start"] == pytest.approx(-0.8) and oil["image_generated"] == pytest.approx(-0.5)
    assert d["sea"]["kept"] == pytest.approx(0.75) and d["sea"]["to"]["oil_spill"] == pytest.approx(0.25)
    table = markdown({"classes": NAMES, "drift": {"0.5": d}, "generator": "g", "sampler": "dpm, 20 steps", "starts": "s"})
    assert "| 0.5 | 0.75 | 0.25 | 0.75 | 0.50 | -0.80 → -0.50 | 0.00 |" in table
