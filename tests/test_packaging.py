"""A built wheel installs in a fresh virtual environment and imports without nbdev, execnb or fastcore."""
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "dakd_nb").glob("*.py") if not p.stem.startswith("_"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("dakd_nb-*.whl"))


def test_wheel_ships_modules_and_manifest(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"dakd_nb/{m}.py" for m in MODULES} <= names
    assert "dakd_nb/data_manifest.yaml" in names
    assert not any(n.startswith(("nbs/", "tests/")) for n in names)


def test_wheel_installs_and_imports_without_nbdev(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
                   check=True, capture_output=True, timeout=900)
    probe = ("import importlib, sys\n"
             f"for m in {MODULES!r}: importlib.import_module('dakd_nb.' + m)\n"
             "bad = [m for m in ('nbdev', 'execnb', 'fastcore') if importlib.util.find_spec(m)]\n"
             "assert not bad, f'installed beside the runtime package: {bad}'\n"
             "print('ok')")
    res = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-3000:]
