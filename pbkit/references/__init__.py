"""Where the rules of the course come from: one table of instruments, and ``basis`` entries.

Every rule a lesson states (``sections[].rules`` in ``lessons/NN-*/lesson.yaml``) and every
rule of a role-play scenario (``rules`` in ``lessons/scenarios/*.yaml``) carries a
``basis``: one entry or a list of entries, each either

* ``{instrument: <id>, article: <n>?, status: national, pending: true?}`` -- a law, a party
  rule or a ministry measure from :file:`instruments.yaml` (the shared table), with the
  article number only where it was checked, and ``pending: true`` (shown as 待核 / "to be
  verified") where the article or the wording still has to be checked; or
* ``{status: local_practice | example, seed: "002"?, note: {zh, en}?, instrument: <id>?}``
  -- a practice of the places in the field reports (``seed`` names the report), or an
  example; a local practice or example names its report or says in ``note`` where it comes
  from.

Never an invented article: where unsure, name the instrument and set ``pending: true``.

>>> table = load_table()
>>> table.instruments["party-constitution"].year
2022
>>> b = parse_basis({"instrument": "party-constitution", "article": 9}, ("basis",), _raise)
>>> format_basis(b, "zh"), format_basis(b, "en")
('《中国共产党章程》第九条（2022）', 'Constitution of the Communist Party of China, Art. 9 (2022)')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pbkit.i18n.text import Text

__all__ = [
    "STATUSES",
    "Instrument",
    "Report",
    "Basis",
    "Table",
    "load_table",
    "parse_basis",
    "format_basis",
    "format_one",
    "chinese_number",
]

STATUSES: tuple[str, ...] = ("national", "local_practice", "example")
TABLE_PATH = Path(__file__).with_name("instruments.yaml")
_BASIS_FIELDS = {"instrument", "article", "status", "seed", "note", "pending"}

Fail = Callable[..., Exception]


@dataclass(frozen=True)
class Instrument:
    """A law, party rule or ministry measure the course cites."""

    id: str
    title: Text
    short: Text
    year: int
    kind: str
    version: Text = Text("", "")

    def name(self, lang: str) -> str:
        """Full name in ``lang`` (``zh`` in book-title marks)."""
        return f"《{self.title.zh}》" if lang == "zh" else self.title.en


@dataclass(frozen=True)
class Report:
    """A field report the workbench was built from (source of local practices)."""

    id: str
    file: str
    title: Text

    def name(self, lang: str) -> str:
        return self.title.get(lang)


@dataclass(frozen=True)
class Basis:
    """One basis entry of a rule (see the module docstring)."""

    status: str
    instrument: str | None = None
    article: int | None = None
    seed: str | None = None
    pending: bool = False
    note: Text = Text("", "")


@dataclass(frozen=True)
class Table:
    """The instruments and field reports, by id."""

    instruments: Mapping[str, Instrument]
    reports: Mapping[str, Report]


def _raise(path: Sequence[Any], key: str, **params: Any) -> Exception:
    """Errors located in the table itself (for examples and checks of the table)."""
    from pbkit.yamlconf import YamlConfigError

    return YamlConfigError(key, file=TABLE_PATH.name, line=None, path=path, **params)


@cache
def load_table(path: str | None = None) -> Table:
    """The shared table (``pbkit/references/instruments.yaml`` unless ``path`` is given).

    Read with the one YAML reader: a malformed table raises
    :class:`~pbkit.yamlconf.YamlConfigError` naming the file, line and key path.

    >>> sorted(load_table().reports)[:2]
    ['000', '001']
    """
    from pbkit.yamlconf import YamlDoc

    table_path = Path(path or TABLE_PATH)
    doc = YamlDoc.from_path(table_path, table_path.name)
    data = doc.mapping(doc.data, (), required=("instruments", "reports"))
    instruments = {}
    for iid, d in doc.mapping(data["instruments"], ("instruments",)).items():
        where = ("instruments", iid)
        d = doc.mapping(d, where, required=("zh", "en", "short", "year", "kind"))
        short = doc.mapping(d["short"], (*where, "short"), required=("zh", "en"))
        version = doc.mapping(d.get("version") or {}, (*where, "version"))
        instruments[iid] = Instrument(
            id=iid, title=Text(d["zh"], d["en"]), short=Text(short["zh"], short["en"]),
            year=doc.integer(d["year"], (*where, "year"), 1900, 2100), kind=d["kind"],
            version=Text(version.get("zh", ""), version.get("en", "")))
    reports = {}
    for rid, d in doc.mapping(data["reports"], ("reports",)).items():
        d = doc.mapping(d, ("reports", rid), required=("file", "zh", "en"))
        reports[str(rid)] = Report(id=str(rid), file=d["file"], title=Text(d["zh"], d["en"]))
    return Table(instruments, reports)


def _one(value: Any, path: tuple, fail: Fail, table: Table) -> Basis:
    if not isinstance(value, Mapping):
        raise fail(path, "references.err.not_mapping")
    for name in value:
        if name not in _BASIS_FIELDS:
            raise fail((*path, str(name)), "references.err.unknown_field", name=name)
    status = value.get("status", "national")
    if status not in STATUSES:
        raise fail((*path, "status"), "references.err.bad_status", value=status,
                   choices=", ".join(STATUSES))
    instrument = value.get("instrument")
    if instrument is not None and instrument not in table.instruments:
        raise fail((*path, "instrument"), "references.err.unknown_instrument",
                   value=instrument, known=", ".join(sorted(table.instruments)))
    seed = value.get("seed")
    if seed is not None:
        seed = f"{seed:03d}" if isinstance(seed, int) and not isinstance(seed, bool) else seed
        if seed not in table.reports:
            raise fail((*path, "seed"), "references.err.unknown_report", value=seed,
                       known=", ".join(sorted(table.reports)))
    article = value.get("article")
    if article is not None:
        if not isinstance(article, int) or isinstance(article, bool) or article < 1:
            raise fail((*path, "article"), "references.err.bad_article", value=article)
        if instrument is None:
            raise fail((*path, "article"), "references.err.article_needs_instrument")
    pending = value.get("pending", False)
    if not isinstance(pending, bool):
        raise fail((*path, "pending"), "references.err.bad_pending", value=pending)
    note = value.get("note")
    if note is not None and not (isinstance(note, Mapping) and set(note) == {"zh", "en"}
                                 and all(isinstance(v, str) and v.strip()
                                         for v in note.values())):
        raise fail((*path, "note"), "references.err.bad_note")
    if status == "national" and instrument is None:
        raise fail(path, "references.err.needs_instrument")
    if status != "national" and seed is None and note is None:
        raise fail(path, "references.err.needs_source")
    return Basis(status=status, instrument=instrument, article=article, seed=seed,
                 pending=pending, note=Text((note or {}).get("zh", "").strip(),
                                            (note or {}).get("en", "").strip()))


def parse_basis(value: Any, path: Sequence[Any], fail: Fail,
                table: Table | None = None) -> tuple[Basis, ...]:
    """Read the ``basis`` of a rule: one entry or a non-empty list of entries.

    Parameters
    ----------
    value
        The YAML value of the ``basis`` field (``None`` when it is missing).
    path : sequence
        Where the field is, for messages (e.g. ``("sections", 0, "rules", 1, "basis")``).
    fail : callable
        ``fail(path, key, **params)`` returns the exception to raise (the caller's own
        error type, naming its file and line).
    table : Table, optional
        Default :func:`load_table`.

    Raises
    ------
    Exception
        Whatever ``fail`` returns: for a missing basis, an unknown instrument or report,
        a bad status or article.

    Examples
    --------
    >>> parse_basis({"status": "local_practice", "seed": "002"}, ("b",), _raise)[0].seed
    '002'
    """
    table = table or load_table()
    path = tuple(path)
    if value is None or (isinstance(value, list) and not value):
        raise fail(path, "references.err.missing")
    items = value if isinstance(value, list) else [value]
    return tuple(_one(v, (*path, i) if isinstance(value, list) else path, fail, table)
                 for i, v in enumerate(items))


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """A positive whole number below 10000 in Chinese numerals, as in article numbers.

    >>> chinese_number(9), chinese_number(14), chinese_number(290), chinese_number(105)
    ('九', '十四', '二百九十', '一百零五')
    """
    if not 0 < n < 10000:
        raise ValueError(n)
    if n < 20:
        return ("十" + (_DIGITS[n - 10] if n > 10 else "")) if n >= 10 else _DIGITS[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero else "") + _DIGITS[digit] + unit
            zero = False
        elif out and n:
            zero = True
    return out


def format_one(basis: Basis, lang: str, table: Table | None = None) -> str:
    """One basis entry as a reader sees it (``lang`` = ``zh`` or ``en``).

    >>> format_one(Basis("national", "civil-code", 290), "zh")
    '《中华人民共和国民法典》第二百九十条（2020）'
    >>> format_one(Basis("local_practice", seed="002"), "zh")
    '地方做法：田野报告 002：乡镇党委书记述职报告（包村工作组、精力不均）'
    """
    from pbkit.i18n import t

    table = table or load_table()
    parts = []
    if basis.status != "national":
        parts.append(t(f"references.status.{basis.status}", lang=lang))
    if basis.instrument:
        inst = table.instruments[basis.instrument]
        cite = inst.name(lang)
        if basis.article:
            cite += (f"第{chinese_number(basis.article)}条" if lang == "zh"
                     else f", Art. {basis.article}")
        cite += f"（{inst.year}）" if lang == "zh" else f" ({inst.year})"
        parts.append(cite)
    if basis.seed:
        parts.append(table.reports[basis.seed].name(lang))
    note = basis.note.get(lang)
    if note:
        parts.append(note)
    if basis.pending:
        parts.append(t("references.pending", lang=lang))
    head, rest = parts[0], parts[1:]
    if basis.status != "national" and rest:
        return head + ("：" if lang == "zh" else ": ") + ("；" if lang == "zh" else "; ").join(
            rest)
    sep = "，" if lang == "zh" else ", "
    return head + ("".join(f"（{p}）" for p in rest) if lang == "zh"
                   else "".join(f"{sep}{p}" for p in rest))


def format_basis(bases: Sequence[Basis], lang: str, table: Table | None = None) -> str:
    """Every entry of a rule's basis, joined (``；`` in Chinese, ``; `` in English)."""
    return ("；" if lang == "zh" else "; ").join(format_one(b, lang, table) for b in bases)
