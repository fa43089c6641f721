"""Building a Table M student prints nothing a user cannot act on (in a fresh process: transformers warns once per process)."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("name", ["mask2former", "segformer"])
def test_building_a_transformers_student_prints_no_warning(name):
    code = f"from dakd_nb.saross import build_segmenter; import dakd_nb.students; build_segmenter({name!r}, 5, width=8)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert not res.stderr.strip(), res.stderr
