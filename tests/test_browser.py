"""Notebook 02 in a real browser: JupyterLab on 127.0.0.1, headless Chromium driven by Playwright,
every cell run; the mapping widget and the preview image must appear. Also makes the README's
screenshot: CERTKIT_UPDATE_SCREENSHOT=1 writes it to docs/img/notebook.png."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .smtp_server import free_port

if os.environ.get("CI") == "true":
    import playwright.sync_api as playwright  # in CI a missing Playwright is a failure
else:
    playwright = pytest.importorskip("playwright.sync_api")
PlaywrightTimeout = playwright.TimeoutError

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
SCREENSHOT = ROOT / "docs" / "img" / "notebook.png"
WIDE = 1400  # a laptop screen: nothing may be cut off at this width
CUT_OFF = """() => [...document.querySelectorAll(
    '.widget-label, .widget-toggle-button, .jupyter-button, .widget-radio-box label')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText)"""

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
    reason=f"{CHROMIUM} is missing (install Debian's chromium package, or run scripts/test.sh, "
    "which does); in CI this test always runs",
)


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Poll JupyterLab's status API until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop JupyterLab and its kernels (its own process group), waiting a bounded time."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab on 127.0.0.1 (random free port, token) serving a temp copy of the notebooks."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               CERTKIT_EVENT=str(tmp_path / "event"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")  # never a real keyring
    labconfig = tmp_path / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps(  # no "Jupyter news?" pop-up
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    log = (tmp_path / "jupyterlab.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--ServerApp.terminals_enabled=False",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{base}/api/status?token={token}", proc)
        except (RuntimeError, TimeoutError) as exc:
            log.flush()
            tail = (tmp_path / "jupyterlab.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; JupyterLab's log ends with:\n{tail}") from exc
        yield base, token, tmp_path
    finally:
        stop(proc)
        log.close()


def kernel_idle(base: str, token: str, timeout: float = 90) -> None:
    """Wait until the server reports a started kernel that is idle (ready to run cells)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=5) as reply:
            if any(k.get("execution_state") == "idle" for k in json.load(reply)):
                return
        time.sleep(0.5)
    raise TimeoutError(f"No idle kernel within {timeout} s")


def close_dialogs(page) -> list[str]:
    """Accept any JupyterLab dialog in the way (e.g. a kernel choice); return what they said."""
    said = []
    for dialog in page.locator(".jp-Dialog").all():
        said.append(dialog.inner_text())
        dialog.locator(".jp-mod-accept").first.click(timeout=5_000)
    return said


def run_all_cells(page, tries: int = 3) -> None:
    """Run > Run All Cells, until a cell shows it ran (a click during start-up can be lost)."""
    started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(tries):
        close_dialogs(page)
        page.locator(".lm-MenuBar-item", has_text="Run").first.click(timeout=10_000)
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has_text="Run All Cells").first
        item.wait_for(timeout=10_000)
        item.click(timeout=10_000)
        try:
            started.first.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"JupyterLab did not run the cells; dialogs: {close_dialogs(page)}")


def test_notebook_02_shows_the_mapping_widget_and_a_preview(jupyterlab):
    base, token, tmp_path = jupyterlab
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": WIDE, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/doc/tree/02_run_event.ipynb?token={token}")  # no side panels
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            kernel_idle(base, token)
            run_all_cells(page)
            course = page.locator(".widget-dropdown", has_text="{{ Course }}")
            course.wait_for(timeout=120_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('.widget-image')]"
                ".some(img => img.naturalWidth > 200)", timeout=120_000)
            page.locator(".widget-button", has_text="Send the certificates").wait_for(
                timeout=120_000)
            assert course.locator("select").input_value() == "Course"
            assert not list((tmp_path / "event").glob("out/outbox/*.eml"))  # nothing sent unasked
            page.get_by_role("heading", name="3. Which column fills each placeholder").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            assert cut_off_labels(page) == []
            shot = tmp_path / "notebook.png"
            page.screenshot(path=str(shot))
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print(f"Screenshot of the failure: {tmp_path / 'failure.png'}")
            print("Prompts:", page.locator(".jp-InputPrompt").all_inner_texts())
            print("Dialogs:", page.locator(".jp-Dialog").all_inner_texts())
            raise
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000
    if os.environ.get("CERTKIT_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def saved_notebook(path: Path, timeout: float = 60) -> dict:
    """The notebook file once JupyterLab has saved it with its outputs (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            if any(c.get("outputs") for c in nb["cells"]):
                return nb
        except (ValueError, OSError):
            pass  # being written
        time.sleep(0.5)
    raise TimeoutError(f"{path} was not saved with outputs within {timeout} s")


def cut_off_labels(page) -> list[str]:
    """Visible widget labels and buttons whose text does not fit (shown with an ellipsis)."""
    return page.evaluate(CUT_OFF)


def test_notebook_01_failed_test_keeps_the_event_and_a_used_notebook_reopens_cleanly(jupyterlab):
    base, token, tmp_path = jupyterlab
    closed_port = free_port()  # nothing listens there: the login test must fail
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": WIDE, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/doc/tree/01_connect.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            kernel_idle(base, token)
            run_all_cells(page)
            mail = page.locator(".widget-vbox", has=page.locator(".widget-button",
                                                                  has_text="Test the login")).last
            mail.wait_for(timeout=120_000)
            mail.locator("select").first.select_option(label="Another mail server (SMTP)")
            mail.get_by_label("Account (email address)").fill("org@example.org")
            mail.get_by_label("Password").fill("not-a-real-password")
            mail.get_by_label("Server").fill("127.0.0.1")
            port = mail.get_by_label("Port")
            port.fill(str(closed_port))
            port.press("Enter")
            mail.locator(".widget-button", has_text="Test the login").click()
            said = mail.locator(".widget-html", has_text="Nothing was changed")
            said.wait_for(timeout=60_000)
            text = mail.inner_text()
            assert "could not reach the server" in text, text
            assert "written to files in the event folder, nothing is sent" in text
            for raw in ("Errno", "certkit login", "[transport]", "environment variable"):
                assert raw not in text, (raw, text)
            toml = (tmp_path / "event" / "event.toml").read_text(encoding="utf-8")
            assert 'backend = "outbox"' in toml and "127.0.0.1" not in toml  # nothing saved
            mail.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            assert cut_off_labels(page) == []
            page.screenshot(path=str(tmp_path / "notebook01-1400.png"), full_page=False)

            page.keyboard.press("Control+s")  # the organizer saves and closes for the day
            saved = saved_notebook(tmp_path / "root" / "01_connect.ipynb")
            views = [o for c in saved["cells"] for o in c.get("outputs", [])
                     if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
            assert views == []
            with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=5) as reply:
                kernels = json.load(reply)
            for kernel in kernels:  # the kernel is gone, as after a restart of the computer
                request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}", method="DELETE",
                                                 headers={"Authorization": f"token {token}"})
                for attempt in range(5):  # the server answers 500 while the kernel is still busy
                    try:
                        urllib.request.urlopen(request, timeout=10).close()
                        break
                    except urllib.error.HTTPError as exc:
                        if exc.code == 404:  # already gone
                            break
                        if attempt == 4:
                            raise
                        time.sleep(1 + attempt)
            page.goto(f"{base}/doc/tree/01_connect.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.locator(".jp-OutputArea-output", has_text="Run the cells again").first.wait_for(
                timeout=60_000)
            page.wait_for_timeout(2_000)  # the widget manager has had its chance to complain
            body = page.locator(".jp-Notebook").inner_text()
            assert "model not found" not in body and "Error displaying widget" not in body
            page.screenshot(path=str(tmp_path / "reopened.png"))
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print(f"Screenshot of the failure: {tmp_path / 'failure.png'}")
            raise
        finally:
            browser.close()
    print(f"Screenshots: {tmp_path / 'notebook01-1400.png'} {tmp_path / 'reopened.png'}")
