"""The eligibility filter of event.toml (`roster.eligible`), evaluated safely, never with eval().

Syntax: comparisons `==  !=  <  <=  >  >=`, `in (...)`, `not in (...)`, joined with `and`, `or`,
`not` and parentheses; numbers; text in quotes; column names as they are in the sheet. A column
name with spaces or punctuation goes in backticks (`` `Final Score` >= 80 ``), or is written as
an identifier that folds to it (`final_score` for "Final Score"). Examples:

    Score >= 80 and Attended == "yes"
    `Final Score` >= 50 or Track in ("Online", "Hybrid")

Text compares ignoring case and surrounding spaces; a cell compared with a number is read as a
number ("85%" and "85,5" work). An empty cell makes its comparison false. A column alone is
true unless it is empty or no/false/0. The expression is parsed with `ast` and walked node by
node; any other construct (calls, attributes, arithmetic, subscripts) is refused.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .._text import normalize, suggest
from ..config import Event
from ..docs import key
from ..errors import ConfigError
from ..sheets import Roster, Row

FALSE_WORDS = {"", "no", "n", "false", "0", "-", "none"}
_OPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
        ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
            ast.Compare, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List, ast.In,
            ast.NotIn, *_OPS)
_BACKTICK = re.compile(r"`([^`]*)`")
BLANK_ROW = "Blank row."
HELP = ('Write it like: Score >= 80 and Attended == "yes" (column names with spaces in '
        "backticks: `Final Score` >= 80).")



@dataclass(frozen=True)
class ExcludedRow(Row):
    """A roster row that will not get a certificate, and why (in words)."""

    reason: str = ""
    doubts: tuple[tuple[str, str], ...] = ()  # (column, why): cells the filter could not read


class Filter:
    """A compiled eligibility expression over one roster header."""

    def __init__(self, expression: str, header: Sequence[str]):
        self.expression = expression.strip()
        self.columns: dict[str, str] = {}  # identifier in the expression -> column
        source = _BACKTICK.sub(lambda m: self._backtick(m.group(1), header), self.expression)
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            raise ConfigError(_syntax_hint(self.expression)) from None
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise ConfigError(
                    f"event.toml roster.eligible: '{ast.unparse(node)}' is not allowed in the "
                    "filter; only comparisons, and, or, not, column names, numbers and quoted "
                    f"text. {HELP}"
                )
            if isinstance(node, ast.Name) and node.id not in self.columns:
                self.columns[node.id] = _resolve(node.id, header)
            if isinstance(node, ast.Compare) and any(
                isinstance(op, ast.In | ast.NotIn) for op in node.ops
            ) and not all(isinstance(c, ast.Tuple | ast.List) for c in node.comparators):
                raise ConfigError(f"event.toml roster.eligible: after 'in' write a list in "
                                  f'parentheses, e.g. Track in ("Online", "Hybrid"). {HELP}')
        self._tree = tree

    def _backtick(self, name: str, header: Sequence[str]) -> str:
        """Replace a `quoted column` by a private identifier bound to that column."""
        ident = f"_column_{len(self.columns)}"
        self.columns[ident] = _resolve(name, header, quoted=True)
        return ident

    def test(self, row: Row) -> tuple[bool, str]:
        """(kept, reason): the reason says why a row is left out, with the values that decided."""
        kept, reason, _doubts = self.explain(row)
        return kept, reason

    def explain(self, row: Row) -> tuple[bool, str, list[tuple[str, str]]]:
        """test() plus the cells that could not be compared: (column, "Score is empty")."""
        notes: list[tuple[str, str]] = []
        kept = _truthy(_Eval(self.columns, row, notes).visit(self._tree.body))
        if kept:
            return True, "", []
        shown = ", ".join(f"{c} = '{row.get(c).strip()}'" for c in dict.fromkeys(
            self.columns.values()))
        words = list(dict.fromkeys(n for _c, n in notes))
        extra = f" ({'; '.join(words)})" if words else ""
        return False, f"Not eligible: {self.expression} is false for {shown}{extra}.", \
            list(dict.fromkeys(notes))


def is_blank(row: Row) -> bool:
    """True when every cell of the row is empty or only spaces."""
    return not any(v.strip() for v in row.values.values() if v)


def eligible_rows(event: Event, roster: Roster) -> tuple[list[Row], list[ExcludedRow]]:
    """Rows kept by roster.eligible (all non-blank rows when it is empty) and those left out,
    each with its reason; raise ConfigError when the filter cannot be understood."""
    flt = Filter(event.roster.eligible, roster.header) if event.roster.eligible.strip() else None
    kept: list[Row] = []
    excluded: list[ExcludedRow] = []
    for row in roster.rows:
        if is_blank(row):
            excluded.append(ExcludedRow(row.number, row.values, BLANK_ROW))
            continue
        ok, reason, doubts = flt.explain(row) if flt else (True, "", [])
        if ok:
            kept.append(row)
        else:
            excluded.append(ExcludedRow(row.number, row.values, reason, tuple(doubts)))
    return kept, excluded


class _Cell(str):
    """A cell's text, with the column it came from (for messages)."""

    column: str = ""


class _Eval(ast.NodeVisitor):
    """Walks an already-validated tree; every node type here is one _ALLOWED lets through."""

    def __init__(self, columns: dict[str, str], row: Row, notes: list[tuple[str, str]]):
        self.columns, self.row, self.notes = columns, row, notes

    def visit_Name(self, node: ast.Name) -> _Cell:
        column = self.columns[node.id]
        cell = _Cell(self.row.get(column).strip())
        cell.column = column
        return cell

    def visit_Constant(self, node: ast.Constant) -> object:
        return node.value

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> list:
        return [self.visit(e) for e in node.elts]

    visit_List = visit_Tuple

    def visit_UnaryOp(self, node: ast.UnaryOp) -> object:
        value = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return not _truthy(value)
        number = self._number(value)
        return None if number is None else -number

    def visit_BoolOp(self, node: ast.BoolOp) -> bool:
        if isinstance(node.op, ast.And):
            return all(_truthy(self.visit(v)) for v in node.values)
        return any(_truthy(self.visit(v)) for v in node.values)

    def visit_Compare(self, node: ast.Compare) -> bool:
        left = self.visit(node.left)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comp)
            if isinstance(op, ast.In | ast.NotIn):
                found = any(self._compare(ast.Eq(), left, item) for item in right)
                ok = found if isinstance(op, ast.In) else not found
            else:
                ok = self._compare(op, left, right)
            if not ok:
                return False
            left = right
        return True

    def _compare(self, op: ast.cmpop, left: object, right: object) -> bool:
        """Compare two values the organizer's way: numbers as numbers, text folded."""
        fn = _OPS[type(op)]
        if isinstance(left, bool) or isinstance(right, bool):
            return fn(_truthy(left), _truthy(right))
        numeric = _is_number(left) or _is_number(right)
        if numeric or (_as_number(left) is not None and _as_number(right) is not None):
            a, b = self._number(left), self._number(right)
            return a is not None and b is not None and fn(a, b)
        if left is None or right is None:
            return fn(left, right)
        empty = [v for v in (left, right) if isinstance(v, _Cell) and not v]
        if empty and not isinstance(op, ast.Eq | ast.NotEq):
            self.notes.append((empty[0].column, f"{empty[0].column} is empty"))
            return False
        return fn(normalize(str(left)), normalize(str(right)))

    def _number(self, value: object) -> float | None:
        """`value` as a number, noting an empty or non-numeric cell."""
        number = _as_number(value)
        if number is None and isinstance(value, _Cell):
            self.notes.append((value.column, f"{value.column} is empty" if not value
                               else f"{value.column} '{value}' is not a number"))
        return number


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: object) -> float | None:
    """A number from a literal or from cell text such as '85', '85.5', '85,5' or '85 %'."""
    if _is_number(value):
        return float(value)  # type: ignore[arg-type]
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip("%").strip().replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _truthy(value: object) -> bool:
    """A cell is true unless empty or no/false/0; other values by Python's rules."""
    if isinstance(value, _Cell):
        return normalize(value) not in FALSE_WORDS
    return bool(value)


def _resolve(name: str, header: Sequence[str], quoted: bool = False) -> str:
    """The roster column an identifier in the filter names, or ConfigError with a suggestion."""
    if name in header:
        return name
    folded = [h for h in header if key(h) == key(name) and key(name)]
    if len(folded) == 1:
        return folded[0]
    text_hint = "" if quoted else f' If you meant the text {name}, put it in quotes: "{name}".'
    raise ConfigError(
        f"event.toml roster.eligible names a column '{name}' that the roster does not have."
        f"{suggest(name, header)}{text_hint} {HELP}",
        column=name,
    )


def _syntax_hint(expression: str) -> str:
    """A syntax-error message with the most likely fix."""
    hint = HELP
    if re.search(r"(?<![=!<>])=(?!=)", expression):
        hint = "To compare, write == (two equals signs), e.g. Attended == \"yes\". " + HELP
    elif re.search(r"\b(AND|OR|NOT|And|Or|Not)\b", expression):
        hint = "Write and, or, not in lowercase. " + HELP
    elif re.search(r"[A-Za-z] +[A-Za-z]+ *[=<>!]", expression):
        hint = "Put column names with spaces in backticks. " + HELP
    return f"event.toml roster.eligible = '{expression}' is not a valid filter. {hint}"
