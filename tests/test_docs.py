"""`make docs` (tools/build_docs.py): one page per notebook from nbdev's processing, API docs from the exported
modules, and nothing of a notebook executed. Builds in a copy of the checkout (about 30 s on 2 cores)."""
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_renders_every_notebook_without_running_it(tmp_path):
    for name in ("settings.ini", "nbs", "dakd_nb", "tools"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, tmp_path / name)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "quarto").exists())
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PATH": path}  # the nbconvert build, with or without Quarto here
    proc = subprocess.run([sys.executable, "tools/build_docs.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    pages = {p.stem: html.unescape(re.sub(r"<[^>]+>", "", p.read_text())) for p in (tmp_path / "_docs").glob("*.html")}
    assert set(pages) == {p.stem for p in (ROOT / "nbs").glob("*.ipynb")}
    # API docs: a signature with its docments, from show_doc run against the module
    assert "def snr_balance_factor(\n    images:torch.Tensor, # images in the model's range, (N, 1, H, W)" in pages["02a_jointnet"]
    index = pages["index"]
    assert "Two commands" in index and "OSD_CLASSES" in index  # the README's text and its visible code cell
    assert "get_config().version" not in index                 # a hidden cell is left out
    assert "dakd_nb 0.1.0: classes" not in index                # the code cell was not run
    # the README's links to the results page land on its page, which holds what left the README
    assert 'href="07_results.html"' in (tmp_path / "_docs" / "index.html").read_text()
    assert "Results on SynthSAR" in pages["07_results"] and "mean ± sd" in pages["07_results"]  # the per-seed table
