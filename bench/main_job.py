"""The main job's wall time in a profile, run headless through papermill exactly as a user would."""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(profile: str = "cpu-quick") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        t0 = time.time()
        subprocess.run([str(Path(sys.executable).parent / "papermill"), str(ROOT / "nbs" / "03_train_saross.ipynb"),
                        str(Path(tmp) / "out.ipynb"), "--cwd", str(ROOT), "-p", "profile", profile,
                        "-p", "output_dir", str(out)], check=True, capture_output=True)
        wall = time.time() - t0
        res = json.loads((out / "results.json").read_text())
    return {"profile": profile, "wall_s": round(wall, 1), "notebook_wall_s": res["wall_s"],
            "miou": {k: v["miou"] for k, v in res["test"].items()}}


if __name__ == "__main__":
    print(json.dumps(run(*sys.argv[1:]), indent=2))
