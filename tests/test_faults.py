"""A damaged augmentation set ends in the package's own error naming the file, never a library crash or a
silently wrong sample."""
import json

import pytest
import torch

from dakd_nb.core import OSD_CLASSES, DataError
from dakd_nb.augmentation import AugmentationSet, write_augmentation_set
from dakd_nb.train_jointnet import JointNetConfig, build_jointnet, build_scheduler
from dakd_nb.jointnet import SARJointNetPipeline


@pytest.fixture(scope="module")
def aug_dir(tmp_path_factory):
    torch.manual_seed(0)
    cfg = JointNetConfig(image_size=16, block_out_channels=(8, 16), down_block_types=("DownBlock2D", "DownBlock2D"),
                         up_block_types=("UpBlock2D", "UpBlock2D"), norm_num_groups=4)
    pipe = SARJointNetPipeline(build_jointnet(cfg, OSD_CLASSES, 0.5), build_scheduler(cfg))
    return write_augmentation_set(pipe, 6, tmp_path_factory.mktemp("aug") / "set", steps=2, shard_size=3,
                                  progress=False)


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
    d, index = _copy(aug_dir, tmp_path)
    (d / index["shards"][1]["file"]).unlink()
    with pytest.raises(DataError, match=index["shards"][1]["file"]): AugmentationSet(d)
