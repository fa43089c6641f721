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

from collections import OrderedDict

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


class _Mixed6(nn.Module):
    "Inception's mixed_6 reduced to its 1×1 branch `conv`, the map sFID reads."
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(channels, 12, 1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor: return self.conv(x)


class StandInInception(nn.Module):
    """A tiny, random-weight stand-in for StyleGAN2-ADA's TorchScript `inception-2015-12-05.pt`: the same calling
    convention (`forward(img 0..255 (N,3,H,W), return_features)`, resampled to 299² by an affine grid, then (x-128)/128)
    and the same `layers` names up to `mixed_6.conv` (17×17 there too); its pooled features are mixed_6.conv's 12
    channels, mean-pooled, so the spatial map sFID reads and the pooled FID features come from one forward."""
    def __init__(self):
        super().__init__()
        block = lambda cin, cout, k=1, s=1, p=0: nn.Sequential(nn.Conv2d(cin, cout, k, s, p), nn.ReLU())
        self.layers = nn.Sequential(OrderedDict(
            conv=block(3, 4, 3, 2), conv_1=block(4, 4, 3), conv_2=block(4, 4, 3, p=1), pool0=nn.MaxPool2d(3, 2),
            conv_3=block(4, 4), conv_4=block(4, 8, 3), pool1=nn.MaxPool2d(3, 2), mixed=block(8, 8), mixed_1=block(8, 8),
            mixed_2=block(8, 8), mixed_3=block(8, 8, 3, 2), mixed_4=block(8, 8), mixed_5=block(8, 8), mixed_6=_Mixed6(8),
            pool2=nn.AdaptiveAvgPool2d(1)))
        for m in self.layers.modules():  # variance-keeping weights, so 13 random layers still carry the image
            if isinstance(m, nn.Conv2d): nn.init.kaiming_normal_(m.weight, nonlinearity="relu"); nn.init.zeros_(m.bias)
        self.head = nn.Linear(12, 10)

    def forward(self, img: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        if img.dim() != 4 or img.shape[1] != 3 or bool(img.min() < 0) or bool(img.max() > 255):
            raise ValueError("expects (N, 3, H, W) in 0..255")
        n, c, h, w = img.shape
        theta = torch.eye(2, 3)
        theta[0, 2] += 1 / w - 1 / 299
        theta[1, 2] += 1 / h - 1 / 299
        grid = F.affine_grid(theta[None].repeat(n, 1, 1), [n, c, 299, 299], False)
        x = (F.grid_sample(img.to(torch.float32), grid, "bilinear", "border", False) - 128) / 128
        f = self.layers(x).flatten(1)
        return f if return_features else self.head(f).softmax(1)


def save_stand_in_inception(path, seed: int = 0):
    "Script a seeded StandInInception and save it where a user's inception-2015-12-05.pt would be."
    torch.manual_seed(seed)
    torch.jit.script(StandInInception()).save(str(path))
    return path
