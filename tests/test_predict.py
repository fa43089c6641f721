"""`dakd-predict` as a user runs it: `python -m dakd_nb.predict` in a fresh process, and the console script declared."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_console_script_is_declared():
    assert re.search(r'"dakd-predict=dakd_nb\.predict:predict_cli"', (ROOT / "setup.py").read_text())


def test_python_m_predict_on_odd_sizes(tmp_path):
    import torch
    from dakd_nb.core import OSD_CLASSES
    from dakd_nb.saross import build_segmenter, save_segmenter
    torch.manual_seed(0)
    save_segmenter(build_segmenter("saross", num_classes=5, width=8), tmp_path / "student" / "best", OSD_CLASSES, 32)
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    sizes = {"odd.png": (41, 67), "small.jpg": (19, 50)}
    for name, (h, w) in sizes.items(): Image.fromarray(rng.integers(0, 256, (h, w)).astype(np.uint8)).save(images / name)
    res = subprocess.run([sys.executable, "-m", "dakd_nb.predict", str(tmp_path / "student"), str(images),
                          "--out", str(tmp_path / "out"), "--device", "cpu"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "wrote 2 label maps" in res.stdout
    for name, (h, w) in sizes.items():
        stem = Path(name).stem
        assert np.asarray(Image.open(tmp_path / "out" / "labels" / f"{stem}.png")).shape == (h, w)
        assert np.asarray(Image.open(tmp_path / "out" / "masks" / f"{stem}.png")).shape == (h, w, 3)
        assert (tmp_path / "out" / "overlays" / f"{stem}.png").is_file()
    assert json.loads((tmp_path / "out" / "predictions.json").read_text())["window"] == [32, 32]
    bad = subprocess.run([sys.executable, "-m", "dakd_nb.predict", str(tmp_path / "nowhere"), str(images)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert bad.returncode == 1 and "nowhere: no such folder" in bad.stderr


@pytest.mark.parametrize("student", ["deeplabv3plus", "cbdnet", "segformer", "mask2former"])
def test_python_m_predict_table_m_students(tmp_path, student):
    "Each Table M student, saved at the tiny width, is segmented by `dakd-predict` in a fresh process as in this one."
    import torch
    from dakd_nb.core import OSD_CLASSES
    from dakd_nb.predict import predict_labels
    from dakd_nb.saross import build_segmenter, load_segmenter, save_segmenter
    torch.manual_seed(0)
    save_segmenter(build_segmenter(student, num_classes=5, width=8), tmp_path / "student" / "best", OSD_CLASSES, 32)
    image = np.random.default_rng(1).integers(0, 256, (41, 67)).astype(np.uint8)
    (tmp_path / "images").mkdir()
    Image.fromarray(image).save(tmp_path / "images" / "scene.png")
    res = subprocess.run([sys.executable, "-m", "dakd_nb.predict", str(tmp_path / "student"), str(tmp_path / "images"),
                          "--out", str(tmp_path / "out"), "--device", "cpu"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    labels = np.asarray(Image.open(tmp_path / "out" / "labels" / "scene.png"))
    assert np.array_equal(labels, predict_labels(load_segmenter(tmp_path / "student"), image))
