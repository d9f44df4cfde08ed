"""Letting anyone check a certificate: make the static verification site to upload, and check a
PDF or a certificate ID someone sends you, offline against the ledger."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ..checks import is_example_address
from ..site import Verdict, publish_site, verify
from ._base import LABEL, Panel, Session, fits, link, note, widgets


class VerificationSite(Panel):
    """A button that writes the verification site and says where to upload it."""

    title = "Verification site"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.folder: Path | None = None
        self.button = widgets.Button(description="Make the verification site", icon="globe",
                                     layout=fits("260px"))
        self.button.on_click(lambda _b: self.publish())
        self.widget = widgets.VBox([self.button, self.status])

    def publish(self) -> Path | None:
        """Write out/verify-site/ (one page per certificate issued) and say how to put it online."""
        event = self.session.event
        self.say("Making the verification site…")
        made = self.attempt(lambda: publish_site(event), "making the verification site")
        if made is None:
            return None
        self.folder, count = made
        base = event.verify_base_url.rstrip("/")
        if not count:
            self.say(f"No certificate has been issued yet, so the site in {self.folder} has only "
                     "its front page. Send the certificates first (notebook 02), then click again.",
                     "warn")
            return self.folder
        upload = (f"Upload everything inside this folder to your website, or to a free static "
                  f"host such as GitHub Pages, so that its address is {base}. The QR code on each "
                  f"certificate then opens {base}/<certificate ID>/. Make the site again after "
                  "each send or resend, so that new certificates have their page too.")
        self.status.value = (
            note(f"{count} certificate page(s) written to {self.folder}", "ok") + note(upload)
            + (note(f"The verification address is still the example {base}. Set it to your "
                    "website's address in 'Your event's details' (notebook 02) before sending: it "
                    "is printed in every QR code.",
                    "warn") if is_example_address(base) else ""))
        return self.folder


class CertificateCheck(Panel):
    """Upload a PDF or type a certificate ID: says whether it is genuine and valid."""

    title = "Check a certificate"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.verdict: Verdict | None = None
        self.upload = widgets.FileUpload(accept=".pdf,application/pdf", multiple=False,
                                         description="Upload a PDF")
        self.cert_id = widgets.Text(description="or its certificate ID", style=LABEL,
                                    placeholder="e.g. CK-7F3K-9QX2", continuous_update=False)
        self.button = widgets.Button(description="Check", icon="check")
        self.upload.observe(lambda _c: self.check_upload(), "value")
        self.cert_id.observe(lambda _c: self.check_id(), "value")  # Enter or leaving the box
        self.button.on_click(lambda _b: self.check_id())
        self.widget = widgets.VBox([self.upload, widgets.HBox([self.cert_id, self.button]),
                                    self.status])

    def check_upload(self) -> Verdict | None:
        """Check the uploaded PDF against the certificates of this event."""
        files = self.upload.value
        if not files:
            return None
        uploaded = files[-1]
        with tempfile.TemporaryDirectory(prefix="certkit-check-") as tmp:
            path = Path(tmp) / safe_name(uploaded.get("name", ""))
            path.write_bytes(bytes(uploaded["content"]))
            verdict = self.attempt(lambda: verify(self.session.event, str(path)),
                                   "checking the PDF")
        self.upload.value = ()  # ready for the next file (also the same one again)
        return self._show(verdict)

    def check_id(self) -> Verdict | None:
        """Look up the typed certificate ID."""
        typed = self.cert_id.value.strip()
        if not typed:
            self.say("Type the certificate ID printed under the QR code, or upload the PDF.")
            return None
        return self._show(self.attempt(lambda: verify(self.session.event, typed),
                                       "checking the certificate ID"))

    def _show(self, verdict: Verdict | None) -> Verdict | None:
        """The verdict in words, with the certificate's public page when there is one."""
        self.verdict = verdict
        if verdict is None:
            return None  # attempt() already said what went wrong
        self.status.value = note(verdict.message, "ok" if verdict.valid else "error")
        if verdict.record is not None:
            base = self.session.event.verify_base_url.rstrip("/")
            page = f"{base}/{verdict.record.cert_id}/"
            self.status.value += f"<p>Its page on the verification site: {link(page)}</p>"
        return verdict


def safe_name(name: str) -> str:
    """An uploaded file's name, reduced to a plain file name (never a path)."""
    plain = re.sub(r"[^\w .()-]", "_", name.replace("\\", "/").rsplit("/", 1)[-1])[:120]
    plain = plain.strip(". ")
    return plain if plain else "uploaded.pdf"


