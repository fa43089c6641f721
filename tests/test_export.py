"""`nbdev_export` on a clean checkout must change nothing: the committed modules are the notebooks' export."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_export_is_in_step_with_notebooks(tmp_path):
    for name in ("settings.ini", "nbs", "dakd_nb"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    nbdev_export = Path(sys.executable).parent / "nbdev_export"
    subprocess.run([str(nbdev_export)], cwd=tmp_path, check=True, capture_output=True)
    stale = [p.name for p in sorted((ROOT / "dakd_nb").glob("*.py"))
             if not (tmp_path / "dakd_nb" / p.name).exists()
             or (tmp_path / "dakd_nb" / p.name).read_text() != p.read_text()]
    new = [p.name for p in (tmp_path / "dakd_nb").glob("*.py") if not (ROOT / "dakd_nb" / p.name).exists()]
    assert not stale and not new, f"run nbdev_export and commit: out of step {stale}, not committed {new}"
