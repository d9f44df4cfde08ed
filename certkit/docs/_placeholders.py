"""Placeholders as organizers write them ({{Full Name}}, <<Full Name>>) translated to Jinja.

Works on the XML of one .docx part (body, header, footer, footnotes): every paragraph's text is
read across its runs, so a placeholder that Word split over several runs is joined into the run
where it starts before it is translated.
"""

from __future__ import annotations

import hashlib
import keyword
import re
import unicodedata
from dataclasses import dataclass, field

from jinja2 import Environment, TemplateSyntaxError

from .._text import normalize

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_T = f"{{{W}}}t"
W_P = f"{{{W}}}p"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# {{ ... }}, {% ... %}, {# ... #} (Jinja) and <<...>> (Autocrat), leftmost first.
TOKEN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<<[^<>{}]*?>>", re.S)
ORGANIZER_REF = re.compile(r"<<([^<>{}]*?)>>")
DOCXTPL_PREFIX = re.compile(r"^\s*-?\s*(?:r|p|tr|tc)\s")  # {{r x}}, {%p if %}, {%tr for %} ...
JINJA_MARKERS = re.compile(r"[|\[\]\"'~(]|==|!=")
DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
JINJA_WORDS = {"and", "or", "not", "in", "is", "if", "else", "true", "false", "none",
               "True", "False", "None", "loop", "self", "range", "dict", "namespace"}
BLOCK_OPEN = {"if", "for", "with", "filter", "macro", "call", "block", "raw"}
BLOCK_MIDDLE = {"elif": {"if", "for"}, "else": {"if", "for"}}
CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
PARAGRAPH_SHOWN = 90  # characters of a paragraph quoted in a message


@dataclass
class Finding:
    """Something found in a paragraph: the placeholder text, the paragraph, what it means."""

    placeholder: str
    paragraph: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} (in the paragraph \"{self.paragraph}\")"


@dataclass
class Scan:
    """What translating a template found: placeholders in order, repairs and problems."""

    placeholders: list[str] = field(default_factory=list)
    repaired: list[Finding] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def add_placeholder(self, name: str) -> None:
        """Record an organizer placeholder once, in order of first appearance."""
        if name not in self.placeholders:
            self.placeholders.append(name)

    def add(self, kind: list[Finding], finding: Finding) -> None:
        """Record a finding once (text boxes are stored twice by Word)."""
        if all((f.placeholder, f.paragraph) != (finding.placeholder, finding.paragraph)
               for f in kind):
            kind.append(finding)


def clean_name(text: str) -> str:
    """A placeholder name as written, with invisible characters dropped and spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text
                   if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def is_plain_identifier(name: str) -> bool:
    """True when `name` can stay a Jinja variable as it is (ASCII identifier, not a keyword)."""
    return (name.isascii() and name.isidentifier() and name not in JINJA_WORDS
            and not keyword.iskeyword(name) and not name.startswith("ck_"))


class Names:
    """Organizer placeholder names and the Jinja identifiers they become (stable per template)."""

    def __init__(self) -> None:
        self.ident: dict[str, str] = {}  # organizer name -> Jinja identifier
        self._by_key: dict[str, str] = {}  # normalize(name) -> first spelling seen

    def identifier(self, name: str) -> str:
        """The Jinja identifier for organizer name `name`, made on first use."""
        if is_plain_identifier(name):
            self.ident.setdefault(name, name)
            return name
        first = self._by_key.setdefault(normalize(name), name)
        if first not in self.ident:
            slug = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
            slug = re.sub(r"[^0-9a-zA-Z]+", "_", slug).strip("_").lower()
            if not slug:
                slug = hashlib.sha256(first.encode()).hexdigest()[:8]
            ident, n = f"ck_{slug}", 1
            while ident in self.ident.values():
                n += 1
                ident = f"ck_{slug}_{n}"
            self.ident[first] = ident
        return self.ident[first]

    def organizer_name(self, name: str) -> str:
        """The spelling a placeholder is listed under (the first one seen for its normalized key)."""
        return name if is_plain_identifier(name) else self._by_key.get(normalize(name), name)


def short(text: str) -> str:
    """A paragraph's text shortened for a message."""
    text = " ".join(text.split())
    return text if len(text) <= PARAGRAPH_SHOWN else text[: PARAGRAPH_SHOWN - 1] + "…"


def paragraph_texts(root) -> list[tuple[object, list]]:
    """Each paragraph with its own w:t elements (not those of text boxes nested in it), in order."""
    own: dict[object, list] = {}
    order: list = []
    for t in root.iter(W_T):
        p = t.getparent()
        while p is not None and p.tag != W_P:
            p = p.getparent()
        if p is None:
            continue
        if p not in own:
            own[p] = []
            order.append(p)
        own[p].append(t)
    return [(p, own[p]) for p in order]


def translate_token(token: str, names: Names, scan: Scan) -> str:
    """The Jinja text for one token, recording the organizer placeholders it refers to."""

    def ref(m: re.Match[str]) -> str:
        name = clean_name(m.group(1))
        ident = names.identifier(name)
        scan.add_placeholder(names.organizer_name(name))
        return ident

    if token.startswith("<<"):
        name = clean_name(token[2:-2])
        if not name:
            return token  # reported as an empty placeholder by the caller
        ident = names.identifier(name)
        scan.add_placeholder(names.organizer_name(name))
        return "{{ " + ident + " }}"
    if token.startswith("{{"):
        inner = token[2:-2]
        left = "-" if inner.startswith("-") else ""
        right = "-" if inner.endswith("-") and len(inner) > 1 else ""
        body = inner[len(left): len(inner) - len(right)]
        name = clean_name(body)
        if not name or is_jinja_expression(body):
            return "{{" + ORGANIZER_REF.sub(ref, inner) + "}}"
        ident = names.identifier(name)
        if ident != name:  # a plain {{ name }} is found by Jinja (it may be a loop variable)
            scan.add_placeholder(names.organizer_name(name))
        return "{{" + left + " " + ident + " " + right + "}}"
    if token.startswith("{%"):
        return ORGANIZER_REF.sub(ref, token)
    return token  # a {# comment #}


def straight(text: str) -> str:
    """Word's curly quotes made straight, as docxtpl does before Jinja reads a tag."""
    return text.translate(CURLY)


def is_jinja_expression(inner: str) -> bool:
    """True when `inner` is meant as Jinja (a filter, a call, a quote...), not a column name."""
    inner = straight(inner)
    if "<<" in inner or DOCXTPL_PREFIX.match(inner) or DOTTED.match(inner.strip()):
        return True
    if is_plain_identifier(inner.strip()) or not JINJA_MARKERS.search(inner):
        return False
    try:
        Environment(autoescape=True).parse("{{" + inner + "}}")
    except TemplateSyntaxError:
        return False
    return True


def filter_error(token: str) -> str | None:
    """Jinja's complaint about a {{ x | filter }} that does not parse (a column name has no |)."""
    if not token.startswith("{{") or "|" not in token or "<<" in token:
        return None
    try:
        Environment(autoescape=True).parse(straight(token))
    except TemplateSyntaxError as exc:
        return f"this Jinja expression is not valid ({exc.message})"
    return None


def leftovers(text: str, paragraph: str) -> list[Finding]:
    """Opening or closing marks left outside any complete placeholder, explained."""
    found = []
    for m in re.finditer(r"\{\{|\{%|<<(?=\s*\w)|\}\}|%\}", text):
        mark = m.group()
        if mark in ("}}", "%}"):
            start = max(0, m.start() - 30)
            piece = text[start: m.end()].lstrip()
            opener = "{{" if mark == "}}" else "{%"
            msg = f"'{piece}' closes with '{mark}' but never opens with '{opener}'"
        else:
            piece = text[m.start(): m.start() + 40].rstrip()
            closer = {"{{": "}}", "{%": "%}", "<<": ">>"}[mark]
            msg = f"'{piece}' opens with '{mark}' but never closes with '{closer}'"
        found.append(Finding(piece, paragraph, msg))
    return found


def translate_paragraph(ts: list, names: Names, scan: Scan, blocks: list,
                        keep_notation: bool = False) -> None:
    """Join placeholders split across runs and translate them (unless `keep_notation`), in place."""
    texts = [t.text or "" for t in ts]
    full = "".join(texts)
    if not any(mark in full for mark in ("{", "}", "<<")):
        return
    shown = short(full)
    starts, pos = [], 0
    for piece in texts:
        starts.append(pos)
        pos += len(piece)
    tokens = list(TOKEN.finditer(full))
    blanked = TOKEN.sub(lambda m: " " * len(m.group()), full)
    for finding in leftovers(blanked, shown):
        scan.add(scan.problems, finding)
    for m in tokens:
        block_tag(m.group(), shown, blocks, scan)
        inner = m.group()[2:]
        if m.group().startswith("{{") and ("{{" in inner or "{%" in inner):
            first = inner.split("{", 1)[0].strip() or m.group()
            scan.add(scan.problems, Finding(m.group(), shown, (
                f"'{m.group()}' opens '{{{{' twice: a '}}}}' is missing after '{first}' "
                "(each placeholder needs its own {{ and }})")))
        error = filter_error(m.group())
        if error:
            scan.add(scan.problems, Finding(m.group(), shown, f"'{m.group()}': {error}"))
        if m.group() in ("{{}}", "<<>>") or not clean_name(m.group()[2:-2]):
            scan.add(scan.problems, Finding(m.group(), shown, f"'{m.group()}' is empty"))
    news = [m.group() if keep_notation else translate_token(m.group(), names, scan)
            for m in tokens]
    for m, new in reversed(list(zip(tokens, news, strict=True))):
        first = max(i for i, s in enumerate(starts) if s <= m.start())
        last = max(i for i, s in enumerate(starts) if s < m.end())
        if first != last:
            scan.add(scan.repaired, Finding(
                m.group(), shown,
                f"'{m.group()}' was split by Word into {last - first + 1} pieces; joined"))
        a, b = m.start() - starts[first], m.end() - starts[last]
        if first == last:
            texts[first] = texts[first][:a] + new + texts[first][b:]
        else:
            texts[first] = texts[first][:a] + new
            for i in range(first + 1, last):
                texts[i] = ""
            texts[last] = texts[last][b:]
    for t, text in zip(ts, texts, strict=True):
        if text != (t.text or ""):
            t.text = text
            t.set(XML_SPACE, "preserve")


def block_tag(token: str, paragraph: str, blocks: list, scan: Scan) -> None:
    """Track {% if %} / {% endif %} pairs so an unclosed block names its paragraph."""
    if not token.startswith("{%"):
        return
    body = DOCXTPL_PREFIX.sub("", token[2:-2].strip("-").strip() + " ", count=1).strip()
    word = body.split(" ", 1)[0] if body else ""
    if word in BLOCK_OPEN:
        blocks.append((word, token, paragraph))
    elif word in BLOCK_MIDDLE:
        if not blocks or blocks[-1][0] not in BLOCK_MIDDLE[word]:
            scan.add(scan.problems, Finding(
                token, paragraph, f"'{token}' has no '{{% if %}}' before it"))
    elif word.startswith("end") and word[3:] in BLOCK_OPEN:
        if blocks and blocks[-1][0] == word[3:]:
            blocks.pop()
        else:
            scan.add(scan.problems, Finding(
                token, paragraph, f"'{token}' closes a '{word[3:]}' block that was never opened"))


def translate_part(root, names: Names, scan: Scan, keep_notation: bool = False) -> None:
    """Translate every paragraph of one XML part in place; report blocks left open."""
    blocks: list = []
    for _p, ts in paragraph_texts(root):
        translate_paragraph(ts, names, scan, blocks, keep_notation)
    for word, token, paragraph in blocks:
        scan.add(scan.problems, Finding(
            token, paragraph, f"'{token}' is never closed: add '{{% end{word} %}}' after it"))


def jinja_problems(xml: str, patch) -> tuple[list[Finding], set[str]]:
    """Parse one translated part as docxtpl will; return syntax problems and variables used."""
    from jinja2 import meta

    patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", patch(xml))
    env = Environment(autoescape=True)  # only parsed here, never rendered
    try:
        ast = env.parse(patched)
    except TemplateSyntaxError as exc:
        lines = patched.splitlines()
        line = lines[exc.lineno - 1] if 0 < (exc.lineno or 0) <= len(lines) else ""
        text = short(re.sub(r"<[^>]+>", "", line))
        tokens = [f"'{t}'" for t in dict.fromkeys(TOKEN.findall(text))] or ["a tag"]
        which = tokens[0] if len(tokens) == 1 else "one of " + ", ".join(tokens)
        return [Finding(which, text, f"{which} is not valid Jinja ({exc.message})")], set()
    used = meta.find_undeclared_variables(ast) - set(env.globals)
    return [], used


def printed_identifiers(xml: str) -> set[str]:
    """Names a translated part prints ({{ x }}), as opposed to names only tested ({% if x %})."""
    return {name for m in TOKEN.finditer(xml) if m.group().startswith("{{")
            for name in re.findall(r"(?<![\w.'\"])[A-Za-z_]\w*", m.group())}


def identifiers_in_order(xml: str) -> list[str]:
    """Names used inside the Jinja tags of a translated part, in order of first use."""
    seen: dict[str, None] = {}
    for m in TOKEN.finditer(xml):
        for name in re.findall(r"(?<![\w.'\"])[A-Za-z_]\w*", m.group()):
            seen.setdefault(name, None)
    return list(seen)
