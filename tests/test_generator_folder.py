"""The generator folder a main-job run writes (the path the README names) loads as a diffusers pipeline."""
import sys
from pathlib import Path

import torch

from dakd_nb.sampling import SARJointNetPipeline

sys.path.insert(0, str(Path(__file__).parent))
from headless import papermill  # noqa: E402


def test_main_job_generator_folder_loads_with_from_pretrained(tmp_path):
    run = tmp_path / "main"   # README: runs/main/jointnet/generator for OUT=runs/main
    res = papermill(tmp_path / "out.ipynb", profile="tiny", n_generated=0, output_dir=run)
    assert res.returncode == 0, res.stderr[-3000:]
    pipe = SARJointNetPipeline.from_pretrained(run / "jointnet" / "generator")
    assert (run / "jointnet" / "generator" / "model_index.json").is_file()
    pairs = pipe(2, sampler="dpm", steps=2, generator=torch.Generator().manual_seed(0))
    assert pairs["image"].shape[0] == 2 and torch.allclose(pairs["soft"].sum(1), torch.ones(1))


def test_loading_a_generator_prints_nothing_and_keeps_the_sampling_bar(capfd):
    "from_pretrained draws no 'Loading pipeline components' bar, and leaves diffusers' bars as they were (sampling still has its bar)."
    from diffusers.utils import logging as diffusers_logging
    from dakd_nb.pretrain import packaged_generators
    folder = packaged_generators()[0]
    assert diffusers_logging.is_progress_bar_enabled()
    SARJointNetPipeline.from_pretrained(folder)
    err = capfd.readouterr().err
    assert "Loading pipeline components" not in err and not err.strip(), err
    assert diffusers_logging.is_progress_bar_enabled()
