"""A damaged augmentation set ends in the package's own error naming the file, never a library crash or a
silently wrong sample; a resumed generation regenerates a damaged shard; a write the file system refuses is
the package's error naming the target, with no temporary left behind."""
import json
import os
import warnings

import pytest
import torch

from dakd_nb import files
from dakd_nb.core import OSD_CLASSES, DakdError, DataError
from dakd_nb.files import atomic_dir, save_json
from dakd_nb.augmentation import AugmentationSet, write_augmentation_set
from dakd_nb.train_jointnet import JointNetConfig, build_jointnet, build_scheduler
from dakd_nb.sampling import SARJointNetPipeline


WRITE = dict(n=6, steps=2, shard_size=3, progress=False)


@pytest.fixture(scope="module")
def pipe():
    torch.manual_seed(0)
    cfg = JointNetConfig(image_size=16, block_out_channels=(8, 16), down_block_types=("DownBlock2D", "DownBlock2D"),
                         up_block_types=("UpBlock2D", "UpBlock2D"), norm_num_groups=4)
    return SARJointNetPipeline(build_jointnet(cfg, OSD_CLASSES, 0.5), build_scheduler(cfg))


@pytest.fixture(scope="module")
def aug_dir(pipe, tmp_path_factory):
    return write_augmentation_set(pipe, out_dir=tmp_path_factory.mktemp("aug") / "set", **WRITE)


def _copy(src, tmp_path):
    import shutil
    dst = tmp_path / "set"
    shutil.copytree(src, dst)
    return dst, json.loads((dst / "index.json").read_text())


def test_good_set_reads(aug_dir):
    ds = AugmentationSet(aug_dir, verify=True)
    assert len(ds) == 6 and ds[5]["soft"].shape == (5, 16, 16)
    assert torch.allclose(ds[5]["soft"].sum(0), torch.ones(16, 16), atol=1e-2)


def test_wrong_checksum_is_caught_by_verify(aug_dir, tmp_path):
    d, index = _copy(aug_dir, tmp_path)
    shard = d / index["shards"][1]["file"]
    data = bytearray(shard.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in the tensor data: same size, wrong content
    shard.write_bytes(bytes(data))
    with pytest.raises(DataError, match=shard.name) as e: AugmentationSet(d, verify=True)
    assert "SHA-256" in str(e.value)


def test_truncated_shard_is_a_data_error_on_read(aug_dir, tmp_path):
    d, index = _copy(aug_dir, tmp_path)
    shard = d / index["shards"][0]["file"]
    shard.write_bytes(shard.read_bytes()[:40])
    ds = AugmentationSet(d)  # listing only; the damage shows when the shard is read
    with pytest.raises(DataError, match=shard.name): ds[0]


@pytest.mark.parametrize("text, fragment", [
    ("{half", "not valid JSON"),
    ('["a", "list"]', "format"),
    ('{"format": "%s"}', "malformed index"),
])
def test_broken_index_names_it(aug_dir, tmp_path, text, fragment):
    d, index = _copy(aug_dir, tmp_path)
    (d / "index.json").write_text(text.replace("%s", index["format"]))
    with pytest.raises(DataError, match="index.json") as e: AugmentationSet(d)
    assert fragment in str(e.value)


def test_missing_shard_names_it(aug_dir, tmp_path):
    "The missing shard is at fault, not the index that lists it."
    d, index = _copy(aug_dir, tmp_path)
    (d / index["shards"][1]["file"]).unlink()
    with pytest.raises(DataError, match=index["shards"][1]["file"]) as e: AugmentationSet(d)
    assert e.value.path == d / index["shards"][1]["file"] and "malformed" not in str(e.value)


@pytest.mark.parametrize("damage", ["flip", "delete"])
def test_resume_generates_a_damaged_or_missing_shard_again(pipe, aug_dir, tmp_path, damage):
    "A resumed generation checks the shards it would skip: a flipped byte (same size) or a missing file is redone."
    d, index = _copy(aug_dir, tmp_path)
    shard = d / index["shards"][1]["file"]
    good = shard.read_bytes()
    if damage == "flip": shard.write_bytes(good[:-5] + bytes([good[-5] ^ 0xFF]) + good[-4:])
    else: shard.unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_augmentation_set(pipe, out_dir=d, **WRITE)
    assert any(shard.name in str(w.message) for w in caught), [str(w.message) for w in caught]
    assert shard.read_bytes() == good and json.loads((d / "index.json").read_text()) == index
    AugmentationSet(d, verify=True)


def test_refused_write_names_the_target_and_leaves_no_temporary(tmp_path, monkeypatch):
    "A permission error mid-run (here from os.replace, as a folder made read-only would give) is a DakdError."
    def refuse(src, dst): raise PermissionError(13, "Permission denied", str(dst))
    save_json({"a": 1}, tmp_path / "r.json")
    with atomic_dir(tmp_path / "ckpt") as t: (t / "w.txt").write_text("1")
    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(DakdError, match="cannot write .*r.json: Permission denied"): save_json({"a": 2}, tmp_path / "r.json")
    with pytest.raises(DakdError, match="cannot write .*ckpt: Permission denied"):
        with atomic_dir(tmp_path / "ckpt") as t: (t / "w.txt").write_text("2")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "r.json"]  # no .tmp file or folder
    assert json.loads((tmp_path / "r.json").read_text()) == {"a": 1} and (tmp_path / "ckpt" / "w.txt").read_text() == "1"


def test_a_killed_writers_temporary_is_cleared_by_the_next_write(tmp_path):
    import subprocess
    dead = subprocess.Popen(["true"]); dead.wait()
    (tmp_path / f".ckpt.{dead.pid}.x1.tmp").mkdir()
    (tmp_path / f".r.json.{dead.pid}.x2.tmp").write_text("{hal")
    save_json({"a": 1}, tmp_path / "r.json")
    with atomic_dir(tmp_path / "ckpt") as t: (t / "w.txt").write_text("1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "r.json"]


def test_a_binary_training_state_names_the_file(tmp_path):
    from dakd_nb.checkpoints import STATE_FILE, read_training_state
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / STATE_FILE).write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DataError, match=f"checkpoint/{STATE_FILE}: not a JSON text file"):
        read_training_state(tmp_path / "checkpoint", {"lr": 1e-3})


def test_dakd_predict_refuses_a_student_with_a_nan_weight(tmp_path, capsys):
    "One NaN weight makes every pixel one class: dakd-predict must stop, naming the weights, not write that."
    import numpy as np
    from PIL import Image
    from safetensors.torch import load_file, save_file
    from dakd_nb.predict import predict_cli
    from dakd_nb.saross import build_segmenter, save_segmenter
    save_segmenter(build_segmenter("unet", num_classes=5, width=8), tmp_path / "student" / "best", OSD_CLASSES, 32)
    weights = tmp_path / "student" / "best" / "model.safetensors"
    tensors = load_file(weights)
    tensors[sorted(tensors)[0]].view(-1)[0] = float("nan")
    save_file(tensors, weights)
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "scene.png")
    assert predict_cli([str(tmp_path / "student"), str(tmp_path / "scene.png"), "--out", str(tmp_path / "out")]) == 1
    assert "best/model.safetensors: 1 tensor(s) hold NaN or Inf values" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
