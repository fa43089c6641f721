"""What keeps runs apart and honest, without running one: the folder lock (core), every main-job parameter
checked before any work (the values below are what papermill passes for the `-p` given in each comment),
a generator folder checked against the data, and stage records that see a changed data file."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dakd_nb.core import BINARY_CLASSES, OSD_CLASSES, ArgumentError, DakdError
from dakd_nb.files import process_start
from dakd_nb.runs import hold_folder, lock_holder, release_lock, take_lock
from dakd_nb.data import build_splits
from dakd_nb.main_params import MainJobParams, check_generator
from dakd_nb.main_job import data_identity

sys.path.insert(0, str(Path(__file__).parent))
import fixtures  # noqa: E402


# --- the folder lock -----------------------------------------------------------------------------------

def _ended_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _record(pid, **kw):
    return json.dumps({"host": socket.gethostname(), "pid": pid, "pid_start": process_start(pid), "started": "then", **kw})


def test_lock_of_an_ended_process_is_taken_over(tmp_path):
    lock = tmp_path / ".lock"
    lock.write_text(_record(_ended_pid()))
    assert lock_holder(lock) is None and take_lock(lock) is None
    assert json.loads(lock.read_text())["pid"] == os.getpid()
    release_lock(lock)
    assert not lock.exists()


def test_lock_of_a_reused_pid_is_stale(tmp_path):
    "pid 1 is alive, but it is not the process that took the lock (another start time)."
    lock = tmp_path / ".lock"
    lock.write_text(json.dumps({**json.loads(_record(1)), "pid_start": "0"}))
    assert lock_holder(lock) is None and take_lock(lock) is None


def test_lock_of_a_live_process_or_another_host_is_refused(tmp_path):
    other = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / ".lock").write_text(_record(other.pid))
        with pytest.raises(DakdError, match=f"in use by another run \\(process {other.pid} on") as e: hold_folder(tmp_path)
        assert str(tmp_path / ".lock") in str(e.value)
        release_lock(tmp_path / ".lock")  # not this process's: left alone
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == other.pid
    finally:
        other.kill(); other.wait()
    assert hold_folder(tmp_path) == tmp_path / ".lock"  # its process has ended: stale
    (tmp_path / ".lock").write_text(_record(os.getpid(), host="gpu-node-7"))
    with pytest.raises(DakdError, match="gpu-node-7.*cannot be checked from here"): hold_folder(tmp_path)


def test_a_child_keeps_the_lock_held(tmp_path):
    "The sweep runner names papermill as its child: the lock stays held while the child lives."
    lock = tmp_path / ".lock"
    child = subprocess.Popen(["sleep", "60"])
    try:
        lock.write_text(_record(_ended_pid(), child_pid=child.pid, child_start=process_start(child.pid)))
        assert lock_holder(lock)["child_pid"] == child.pid
    finally:
        child.kill(); child.wait()
    assert lock_holder(lock) is None


# --- every parameter checked before any work -------------------------------------------------------------

@pytest.mark.parametrize("params, says", [
    (dict(kd_weigth=2), "unknown parameter 'kd_weigth': did you mean 'kd_weight'?"),      # -p kd_weigth 2
    (dict(use_caft="maybe"), "use_caft='maybe' must be True or False"),                   # -p use_caft maybe
    (dict(use_caft=1), "use_caft=1 must be True or False"),                               # -p use_caft 1
    (dict(epochs=2.5), "epochs=2.5 must be a whole number"),                              # -p epochs 2.5
    (dict(epochs="abc"), "epochs='abc' must be a whole number"),                          # -p epochs abc
    (dict(kd_weight=float("nan")), "kd_weight=nan must be a finite number"),              # -p kd_weight nan
    (dict(temperature=float("inf")), "temperature=inf must be a finite number"),          # -p temperature inf
    (dict(seed=-1), "seed=-1 must be in [0, 2**32)"),                                     # -p seed -1
    (dict(seed=None), "seed=None must be a whole number"),                                # -p seed None
    (dict(output_dir=""), "output_dir='' must name a folder"),                            # -p output_dir ""
    (dict(output_dir="  "), "output_dir='  ' must name a folder"),
    (dict(data_root=2024, dataset="osd"), "data_root=2024 must be text"),                 # -p data_root 2024
    (dict(balance_factor=1.5), "balance_factor=1.5 must be in (0, 1]"),                  # -p balance_factor 1.5
    (dict(balance_factor=0.0), "balance_factor=0.0 must be in (0, 1]"),
    (dict(n_generated=-5), "n_generated=-5 must be at least 0"),
    (dict(batch_size=0), "batch_size=0 must be at least 1"),
    (dict(loss_mode="v3"), "loss_mode='v3' is not one of"),
    (dict(device="gpu"), "device='gpu' is not one of"),
    (dict(data_root="/tmp"), "dataset='synthsar' reads no files"),
])
def test_bad_parameter_is_named_before_any_work(params, says, tmp_path):
    with pytest.raises(ArgumentError) as e: MainJobParams.resolve(**{"profile": "tiny", "output_dir": str(tmp_path / "run"), **params})
    assert says in str(e.value)
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_refused():
    with pytest.raises(ArgumentError, match="device='cuda'.*no CUDA device"): MainJobParams.resolve(device="cuda")  # -p device cuda


def test_good_values_are_taken_as_declared():
    p = MainJobParams.resolve(profile="tiny", epochs=3.0, kd_weight=2, n_real=None, balance_factor=1)
    assert (p.epochs, p.kd_weight, p.balance_factor) == (3, 2.0, 1.0) and isinstance(p.kd_weight, float)
    assert p.n_real == 8 and p.n_generated == 32 and p.redo_stale is False


def _generator_folder(tmp_path, size: int, names: tuple, **config) -> Path:
    "A generator folder as far as check_generator reads it: model/config.json."
    folder = tmp_path / f"gen{size}{len(names)}{''.join(map(str, config.values()))}"
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "config.json").write_text(json.dumps({"sample_size": size, "class_names": list(names), **config}))
    return folder


def test_generator_folder_is_checked_against_the_data(tmp_path):
    assert not (tmp_path / "empty" / "model").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArgumentError, match="is not a generator folder"): MainJobParams.resolve(jointnet_path=str(tmp_path / "empty"))
    wrong_size = MainJobParams.resolve(profile="tiny", jointnet_path=str(_generator_folder(tmp_path, 64, OSD_CLASSES.names)))
    with pytest.raises(ArgumentError, match="makes 64x64 images, the 'tiny' profile trains on 32x32"):
        check_generator(wrong_size, OSD_CLASSES)
    binary = MainJobParams.resolve(profile="tiny", jointnet_path=str(_generator_folder(tmp_path, 32, BINARY_CLASSES.names)))
    with pytest.raises(ArgumentError, match="labels 2 classes \\(sea, oil_spill\\), dataset='synthsar' has 5"):
        check_generator(binary, OSD_CLASSES)
    check_generator(MainJobParams.resolve(profile="tiny", jointnet_path=str(_generator_folder(tmp_path, 32, OSD_CLASSES.names))),
                    OSD_CLASSES)
    ddpm = str(_generator_folder(tmp_path, 32, OSD_CLASSES.names, variant="ddpm"))
    with pytest.raises(ArgumentError, match="the generator there is a 'ddpm' one, but generator='sar_jointnet'; give generator='ddpm'"):
        check_generator(MainJobParams.resolve(profile="tiny", jointnet_path=ddpm), OSD_CLASSES)  # results.json would say sar_jointnet
    check_generator(MainJobParams.resolve(profile="tiny", jointnet_path=ddpm, generator="ddpm"), OSD_CLASSES)
    gan = str(_generator_folder(tmp_path, 32, OSD_CLASSES.names, _class_name="SemGANGenerator"))
    with pytest.raises(ArgumentError, match="a 'semgan' one"): check_generator(MainJobParams.resolve(profile="tiny", jointnet_path=gan), OSD_CLASSES)


# --- what a stage is made from -------------------------------------------------------------------------

def test_data_identity_sees_a_relabelled_mask_not_a_moved_copy(tmp_path):
    fixtures.write_inpe(tmp_path / "a")
    ident = lambda root: {k: data_identity(v, root) for k, v in build_splits("inpe", root, 2, 16, 1, 1).items() if k != "test"}
    before = ident(tmp_path / "a")
    assert len(before["train"]["files"]) == 4 and before["train"]["files"][0][0].startswith("IMAGES/")
    os.rename(tmp_path / "a", tmp_path / "b")
    assert ident(tmp_path / "b") == before  # the same files elsewhere: the same data
    mask = tmp_path / "b" / before["train"]["files"][1][0]
    label = Image.open(mask).point(lambda v: 1 - v)  # a corrected label
    label.save(mask)
    after = ident(tmp_path / "b")
    assert after["train"]["files"][1] != before["train"]["files"][1] and after["val"] == before["val"]
