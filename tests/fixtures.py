"""Tiny fixtures in exactly the on-disk formats of the real data sets, written with PIL directly.

Nothing here calls the package: the colour code and value codes are written literally, so a reader
that got them wrong cannot agree with its own writer. Each writer returns {split: {name: label}}, the
class ids it drew (package ids: 0 sea, 1 oil spill, 2 look-alike, 3 ship, 4 land; binary: 0 sea,
1 oil), so tests can compare what a reader returns with what was written.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

# OSD README.txt: Black sea, Cyan oil spill, Red look-alike, Brown ship, Green land.
OSD_RGB = {0: (0, 0, 0), 1: (0, 255, 255), 2: (255, 0, 0), 3: (153, 76, 0), 4: (0, 153, 0)}


def scene(h: int, w: int, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    "A grey image and a label map holding every class id in rectangles, different per seed."
    rng = np.random.default_rng(seed)
    label = np.zeros((h, w), np.uint8)
    for c in range(1, n_classes):
        y, x = rng.integers(0, h - 6), rng.integers(0, w - 6)
        label[y:y + rng.integers(3, 7), x:x + rng.integers(3, 7)] = c
    image = np.clip(110 + 20 * rng.standard_normal((h, w)) - 60 * (label == 1), 0, 255).astype(np.uint8)
    return image, label


def grey3(a: np.ndarray) -> Image.Image:
    "A grey image stored with three equal channels, as many SAR JPEGs are."
    return Image.fromarray(np.stack([a] * 3, -1), "RGB")


def write_osd(root, n_train: int = 3, n_test: int = 2, size: tuple[int, int] = (40, 24), seed: int = 0) -> dict:
    "MKLab OSD: {split}/images/NAME.jpg, {split}/labels/NAME.png (RGB code), {split}/labels_1D/NAME.png (ids)."
    root, (w, h), out = Path(root), size, {}
    for split, n in (("train", n_train), ("test", n_test)):
        for sub in ("images", "labels", "labels_1D"): (root / split / sub).mkdir(parents=True, exist_ok=True)
        out[split] = {}
        for i in range(n):
            name = f"img_{i + 1:04d}" if split == "train" else f"img_{1000 + i:04d}"
            image, label = scene(h, w, 5, seed * 1000 + (500 if split == "test" else 0) + i)
            grey3(image).save(root / split / "images" / f"{name}.jpg", quality=95)
            rgb = np.zeros((h, w, 3), np.uint8)
            for c, colour in OSD_RGB.items(): rgb[label == c] = colour
            Image.fromarray(rgb, "RGB").save(root / split / "labels" / f"{name}.png")
            Image.fromarray(label, "L").save(root / split / "labels_1D" / f"{name}.png")
            out[split][name] = label
    return out


def write_sos(root, n_train: int = 3, n_test: int = 2, size: tuple[int, int] = (32, 32), seed: int = 0) -> dict:
    "Deep-SAR Oil Spill: train/{subset}/ID_sat.jpg + ID_mask.png together; test/{subset}/sat and gt apart."
    root, (w, h), out = Path(root), size, {}
    for split, n in (("train", n_train), ("test", n_test)):
        for subset in ("palsar", "sentinel"):
            img_dir = root / split / subset / ("sat" if split == "test" else "")
            mask_dir = root / split / subset / ("gt" if split == "test" else "")
            img_dir.mkdir(parents=True, exist_ok=True); mask_dir.mkdir(parents=True, exist_ok=True)
            out[f"{split}/{subset}"] = {}
            for i in range(n):
                sid = str(10000 + i)
                image, label = scene(h, w, 2, seed * 1000 + len(out) * 10 + i)
                grey3(image).save(img_dir / f"{sid}_sat.jpg", quality=95)
                mask = (label * 255).astype(np.uint8)
                # CBD-Net's evaluator splits masks into R,G,B: store palsar's that way, sentinel's as L.
                (grey3(mask) if subset == "palsar" else Image.fromarray(mask, "L")).save(mask_dir / f"{sid}_mask.png")
                out[f"{split}/{subset}"][sid] = label
    return out


def write_refined_sos(root, n_train: int = 3, n_val: int = 2, size: tuple[int, int] = (32, 32), seed: int = 0) -> dict:
    "Refined SOS (Zenodo 15298010): images/{split}/palsar_N.png, sentinel_N.png; masks/{split}/same name, 0/255."
    root, (w, h), out = Path(root), size, {}
    for split, n in (("train", n_train), ("val", n_val)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "masks" / split).mkdir(parents=True, exist_ok=True)
        out[split] = {}
        for subset in ("palsar", "sentinel"):
            for i in range(n):
                name = f"{subset}_{i}"
                image, label = scene(h, w, 2, seed * 1000 + 100 * len(out) + len(out[split]))
                Image.fromarray(image, "L").save(root / "images" / split / f"{name}.png")
                Image.fromarray((label * 255).astype(np.uint8), "L").save(root / "masks" / split / f"{name}.png")
                out[split][name] = label
    return out


def write_inpe(root, counts: dict | None = None, size: tuple[int, int] = (40, 30), seed: int = 0) -> dict:
    "INPE Gulf of Mexico: splits/{split}.csv -> IMAGES/IMG-RGB/NAME.png, IMAGES/LABELS-1D/NAME_1D.png (0 sea / 1 slick)."
    root, (w, h), out = Path(root), size, {}
    counts = counts or {"train": 3, "val": 2, "test": 1}
    for sub in ("IMG-RGB", "LABELS-1D", "LABELS-RGB"): (root / "IMAGES" / sub).mkdir(parents=True, exist_ok=True)
    (root / "splits").mkdir(parents=True, exist_ok=True)
    tile = 0
    for split, n in counts.items():
        out[split] = {}
        with open(root / "splits" / f"{split}.csv", "w", newline="", encoding="utf-8") as f:
            rows = csv.writer(f)
            rows.writerow(["sample_id", "image_path", "mask_path", "classe", "subclasse"])
            for _ in range(n):
                tile += 1
                name = f"IMG_{tile // 3 + 1:02d}_TILE_{tile % 3 + 1:03d}"
                image, label = scene(h, w, 2, seed * 1000 + tile)
                grey3(image).save(root / "IMAGES" / "IMG-RGB" / f"{name}.png")
                Image.fromarray(label, "L").save(root / "IMAGES" / "LABELS-1D" / f"{name}_1D.png")
                Image.fromarray(np.where(label[..., None] == 1, (255, 0, 0), (0, 0, 0)).astype(np.uint8), "RGB").save(
                    root / "IMAGES" / "LABELS-RGB" / f"{name}_RGB.png")
                rows.writerow([name, f"IMAGES/IMG-RGB/{name}.png", f"IMAGES/LABELS-1D/{name}_1D.png", "", ""])
                out[split][name] = label
    return out


WRITERS = {"osd": write_osd, "sos": write_sos, "refined_sos": write_refined_sos, "inpe": write_inpe}
