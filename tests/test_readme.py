"""The README's result sections are what the committed result files say (bench/readme.py generates them)."""
from bench import readme


def test_readme_sections_match_the_result_files():
    text = (readme.ROOT / "README.md").read_text()
    assert readme.render(text) == text, "README.md is out of date with the result files: run python -m bench.readme"
