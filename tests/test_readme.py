"""README.md is written from nbs/index.ipynb, whose result sections are what the committed result files say
(bench/readme.py generates both)."""
import json

import pytest

from bench import readme


def test_index_sections_match_the_result_files_and_readme_matches_index():
    nb = json.loads(readme.INDEX.read_text())
    assert readme._dump(readme.render_notebook(nb)) == readme.INDEX.read_text(), \
        "nbs/index.ipynb is out of date with the result files: run python -m bench.readme"
    assert readme.readme_text(nb) == readme.README.read_text(), "README.md is not index.ipynb's: run python -m bench.readme"


def cell(kind, src): return {"cell_type": kind, "metadata": {}, "source": src.splitlines(True), "id": "x",
                             **({"outputs": [{"output_type": "stream", "text": ["OUT"]}], "execution_count": 1} if kind == "code" else {})}


def test_readme_text_keeps_markdown_and_visible_code_only():
    nb = {"cells": [cell("markdown", "# T\n\n> what\n"), cell("code", "#| export\nx = 1\n"),
                    cell("code", "#| hide\nassert x\n"), cell("markdown", "| a |\n|---|\n"), cell("code", "#| hide")]}
    assert readme.readme_text(nb) == "# T\n\n> what\n\n```python\nx = 1\n```\n\n| a |\n|---|\n"


def test_a_stale_section_is_rewritten_inside_its_cell_and_a_missing_one_refused():
    stale = "\n".join(f"<!-- generated:{n} -->\nold\n<!-- /generated:{n} -->" for n in readme.SECTIONS)
    nb = {"cells": [cell("markdown", "intro"), cell("markdown", stale), cell("code", "print(1)")]}
    out = readme.render_notebook(nb)
    assert out["cells"][0] == nb["cells"][0] and out["cells"][2] == nb["cells"][2]
    text = "".join(out["cells"][1]["source"])
    assert "old" not in text and readme.gpu() in text and readme.benchmarks() in text
    nb["cells"][1] = cell("markdown", stale.replace("generated:gpu", "generated:gpus"))
    with pytest.raises(SystemExit, match="gpu"):
        readme.render_notebook(nb)
