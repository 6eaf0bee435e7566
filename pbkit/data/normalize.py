"""Column-wise normalisation of cells read from CSV or Excel.

Every function takes a pandas Series of text (empty string = empty cell, as the readers
produce it) and works on the whole column at once, with a fast path when the column is
already clean. Parsers return the parsed values and a boolean mask of cells that are
non-empty but could not be parsed, so the validator can report them by row.

What is accepted:

* text: NFKC (full-width digits, letters and spaces to half-width), zero-width characters
  removed, whitespace around a value stripped, Excel's ``="0123"`` text trick undone;
* numbers stored as text, with thousands separators (``1,234``), a ``+`` sign, integral
  decimals for whole numbers (``3.0``) and a trailing unit on whole numbers
  (``5人``, ``1965年``);
* dates: ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日``, ``20240305``, with
  an optional time, month-only ``2024-03`` / ``2024年3月`` (first of the month) and Excel
  date serials (``45356`` = 2024-03-05);
* yes/no: ``是/否``, ``true/false``, ``1/0``, ``Y/N``, ``yes/no``, ``对/错``, ``有/无``,
  ``√/×``;
* enum values as codes (``female``) or Chinese labels (:data:`pbkit.data.schema.ENUM_LABELS`,
  ``女``) or a common synonym (:data:`ENUM_SYNONYMS`, ``女性``);
* several values in one cell separated by any of
  :data:`pbkit.data.schema.MULTI_SEPARATORS`.

>>> import pandas as pd
>>> clean_text(pd.Series([" １２３ ", "Ｖ０１\\u3000", '="0123"'])).tolist()
['123', 'V01', '0123']
>>> values, bad = parse_date(pd.Series(["2024/3/5", "2024年3月5日", "45356", "x", ""]))
>>> values.dt.strftime("%Y-%m-%d").tolist()[:3], bad.tolist()
(['2024-03-05', '2024-03-05', '2024-03-05'], [False, False, False, True, False])
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from pbkit.data.schema import ENUM_LABELS, MULTI_SEPARATORS, Column, fold_header

__all__ = [
    "ENUM_SYNONYMS",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "EXCEL_EPOCH",
    "clean_text",
    "parse_int",
    "parse_float",
    "parse_bool",
    "parse_date",
    "parse_enum",
    "parse_multi",
    "parse_tags",
    "enum_lookup",
    "factorize_text",
    "factorize_codes",
    "allowed_text",
    "arrow_filled",
    "arrow_ints",
    "arrow_dates",
    "number_span",
    "STR_DTYPE",
]

# Further spellings of enum codes seen in real exports (code -> spellings). Data, not logic.
ENUM_SYNONYMS: dict[str, tuple[str, ...]] = {
    # org levels
    "province": ("省级",), "city": ("市级", "地级市"), "county": ("县级", "区", "县区", "县市区"),
    "township": ("乡", "镇", "街道", "乡镇党委", "街道党工委"),
    "village": ("行政村", "村党支部", "村党组织", "村级"),
    "community": ("社区党组织", "居委会"),
    "enterprise": ("非公企业", "公司", "企业党组织"), "school": ("学校党组织",),
    "organ": ("机关党组织", "机关单位", "部门"),
    # income bands
    "none": ("没有", "零", "空壳村"),
    "under_50k": ("5万以下", "五万元以下", "<5万"),
    "50k_100k": ("5-10万", "5万-10万", "5万到10万", "5万至10万"),
    "100k_500k": ("10-50万", "10万-50万", "10万到50万", "10万至50万"),
    "over_500k": ("50万以上", "五十万元以上", ">50万"),
    # roles
    "secretary": ("支部书记", "党支部书记", "村党支部书记", "党组织书记", "村支书", "支书"),
    "deputy_secretary": ("支部副书记", "党支部副书记"),
    "committee_member": ("支委", "支部委员", "支委委员", "支委会委员", "committee"),
    "member": ("正式党员", "普通党员"),
    "probationary_member": ("预备", "probationary"),
    "activist": ("积极分子", "入党申请人"),
    "first_secretary": ("驻村第一书记",),
    "student_official": ("村官", "选调生"),
    "township_leader": ("乡镇领导", "乡镇班子成员", "乡镇党委委员", "包村领导"),
    "agency_cadre": ("机关", "乡镇干部", "包村干部"),
    # gender
    "male": ("男性", "m", "man"), "female": ("女性", "f", "woman"),
    # education
    "primary": ("小学", "文盲", "半文盲", "不识字", "小学以下"),
    "junior_high": ("初中及以下", "初级中学"),
    "senior_high": ("高中", "中专", "职高", "技校", "高中及中专", "高中中专", "中技"),
    "college": ("专科", "大学专科", "高职", "大专及以上"),
    "bachelor": ("大学本科", "大学", "大本", "本科及以上"),
    "postgraduate": ("硕士", "博士", "硕士研究生", "博士研究生", "研究生及以上", "master",
                     "phd", "doctorate"),
    # occupations
    "farmer": ("务农", "农业"),
    "migrant_worker": ("务工", "打工", "进城务工", "外出务工人员"),
    "business": ("个体", "个体户", "经商", "个体工商户", "私营业主"),
    "cadre": ("村干部", "公务员"),
    "teacher": ("老师",), "doctor": ("村医", "医务人员"),
    "retired": ("离退休", "退休人员", "离休"),
    "student": ("在校学生",), "worker": ("企业职工", "职工"),
    "other": ("其它",),
    # needs
    "elderly_alone": ("独居", "空巢老人", "孤寡老人"),
    "disabled": ("残疾人", "残障"),
    "low_income": ("低保", "低保户", "贫困", "困难", "特困"),
    "left_behind_child": ("留守", "留守儿童家庭"),
    "chronic_illness": ("大病", "重病", "慢病", "长期患病"),
    # mechanisms
    "one_on_one": ("一对一", "一对一帮扶", "结对帮扶", "1对1"),
    "two_plus_one": ("2+1", "2+1帮带", "定向联系", "二加一"),
    "bao_cun": ("包村", "包村工作组", "包村组"),
    "branch_pair": ("支部共建", "共建", "结对共建支部"),
    "study_help": ("带学", "骨干带学", "帮学"),
    # pairing status
    "active": ("进行中", "在帮", "正常", "有效中"),
    "ended": ("结束", "终止", "已终止", "完成", "已完成"),
    "suspended": ("中止", "暂停中"),
    # activity kinds
    "general_meeting": ("支部党员大会", "全体党员大会"),
    "committee_meeting": ("支部委员会", "支部委员会会议", "支委会议"),
    "group_meeting": ("小组会",),
    "party_lesson": ("上党课", "专题党课"),
    "activity_day": ("主题党日活动", "党员活动日", "固定党日"),
    "org_life_meeting": ("专题组织生活会",),
    "democratic_appraisal": ("民主评议",),
    "volunteer": ("志愿活动", "志愿者活动"),
    # visit topics
    "policy": ("政策", "宣传"), "assistance": ("帮扶", "救助"), "health": ("医疗", "健康"),
    "dispute": ("矛盾纠纷", "调解"), "employment": ("就业", "增收"), "study": ("学习",),
    "org_life": ("组织生活会议",),
}


def _age_band_synonyms() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    from pbkit.data.schema import AGE_BANDS

    for code in AGE_BANDS:
        if "-" not in code:
            continue
        lo, hi = code.split("-")
        out[code] = tuple(f"{lo}{sep}{hi}{tail}" for sep in ("-", "~", "至", "到", "—", "–")
                          for tail in ("", "岁", "周岁"))
    out["80+"] = ("80岁以上", "80岁及以上", "80以上", "80及以上", ">=80", "≥80", "80+岁",
                  "80 and over", "80_plus")
    return out


ENUM_SYNONYMS.update(_age_band_synonyms())

TRUE_WORDS = ("是", "true", "t", "yes", "y", "1", "1.0", "对", "真", "有", "√", "✓", "✔",
              "已解决", "解决")
FALSE_WORDS = ("否", "false", "f", "no", "n", "0", "0.0", "错", "假", "无", "×", "✗", "✘",
               "未解决", "不是")
_BOOL_MAP = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel serials accepted in date columns: 1 (1900-01-01) to 109573 (2199-12-31).
_SERIAL_MAX = 109573

_ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
_UNIT_SUFFIX = r"\s*[人户年名位岁个次元]$"
_MAX_PARSE_LEN = 40  # numbers and dates longer than this are refused without parsing
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"


STR_DTYPE = pd.api.types.pandas_dtype("str")  # the dtype object, looked up once


def _arrow(series: pd.Series):
    """The pyarrow array behind an arrow-backed text Series (zero copy), else ``None``."""
    if series.dtype == STR_DTYPE and getattr(series.dtype, "storage", "") == "pyarrow":
        import pyarrow as pa

        return pa.array(series)
    return None


def clean_text(series: pd.Series) -> pd.Series:
    """Normalise a text column: NFKC, zero-width characters removed, stripped.

    Returns a ``str`` Series with ``""`` for an empty cell (missing values become ``""``).
    An all-ASCII column takes a fast path (strip only).

    >>> clean_text(pd.Series(["  a ", None, "ｂ\\u200b"])).tolist()
    ['a', '', 'b']
    """
    s = series if series.dtype == "str" else series.astype(STR_DTYPE)
    if s.hasnans:
        s = s.fillna("")
    if len(s) == 0:
        return s
    arr = _arrow(s)
    if arr is not None:
        import pyarrow.compute as pc

        if _already_clean(arr):
            return s
        if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
            out = pc.utf8_trim_whitespace(arr)
            if pc.any(pc.starts_with(out, '="')).as_py():
                return _unquote(pd.Series(out, dtype=STR_DTYPE, index=s.index))
            return pd.Series(out, dtype=STR_DTYPE, index=s.index)
    elif s.str.isascii().all():
        return _unquote(s.str.strip())
    s = s.str.normalize("NFKC").str.replace(_ZERO_WIDTH, "", regex=True)
    return _unquote(s.str.strip())


_EDGE_BAD = np.zeros(256, dtype=bool)  # bytes that must not start or end a clean cell
_EDGE_BAD[[9, 10, 11, 12, 13, 32]] = True


def _already_clean(arr) -> bool:
    """True when no cell needs work: ASCII only, no space at either end, no ``="`` trick.

    Looks at the raw string buffers with numpy (no copy, no per-cell Python).
    """
    import pyarrow as pa

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    for chunk in chunks:
        if chunk.null_count or chunk.type not in (pa.string(), pa.large_string()):
            return False
        if len(chunk) == 0:
            continue
        bufs = chunk.buffers()
        if bufs[2] is None:
            continue
        width = np.int64 if chunk.type == pa.large_string() else np.int32
        offsets = np.frombuffer(bufs[1], dtype=width)[chunk.offset: chunk.offset + len(chunk) + 1]
        data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
        if data.size and data.max() >= 128:
            return False
        if not data.size or (data.min() > 32 and not (data == 61).any()):
            continue  # no space, control character or "=" anywhere: no cell edge to fix
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        if not filled.any():
            continue
        raw = np.frombuffer(bufs[2], dtype=np.uint8)
        first = raw[starts[filled]]
        last = raw[ends[filled] - 1]
        if _EDGE_BAD[first].any() or _EDGE_BAD[last].any() or (first == ord("=")).any():
            return False
    return True


def _unquote(s: pd.Series) -> pd.Series:
    if s.str.startswith('="').any():
        s = s.str.replace(r'^="(.*)"$', r"\1", regex=True).str.strip()
    return s


def _nonempty(s: pd.Series) -> np.ndarray:
    if s.dtype == np.float64:
        return ~np.isnan(s.to_numpy())
    if s.dtype.kind in "iufbM":
        return s.notna().to_numpy(dtype=bool)
    arr = _arrow(s)
    if arr is not None:
        filled = arrow_filled(arr)
        if arr.null_count:  # as ``s != ""`` has it: a missing value is not ""
            filled |= np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        return filled
    return (s != "").to_numpy(dtype=bool, na_value=False)


def arrow_filled(arr) -> np.ndarray:
    """Cells of a pyarrow text array that are neither null nor ``""``, as a bool array.

    Read from the offsets buffer (a cell is filled when its end offset is past its start),
    so no comparison kernel and no copy of the text.

    >>> import pyarrow as pa
    >>> arrow_filled(pa.array(["a", "", None, "bc"])).tolist()
    [True, False, False, True]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    parts = []
    for chunk in chunks:
        n = len(chunk)
        if n == 0:
            continue
        if chunk.type not in (pa.string(), pa.large_string()):
            parts.append(np.asarray(pc.fill_null(pc.not_equal(chunk.cast(pa.string()), ""),
                                                 False).to_numpy(zero_copy_only=False),
                                    dtype=bool))
            continue
        width = np.int64 if chunk.type == pa.large_string() else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset:
                                                                  chunk.offset + n + 1]
        filled = offsets[1:] > offsets[:-1]
        if chunk.null_count:
            filled &= np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        parts.append(filled)
    if not parts:
        return np.zeros(0, dtype=bool)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _arrow_cast(s: pd.Series, target: str) -> pd.Series | None:
    """Fast path: cast a clean arrow text column to numbers/dates in C, or ``None``."""
    arr = _arrow(s)
    if arr is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if target == "date":  # empty cells are handled there without copying the text
            stamps = _iso_dates(arr)
            return None if stamps is None else pd.Series(stamps, index=s.index)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        out = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")


_DAY_NS = 86_400 * 10**9
# date32 day numbers of the first and last day datetime64[ns] holds in whole years
_DAY_MIN = int((np.datetime64("1678-01-01") - np.datetime64("1970-01-01")).astype(np.int64))
_DAY_MAX = int((np.datetime64("2261-12-31") - np.datetime64("1970-01-01")).astype(np.int64))


def _iso_dates(arr) -> np.ndarray | None:
    """Parse a text column that is all ``YYYY-MM-DD`` (or empty) in C, else ``None``.

    pyarrow's ISO parser takes exactly ``YYYY-MM-DD`` and checks month and day against the
    calendar (``2024-02-30`` is refused); years outside 1678-2261 (what ``datetime64[ns]``
    holds) are left to the slow path, which reports them. Empty and null cells are NaT.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.chunked_array([arr]) if isinstance(arr, pa.Array) else arr
    if arr.type not in (pa.string(), pa.large_string()):
        arr = arr.cast(pa.string())
    n = len(arr)
    filled = arrow_filled(arr)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if not filled.any():
        return out
    whole = bool(filled.all())
    cells = arr if whole else arr.filter(pa.array(filled))
    span = pc.min_max(pc.binary_length(cells))
    if span["min"].as_py() != 10 or span["max"].as_py() != 10:
        return None
    try:
        days = pc.cast(pc.cast(cells, pa.date32()), pa.int32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    bounds = pc.min_max(days)
    if bounds["min"].as_py() < _DAY_MIN or bounds["max"].as_py() > _DAY_MAX:
        return None
    count = np.asarray(days.to_numpy(), dtype=np.int64)
    stamps = (count * _DAY_NS).view("datetime64[ns]")
    if whole:
        return stamps
    out[filled] = stamps
    return out


def arrow_dates(col) -> pd.Series | None:
    """A pyarrow ``date32`` column as ``datetime64[ns]`` (NaT where null), or ``None``.

    For the CSV reader's typed pass, which parses ``YYYY-MM-DD`` cells as dates in C (the
    same calendar check as :func:`parse_date`'s ISO path). ``None`` when a date lies outside
    1678-2261, the years ``datetime64[ns]`` holds: such a column is read as text instead, so
    those cells are reported as bad dates as they are written.

    >>> import pyarrow as pa, datetime as dt
    >>> arrow_dates(pa.array([dt.date(2024, 3, 5), None])).tolist()
    [Timestamp('2024-03-05 00:00:00'), NaT]
    >>> arrow_dates(pa.array([dt.date(1600, 1, 1)])) is None
    True
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    days = pc.cast(col, pa.int32())
    bounds = pc.min_max(days)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is not None and (low < _DAY_MIN or high > _DAY_MAX):
        return None
    count = np.asarray(pc.fill_null(days, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    stamps = (count * _DAY_NS).view("datetime64[ns]")
    if days.null_count:
        stamps[np.asarray(days.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = \
            np.datetime64("NaT")
    return pd.Series(stamps, dtype="datetime64[ns]")


def arrow_ints(col) -> pd.Series:
    """A pyarrow ``int64`` column as a pandas Series: ``int64``, or ``Int64`` with nulls.

    A column without empty cells stays a plain numpy ``int64`` array, so the checks that
    follow (bounds, identifiers) are single numpy reductions.

    >>> import pyarrow as pa
    >>> arrow_ints(pa.chunked_array([[1, None], [3]])).tolist()
    [1, <NA>, 3]
    >>> str(arrow_ints(pa.array([1, 2])).dtype)
    'int64'
    """
    import pyarrow.compute as pc

    values = np.asarray(pc.fill_null(col, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    if not values.flags.writeable:  # a zero-copy view of arrow memory: pandas may write
        values = values.copy()
    if not col.null_count:
        return pd.Series(values, dtype="int64")
    missing = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    return pd.Series(pd.arrays.IntegerArray(values, missing))


def number_span(values: pd.Series) -> tuple[float, float] | None:
    """(smallest, largest) of a number column, missing values skipped; ``None`` if none.

    >>> number_span(pd.Series([3.0, None, -1.5])), number_span(pd.Series([None], dtype="Int64"))
    ((-1.5, 3.0), None)
    """
    if len(values) == 0:
        return None
    if isinstance(values.dtype, np.dtype):  # numpy-backed: one C reduction each
        arr = values.to_numpy()
        if arr.dtype.kind == "f":
            if np.isnan(arr).all():
                return None
            return float(np.nanmin(arr)), float(np.nanmax(arr))
        return float(arr.min()), float(arr.max())
    low, high = values.min(), values.max()
    return None if pd.isna(low) else (float(low), float(high))


def _numeric(s: pd.Series, allow_units: bool) -> pd.Series:
    if s.dtype == np.float64:
        return s
    if s.dtype.kind in "iuf":
        return s.astype("float64")
    fast = _arrow_cast(s, "float")
    if fast is not None:
        return fast
    values = pd.to_numeric(s.where(s != "", None), errors="coerce")
    missing = values.isna().to_numpy() & _nonempty(s)
    # long cells are not numbers; skipping them keeps the regexes below linear in practice
    missing = missing & (s.str.len() <= _MAX_PARSE_LEN).to_numpy(dtype=bool, na_value=False)
    if missing.any():
        sub = s[missing]
        fixed = sub.str.replace(r"^\+", "", regex=True)
        thousands = fixed.str.match(_THOUSANDS)
        fixed = fixed.where(~thousands, fixed.str.replace(",", "", regex=False))
        if allow_units:
            fixed = fixed.str.replace(_UNIT_SUFFIX, "", regex=True)
        values = values.astype("float64")
        values[missing] = pd.to_numeric(fixed, errors="coerce").astype("float64")
    return values.astype("float64")


def parse_int(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse whole numbers; returns (``Int64`` values, bad mask).

    >>> v, bad = parse_int(pd.Series(["3", "1,200", "1965年", "4.0", "2.5", "x", ""]))
    >>> v.tolist(), bad.tolist()
    ([3, 1200, 1965, 4, <NA>, <NA>, <NA>], [False, False, False, False, True, True, False])
    """
    s = series
    if s.dtype.kind in "iu":  # read as whole numbers already (the CSV reader's typed pass)
        span = number_span(s)
        ints = s.astype("Int64")
        if span is None or (-(2**53) < span[0] and span[1] < 2**53):
            return ints, np.zeros(len(s), dtype=bool)
        values = ints.to_numpy(dtype="int64", na_value=0)
        present = ints.notna().to_numpy()
        # the same bound as for numbers read as text: past 2**53 a float is not exact
        huge = ((values >= 2**53) | (values <= -(2**53))) & present
        out = pd.arrays.IntegerArray(np.where(huge, 0, values), ~present | huge)
        return pd.Series(out, index=s.index), huge
    floats = _numeric(s, allow_units=True)
    arr = floats.to_numpy()
    with np.errstate(invalid="ignore"):
        integral = (np.abs(arr) < 2**53) & (np.floor(arr) == arr)  # NaN and inf fail both
    bad = _nonempty(s) & ~integral
    out = pd.arrays.IntegerArray(np.where(integral, arr, 0).astype("int64"), ~integral)
    return pd.Series(out, index=s.index), bad


def parse_float(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse real numbers; returns (``float64`` values, bad mask).

    >>> v, bad = parse_float(pd.Series(["1.5", "-2", "1,234.5", "abc", ""]))
    >>> v.tolist()[:3], bad.tolist()
    ([1.5, -2.0, 1234.5], [False, False, False, True, False])
    """
    values = _numeric(series, allow_units=False)
    arr = values.to_numpy()
    bad = _nonempty(series) & ~np.isfinite(arr)
    values = values.where(np.isfinite(arr), np.nan)
    return values, bad


def parse_bool(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse yes/no cells; returns (``boolean`` values, bad mask).

    >>> v, bad = parse_bool(pd.Series(["是", "否", "TRUE", "n", "1", "maybe", ""]))
    >>> v.tolist(), bad.tolist()
    ([True, False, True, False, True, <NA>, <NA>], [False, False, False, False, False, True, False])
    """
    s = series
    arr = _arrow(s)
    if arr is not None and len(s) and not arr.null_count:
        import pyarrow.compute as pc

        # pbkit's own exports write true/false: two comparisons instead of a hash pass
        filled = arrow_filled(arr)
        yes = np.asarray(pc.fill_null(pc.equal(arr, "true"), False).to_numpy(
            zero_copy_only=False), dtype=bool)
        no = np.asarray(pc.fill_null(pc.equal(arr, "false"), False).to_numpy(
            zero_copy_only=False), dtype=bool)
        if ((yes | no) == filled).all():
            out = pd.arrays.BooleanArray(yes, ~filled)
            return pd.Series(out, index=s.index), np.zeros(len(s), dtype=bool)
    codes, uniques = factorize_text(s)
    mapped = [_BOOL_MAP.get(str(u).lower()) if u else None for u in uniques] + [None]
    truth = np.array([bool(m) for m in mapped], dtype=bool)[codes]
    missing = np.array([m is None for m in mapped], dtype=bool)[codes]
    out = pd.arrays.BooleanArray(truth, missing)
    bad = _nonempty(s) & missing
    return pd.Series(out, index=s.index), bad


def parse_date(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse dates in the common spellings; returns (``datetime64[ns]`` values, bad mask).

    >>> v, bad = parse_date(pd.Series(["2024-03-05", "2024.3.5", "20240305 08:00", "2024-02-30"]))
    >>> v.dt.strftime("%Y-%m-%d").tolist()[:3], bad.tolist()
    (['2024-03-05', '2024-03-05', '2024-03-05'], [False, False, False, True])
    """
    s = series
    if s.dtype.kind == "M":  # read as dates already (the CSV reader's typed pass)
        return s.astype("datetime64[ns]"), np.zeros(len(s), dtype=bool)
    nonempty = _nonempty(s)
    fast = _arrow_cast(s, "date")
    if fast is not None:
        return fast, np.zeros(len(s), dtype=bool)
    values = _as_ns(pd.to_datetime(s.where(nonempty, None), format="%Y-%m-%d",
                                   errors="coerce"))
    todo = nonempty & values.isna().to_numpy()
    todo = todo & (s.str.len() <= _MAX_PARSE_LEN).to_numpy(dtype=bool, na_value=False)
    if todo.any():
        values[todo] = _parse_dates_slow(s[todo]).to_numpy()
    bad = nonempty & values.isna().to_numpy()
    return values, bad


_NS_MIN, _NS_MAX = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def _as_ns(values: pd.Series) -> pd.Series:
    """Datetimes in nanoseconds; dates outside what ``datetime64[ns]`` holds become NaT."""
    inside = (values >= _NS_MIN) & (values <= _NS_MAX)
    return values.where(inside).astype("datetime64[ns]")


def _parse_dates_slow(sub: pd.Series) -> pd.Series:
    text = sub.str.replace(r"(?:[T\s]+|(?<=[日号]))\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "",
                           regex=True).str.strip()
    serial_like = text.str.fullmatch(r"\d{1,6}(?:\.\d+)?")
    text = text.str.replace(r"\s+", "", regex=True).str.replace(r"[日号]$", "", regex=True)
    text = text.str.replace(r"\s*[年月/.]\s*", "-", regex=True).str.strip("-")
    out = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
    full = text.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}")
    if full.any():
        out[full] = _as_ns(pd.to_datetime(text[full], format="%Y-%m-%d", errors="coerce"))
    compact = text.str.fullmatch(r"\d{8}")
    if compact.any():
        out[compact] = _as_ns(pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce"))
    month = text.str.fullmatch(r"\d{4}-\d{1,2}")
    if month.any():
        out[month] = _as_ns(pd.to_datetime(text[month] + "-1", format="%Y-%m-%d",
                                           errors="coerce"))
    if serial_like.any():
        days = pd.to_numeric(sub.str.strip()[serial_like], errors="coerce")
        ok = (days >= 1) & (days <= _SERIAL_MAX)
        stamps = EXCEL_EPOCH + pd.to_timedelta(np.floor(days.where(ok)), unit="D")
        out[serial_like] = stamps.astype("datetime64[ns]")
    return out


def _fold_value(value: str) -> str:
    return fold_header(value).replace("_", "")


@cache
def enum_lookup(values: tuple[str, ...]) -> dict[str, str]:
    """Folded spelling -> code for the allowed ``values`` (codes, zh labels, synonyms).

    >>> enum_lookup(("male", "female"))[_fold_value("女性")]
    'female'
    """
    lookup: dict[str, str] = {}
    for code in values:
        spellings = (code, ENUM_LABELS.get(code, ""), *ENUM_SYNONYMS.get(code, ()))
        for spelling in spellings:
            if spelling:
                lookup.setdefault(_fold_value(spelling), code)
    for code in values:  # an exact code or label always wins over another code's synonym
        lookup[_fold_value(code)] = code
        if code in ENUM_LABELS:
            lookup[_fold_value(ENUM_LABELS[code])] = code
    return lookup


def allowed_text(column: Column) -> str:
    """The allowed values of an enum column for a message: ``male(男), female(女)``."""
    return ", ".join(f"{v}({ENUM_LABELS[v]})" if v in ENUM_LABELS else v for v in column.values)


def factorize_codes(series: pd.Series) -> tuple[np.ndarray, int]:
    """Codes (-1 for missing) and the number of distinct values, without building them.

    >>> codes, n = factorize_codes(pd.Series(["b", "a", "b"], dtype="str"))
    >>> codes.tolist(), n
    ([0, 1, 0], 2)
    """
    codes, dictionary = _encode(series)
    return codes, len(dictionary)


def _encode(series: pd.Series):
    arr = _arrow(series)
    if arr is None:
        codes, uniques = pd.factorize(series)
        return np.asarray(codes, dtype=np.int64), list(uniques)
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.int64), pa.array([], type=pa.string())
        encoded = encoded.unify_dictionaries()
        dictionary = encoded.chunk(0).dictionary
        indices = pa.chunked_array([c.indices for c in encoded.chunks])
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    codes = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, dictionary


def factorize_text(series: pd.Series) -> tuple[np.ndarray, list]:
    """``pd.factorize`` for text columns, done by pyarrow when the column is arrow-backed.

    Returns (codes with -1 for missing, list of distinct values).

    >>> codes, uniques = factorize_text(pd.Series(["b", "a", "b", None], dtype="str"))
    >>> codes.tolist(), uniques
    ([0, 1, 0, -1], ['b', 'a'])
    """
    codes, dictionary = _encode(series)
    return codes, dictionary if isinstance(dictionary, list) else dictionary.to_pylist()


def parse_enum(series: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray]:
    """Map codes, Chinese labels and synonyms to codes; returns (``str`` codes, bad mask).

    >>> from pbkit.data.schema import TABLES
    >>> v, bad = parse_enum(pd.Series(["女", "Male", "男性", "x", ""]),
    ...                     TABLES["people"].column("gender"))
    >>> v.tolist(), bad.tolist()
    (['female', 'male', 'male', nan, nan], [False, False, False, True, False])
    """
    lookup = enum_lookup(tuple(column.values))
    s = series
    arr = _arrow(s)
    if arr is not None and len(s) and not arr.null_count:
        # Fast path: every filled cell already is a canonical code (as pbkit writes them),
        # so the mapping is the identity (enum_lookup maps each code to itself).
        import pyarrow as pa
        import pyarrow.compute as pc

        filled = arrow_filled(arr)
        known = pc.is_in(arr, value_set=pa.array(list(column.values), type=arr.type))
        known = np.asarray(pc.fill_null(known, False).to_numpy(zero_copy_only=False),
                           dtype=bool)
        if (known == filled).all():
            if filled.all():
                return s, np.zeros(len(s), dtype=bool)
            blanked = pc.if_else(pa.array(filled), arr, pa.scalar(None, arr.type))
            return (pd.Series(blanked, index=s.index, dtype=STR_DTYPE),
                    np.zeros(len(s), dtype=bool))
    idx, uniques = factorize_text(s)
    mapped = [lookup.get(_fold_value(u)) if u else None for u in uniques] + [None]
    if arr is not None:  # take from the few mapped values, in C
        import pyarrow as pa

        table = pa.array(mapped, type=pa.string())
        codes = pd.Series(table.take(pa.array(np.where(idx < 0, len(mapped) - 1, idx))),
                          index=s.index, dtype=STR_DTYPE)
    else:
        values = np.empty(len(mapped), dtype=object)
        values[:] = mapped
        codes = pd.Series(values[idx], index=s.index, dtype="object").astype(STR_DTYPE)
    bad = _nonempty(s) & codes.isna().to_numpy()
    return codes, bad


def _split(text: str) -> list[str]:
    for sep in MULTI_SEPARATORS[1:]:
        text = text.replace(sep, MULTI_SEPARATORS[0])
    return [p.strip() for p in text.split(MULTI_SEPARATORS[0]) if p.strip()]


def parse_multi(series: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """Split several values per cell and map each to a code.

    Returns (tuples of codes, bad mask, the unrecognised parts per cell joined by ``、``).

    >>> from pbkit.data.schema import TABLES
    >>> v, bad, parts = parse_multi(pd.Series(["书记;党员", "member、x", ""]),
    ...                             TABLES["people"].column("roles"))
    >>> v.tolist(), bad.tolist(), parts.tolist()
    ([('secretary', 'member'), ('member',), ()], [False, True, False], ['', 'x', ''])
    """
    lookup = enum_lookup(tuple(column.values))
    def one(cell: str) -> tuple[tuple[str, ...], str]:
        if not cell:
            return (), ""
        direct = lookup.get(_fold_value(cell))
        if direct is not None:  # a label that itself contains a separator ("高中/中专")
            return (direct,), ""
        codes, unknown = [], []
        for part in _split(cell):
            code = lookup.get(_fold_value(part))
            if code is None:
                unknown.append(part)
            elif code not in codes:
                codes.append(code)
        return tuple(codes), "、".join(unknown)

    codes, uniques = factorize_text(series)
    results = [one(u) for u in uniques] + [((), "")]
    vals = np.empty(len(results), dtype=object)
    vals[:] = [r[0] for r in results]
    values = pd.Series(vals[codes], index=series.index, dtype="object")
    # the unrecognised parts, taken from the few distinct cells (in C, no object array)
    import pyarrow as pa

    extra = pa.array([r[1] for r in results], type=pa.large_string())
    parts = pd.Series(extra.take(pa.array(np.where(codes < 0, len(results) - 1, codes))),
                      index=series.index, dtype=STR_DTYPE)
    bad = np.array([r[1] != "" for r in results], dtype=bool)[codes]
    return values, bad, parts


def parse_tags(series: pd.Series) -> pd.Series:
    """Split free tags into tuples of stripped, distinct strings.

    >>> parse_tags(pd.Series(["medical; legal", "", "a、a"])).tolist()
    [('medical', 'legal'), (), ('a',)]
    """
    codes, uniques = factorize_text(series)
    vals = np.empty(len(uniques) + 1, dtype=object)
    vals[:] = [tuple(dict.fromkeys(_split(u))) for u in uniques] + [()]
    return pd.Series(vals[codes], index=series.index, dtype="object")
