"""The documentation site: every notebook rendered, none executed, into `doc_path` (_docs/).

    python tools/build_docs.py      # what `make docs` runs

With Quarto on the PATH this is `nbdev_docs` (the nbdev/Quarto site). Without it (Quarto installs from a download
that a machine reaching only package registries cannot make, and PyPI's `quarto-cli` is that download), the same
nbdev processing (directives applied, hidden cells dropped, `show_doc` of every export) goes into `_proc/` and
nbconvert writes one HTML page per notebook, `index.html` from `nbs/index.ipynb`. Run from the repository root
with it on PYTHONPATH (the Makefile does): settings.ini's `procs` names `exec_module_show_docs` here.

Rendering executes nothing of a notebook: nbdev's own `exec_show_docs` runs every cell that imports something,
and a test cell with an import fails out of context, so settings.ini swaps it (`skip_procs`) for
`exec_module_show_docs`, which imports the notebook's exported module and runs only the `show_doc` cells.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

from nbdev.config import get_config
from nbdev.process import Processor
from nbdev.processors import _is_showdoc  # how nbdev itself tells a show_doc cell
from execnb.shell import CaptureShell

NB_LINK = re.compile(r'href="(?![a-z]+://)([^"#]+)\.ipynb(#[^"]*)?"')


class exec_module_show_docs(Processor):
    "Run a notebook's `show_doc` cells in its exported module's namespace, nothing else."
    def __init__(self, nb):
        super().__init__(nb)  # before any processing: later, nbdev has dropped the default_exp cell
        self.module = next((c.directives_["default_exp"][0] for c in nb.cells if "default_exp" in getattr(c, "directives_", {})), None)

    def begin(self):
        self.k = CaptureShell()
        self.k.run_cell("from nbdev.showdoc import show_doc")
        if self.module:  # the module's whole namespace: show_doc also documents names left out of __all__
            self.k.run_cell(f"import importlib; globals().update(vars(importlib.import_module('{get_config().lib_name}.{self.module}')))")

    def __call__(self, cell):
        if not _is_showdoc(cell): return
        self.k.cell(cell)
        if self.k.exc: raise Exception(f"show_doc failed in cell {cell.idx_}:\n{cell.source}") from self.k.exc


def html_page(notebook: Path) -> str:
    "One processed notebook as a standalone HTML page, its links to notebooks pointing at their pages."
    import nbformat
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.read(notebook, as_version=4))
    return NB_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def build_without_quarto(n_workers: int = 1) -> Path:
    "nbdev's processing into _proc/, then one page per notebook into doc_path; returns doc_path."
    from nbdev.quarto import refresh_quarto_yml
    from nbdev.serve import proc_nbs
    cfg = get_config()
    refresh_quarto_yml()
    cache, out = proc_nbs(cfg.nbs_path, n_workers=n_workers), cfg.doc_path
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for nb in sorted(cache.glob("*.ipynb")):
        (out / f"{nb.stem}.html").write_text(html_page(nb), encoding="utf-8")
    return out


def main() -> int:
    if shutil.which("quarto"):
        return subprocess.run([str(Path(sys.executable).parent / "nbdev_docs")], check=False).returncode
    out = build_without_quarto()
    print(f"Quarto not found: wrote {len(list(out.glob('*.html')))} pages with nbconvert into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
