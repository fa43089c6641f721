"""dakd_nb.metrics cross-checked against torchmetrics (a development-only dependency) on random predictions.

The one deliberate difference: a class absent from both the truth and the prediction has no IoU, F1,
precision or recall, so dakd_nb reports NaN for it and leaves it out of every mean; torchmetrics reports
its `zero_division` value (0) per class, and also leaves such classes out of its macro means. Where a
class is present, the two agree to float precision, and so do all the means.
"""
import math

import numpy as np
import pytest
import torch

tm = pytest.importorskip("torchmetrics.functional.classification")

from dakd_nb.metrics import SegMetrics, confusion_matrix, metrics_from_confusion


def _random_maps(seed: int, k: int, shape=(3, 17, 23), absent=(), ignored=0.0):
    "Predictions that mostly agree with a random truth (so scores are far from 0 and 1); classes in `absent` never occur."
    g = torch.Generator().manual_seed(seed)
    allowed = torch.tensor([c for c in range(k) if c not in absent])
    target = allowed[torch.randint(0, len(allowed), shape, generator=g)]
    noise = allowed[torch.randint(0, len(allowed), shape, generator=g)]
    pred = torch.where(torch.rand(shape, generator=g) < 0.6, target, noise)
    if ignored: target = torch.where(torch.rand(shape, generator=g) < ignored, -1, target)
    return pred, target


def _per_class(fn, pred, target, k):
    return fn(pred.reshape(-1), target.reshape(-1), k, average="none", ignore_index=-1).double().numpy()


def _macro(fn, pred, target, k):
    return float(fn(pred.reshape(-1), target.reshape(-1), k, average="macro", ignore_index=-1))


CASES = [  # (seed, K, classes absent from truth and prediction, fraction of ignored pixels)
    (0, 5, (), 0.0), (1, 5, (), 0.1), (2, 5, (3,), 0.0), (3, 5, (1, 4), 0.2), (4, 2, (), 0.0), (5, 3, (), 0.3),
]


@pytest.mark.parametrize("seed,k,absent,ignored", CASES)
def test_confusion_matrix_matches(seed, k, absent, ignored):
    pred, target = _random_maps(seed, k, absent=absent, ignored=ignored)
    ours = confusion_matrix(pred, target, k)
    theirs = tm.multiclass_confusion_matrix(pred.reshape(-1), target.reshape(-1), k, ignore_index=-1)
    assert torch.equal(ours, theirs.long())


@pytest.mark.parametrize("seed,k,absent,ignored", CASES)
def test_iou_f1_precision_recall_match(seed, k, absent, ignored):
    pred, target = _random_maps(seed, k, absent=absent, ignored=ignored)
    m = metrics_from_confusion(confusion_matrix(pred, target, k))
    present = [c for c in range(k) if c not in absent]
    for ours_key, fn in (("iou", tm.multiclass_jaccard_index), ("f1", tm.multiclass_f1_score),
                         ("precision", tm.multiclass_precision), ("recall", tm.multiclass_recall)):
        ours = np.array([m[f"{ours_key}_per_class"][str(c)] for c in range(k)])
        theirs = _per_class(fn, pred, target, k)
        np.testing.assert_allclose(ours[present], theirs[present], rtol=1e-6, err_msg=ours_key)
        # the deliberate difference: an absent class is NaN here, torchmetrics' zero_division (0) there
        assert all(math.isnan(ours[c]) and theirs[c] == 0 for c in absent), ours_key
        # ... and both leave it out of the macro mean
        macro = m["miou"] if ours_key == "iou" else m[f"{ours_key}_macro"]
        assert macro == pytest.approx(_macro(fn, pred, target, k), rel=1e-6), ours_key
    acc = float(tm.multiclass_accuracy(pred.reshape(-1), target.reshape(-1), k, average="micro", ignore_index=-1))
    assert m["pixel_accuracy"] == pytest.approx(acc, rel=1e-6)


def test_binary_convention_is_the_oil_class():
    "Binary sets report P/R/F1 of class 1 (oil), which is torchmetrics' binary score of the oil mask."
    pred, target = _random_maps(7, 2, ignored=0.1)
    m = metrics_from_confusion(confusion_matrix(pred, target, 2))
    keep = target >= 0
    assert m["f1"] == pytest.approx(float(tm.binary_f1_score(pred[keep], target[keep])), rel=1e-6)
    assert m["precision"] == pytest.approx(float(tm.binary_precision(pred[keep], target[keep])), rel=1e-6)
    assert m["recall"] == pytest.approx(float(tm.binary_recall(pred[keep], target[keep])), rel=1e-6)
    assert m["iou_per_class"]["1"] == pytest.approx(float(tm.binary_jaccard_index(pred[keep], target[keep])), rel=1e-6)


def test_accumulated_over_batches_matches_one_pass():
    "SegMetrics sums confusion matrices batch by batch; torchmetrics' stateful metric over the same batches agrees."
    from torchmetrics.classification import MulticlassJaccardIndex
    k, ours, theirs = 5, SegMetrics(5), MulticlassJaccardIndex(5, average="macro")
    for seed in range(4):
        pred, target = _random_maps(10 + seed, k, absent=(2,) if seed % 2 else ())
        ours.update(pred, target)
        theirs.update(pred.reshape(-1), target.reshape(-1))
    assert ours.compute()["miou"] == pytest.approx(float(theirs.compute()), rel=1e-6)
