"""The package without its extras: `import certkit` and `certkit --help` need no Google, Word or Jupyter."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

EXTRAS = ["gspread", "google", "google_auth_oauthlib", "ipywidgets", "pandas", "docx2pdf",
          "yagmail", "IPython", "jupyterlab"]


def test_import_and_help_without_extras():
    code = (
        "import sys\n"
        f"for name in {EXTRAS!r}: sys.modules[name] = None\n"
        "import certkit, certkit.cli, certkit.run, certkit.sheets, certkit.send, certkit.docs, certkit.site\n"
        "raise SystemExit(certkit.cli.main(['--help']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "usage: certkit" in result.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="wheel build checked on Linux CI")
def test_wheel_ships_templates_and_data(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
         str(tmp_path), "."], capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("certkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "certkit/templates_docx/classic.docx" in names
    assert "certkit/data/event.toml" in names and "certkit/data/roster.csv" in names
