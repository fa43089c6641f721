"""With tensorboard installed (the optional extra `dakd_nb[tensorboard]`, part of `[dev]`), the students' per-epoch records
also reach TensorBoard, resumed runs included. CI installs the development extra, so there it must run, not skip."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("tensorboard") is None and os.environ.get("CI"):
    raise ImportError("CI installs the [dev] extra, which has tensorboard: it is missing, so the extra is broken")
pytest.importorskip("tensorboard")
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

sys.path.insert(0, str(Path(__file__).parent))
from toys import ToySeg, tiny_segmenter  # noqa: E402

from dakd_nb.distill import DistillConfig, train_segmenter  # noqa: E402


class _Stop(Exception): pass


def _stop_after_first(epoch, record):
    if epoch == 0: raise _Stop


def _scalars(folder: Path, tag: str) -> dict[int, float]:
    out = {}
    for events in sorted((folder / "tensorboard").glob("events.*")):
        acc = EventAccumulator(str(events))
        acc.Reload()
        if tag in acc.Tags()["scalars"]: out.update({e.step: e.value for e in acc.Scalars(tag)})
    return out


def test_student_records_reach_tensorboard_across_a_resume(tmp_path):
    torch.set_num_threads(1)
    cfg = DistillConfig.for_profile("tiny", epochs=2, batch_size=4, device="cpu")
    train, val = ToySeg(8, seed=0), ToySeg(4, seed=1)
    torch.manual_seed(0)
    with pytest.raises(_Stop):
        train_segmenter(tiny_segmenter(width=8), train, val, cfg, tmp_path, callbacks=[_stop_after_first], progress=False)
    torch.manual_seed(0)
    res = train_segmenter(tiny_segmenter(width=8), train, val, cfg, tmp_path, progress=False)
    logged = _scalars(tmp_path, "val_miou")
    assert sorted(logged) == [1, 2]
    assert all(logged[e + 1] == pytest.approx(r["val_miou"], rel=1e-6) for e, r in enumerate(res.history))
