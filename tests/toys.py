"""Toy data sets and networks for the notebooks' tests: tiny, deterministic, fast on two CPU cores.

Two families, both following the package's data contract (`{"image": (1,H,W) in [-1,1], "label": (H,W)}`
and `.classes`):
- `ToySAR` (generator notebooks): speckled sea, one dark slick and usually one bright ship; the three
  classes are separable by intensity, so a generated pair can be checked for alignment.
- `ToySeg` / `ToyGenerated` (segmentation notebooks): speckled sea with bright slicks and dark
  look-alikes as random discs; `ToyGenerated` adds soft labels (the one-hot mask blurred at the edges,
  as a diffusion model's class probabilities are).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from dakd_nb.core import ClassSet


class ToySAR(Dataset):
    "Speckled sea with one dark slick and usually one bright ship; item i is the same every time."
    classes = ClassSet("toy", ("sea", "oil_spill", "ship"), ((0, 0, 0), (0, 255, 255), (153, 76, 0)), (0, 1, 3))
    means = np.array([0.45, 0.12, 0.95])  # mean intensity in [0, 1] of sea, oil, ship

    def __init__(self, n, size=16, seed=0, looks=32): self.n, self.size, self.seed, self.looks = n, size, seed, looks
    def __len__(self): return self.n

    def __getitem__(self, i):
        g, s = np.random.default_rng([self.seed, i]), self.size
        yy, xx = np.mgrid[:s, :s]
        label = np.zeros((s, s), np.int64)
        cy, cx = g.uniform(2, s - 2, 2)
        label[(yy - cy) ** 2 + (xx - cx) ** 2 < g.uniform(0.15, 0.3) ** 2 * s * s] = 1
        if g.random() < 0.7:
            w = max(2, s // 6)
            y, x = g.integers(0, s - w, 2)
            label[y:y + w, x:x + w] = 2
        inten = self.means[label] * g.gamma(self.looks, 1 / self.looks, (s, s))
        image = np.clip(inten, 0, 1) * 2 - 1
        return {"image": torch.tensor(image[None], dtype=torch.float32), "label": torch.from_numpy(label)}


def intensity_classes(image):
    "Classify ToySAR pixels by intensity alone: the ground truth up to speckle."
    x = image[:, 0] if image.ndim == 4 else image
    return (x < -0.5).long() * 1 + (x > 0.45).long() * 2


def toy_intensity(image):
    "ToySAR's images are linear intensity in [0, 1], mapped onto [-1, 1]."
    return (image + 1) / 2


def toy_miou(pred, target, k):
    "Mean IoU over the classes present in either map (a check independent of the package's metrics)."
    ious = [((pred == c) & (target == c)).sum() / ((pred == c) | (target == c)).sum()
            for c in range(k) if ((pred == c) | (target == c)).any()]
    return float(torch.stack(ious).mean())


def tiny_jointnet(b: float, classes: ClassSet = ToySAR.classes, seed: int = 0, variant: str = "sar_jointnet", size: int = 16, **kw):
    "The smallest SAR-JointNet for ToySAR's 16-pixel items (or `size`-pixel ones)."
    from dakd_nb.jointnet import SARJointNet
    torch.manual_seed(seed)
    return SARJointNet(sample_size=size, class_names=classes.names, class_set=classes.name, palette=classes.palette,
                       osd_ids=classes.osd_ids, balance_factor=b, variant=variant, block_out_channels=(16, 32),
                       down_block_types=("DownBlock2D", "AttnDownBlock2D"), up_block_types=("AttnUpBlock2D", "UpBlock2D"),
                       layers_per_block=1, norm_num_groups=8, **kw)


TOY_CLASSES = ClassSet(name="toy", names=("sea", "slick", "look_alike"),
                       palette=((0, 0, 0), (0, 255, 255), (255, 0, 0)), osd_ids=(0, 1, 2))


def _toy_scene(rng, size):
    yy, xx = np.mgrid[:size, :size]
    label = np.zeros((size, size), np.int64)
    for cls in (1, 2, 1, 2):
        cy, cx, r = rng.uniform(0, size, 2).tolist() + [rng.uniform(3, 8)]
        label[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = cls
    level = np.array([0.45, 0.85, 0.12])[label]
    image = level * rng.gamma(6.0, 1 / 6.0, label.shape)  # multiplicative speckle
    return torch.tensor(np.clip(image, 0, 1) * 2 - 1, dtype=torch.float32)[None], torch.from_numpy(label)


class ToySeg(Dataset):
    "Random-disc scenes of TOY_CLASSES, 32x32, deterministic by seed."
    def __init__(self, n, size=32, seed=0):
        rng = np.random.default_rng(seed)
        self.items, self.classes = [_toy_scene(rng, size) for _ in range(n)], TOY_CLASSES
    def __len__(self): return len(self.items)
    def __getitem__(self, i): return {"image": self.items[i][0], "label": self.items[i][1]}


class ToyGenerated(ToySeg):
    "ToySeg scenes with soft labels, as a generator's output."
    def __getitem__(self, i):
        image, label = self.items[i]
        onehot = F.one_hot(label, 3).permute(2, 0, 1).float()[None]
        soft = F.avg_pool2d(F.pad(onehot, (1, 1, 1, 1), mode="replicate"), 3, stride=1)[0]
        return {"image": image, "label": soft.argmax(0), "soft": soft}


def tiny_segmenter(num_classes=3, width=16):
    "A four-layer conv net: the smallest segmenter with the package's input/output contract."
    return nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 3, padding=2, dilation=2),
                         nn.ReLU(), nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, num_classes, 1))
