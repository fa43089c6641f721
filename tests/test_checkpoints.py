"""Both training loops resume through `dakd_nb.checkpoints`: a tampered state file is refused before it can run
code, and a checkpoint made with another config or in another format is refused by name, never resumed."""
import builtins
import sys
from pathlib import Path

import pytest
import torch

from dakd_nb.core import DakdError, DataError
from dakd_nb.distill import DistillConfig, train_segmenter
from dakd_nb.train_jointnet import JointNetConfig, train_jointnet

sys.path.insert(0, str(Path(__file__).parent))
from toys import ToySAR, ToySeg, tiny_segmenter  # noqa: E402

torch.set_num_threads(1)


class _RunsCode:
    "Unpickling this creates `marker`: a stand-in for any code a tampered checkpoint might name."
    marker = None
    def __reduce__(self): return (builtins.open, (str(self.marker), "w"))


def _tamper(file: Path, marker: Path) -> None:
    _RunsCode.marker = marker
    torch.save({"state": {0: _RunsCode()}, "param_groups": []}, file)


def _jointnet(out: Path, steps: int = 2, **kw):
    cfg = JointNetConfig.for_profile("tiny", image_size=16, steps=steps, checkpoint_every=2, device="cpu",
                                     balance_samples=8, **kw)
    return train_jointnet(ToySAR(16), cfg, out, progress=False)


def _student(out: Path, epochs: int = 1, **kw):
    torch.manual_seed(0)
    cfg = DistillConfig.for_profile("tiny", epochs=epochs, batch_size=6, device="cpu", **kw)
    return train_segmenter(tiny_segmenter(width=4), ToySeg(6, seed=1), ToySeg(3, seed=2), cfg, out, progress=False)


@pytest.fixture(scope="module")
def jointnet_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("jointnet") / "run"
    _jointnet(out)
    return out


@pytest.fixture(scope="module")
def student_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "run"
    _student(out)
    return out


def _copy(src: Path, tmp_path: Path) -> Path:
    import shutil
    return Path(shutil.copytree(src, tmp_path / "run"))


def test_the_payload_is_live(tmp_path):
    "The attack is real: the unsafe unpickler would run it (so its absence below means it was refused)."
    marker = tmp_path / "code_ran"
    _tamper(tmp_path / "optimizer.pt", marker)
    torch.load(tmp_path / "optimizer.pt", weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("part", ["optimizer.pt", "ema.pt"])
def test_jointnet_refuses_a_state_file_that_runs_code(jointnet_run, tmp_path, part):
    run, marker = _copy(jointnet_run, tmp_path), tmp_path / "code_ran"
    _tamper(run / "checkpoint" / part, marker)
    with pytest.raises(DataError, match=part) as e: _jointnet(run, steps=4)
    assert e.value.path == run / "checkpoint" / part and "weights_only=False" not in str(e.value)
    assert not marker.exists()


@pytest.mark.parametrize("part", ["optimizer.pt", "scheduler.pt"])
def test_student_refuses_a_state_file_that_runs_code(student_run, tmp_path, part):
    run, marker = _copy(student_run, tmp_path), tmp_path / "code_ran"
    _tamper(run / "last" / part, marker)
    with pytest.raises(DataError, match=part) as e: _student(run)
    assert e.value.path == run / "last" / part and "weights_only=False" not in str(e.value)
    assert not marker.exists()


def test_changed_config_is_refused_naming_the_fields(jointnet_run, student_run, tmp_path):
    with pytest.raises(DakdError, match=r"lr: 0\.0005 -> 0\.002.*ema_decay: 0\.99 -> 0\.5"):
        _jointnet(_copy(jointnet_run, tmp_path / "g"), steps=4, lr=2e-3, ema_decay=0.5)
    with pytest.raises(DakdError, match=r"temperature: 1\.0 -> 2\.0"):
        _student(_copy(student_run, tmp_path / "s"), temperature=2.0)


def test_checkpoint_in_another_format_is_refused_not_restarted(student_run, tmp_path):
    run = _copy(student_run, tmp_path)
    (run / "last" / "state.json").rename(run / "last" / "trainer_state.json")  # the layout before dakd_nb.checkpoints
    with pytest.raises(DataError, match="no state.json"): _student(run)


def test_damaged_weights_are_named(jointnet_run, tmp_path):
    run = _copy(jointnet_run, tmp_path)
    weights = run / "checkpoint" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:64])
    with pytest.raises(DataError, match="model.safetensors"): _jointnet(run, steps=4)


def test_resume_from_checkpoint_equals_uninterrupted(jointnet_run, tmp_path):
    "Resumed from a copied checkpoint (another folder, another process state) the run equals a straight one."
    resumed = _jointnet(_copy(jointnet_run, tmp_path / "a"), steps=4)
    straight = _jointnet(tmp_path / "b", steps=4)
    assert resumed.resumed_from == 2 and resumed.history == straight.history
    assert resumed.pipeline.sha256() == straight.pipeline.sha256()
