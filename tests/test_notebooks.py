"""Each notebook's own tests, one pytest case per notebook, run by nbdev in a fresh process."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(nb: Path, request):
    flags = ["--flags", "slow"] if request.config.getoption("--slow") else []
    nbdev_test = Path(sys.executable).parent / "nbdev_test"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    res = subprocess.run([str(nbdev_test), "--path", str(nb), *flags], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, f"{nb.name} failed under nbdev_test:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"
