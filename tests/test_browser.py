"""05_explore as a person uses it: JupyterLab in headless Chromium, run all cells, move a slider, see the image change.

Needs Debian's `chromium` (/usr/bin/chromium) and `playwright` from PyPI (its Python driver only: the system
browser is used, `playwright install` is never run). Without them the test is skipped locally and fails
under CI (`CI` set). Quick local runs can leave it out with `-m "not browser"`.
"""
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nbs" / "05_explore.ipynb"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))  # another Chromium-based browser: set CHROMIUM
ARTIFACTS = ROOT / "runs" / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-proxy-server"]
# JupyterLab user settings for the run: every cell stays in the DOM, and no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}

pytestmark = pytest.mark.browser


def in_ci() -> bool: return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def unavailable(reason: str):
    "Skip locally; under CI a missing browser is a failure, not a skip."
    if in_ci(): pytest.fail(f"{reason} (CI is set, so the browser test must run)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, data: bytes | None = None, timeout: float = 2.0) -> tuple[int, bytes]:
    "Status and body of a request to the local server, bypassing any proxy."
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, data=data), timeout=timeout) as r: return r.status, r.read()


def playwright_api():
    "Playwright's sync API, once the system chromium and the playwright package are known to be there."
    if not CHROMIUM.exists(): unavailable(f"no {CHROMIUM}: install Debian's chromium (apt-get install -y chromium)")
    try: from playwright.sync_api import sync_playwright
    except ImportError: unavailable("playwright is not installed (pip install playwright; no browser download needed)")
    return sync_playwright


@contextlib.contextmanager
def lab_server(tmp_path: Path):
    "A JupyterLab server on loopback with a token, serving a temporary copy of the notebook."
    lab_bin = Path(sys.executable).parent / "jupyter-lab"
    if not lab_bin.exists(): unavailable(f"no {lab_bin}: jupyterlab is not installed in this environment")
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    for name, value in LAB_SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(value))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    env.pop("MPLBACKEND", None)  # the kernel's inline default, as for a person
    env["OMP_NUM_THREADS"] = "1"  # torch beside a browser on a small CI machine: extra threads only spin
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen([str(lab_bin), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                             "--LabApp.extension_manager=readonly", *(["--allow-root"] if os.geteuid() == 0 else [])],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            if proc.poll() is not None: pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
            try:
                if http(f"{base}/api/status?token={token}")[0] == 200: break
            except OSError: pass
            if time.monotonic() > deadline: pytest.fail(f"jupyter lab did not answer:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield {"url": f"{base}/lab/tree/{NOTEBOOK.name}?reset&token={token}", "log": tmp_path / "lab.log",
               "sessions": f"{base}/api/sessions?token={token}"}
    finally:
        try: http(f"{base}/api/shutdown?token={token}", data=b"")  # shuts its kernels down too
        except OSError: pass
        try: proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        log.close()


def wait_for_kernel(page, sessions_url: str, timeout: float) -> None:
    "Wait until the notebook's kernel is started and idle, on the server and in the page."
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [s["kernel"]["execution_state"] for s in json.loads(http(sessions_url)[1])
                  if s["path"].endswith(NOTEBOOK.name) and s.get("kernel")]
        if states == ["idle"]: break
        page.wait_for_timeout(300)
    else: pytest.fail(f"the notebook's kernel did not start (sessions: {http(sessions_url)[1][:500]!r})")
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=10_000)


def wait_for_run(page, timeout: float) -> None:
    "Wait until the notebook's last cell printed its line; fail at once on an error output."
    deadline = time.monotonic() + timeout
    # JupyterLab renders an error output as stderr text; a traceback tells it from a warning
    errors = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]', has_text="Traceback")
    done = page.locator(".jp-OutputArea-output", has_text="ms per trajectory frame")
    dialog = page.locator(".jp-Dialog")
    while time.monotonic() < deadline:
        if errors.count(): pytest.fail(f"a cell raised in JupyterLab:\n{errors.first.inner_text()[-3000:]}")
        if dialog.count(): pytest.fail(f"JupyterLab asks instead of running: {dialog.first.inner_text()[:500]!r}")
        if done.count(): return
        page.wait_for_timeout(500)
    pytest.fail("the notebook did not finish in JupyterLab in time")


def test_explore_widgets_in_jupyterlab(tmp_path, capsys):
    sync_playwright = playwright_api()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "explore-browser.png"
    t0 = time.monotonic()

    def say(line: str):  # straight to the terminal, also when the test passes
        with capsys.disabled(): print(f"\n{line}")
    phase = lambda what: say(f"browser test [{time.monotonic() - t0:5.1f} s] {what}")
    with lab_server(tmp_path) as lab, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM),
                                                   headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        try:
            page.goto(lab["url"], wait_until="domcontentloaded", timeout=30_000)
            phase("page loaded")
            wait_for_kernel(page, lab["sessions"], 45)
            phase("kernel idle")
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.get_by_text("Run All Cells", exact=True).click()
            wait_for_run(page, 90)
            phase("all cells ran")

            # the data-set browser: the first output holding a slider and an image
            out = page.locator(".jp-OutputArea-output:has(.widget-slider):has(img)").first
            handle, img = out.locator(".noUi-handle").first, out.locator("img").first
            out.scroll_into_view_if_needed()
            img.wait_for(state="visible", timeout=10_000)
            src, before = img.get_attribute("src"), img.screenshot()
            handle.focus()
            for _ in range(3): page.keyboard.press("ArrowRight")
            deadline = time.monotonic() + 15
            while img.screenshot() == before and time.monotonic() < deadline: page.wait_for_timeout(250)
            after = img.screenshot()
            phase("slider moved")
            page.screenshot(path=str(shot))
            say(f"browser test screenshot: {shot}")
            assert after != before, "moving the slider did not change the image"
            assert img.get_attribute("src") != src
            assert "item 3" in out.inner_text()
        except BaseException:  # pytest.fail too
            page.screenshot(path=str(shot))
            say(f"browser test screenshot of the failure: {shot}\nlab log:\n{lab['log'].read_text()[-3000:]}")
            raise
        finally:
            ctx.close()
