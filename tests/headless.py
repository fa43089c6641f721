"""The main job run headless, as `make run` does: papermill executes nbs/03_train_saross.ipynb with `-p` parameters."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "nbs" / "03_train_saross.ipynb"


def papermill_args(out_nb: Path, **params) -> list[str]:
    "The command line: the executed notebook goes to `out_nb`, each keyword is a `-p name value`."
    args = [str(Path(sys.executable).parent / "papermill"), str(NB), str(out_nb), "--cwd", str(ROOT)]
    for k, v in params.items(): args += ["-p", k, str(v)]
    return args


def papermill(out_nb: Path, **params) -> subprocess.CompletedProcess:
    "Run the main job to its end; stderr holds what the terminal shows (the kernel's own stderr)."
    return subprocess.run(papermill_args(out_nb, **params), capture_output=True, text=True, timeout=1200)


def assert_terminal_says(res: subprocess.CompletedProcess, *lines: str) -> None:
    "Each of `lines` is on the run's terminal."
    for line in lines: assert line in res.stderr, (line, res.stderr[-3000:])
