"""The verification site as a visitor sees it: served on 127.0.0.1 (http.server in a thread), opened
in headless Chromium (Playwright with the system browser). Valid, replaced and revoked pages, the
drop zone that hashes a PDF in the browser, a phone screen, JavaScript off, and no email address
in any file of the site."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from certkit.config import load_event
from certkit.ledger import open_ledger
from certkit.run import reissue, revoke, run_demo
from certkit.site import publish_site

from .test_browser import CHROMIUM, CHROMIUM_ARGS, playwright

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
    reason=f"{CHROMIUM} is missing (Debian's chromium package; scripts/test.sh installs it)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory, converter):
    """The demo event sent, row 2 reissued after a name correction, one certificate revoked;
    its site served on 127.0.0.1. Yields (base URL, facts)."""
    folder = tmp_path_factory.mktemp("site") / "demo"
    run_demo(folder)
    book = openpyxl.load_workbook(folder / "roster.xlsx")
    header = [c.value for c in book.worksheets[0][1]]
    book.worksheets[0].cell(row=2, column=header.index("Full Name") + 1).value = "Amélie Dubois-Martin"
    book.save(folder / "roster.xlsx")
    event = load_event(folder)
    reissue(event, row=2, converter=converter)
    with open_ledger(folder) as ledger:
        records = ledger.all()
    old = next(r for r in records if r.status == "Replaced")
    new = next(r for r in records if r.cert_id == old.replaced_by)
    valid = next(r for r in records if r.status == "Sent" and r.cert_id != new.cert_id)
    gone = next(r for r in records if r.status == "Sent" and r.cert_id not in (new.cert_id, valid.cert_id))
    gone = revoke(event, gone.cert_id, "Did not complete the course")
    assert gone.ended_at
    out, _ = publish_site(event)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    facts = {"folder": folder, "event": event, "out": out, "old": old, "new": new, "valid": valid,
             "revoked": gone, "records": records}
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", facts
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_valid_replaced_and_revoked_pages_show_their_status_and_links(site, browser):
    base, facts = site
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.set_default_timeout(30_000)
    valid = facts["valid"]
    page.goto(f"{base}/{valid.cert_id}")  # the QR code's address (no trailing slash)
    assert page.locator(".badge").inner_text() == "Valid certificate"
    assert valid.name in page.inner_text("body") and "Data Skills Bootcamp" in page.inner_text("dl")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    link = page.locator("a#linkedin").get_attribute("href")
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/profile/add")
    assert query["startTask"] == "CERTIFICATION_NAME" and query["certId"] == valid.cert_id
    assert query["certUrl"].endswith(f"/verify/{valid.cert_id}")
    assert query["organizationName"] == "Data Skills Bootcamp"
    assert (query["issueYear"], query["issueMonth"]) == (valid.sent_at[:4], str(int(valid.sent_at[5:7])))

    old, new = facts["old"], facts["new"]
    page.goto(f"{base}/{old.cert_id}/")
    assert page.locator(".badge").inner_text() == "Replaced"
    assert page.locator("a#linkedin").count() == 0
    page.get_by_role("link", name=f"certificate {new.cert_id}").click()
    page.wait_for_url(f"{base}/{new.cert_id}/")
    assert page.locator(".badge").inner_text() == "Valid certificate"
    assert "Amélie Dubois-Martin" in page.inner_text("body")
    assert page.get_by_role("link", name=f"certificate {old.cert_id}").count() == 1

    gone = facts["revoked"]
    page.goto(f"{base}/{gone.cert_id}/")
    assert page.locator(".badge").inner_text() == "Revoked"
    text = page.inner_text("body")
    assert "Did not complete the course" in text and gone.ended_at[:10] in text
    assert page.locator("a#linkedin").count() == 0

    page.goto(f"{base}/")  # the front page: type an ID
    page.fill("input[name=cid]", valid.cert_id.lower())
    page.click("button")
    page.wait_for_url(f"{base}/{valid.cert_id}/")
    page.close()


def test_the_drop_zone_says_identical_only_for_the_issued_pdf(site, browser, tmp_path):
    base, facts = site
    event, valid = facts["event"], facts["valid"]
    pdf = event.path(valid.pdf)
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(pdf.read_bytes().replace(b"/Producer", b"/Producex", 1) + b"\n% edited\n")
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/{valid.cert_id}/")
    verdict = page.locator("#verdict")
    page.set_input_files("#pick", str(pdf))
    verdict.filter(has_text=re.compile("Identical|Not the issued")).wait_for()
    assert verdict.inner_text().startswith("Identical")
    page.set_input_files("#pick", str(changed))
    verdict.filter(has_text=re.compile("Not the issued")).wait_for()
    # dropped rather than chosen: the same check
    page.evaluate(
        """async ([bytes, name]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], name, {type: 'application/pdf'}));
            document.getElementById('drop').dispatchEvent(
                new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""", [list(pdf.read_bytes()), "dropped.pdf"])
    verdict.filter(has_text="Identical: dropped.pdf").wait_for()
    other = event.path(facts["old"].pdf)  # a genuine certificate, but not this one
    page.set_input_files("#pick", str(other))
    verdict.filter(has_text=re.compile("Not the issued")).wait_for()
    page.close()


def test_pages_work_without_javascript_and_hide_the_drop_zone(site, browser):
    base, facts = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/{facts['revoked'].cert_id}/")
    assert page.locator(".badge").inner_text() == "Revoked"
    assert not page.locator("#drop").is_visible()
    assert "sha256sum" in page.inner_text("body")  # how to check without the drop zone
    page.goto(f"{base}/{facts['old'].cert_id}/")
    page.get_by_role("link", name=f"certificate {facts['new'].cert_id}").click()
    assert page.locator(".badge").inner_text() == "Valid certificate"
    context.close()


def test_no_file_of_the_site_holds_an_email_address(site):
    _, facts = site
    addresses = {r.email.lower() for r in facts["records"] if r.email}
    assert len(addresses) >= 20
    files = [p for p in facts["out"].rglob("*") if p.is_file()]
    assert len(files) >= 24
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        assert not [a for a in addresses if a in text], path
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), path


def test_each_page_has_an_open_badges_3_credential_beside_it(site, browser):
    base, facts = site
    page = browser.new_page()
    valid, gone = facts["valid"], facts["revoked"]
    page.goto(f"{base}/{valid.cert_id}/")
    href = page.get_by_role("link", name="This certificate as an Open Badges 3.0 file").get_attribute("href")
    badge = page.request.get(f"{base}/{valid.cert_id}/{href}").json()
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in badge["@context"]
    assert badge["id"] == f"https://certificates.example.org/verify/{valid.cert_id}/badge.json"
    assert badge["issuer"]["name"] == "Data Skills Bootcamp" and badge["validFrom"] == valid.sent_at
    subject = badge["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == valid.name
    assert subject["achievement"]["name"] == facts["event"].name and "validUntil" not in badge
    revoked = page.request.get(f"{base}/{gone.cert_id}/badge.json").json()
    assert revoked["validUntil"] == gone.ended_at
    page.close()
