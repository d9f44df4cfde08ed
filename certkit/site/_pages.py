"""The verification pages as HTML: one per certificate and a front page. Plain functions, so that
`certkit publish` (static files) and a server (`certkit serve`) show the very same pages.

A page works with JavaScript off (status, holder, issuer, dates, links, fingerprint); only the
drop zone that hashes a PDF in the visitor's browser (Web Crypto, nothing uploaded) needs it.
No email address is ever written into a page.
"""

from __future__ import annotations

import html
import re

from ..config import Event
from ..docs import linkedin_url
from ..ledger import Record
from ..status import REPLACED, REVOKED, VALID

EMAIL_LIKE = re.compile(r"[^\s@<>]+@[^\s@<>]+")

STYLE = """
*{box-sizing:border-box}
body{font:1.05rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:40rem;
 margin:0 auto;padding:1.5rem 1rem 3rem;color:#1f2937;background:#fff}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
.badge{display:inline-block;padding:.35rem .9rem;border-radius:1rem;font-weight:600}
.valid{background:#dcfce7;color:#166534}.replaced{background:#fef9c3;color:#854d0e}
.revoked,.invalid{background:#fee2e2;color:#991b1b}
dl{margin:1rem 0}dt{color:#6b7280;margin-top:.8rem;font-size:.9rem}dd{margin:0;font-size:1.1rem;
 overflow-wrap:anywhere}
code{overflow-wrap:anywhere;font-size:.85rem}
a.button{display:inline-block;margin:.5rem 0;padding:.6rem 1rem;border-radius:.4rem;
 background:#0a66c2;color:#fff;text-decoration:none;font-weight:600}
#drop{border:2px dashed #9ca3af;border-radius:.6rem;padding:1.2rem;margin:1rem 0;text-align:center}
#drop.over{border-color:#2563eb;background:#eff6ff}
#verdict{font-weight:600;margin-top:.6rem}.same{color:#166534}.differs{color:#991b1b}
input,button{font:inherit;padding:.5rem;max-width:100%}
footer{margin-top:2rem;color:#6b7280;font-size:.85rem}
"""

# Hashes a dropped or chosen PDF in the browser and compares it with the published SHA-256.
DROP_SCRIPT = """
(function(){
 var zone=document.getElementById('drop');if(!zone||!window.crypto||!crypto.subtle)return;
 zone.hidden=false;
 var want=zone.getAttribute('data-sha256'),out=document.getElementById('verdict'),
     pick=document.getElementById('pick');
 function hex(buf){return Array.prototype.map.call(new Uint8Array(buf),function(b){
   return('0'+b.toString(16)).slice(-2)}).join('')}
 function check(file){if(!file)return;out.className='';out.textContent='Checking '+file.name+'\\u2026';
  file.arrayBuffer().then(function(b){return crypto.subtle.digest('SHA-256',b)}).then(function(d){
   var h=hex(d);if(h===want){out.className='same';
    out.textContent='Identical: '+file.name+' is the issued file.'}
   else{out.className='differs';out.textContent='Not the issued file: '+file.name+
    ' differs from the certificate issued (its SHA-256 is '+h+').'}
  })}
 pick.addEventListener('change',function(){check(pick.files[0])});
 zone.addEventListener('dragover',function(e){e.preventDefault();zone.classList.add('over')});
 zone.addEventListener('dragleave',function(){zone.classList.remove('over')});
 zone.addEventListener('drop',function(e){e.preventDefault();zone.classList.remove('over');
  check(e.dataTransfer.files[0])});
})();
"""


def _document(title: str, body: str, script: str = "") -> str:
    """A whole HTML page: phone-sized viewport, inline style, no outside resources."""
    tail = f"<script>{script}</script>" if script else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style></head><body>\n"
        f"{body}\n{tail}</body></html>\n"
    )


def shown_fields(event: Event, record: Record) -> list[tuple[str, str]]:
    """What a page shows: the holder and what the certificate says; never an email address."""
    skip = {"certificate_id", "Certificate ID", "verify_url", "qr_code", "event_name",
            event.roster.email_column}
    rows = [("Awarded to", record.name)]
    rows += [(k, v) for k, v in record.fields.items()
             if k not in skip and v and v != record.name and not EMAIL_LIKE.search(v)]
    return rows


def is_valid(record: Record) -> bool:
    """Issued and not withdrawn: mailed at least once (a later failed resend or a bounce does not
    undo that), and neither revoked nor replaced."""
    return record.status in VALID or (bool(record.sent_at) and record.status not in (REVOKED, REPLACED))


def _status(record: Record, replacement: Record | None) -> tuple[str, str]:
    """The badge and, for a withdrawn certificate, what to know about it (HTML)."""
    e = html.escape
    if record.status == REVOKED:
        when = record.ended_at[:10]
        why = f" Reason: {e(record.reason)}." if record.reason else ""
        return ('<p class="badge revoked">Revoked</p>',
                f"<p>This certificate was revoked on {e(when)} and is no longer valid.{why}</p>")
    if record.status == REPLACED:
        new = replacement.cert_id if replacement else record.replaced_by
        why = f" ({e(record.reason)})" if record.reason else ""
        return ('<p class="badge replaced">Replaced</p>',
                f"<p>This certificate was replaced on {e(record.ended_at[:10])}{why} by "
                f'<a href="../{e(new)}/">certificate {e(new)}</a>, which is the valid one.</p>')
    if is_valid(record):
        return '<p class="badge valid">Valid certificate</p>', ""
    return (f'<p class="badge invalid">Not valid: {e(record.status.lower())}</p>',
            "<p>This certificate has not been issued.</p>")


def certificate_page(event: Event, record: Record, digest: str,
                     replacement: Record | None = None) -> str:
    """One certificate's page: status, holder, what and when, issuer, the PDF's SHA-256 with a
    drop zone to compare a PDF, and (when valid) LinkedIn's "Add to profile" link."""
    e = html.escape
    badge, note = _status(record, replacement)
    items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in shown_fields(event, record))
    issued = record.sent_at or record.ended_at
    when = f"<dt>Issued</dt><dd>{e(issued[:10])}</dd>" if issued else ""
    if record.replaces:
        when += (f'<dt>Replaces</dt><dd><a href="../{e(record.replaces)}/">certificate '
                 f"{e(record.replaces)}</a></dd>")
    share = ""
    if is_valid(record) and event.site.linkedin:
        url = linkedin_url(event, record.cert_id, record.sent_at)
        share = (f'<p><a class="button" id="linkedin" href="{e(url)}" rel="noopener">'
                 "Add to LinkedIn profile</a></p>")
    body = (
        f"<h1>{e(event.name)}</h1>{badge}{note}<dl>{items}{when}"
        f"<dt>Issued by</dt><dd>{e(event.issuer)}</dd>"
        f"<dt>Certificate ID</dt><dd>{e(record.cert_id)}</dd>"
        f'<dt>SHA-256 of the issued PDF</dt><dd><code id="sha256">{e(digest)}</code></dd></dl>'
        f"{share}"
        f'<div id="drop" data-sha256="{e(digest)}" hidden><p>Is the PDF in front of you the one '
        "that was issued? Drop it here, or choose it:</p>"
        '<input type="file" id="pick" accept="application/pdf,.pdf">'
        '<p id="verdict" aria-live="polite"></p><p><small>The file is checked inside your '
        "browser; nothing is uploaded.</small></p></div>"
        "<noscript><p>To check a PDF without JavaScript: its SHA-256 fingerprint must be the one "
        "above (<code>sha256sum file.pdf</code> on Linux/macOS, "
        "<code>certutil -hashfile file.pdf SHA256</code> on Windows).</p></noscript>"
        '<p><small><a href="badge.json" type="application/ld+json">This certificate as an Open '
        "Badges 3.0 file</a></small></p>"
        f"<footer>Verification page of {e(event.issuer)}.</footer>"
    )
    return _document(f"{record.cert_id} · {event.name}", body, DROP_SCRIPT)


OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def badge_json(event: Event, record: Record) -> dict[str, object]:
    """The certificate as an Open Badges 3.0 credential (unsigned), published beside its page as
    badge.json: badge wallets and learning platforms read it. The holder is named, never mailed:
    no email address in it. A revoked or replaced certificate ends at that date (validUntil)."""
    from ..docs import verify_url

    page = verify_url(event, record.cert_id)
    base = event.verify_base_url.rstrip("/")
    what = "; ".join(f"{k}: {v}" for k, v in shown_fields(event, record)[1:])
    badge: dict[str, object] = {
        "@context": OB3_CONTEXT,
        "id": f"{page}/badge.json",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{base}/", "type": ["Profile"], "name": event.issuer},
        "validFrom": record.sent_at or record.ended_at,
        "name": event.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": record.name}],
            "achievement": {
                "id": f"{base}/#achievement", "type": ["Achievement"], "name": event.name,
                "description": what or event.name,
                "criteria": {"narrative": f"Awarded by {event.issuer}: {event.name}."},
            },
        },
        "evidence": [{"id": page, "type": ["Evidence"], "name": f"Certificate {record.cert_id}"}],
    }
    if record.status in (REVOKED, REPLACED) and record.ended_at:
        badge["validUntil"] = record.ended_at
    return badge


def index_page(event: Event) -> str:
    """The front page: type a certificate ID to open its page (no list of names)."""
    e = html.escape
    body = (
        f"<h1>{e(event.name)}</h1><p>Check a certificate: type the ID printed under its QR code.</p>"
        '<form id="lookup"><input name="cid" placeholder="CK-XXXX-XXXX" required '
        'autocapitalize="characters"> <button>Check</button></form>'
        "<noscript><p>Without JavaScript, add the ID to this page's address: "
        "<code>…/CK-XXXX-XXXX/</code>.</p></noscript>"
        f"<footer>Verification pages of {e(event.issuer)}.</footer>"
    )
    script = ("document.getElementById('lookup').onsubmit=function(){location.href="
              "encodeURIComponent(this.cid.value.trim().toLowerCase())+'/';return false};")
    return _document(event.name, body, script)
