"""Turn a raw export (names, phone numbers, ID numbers, birth dates, addresses) into an
anonymised pbkit dataset plus a privacy report.

Input: a folder of CSV files, a .zip of them or one .xlsx workbook (sheet per table), read
by :func:`pbkit.data.readers.read_source` (so encodings, full-width characters, Excel
dates and Chinese or English headers work as for the loader). Each file is one of the six
tables (named in English or Chinese: ``people.csv``, ``党员名册.xlsx`` ...). Its columns
are either schema columns (any header the loader accepts) or the raw columns of the code
table :data:`RAW_COLUMNS` (the identifying columns a raw export carries). Every other
column is dropped and listed in the report: an unknown column may hold personal data.

What happens to each raw column:

* names, resident ID numbers, phone numbers, internal codes -> only used to recognise
  the same person (or household) across files; the output holds a keyed-hash pseudonym
  ``"P" + first 10 hex digits of HMAC-SHA256(secret, "person" + key)`` (``H`` for
  households, ``V``/``T``/``C``/``G``... for organisations). The key is the resident ID
  number when there is one, else the mobile number, else the internal code, else the
  name together with the organisation. The same secret gives the same pseudonym in every
  file and every run; without the secret a pseudonym cannot be recomputed, even though
  every phone number and ID number could be enumerated (which is why a plain salted hash
  is not used).
* birth date / birth year / age -> age band (``18-29`` ... ``80+``) at the reference date;
  the birth year itself is not written.
* address, township and village names -> the pseudonymous org code of the village (the
  longest known organisation name found in the address text).
* group names (2+1 groups, bao-cun teams) -> keyed-hash codes (they often hold names).

Kept free text (``destination``, ``skills``, the pairing ``role`` ...) is scrubbed with
:func:`pbkit.data.identifiers.find_identifiers` — the detector the loader uses — with
every name of the raw export's name columns as a known name: a cell holding a mobile or
ID number in any written form, or a personal name, is blanked (a tag is dropped). Then
k-anonymity over :data:`~pbkit.data.schema.QUASI_IDENTIFIERS` (every published column
that can identify: roles, join year ... as well as age band, gender, education,
occupation and organisation) is enforced with :func:`pbkit.data.privacy.enforce_k`
(generalise, then suppress), links of suppressed people are removed, and the dataset and
``privacy_report.json`` (which lists each treatment) are written to a temporary folder
that is renamed to ``OUT`` only when complete, after every line was checked again with
the detector. A ``k`` larger than the number of people, or one that would suppress every
record, is refused.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> (d / "raw").mkdir()
>>> rows = ["姓名,身份证号,手机,出生日期,性别,学历,职业,所在村,角色"]
>>> rows += [f"人{i},,1380000{i:04d},1960-05-0{1 + i % 5},男,初中,农民,红旗村,党员"
...          for i in range(6)]
>>> _ = (d / "raw" / "党员.csv").write_text("\\n".join(rows), encoding="utf-8")
>>> rep = anonymize(d / "raw", d / "out", salt=b"a-secret-kept-elsewhere", k=5,
...                 ref_date="2025-06-30")
>>> rep.k_achieved, rep.suppressed, sorted(p.name for p in (d / "out").iterdir())[:2]
(6, 0, ['activities.csv', 'households.csv'])
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.identifiers import KnownNames
from pbkit.data.schema import QUASI_IDENTIFIERS, TABLE_ORDER, TABLES, fold_header
from pbkit.errors import DataError, PrivacyError, UsageError

__all__ = [
    "RAW_COLUMNS",
    "PSEUDONYM_PREFIX",
    "PrivacyReport",
    "Pseudonymiser",
    "anonymize",
    "check_secret_mode",
    "read_salt",
]

# Raw (identifying) columns accepted per table: role -> header spellings (zh and en).
# Roles starting with "source_"/"target_"/"person_" identify the other side of a link.
_ID = ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "id_number", "id_no",
       "id_card", "resident_id")
_NAME = ("姓名", "名字", "name", "full_name")
_PHONE = ("手机", "手机号", "手机号码", "联系电话", "电话", "电话号码", "联系方式", "phone",
          "mobile", "tel", "telephone")
_CODE = ("编号", "code", "内部编号")


def _side(prefix: str, zh_prefixes: tuple[str, ...], en_prefix: str) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for role, spellings in (("name", _NAME), ("id_number", _ID), ("phone", _PHONE),
                            ("code", _CODE)):
        forms = []
        for s in spellings:
            if s.isascii():
                forms.append(f"{en_prefix}_{s}")
            else:
                forms += [f"{z}{s}" for z in zh_prefixes]
        if role == "name":   # a bare "帮扶人" / "走访对象" column holds the name
            forms += list(zh_prefixes) + [en_prefix]
        out[f"{prefix}_{role}"] = tuple(forms)
    return out


_SUBJECT = {
    "name": _NAME + ("党员姓名", "户主姓名", "户主", "member_name", "head_name"),
    "id_number": _ID + ("户主身份证号", "户主身份证号码"),
    "phone": _PHONE + ("户主电话", "户主手机"),
    "code": ("党员编号", "户编号", "内部编号", "member_code", "household_code"),
    "birth_date": ("出生日期", "出生年月", "生日", "出生时间", "birth_date", "date_of_birth",
                   "dob", "birthday"),
    "age": ("年龄", "age"),
    "join_date": ("入党时间", "入党日期", "join_date"),
    "address": ("住址", "家庭住址", "地址", "户籍地址", "现住址", "address", "home_address"),
    "township_name": ("乡镇", "所在乡镇", "乡镇街道", "乡镇名称", "township", "township_name"),
    "org_name": ("村", "所在村", "村名", "村名称", "所在支部", "党支部", "支部", "支部名称",
                 "所在党组织", "所在组织", "组织名称", "名称", "单位", "所在单位", "village",
                 "village_name", "branch", "branch_name", "org_name", "organisation",
                 "organization"),
}

RAW_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": dict(_SUBJECT),
    "households": {k: _SUBJECT[k] for k in ("name", "id_number", "phone", "code", "address",
                                            "township_name", "org_name")},
    "orgs": {"org_name": _SUBJECT["org_name"], "township_name": _SUBJECT["township_name"],
             "parent_name": ("上级组织", "上级组织名称", "上级", "上级党组织", "parent_name",
                             "parent_org")},
    "activities": {k: _SUBJECT[k] for k in ("township_name", "org_name")},
    "pairings": {
        **_side("source", ("帮扶人", "帮带人", "结对人"), "source"),
        **_side("target", ("帮扶对象", "被帮扶人", "对象", "被帮带人"), "target"),
        "target_org_name": ("帮扶村", "包联村", "对象村", "对象组织", "共建支部", "target_org",
                            "target_org_name"),
        "source_org_name": ("帮扶支部", "先进支部", "source_org", "source_org_name"),
        "group_name": ("小组", "小组名称", "工作组", "group", "group_name"),
        "township_name": _SUBJECT["township_name"],
        "org_name": ("所在村", "村", "village"),
    },
    "visits": {
        **_side("person", ("走访人",), "visitor"),
        **_side("target", ("走访对象", "对象", "户主"), "target"),
        "target_org_name": ("走访村", "走访组织", "target_org", "target_org_name"),
        "township_name": _SUBJECT["township_name"],
        "org_name": ("所在村", "村", "village"),
    },
}

PSEUDONYM_PREFIX = {"person": "P", "household": "H", "group": "G"}
_LEVEL_PREFIX = {"province": "R", "city": "M", "county": "C", "township": "T", "village": "V",
                 "community": "Q", "enterprise": "E", "school": "S", "organ": "O"}
_ORG_SUFFIXES = ("党总支部委员会", "党支部委员会", "党总支", "党支部", "总支部", "支部", "党委",
                 "党组织", "委员会")
_REPORT_NAME = "privacy_report.json"
# Schema columns never copied from a raw export as written: replaced by generalised or
# keyed-hash values (birth year -> age band; group and name codes may hold names).
_NOT_COPIED = ("birth_year", "age_band", "group_id", "name_code")


# --------------------------------------------------------------------------- report

@dataclass(frozen=True)
class PrivacyReport:
    """What :func:`anonymize` did and the privacy it achieved.

    Attributes
    ----------
    k_requested, k_achieved : int
        Required and achieved k over ``quasi_identifiers`` (people table).
    under_2, under_3, under_5 : int
        Records (people) in classes smaller than 2, 3 and 5 in the output.
    suppressed : int
        People records removed because they stayed in classes under k.
    generalised : tuple of str
        Columns whose values were generalised or locally suppressed.
    files : tuple of str
        Files written (names inside OUT).
    """

    k_requested: int
    k_achieved: int
    under_2: int
    under_3: int
    under_5: int
    suppressed: int
    generalised: tuple[str, ...]
    files: tuple[str, ...]
    records: int = 0
    quasi_identifiers: tuple[str, ...] = QUASI_IDENTIFIERS
    before: dict[str, int] = field(default_factory=dict)
    steps: tuple[dict[str, Any], ...] = ()
    identifiers_dropped: tuple[str, ...] = ()
    columns_dropped: tuple[str, ...] = ()
    links_removed: int = 0
    cells_scrubbed: int = 0
    reference_date: str = ""
    warnings: tuple[str, ...] = ()
    offices: str = "public"
    office_holders: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists instead of tuples)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    def render(self, lang: str | None = None) -> str:
        """A short multi-line summary in ``lang``."""
        from pbkit.i18n import t

        none = t("privacy.report.none", lang=lang)
        lines = [
            t("privacy.report.k", lang=lang, k=self.k_achieved, requested=self.k_requested),
            t("privacy.report.under", lang=lang, under_2=self.under_2, under_3=self.under_3,
              under_5=self.under_5),
            t("privacy.report.before", lang=lang, k=self.before.get("k", 0),
              under_k=self.before.get("under_k", 0)),
            t("privacy.report.suppressed", lang=lang, suppressed=self.suppressed,
              records=self.records, links=self.links_removed),
            t(f"privacy.report.offices.{self.offices}", lang=lang, n=self.office_holders),
            t("privacy.report.generalised", lang=lang,
              columns=", ".join(self.generalised) or none),
            t("privacy.report.identifiers", lang=lang,
              columns=", ".join(self.identifiers_dropped) or none),
            t("privacy.report.dropped", lang=lang,
              columns=", ".join(self.columns_dropped) or none),
            t("privacy.report.files", lang=lang, files=", ".join(self.files)),
        ]
        lines += [t("privacy.report.step", lang=lang, how=t(f"privacy.step.{d['step']}",
                                                             lang=lang),
                    records=d["records"]) for d in self.steps]
        lines += [t("privacy.report.warning", lang=lang, warning=w) for w in self.warnings]
        return "\n".join(lines)


# --------------------------------------------------------------------------- pseudonyms

def check_secret_mode(path: str | os.PathLike) -> None:
    """Refuse a secret file that other users may read (group or world permission bits).

    A salt file readable by others lets them recompute every pseudonym from a phone or ID
    number. Raises :class:`~pbkit.errors.UsageError` naming the file and the fix
    (``chmod 600``). No check on Windows, where POSIX modes do not apply.

    >>> import os, tempfile
    >>> fd, name = tempfile.mkstemp()
    >>> os.close(fd); os.chmod(name, 0o644)
    >>> try:
    ...     check_secret_mode(name)
    ... except UsageError as err:
    ...     print(err.key)
    privacy.salt_mode
    >>> os.chmod(name, 0o600); check_secret_mode(name); os.remove(name)
    """
    if os.name != "posix":
        return
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        raise UsageError("privacy.salt_mode", path=str(path), mode=f"{mode:04o}")


def read_salt(path: str | os.PathLike) -> bytes:
    """Read the secret from a salt file (surrounding whitespace removed).

    Raises :class:`~pbkit.errors.UsageError` when the file is missing, empty, or readable
    by group or others (:func:`check_secret_mode`).
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError("privacy.salt_missing", path=str(path))
    check_secret_mode(p)
    salt = p.read_bytes().strip()
    if not salt:
        raise UsageError("privacy.salt_empty", path=str(path))
    return salt


def _norm_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")


def _org_norm(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name)).strip().replace(" ", "")
    changed = True
    while changed and text:
        changed = False
        for suffix in _ORG_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text


class Pseudonymiser:
    """Keyed-hash pseudonyms: ``prefix + HMAC-SHA256(secret, kind + key)[:digits]``.

    Collisions (two keys, one pseudonym) are detected; the later key gets more digits.

    >>> ps = Pseudonymiser(b"secret")
    >>> a = ps.pseudonym("person", "id:11010519491231002X")
    >>> a == Pseudonymiser(b"secret").pseudonym("person", "id:11010519491231002X")
    True
    >>> a != Pseudonymiser(b"other").pseudonym("person", "id:11010519491231002X")
    True
    >>> len(a), a[0]
    (11, 'P')
    """

    def __init__(self, secret: bytes, digits: int = 10) -> None:
        if not secret:
            raise UsageError("privacy.salt_empty", path="")
        self._secret = bytes(secret)
        self._digits = digits
        self._by_key: dict[tuple[str, str], str] = {}
        self._owner: dict[str, tuple[str, str]] = {}

    def digest(self, kind: str, key: str) -> str:
        msg = f"{kind}\x1f{key}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest().upper()

    def pseudonym(self, kind: str, key: str, prefix: str | None = None) -> str:
        """The pseudonym of ``key`` among entities of ``kind``."""
        cache_key = (kind, key)
        found = self._by_key.get(cache_key)
        if found is not None:
            return found
        prefix = prefix if prefix is not None else PSEUDONYM_PREFIX.get(kind, "X")
        full = self.digest(kind, key)
        n = self._digits
        while True:
            candidate = prefix + full[:n]
            owner = self._owner.get(candidate)
            if owner is None or owner == cache_key:
                break
            n += 2
        self._owner[candidate] = cache_key
        self._by_key[cache_key] = candidate
        return candidate


# --------------------------------------------------------------------------- raw tables

@dataclass
class _Frame:
    """One raw table with its columns assigned to roles."""

    table: str
    file: str
    rows: np.ndarray
    roles: dict[str, pd.Series]          # raw role -> cleaned text
    schema: dict[str, pd.Series]         # schema column -> cleaned text
    headers: dict[str, str]              # role or column -> header as written


def _raw_lookup(table: str) -> dict[str, str]:
    out = {}
    for role, spellings in RAW_COLUMNS.get(table, {}).items():
        for s in spellings:
            out.setdefault(fold_header(s), role)
    return out


def _assign(rt, dropped_ids: list[str], dropped_other: list[str]) -> _Frame:
    from pbkit.data.identifiers import identifier_header

    lookup = _raw_lookup(rt.table)
    table = TABLES[rt.table]
    roles: dict[str, pd.Series] = {}
    schema: dict[str, pd.Series] = {}
    headers: dict[str, str] = {}
    for i, header in enumerate(rt.headers):
        if not header:
            continue
        folded = fold_header(header)
        role = lookup.get(folded)
        col = None if role else table.resolve_header(header)
        if role and role not in roles:
            roles[role] = rt.data[i]
            headers[role] = header
            if identifier_header(header):
                dropped_ids.append(f"{rt.file}:{header}")
        elif col and col not in schema:
            schema[col] = rt.data[i]
            headers[col] = header
        elif identifier_header(header):
            dropped_ids.append(f"{rt.file}:{header}")
        else:
            dropped_other.append(f"{rt.file}:{header}")
    return _Frame(rt.table, rt.file, rt.rows, roles, schema, headers)


def _text(series: pd.Series | None, i: int) -> str:
    if series is None:
        return ""
    value = series.iloc[i]
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


class _Registry:
    """Recognises one entity (person or household) across files by any identifier."""

    def __init__(self, kind: str, ps: Pseudonymiser) -> None:
        self.kind = kind
        self.ps = ps
        self.alias: dict[str, str] = {}
        self.name_owner: dict[str, set[str]] = {}

    @staticmethod
    def keys(id_number: str, phone: str, code: str, name: str, org: str) -> list[str]:
        keys = []
        if id_number:
            keys.append("id:" + _norm_key(id_number))
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone)) if phone else ""
        if digits:
            keys.append("tel:" + digits[-11:])
        if code:
            keys.append("code:" + _norm_key(code))
        if name and org:
            keys.append("name:" + _norm_key(name) + "|" + org)
        return keys

    def register(self, keys: list[str], name: str) -> str | None:
        if not keys:
            return None
        canon = next((self.alias[k] for k in keys if k in self.alias), keys[0])
        for k in keys:
            self.alias.setdefault(k, canon)
        if name:
            self.name_owner.setdefault(_norm_key(name), set()).add(canon)
        return self.ps.pseudonym(self.kind, canon)

    def resolve(self, keys: list[str], name: str) -> str | None:
        for k in keys:
            if k in self.alias:
                return self.ps.pseudonym(self.kind, self.alias[k])
        owners = self.name_owner.get(_norm_key(name)) if name else None
        if owners and len(owners) == 1:
            return self.ps.pseudonym(self.kind, next(iter(owners)))
        return None


class _Orgs:
    """Organisations by normalised name (and township), with pseudonymous codes."""

    def __init__(self, ps: Pseudonymiser) -> None:
        self.ps = ps
        self.rows: dict[str, dict[str, Any]] = {}      # org_id -> row
        self.by_name: dict[tuple[str, str], str] = {}  # (township, name) -> org_id
        self.by_bare: dict[str, set[str]] = {}         # name -> org_ids

    @staticmethod
    def guess_level(name: str) -> str:
        if re.search(r"(社区|居委会)$", name):
            return "community"
        if re.search(r"(公司|企业|厂|合作社)$", name):
            return "enterprise"
        if re.search(r"(学校|小学|中学|学院)$", name):
            return "school"
        if re.search(r"(局|委|办|政府|机关|所|站|中心)$", name):
            return "organ"
        if re.search(r"(乡|镇|街道)$", name):
            return "township"
        if re.search(r"(县|区)$", name):
            return "county"
        return "village"

    def ensure(self, name: str, township: str = "", level: str | None = None) -> str | None:
        name = _org_norm(name)
        township = _org_norm(township) if township else ""
        if not name:
            return None
        if (township, name) in self.by_name:
            return self.by_name[(township, name)]
        if not township:
            owners = self.by_bare.get(name, set())
            if len(owners) == 1:
                return next(iter(owners))
        level = level or self.guess_level(name)
        parent = None
        if township and township != name:
            parent = self.ensure(township, "", "township")
        oid = self.ps.pseudonym("org", f"{township}/{name}", _LEVEL_PREFIX.get(level, "O"))
        self.rows[oid] = {"org_id": oid, "parent_id": parent, "level": level,
                          "name_code": oid}
        self.by_name[(township, name)] = oid
        self.by_bare.setdefault(name, set()).add(oid)
        return oid

    def find_in(self, text: str) -> str | None:
        """The org whose name is the longest one contained in ``text`` (an address)."""
        text = unicodedata.normalize("NFKC", text or "").replace(" ", "")
        best, best_len = None, 0
        for (_town, name), oid in self.by_name.items():
            if self.rows[oid]["level"] == "township":
                continue
            if len(name) > best_len and name in text:
                best, best_len = oid, len(name)
        return best


# --------------------------------------------------------------------------- main

class _RawInputError(DataError):
    """A reader issue of the raw export, raised as one located line.

    The issue's params may repeat its location (a duplicated table names its ``table``),
    so the message is rendered from the issue itself.
    """

    def __init__(self, issue) -> None:
        self.issue = issue
        where = ("file", "table", "row", "column")
        params = {k: v for k, v in issue.params.items() if k not in where}
        super().__init__(issue.key, file=issue.file, table=issue.table, row=issue.row,
                         column=issue.column, **params)

    def render(self, lang: str | None = None) -> str:
        from pbkit.i18n import location

        return location(self.file, self.table, self.row, self.column,
                        lang=lang) + self.issue.message(lang)


def _raise_at(frame: _Frame, i: int | None, column: str, key: str, **params) -> None:
    row = int(frame.rows[i]) if i is not None else None
    raise DataError(key, file=frame.file, table=frame.table, row=row,
                    column=frame.headers.get(column, column), **params)


def _age_band_of(frame: _Frame, ref: pd.Timestamp) -> pd.Series:
    from pbkit.data.normalize import parse_date, parse_int
    from pbkit.data.privacy import age_to_band

    n = len(frame.rows)
    age = pd.Series(np.full(n, np.nan))
    if "birth_date" in frame.roles:
        raw = frame.roles["birth_date"]
        dates, bad = parse_date(raw)
        # a bare year or year-month ("1965", "1965.03") is common in rosters
        years, bad_y = parse_int(raw.str.extract(r"^\s*(\d{4})(?:[./年-]\d{1,2}月?)?\s*$")[0]
                                 .fillna(""))
        still_bad = bad & years.isna().to_numpy()
        if still_bad.any():
            _raise_at(frame, int(np.flatnonzero(still_bad)[0]), "birth_date",
                      "privacy.bad_birth_date")
        by_date = (ref - dates).dt.days / 365.2425
        by_year = ref.year - years.astype("float64")
        age = pd.Series(np.where(dates.notna(), by_date, by_year.to_numpy()))
    if "birth_year" in frame.schema:
        years, bad = parse_int(frame.schema["birth_year"])
        if bad.any():
            _raise_at(frame, int(np.flatnonzero(bad)[0]), "birth_year", "privacy.bad_birth_date")
        fill = ref.year - years.astype("float64").to_numpy()
        age = pd.Series(np.where(age.isna(), fill, age))
    if "age" in frame.roles:
        ages, bad = parse_int(frame.roles["age"])
        if bad.any():
            _raise_at(frame, int(np.flatnonzero(bad)[0]), "age", "privacy.bad_age")
        age = pd.Series(np.where(age.isna(), ages.astype("float64").to_numpy(), age))
    bands = age_to_band(age)
    if "age_band" in frame.schema:
        from pbkit.data.normalize import parse_enum

        given, _bad = parse_enum(frame.schema["age_band"], TABLES["people"].column("age_band"))
        bands = bands.where(bands.notna(), given.reset_index(drop=True))
    return bands.reset_index(drop=True)


def _typed(frame: _Frame, table: str) -> dict[str, pd.Series]:
    """Parse the schema columns of a raw frame (identifier-free ones) to typed values."""
    from pbkit.data.normalize import (
        parse_bool,
        parse_date,
        parse_enum,
        parse_float,
        parse_int,
        parse_multi,
        parse_tags,
    )

    out: dict[str, pd.Series] = {}
    for name, raw in frame.schema.items():
        col = TABLES[table].column(name)
        if col.kind in ("id", "ref") or name in _NOT_COPIED:
            continue
        raw = raw.reset_index(drop=True)
        if col.kind == "enum":
            values, bad = parse_enum(raw, col)
        elif col.kind == "multi":
            values, bad, _parts = parse_multi(raw, col)
        elif col.kind == "tags":
            values, bad = parse_tags(raw), np.zeros(len(raw), bool)
        elif col.kind == "int":
            values, bad = parse_int(raw)
        elif col.kind == "float":
            values, bad = parse_float(raw)
        elif col.kind == "bool":
            values, bad = parse_bool(raw)
        elif col.kind == "date":
            values, bad = parse_date(raw)
        else:
            values, bad = raw.where(raw != "", None), np.zeros(len(raw), bool)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            _raise_at(frame, i, name, "privacy.bad_value", value=_safe(raw.iloc[i]))
        out[name] = values.reset_index(drop=True)
    return out


def _safe(value: Any) -> str:
    from pbkit.data.identifiers import has_identifier, mask

    text = str(value)
    return mask(text) if has_identifier(text) else text[:40]


def _org_of(frame: _Frame, orgs: _Orgs, i: int, prefix: str = "") -> str | None:
    town = _text(frame.roles.get("township_name"), i)
    name = _text(frame.roles.get(f"{prefix}org_name"), i)
    if name:
        return orgs.ensure(name, town)
    code = _text(frame.schema.get("org_id"), i) if not prefix else ""
    if code:
        return orgs.ensure(code, town)
    addr = _text(frame.roles.get("address"), i) if not prefix else ""
    if addr:
        return orgs.find_in(addr)
    return None


def anonymize(raw_path: str | os.PathLike, out_path: str | os.PathLike, salt: bytes,
              k: int = 5, *, ref_date: str | date | None = None,
              offices: str = "public") -> PrivacyReport:
    """Anonymise a raw export into a pbkit dataset folder and write a privacy report.

    Parameters
    ----------
    raw_path : path-like
        Folder of CSV files, .zip of CSV files or .xlsx workbook (one table per file/sheet).
    out_path : path-like
        Output folder; must not exist or be empty. Written atomically.
    salt : bytes
        The secret key of the keyed hash (keep it outside the data; same secret, same
        pseudonyms).
    k : int
        Required k-anonymity over the quasi-identifiers (>= 1).
    ref_date : str or date, optional
        Date at which ages are computed (default: today).
    offices : {"public", "protect"}
        ``public`` (default): holders of a public office
        (:data:`~pbkit.data.schema.PUBLIC_OFFICES`), whom everyone knows by the office, keep
        their office and are left out of the k measure, which covers everyone else;
        ``protect``: k covers everyone, and an office holder is recorded as a member when
        nothing else reaches k.

    Returns
    -------
    PrivacyReport
    """
    from pbkit.data.dataset import Dataset
    from pbkit.data.privacy import check_office_policy, enforce_k, group_sizes, office_holders
    from pbkit.data.readers import read_source

    if not salt:
        raise UsageError("privacy.salt_empty", path="")
    if int(k) < 1:
        raise UsageError("privacy.bad_k", k=k)
    k = int(k)
    check_office_policy(offices)
    out = Path(out_path)
    raw = Path(raw_path)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError("privacy.out_exists", path=str(out))
    if not raw.exists():
        raise DataError("data.path_missing", file=str(raw), path=str(raw))
    if out.resolve() == raw.resolve() or raw.resolve() in out.resolve().parents:
        raise UsageError("privacy.out_inside_raw", path=str(out))
    ref = pd.Timestamp(ref_date or date.today()).normalize()

    source = read_source(raw)
    errors = [i for i in source.issues if i.severity == "error"]
    if errors:
        raise _RawInputError(errors[0])
    if "people" not in source.tables:
        raise DataError("privacy.no_people", file=source.name)

    dropped_ids: list[str] = []
    dropped_other: list[str] = []
    frames = {name: _assign(rt, dropped_ids, dropped_other)
              for name, rt in source.tables.items()}
    ps = Pseudonymiser(salt)
    orgs = _Orgs(ps)

    # organisations first, so addresses can be matched against their names
    if "orgs" in frames:
        f = frames["orgs"]
        typed = _typed(f, "orgs")
        for i in range(len(f.rows)):
            name = _text(f.roles.get("org_name"), i) or _text(f.schema.get("org_id"), i)
            if not name:
                _raise_at(f, i, "org_name", "privacy.org_name_missing")
            level = typed["level"].iloc[i] if "level" in typed else None
            level = level if isinstance(level, str) else None
            parent = _text(f.roles.get("parent_name"), i) or _text(f.schema.get("parent_id"), i)
            town = _text(f.roles.get("township_name"), i) or (
                parent if level not in ("township", "county", "city", "province") else "")
            oid = orgs.ensure(name, town, level)
            row = orgs.rows[oid]
            if parent and row["parent_id"] is None:
                row["parent_id"] = orgs.ensure(parent, "", None)
            for col, values in typed.items():
                if col != "level":
                    v = values.iloc[i]
                    row[col] = None if (v is None or (not isinstance(v, tuple) and pd.isna(v))) \
                        else v
    # every organisation named elsewhere; those given with their township first, so a
    # bare village name later resolves to the same organisation
    named: list[tuple[str, str]] = []
    for name in ("people", "households", "activities", "pairings", "visits"):
        f = frames.get(name)
        if f is None:
            continue
        for i in range(len(f.rows)):
            town = _text(f.roles.get("township_name"), i)
            for prefix in ("", "target_", "source_"):
                org_name = _text(f.roles.get(f"{prefix}org_name"), i)
                if org_name:
                    named.append((town, org_name))
    for town, org_name in sorted(set(named), key=lambda p: (p[0] == "", p)):
        orgs.ensure(org_name, town)

    # people
    f = frames["people"]
    people_reg = _Registry("person", ps)
    typed = _typed(f, "people")
    n = len(f.rows)
    pids, porgs = [], []
    for i in range(n):
        keys = _Registry.keys(_text(f.roles.get("id_number"), i), _text(f.roles.get("phone"), i),
                              _text(f.roles.get("code"), i) or _text(f.schema.get("person_id"), i),
                              _text(f.roles.get("name"), i), "")
        org = _org_of(f, orgs, i)
        if org is None:
            _raise_at(f, i, "org_name", "privacy.org_missing")
        name = _text(f.roles.get("name"), i)
        if name:
            keys.append("name:" + _norm_key(name) + "|" + org)
        pid = people_reg.register(keys, name)
        if pid is None:
            _raise_at(f, i, "name", "privacy.person_key_missing")
        pids.append(pid)
        porgs.append(org)
    people = pd.DataFrame({"person_id": pids, "org_id": porgs})
    people["age_band"] = _age_band_of(f, ref)
    for col, values in typed.items():
        people[col] = values
    if "join_date" in f.roles and "join_year" not in people:
        from pbkit.data.normalize import parse_date

        d, bad = parse_date(f.roles["join_date"].reset_index(drop=True))
        if bad.any():
            _raise_at(f, int(np.flatnonzero(bad)[0]), "join_date", "privacy.bad_value",
                      value=_safe(f.roles["join_date"].iloc[int(np.flatnonzero(bad)[0])]))
        people["join_year"] = d.dt.year.astype("Int64")
    defaulted = []
    if "roles" not in people:
        people["roles"] = [("member",)] * n
        defaulted.append("roles_defaulted")
    if people["person_id"].duplicated().any():
        i = int(np.flatnonzero(people["person_id"].duplicated().to_numpy())[0])
        _raise_at(f, i, "name", "privacy.duplicate_person")
    for col in ("gender", "education"):
        if col not in people or people[col].isna().any():
            i = 0 if col not in people else int(np.flatnonzero(people[col].isna().to_numpy())[0])
            _raise_at(f, i if col in people else None, col, "privacy.required_missing",
                      column=col)

    # households
    hh_reg = _Registry("household", ps)
    households = pd.DataFrame({"household_id": [], "org_id": []})
    if "households" in frames:
        f = frames["households"]
        typed = _typed(f, "households")
        ids, horgs = [], []
        for i in range(len(f.rows)):
            org = _org_of(f, orgs, i)
            if org is None:
                _raise_at(f, i, "org_name", "privacy.org_missing")
            name = _text(f.roles.get("name"), i)
            keys = _Registry.keys(_text(f.roles.get("id_number"), i),
                                  _text(f.roles.get("phone"), i),
                                  _text(f.roles.get("code"), i)
                                  or _text(f.schema.get("household_id"), i), name, org)
            hid = hh_reg.register(keys, name)
            if hid is None:
                _raise_at(f, i, "name", "privacy.household_key_missing")
            ids.append(hid)
            horgs.append(org)
        households = pd.DataFrame({"household_id": ids, "org_id": horgs})
        for col, values in typed.items():
            households[col] = values
        for col in ("x_km", "y_km"):   # approximate grid only: 0.5 km
            if col in households:
                households[col] = (households[col] * 2).round() / 2

    def person_ref(fr: _Frame, i: int, side: str) -> str | None:
        keys = _Registry.keys(_text(fr.roles.get(f"{side}_id_number"), i),
                              _text(fr.roles.get(f"{side}_phone"), i),
                              _text(fr.roles.get(f"{side}_code"), i), "", "")
        return people_reg.resolve(keys, _text(fr.roles.get(f"{side}_name"), i))

    def household_ref(fr: _Frame, i: int, side: str) -> str | None:
        keys = _Registry.keys(_text(fr.roles.get(f"{side}_id_number"), i),
                              _text(fr.roles.get(f"{side}_phone"), i),
                              _text(fr.roles.get(f"{side}_code"), i), "", "")
        return hh_reg.resolve(keys, _text(fr.roles.get(f"{side}_name"), i))

    def has_side(fr: _Frame, i: int, side: str) -> bool:
        return any(_text(fr.roles.get(f"{side}_{r}"), i) for r in ("name", "id_number",
                                                                    "phone", "code"))

    # pairings
    pairings = pd.DataFrame({"pairing_id": []})
    if "pairings" in frames:
        f = frames["pairings"]
        typed = _typed(f, "pairings")
        mech = typed.get("mechanism")
        if mech is None:
            _raise_at(f, None, "mechanism", "privacy.required_missing", column="mechanism")
        rows = []
        for i in range(len(f.rows)):
            m = mech.iloc[i]
            if not isinstance(m, str):
                _raise_at(f, i, "mechanism", "privacy.required_missing", column="mechanism")
            town = _text(f.roles.get("township_name"), i)
            if m == "branch_pair":
                src = orgs.ensure(_text(f.roles.get("source_org_name"), i), town)
            else:
                src = person_ref(f, i, "source")
            if m in ("bao_cun", "branch_pair"):
                tgt = orgs.ensure(_text(f.roles.get("target_org_name"), i), town)
            elif m == "one_on_one":
                tgt = household_ref(f, i, "target")
            else:
                tgt = person_ref(f, i, "target")
            if src is None:
                _raise_at(f, i, "source_name" if m != "branch_pair" else "source_org_name",
                          "privacy.unresolved", side="source")
            if tgt is None:
                col = "target_org_name" if m in ("bao_cun", "branch_pair") else "target_name"
                _raise_at(f, i, col, "privacy.unresolved", side="target")
            group = _text(f.roles.get("group_name"), i) or _text(f.schema.get("group_id"), i)
            rows.append({"pairing_id": ps.pseudonym("pairing", f"{f.file}:{f.rows[i]}", "L"),
                         "source_id": src, "target_id": tgt,
                         "group_id": ps.pseudonym("group", _norm_key(group)) if group else None})
        pairings = pd.DataFrame(rows)
        for col, values in typed.items():
            pairings[col] = values

    # activities
    activities = pd.DataFrame({"activity_id": []})
    if "activities" in frames:
        f = frames["activities"]
        typed = _typed(f, "activities")
        aorgs = []
        for i in range(len(f.rows)):
            org = _org_of(f, orgs, i)
            if org is None:
                _raise_at(f, i, "org_name", "privacy.org_missing")
            aorgs.append(org)
        activities = pd.DataFrame({
            "activity_id": [ps.pseudonym("activity", f"{f.file}:{r}", "A") for r in f.rows],
            "org_id": aorgs})
        for col, values in typed.items():
            activities[col] = values

    # visits
    visits = pd.DataFrame({"visit_id": []})
    if "visits" in frames:
        f = frames["visits"]
        typed = _typed(f, "visits")
        rows = []
        for i in range(len(f.rows)):
            who = person_ref(f, i, "person")
            if who is None:
                _raise_at(f, i, "person_name", "privacy.unresolved", side="person")
            if _text(f.roles.get("target_org_name"), i):
                tgt = orgs.ensure(_text(f.roles.get("target_org_name"), i),
                                  _text(f.roles.get("township_name"), i))
            elif has_side(f, i, "target"):
                tgt = household_ref(f, i, "target") or person_ref(f, i, "target")
            else:
                tgt = None
            if tgt is None:
                _raise_at(f, i, "target_name", "privacy.unresolved", side="target")
            rows.append({"visit_id": ps.pseudonym("visit", f"{f.file}:{f.rows[i]}", "W"),
                         "person_id": who, "target_id": tgt})
        visits = pd.DataFrame(rows)
        for col, values in typed.items():
            visits[col] = values

    orgs_frame = pd.DataFrame(list(orgs.rows.values())) if orgs.rows else pd.DataFrame(
        {"org_id": []})

    # free text is scrubbed first, so the classes measured below are the ones published
    known = KnownNames(_raw_names(frames))
    tables = {"orgs": orgs_frame, "people": people, "households": households,
              "pairings": pairings, "activities": activities, "visits": visits}
    scrubbed = 0
    for name, frame in tables.items():
        tables[name], hits = _scrub(name, frame, known)
        scrubbed += hits
    people, pairings, visits = tables["people"], tables["pairings"], tables["visits"]

    # k-anonymity over the people table
    quasi = list(QUASI_IDENTIFIERS)
    for col in quasi:
        if col not in people:
            people[col] = np.nan
    held = office_holders(people) if offices == "public" else np.zeros(len(people), bool)
    officials, people = people[held], people[~held]
    if k > len(people):
        raise UsageError("privacy.k_too_large", k=k, records=len(people))
    sizes0 = group_sizes(people[quasi], quasi)
    before = {"k": int(sizes0.min()) if len(sizes0) else 0,
              "under_2": int((sizes0 < 2).sum()), "under_3": int((sizes0 < 3).sum()),
              "under_5": int((sizes0 < 5).sum()), "under_k": int((sizes0 < k).sum())}
    people_out, steps = enforce_k(people, k, quasi)
    if people_out.empty:
        raise UsageError("privacy.all_suppressed", k=k, records=len(people))
    sizes = group_sizes(people_out[quasi], quasi)  # measured over everyone but officials
    people_out = pd.concat([officials, people_out]).sort_index()
    suppressed_ids = set(people["person_id"]) - set(people_out["person_id"])
    links_removed = 0
    if suppressed_ids:
        if len(pairings) and "source_id" in pairings:
            drop = pairings["source_id"].isin(suppressed_ids) | pairings["target_id"].isin(
                suppressed_ids)
            links_removed += int(drop.sum())
            pairings = pairings[~drop]
        if len(visits) and "person_id" in visits:
            drop = visits["person_id"].isin(suppressed_ids) | visits["target_id"].isin(
                suppressed_ids)
            links_removed += int(drop.sum())
            visits = visits[~drop]
    generalised = tuple(dict.fromkeys(s["column"] for s in steps if s["column"]))

    ds = Dataset.from_frames(name=out.name, orgs=tables["orgs"], people=people_out,
                             households=tables["households"], pairings=pairings,
                             activities=tables["activities"], visits=visits)

    warnings = list(defaulted)
    if len(salt) < 16:
        warnings.append("short_salt")
    files = tuple(f"{name}.csv" for name in TABLE_ORDER) + (_REPORT_NAME,)
    report = PrivacyReport(
        k_requested=k, k_achieved=int(sizes.min()) if len(sizes) else 0,
        under_2=int((sizes < 2).sum()), under_3=int((sizes < 3).sum()),
        under_5=int((sizes < 5).sum()), suppressed=len(suppressed_ids),
        generalised=generalised, files=files, records=len(people_out), before=before,
        offices=offices, office_holders=int(held.sum()),
        steps=tuple(steps), identifiers_dropped=tuple(dropped_ids),
        columns_dropped=tuple(dropped_other), links_removed=links_removed,
        cells_scrubbed=scrubbed, reference_date=str(ref.date()), warnings=tuple(warnings))
    _write(ds, report, out)
    return report


_NAME_ROLES = ("name", "source_name", "target_name", "person_name")


def _raw_names(frames: dict[str, _Frame]) -> list[str]:
    """Every name written in a raw name column (people, heads of households, both ends of
    pairings and visits): what kept free text must not repeat."""
    names: list[str] = []
    for f in frames.values():
        for role in _NAME_ROLES:
            values = f.roles.get(role)
            if values is not None:
                names += [v for v in values.dropna().astype(str) if v.strip()]
    return names


def _scrub(table: str, frame: pd.DataFrame, known) -> tuple[pd.DataFrame, int]:
    """Blank every text cell (and drop every tag) that holds an identifier.

    Identifiers are what :func:`pbkit.data.identifiers.find_identifiers` finds — the same
    detector the loader uses — with the names of the raw export as known names. Returns
    the frame and the number of cells changed.
    """
    from pbkit.data.identifiers import find_identifiers

    seen: dict[str, bool] = {}

    def hit(v) -> bool:           # each distinct text is looked at once
        if not isinstance(v, str):
            return False
        found = seen.get(v)
        if found is None:
            found = seen[v] = bool(find_identifiers(v, known))
        return found

    total = 0
    frame = frame.copy()
    for col in TABLES[table].columns:
        if col.kind not in ("str", "tags") or col.name not in frame.columns:
            continue
        series = frame[col.name]
        if col.kind == "tags":
            cleaned = series.map(lambda v: tuple(x for x in v if not hit(x))
                                 if isinstance(v, tuple) else v)
            changed = (cleaned.map(len) != series.map(len)).to_numpy(dtype=bool) if len(
                series) else np.zeros(0, bool)
            frame[col.name] = cleaned
        else:
            changed = series.map(hit).astype(bool).to_numpy()
            frame[col.name] = series.where(~changed, None)
        total += int(changed.sum())
    return frame, total


def _write(ds, report: PrivacyReport, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        ds.write_csv(tmp)
        (tmp / _REPORT_NAME).write_text(report.to_json() + "\n", encoding="utf-8")
        _assert_clean(tmp)
        _assert_valid(tmp)
        if out.exists():
            out.rmdir()       # empty (checked before)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _assert_clean(folder: Path) -> None:
    """Refuse to publish a folder in which any cell still holds a direct identifier."""
    from pbkit.data.identifiers import find_identifiers

    for path in sorted(folder.glob("*.csv")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if find_identifiers(line):
                raise PrivacyError("privacy.identifier_left", file=path.name, row=line_no)


def _assert_valid(folder: Path) -> None:
    """Refuse to publish an output the loader would reject (first error raised)."""
    from pbkit.data.validation import validate

    report = validate(folder)
    if report.has_errors:
        first = report.errors[0]
        raise DataError("privacy.output_invalid", file=first.file, table=first.table,
                        row=first.row, column=first.column, detail=first.message())
