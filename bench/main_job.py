"""The main job's wall time as `make run` runs it (the Makefile's RECIPE), headless through papermill exactly as a user would."""
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_run_recipe(makefile: Path = ROOT / "Makefile") -> dict[str, str]:
    "The papermill parameters `make run` passes by default (the Makefile's `RECIPE ?= -p name value ...`), by name."
    line = re.search(r"^RECIPE \?=(.*)$", makefile.read_text(), re.M)
    if line is None: raise SystemExit(f"{makefile}: no `RECIPE ?=` line")
    words = shlex.split(line.group(1))
    if len(words) % 3 or any(w != "-p" for w in words[::3]): raise SystemExit(f"{makefile}: RECIPE is not `-p name value` triples: {words}")
    return dict(zip(words[1::3], words[2::3]))


def run(**params: str) -> dict:
    "Run the main job with these papermill parameters (default: `make run`'s); its wall time and test mIoU."
    params = params or make_run_recipe()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        t0 = time.time()
        subprocess.run([str(Path(sys.executable).parent / "papermill"), str(ROOT / "nbs" / "03_train_saross.ipynb"),
                        str(Path(tmp) / "out.ipynb"), "--cwd", str(ROOT), "-p", "output_dir", str(out),
                        *[w for k, v in params.items() for w in ("-p", k, v)]], check=True, capture_output=True)
        wall = time.time() - t0
        res = json.loads((out / "results.json").read_text())
    return {"params": params, "wall_s": round(wall, 1), "notebook_wall_s": res["wall_s"],
            "miou": {k: v["miou"] for k, v in res["test"].items()}}


if __name__ == "__main__":
    print(json.dumps(run(**dict(a.split("=", 1) for a in sys.argv[1:])), indent=2))
