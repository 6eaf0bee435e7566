"""k-anonymity: measure it, and generalise or suppress until it holds.

A record is *k-anonymous* when at least ``k`` records share its values on the
quasi-identifiers (by default :data:`~pbkit.data.schema.QUASI_IDENTIFIERS`: every published
people column that can identify — age band and birth year, gender, education, occupation,
organisation, roles, join year, year in role, migrant status, destination and skills; the
schema says why each). For a table, with ``G`` the partition of
its rows into equivalence classes (rows equal on every quasi-identifier),

    k(table) = min over classes g in G of |g|

A missing value is a value of its own: rows missing the same quasi-identifiers (and equal
on the others) form one class. A plain ``DataFrame.groupby`` drops rows with a missing
key and would overstate ``k``; here every row is counted.

Generalisation hierarchy (the code table :data:`GENERALISATION_STEPS`, applied in order
until ``k`` holds): join year and year in role -> 5-year, then 10-year bands (a value is
the first year of its band); destination -> in or out of the province; occupation ->
coarse (rare occupations become ``other``); education -> top-coded (``college`` stands for
college or above); then skills, destination and year in role of the records still in
small classes are blanked; roles -> four categories (branch committee, member, activist,
cadre from outside), then, for records still in small classes, any office -> member
(every office holder is a party member); education -> two levels (``junior_high`` = junior high or below,
``senior_high`` = senior high or above); then join year, migrant status, age band and
occupation of the records still in small classes are blanked; then record suppression
(the records still under ``k`` are removed).
Two strategies are tried — keep a step only when it lowers the number of records under
``k`` on its own, or apply every step — and the one that removes fewer records wins.

>>> import pandas as pd
>>> f = pd.DataFrame({"a": ["x", "x", None, None, "y"], "b": [1, 1, 2, 2, 2]})
>>> group_sizes(f, ["a", "b"]).tolist()
[2, 2, 2, 2, 1]
>>> k_anonymity(f, ["a", "b"])
1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.schema import AGE_BANDS, OFFICE_POLICIES, PUBLIC_OFFICES, QUASI_IDENTIFIERS

__all__ = [
    "group_sizes",
    "k_anonymity",
    "records_under",
    "privacy_check",
    "render_check",
    "age_to_band",
    "people_quasi_frame",
    "GeneralisationStep",
    "GENERALISATION_STEPS",
    "enforce_k",
    "office_holders",
]

_MISSING = "\x00<missing>"


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` (missing -> -1) that also takes lists (as tuples)."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:                       # lists are not hashable: compare them as tuples
        codes, uniques = pd.factorize(
            series.map(lambda v: tuple(v) if isinstance(v, list) else v),
            use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def _codes(series: pd.Series) -> np.ndarray:
    """Integer codes of a column, with every missing value mapped to one extra code."""
    codes, uniques = _factorize(series)
    codes[codes < 0] = len(uniques)      # NaN, None and pd.NA: one value of their own
    return codes


def _class_ids(frame: pd.DataFrame, quasi: Sequence[str]) -> np.ndarray:
    """One integer per row naming its equivalence class (mixed-radix key of the codes)."""
    return _key_ids([_codes(frame[col]) for col in quasi], len(frame))


def _key_ids(columns: Sequence[np.ndarray], n: int) -> np.ndarray:
    key = np.zeros(n, dtype=np.int64)
    for codes in columns:
        base = int(codes.max()) + 1 if len(codes) else 1
        if int(key.max(initial=0)) >= (2**62) // max(base, 1):   # would overflow: re-code
            key = pd.factorize(key)[0].astype(np.int64)
        key = key * base + codes
    return pd.factorize(key)[0]


def _small(columns: Sequence[np.ndarray], n: int, k: int) -> np.ndarray:
    """Rows in classes under ``k``, from the columns' codes."""
    if n == 0:
        return np.zeros(0, dtype=bool)
    ids = _key_ids(columns, n) if columns else np.zeros(n, dtype=np.int64)
    return np.bincount(ids)[ids] < k


def group_sizes(frame: pd.DataFrame, quasi: Sequence[str]) -> pd.Series:
    """Size of each row's equivalence class over ``quasi`` (missing values count as values).

    Parameters
    ----------
    frame : pandas.DataFrame
    quasi : sequence of str
        Quasi-identifier columns; with none, every row is in one class.

    Returns
    -------
    pandas.Series
        One integer per row, aligned with ``frame.index``.

    >>> import pandas as pd
    >>> group_sizes(pd.DataFrame({"g": ["m", "m", "f"]}), ["g"]).tolist()
    [2, 2, 1]
    """
    n = len(frame)
    if n == 0:
        return pd.Series([], index=frame.index, dtype="int64")
    if not quasi:
        return pd.Series(np.full(n, n, dtype=np.int64), index=frame.index)
    missing = [c for c in quasi if c not in frame.columns]
    if missing:
        raise KeyError(f"quasi-identifier columns not in frame: {missing}")
    ids = _class_ids(frame, quasi)
    counts = np.bincount(ids)
    return pd.Series(counts[ids].astype(np.int64), index=frame.index)


def k_anonymity(frame: pd.DataFrame, quasi: Sequence[str]) -> int:
    """The ``k`` a table achieves: the size of its smallest equivalence class.

    ``k = min_g |g|`` over the classes of rows equal on ``quasi`` (missing = a value).
    An empty table has ``k = 0`` (no class at all).

    >>> import pandas as pd
    >>> k_anonymity(pd.DataFrame({"g": ["m", "m", "f", "f"]}), ["g"])
    2
    """
    sizes = group_sizes(frame, quasi)
    return int(sizes.min()) if len(sizes) else 0


def records_under(frame: pd.DataFrame, quasi: Sequence[str], k: int) -> int:
    """How many records sit in classes smaller than ``k``.

    >>> import pandas as pd
    >>> records_under(pd.DataFrame({"g": ["m", "m", "f"]}), ["g"], 2)
    1
    """
    return int((group_sizes(frame, quasi) < k).sum())


def age_to_band(age: Any) -> Any:
    """Age in years -> age band code (``18-29`` ... ``80+``); NaN or under 18 -> missing.

    Works on a scalar or a pandas Series.

    >>> age_to_band(17), age_to_band(18), age_to_band(64), age_to_band(90)
    (nan, '18-29', '60-69', '80+')
    """
    if isinstance(age, pd.Series):
        values = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        idx = np.where(values >= 30, np.minimum((values - 30) // 10 + 1, 6), 0)
        out = np.array(AGE_BANDS, dtype=object)[np.nan_to_num(idx).astype(int)]
        out = np.where(np.isnan(values) | (values < 18), np.nan, out)
        return pd.Series(out, index=age.index, dtype="str")
    if age is None or pd.isna(age) or age < 18:
        return np.nan
    if age < 30:
        return AGE_BANDS[0]
    return AGE_BANDS[min(int((age - 30) // 10) + 1, 6)]


def people_quasi_frame(people: pd.DataFrame, ref_year: int | None = None,
                       quasi: Sequence[str] = QUASI_IDENTIFIERS) -> pd.DataFrame:
    """The quasi-identifier columns of a people table, ``age_band`` derived where needed.

    Where ``age_band`` is missing and ``birth_year`` is known, the band is computed from
    ``ref_year - birth_year`` (``ref_year`` defaults to the current year). A column the
    table does not have is all missing (one value: it cannot split a class).
    """
    out = pd.DataFrame(index=people.index)
    for col in dict.fromkeys([*quasi, "age_band"]):
        out[col] = people[col] if col in people.columns else np.nan
    if "birth_year" in people.columns:
        year = ref_year if ref_year is not None else date.today().year
        by = pd.to_numeric(people["birth_year"], errors="coerce")
        derived = age_to_band(year - by)
        band = out["age_band"].astype(object)
        out["age_band"] = band.where(band.notna(), derived.astype(object)).astype("str")
    return out


def office_holders(people: pd.DataFrame) -> np.ndarray:
    """Whether each person holds a public office (:data:`~pbkit.data.schema.PUBLIC_OFFICES`).

    >>> office_holders(pd.DataFrame({"roles": [("secretary",), ("member",), None,
    ...                                        "committee_member;member"]})).tolist()
    [True, False, False, True]
    """
    if "roles" not in people.columns:
        return np.zeros(len(people), dtype=bool)
    offices = set(PUBLIC_OFFICES)

    def holds(value: Any) -> bool:
        if isinstance(value, str):
            value = value.replace("、", ";").split(";")
        if isinstance(value, (tuple, list, set, frozenset)):
            return bool(offices.intersection(str(v).strip() for v in value))
        return False

    return np.fromiter((holds(v) for v in people["roles"].tolist()), dtype=bool,
                       count=len(people))


def check_office_policy(offices: str) -> str:
    """Validate an office policy name (``public`` or ``protect``)."""
    if offices not in OFFICE_POLICIES:
        from pbkit.errors import UsageError

        raise UsageError("privacy.bad_offices", value=offices,
                         choices=", ".join(OFFICE_POLICIES))
    return offices


def privacy_check(dataset, k: int = 5, *, ref_year: int | None = None,
                  quasi: Sequence[str] = QUASI_IDENTIFIERS,
                  offices: str = "public") -> dict[str, Any]:
    """k-anonymity of a dataset's people table over the quasi-identifiers.

    Parameters
    ----------
    dataset : Dataset
    k : int
        The k required (``passed`` says whether it holds).
    ref_year : int, optional
        Year used to derive age bands from birth years (default: this year).
    quasi : sequence of str
        Quasi-identifier columns.
    offices : {"public", "protect"}
        ``public``: holders of a public office (known by the office itself) are published
        as such and left out of the measure; ``protect``: everyone is measured.

    Returns
    -------
    dict
        ``k_requested``, ``k`` (achieved; 0 for an empty table), ``passed``,
        ``records``, ``classes``, ``under_2``, ``under_3``, ``under_5``, ``under_k``
        (records in classes smaller than 2, 3, 5 and ``k``), ``columns`` (quasi-identifiers
        used), ``derived`` (columns computed from others), ``offices`` (the policy) and
        ``office_holders`` (records left out of the measure as public office holders).

    >>> from pbkit.data.dataset import Dataset
    >>> people = pd.DataFrame({"person_id": [f"P{i}" for i in range(6)], "org_id": "V1",
    ...                        "roles": ["secretary"] + ["member"] * 5, "gender": "male",
    ...                        "education": "primary", "age_band": "60-69"})
    >>> r = privacy_check(Dataset.from_frames(people=people), offices="protect")
    >>> r["passed"], r["k"], r["under_5"]      # roles single out the secretary
    (False, 1, 1)
    >>> r = privacy_check(Dataset.from_frames(people=people))
    >>> r["passed"], r["k"], r["office_holders"]  # known by the office: measured apart
    (True, 5, 1)
    """
    check_office_policy(offices)
    people = dataset.people
    held = office_holders(people) if offices == "public" else np.zeros(len(people), bool)
    frame = people_quasi_frame(people, ref_year, quasi)[list(quasi)][~held]
    derived = []
    if ("birth_year" in people.columns and "age_band" in quasi
            and (people["age_band"].isna() & people["birth_year"].notna()).any()):
        derived.append("age_band")
    sizes = group_sizes(frame, list(quasi))
    achieved = int(sizes.min()) if len(sizes) else 0
    classes = int(len(frame.drop_duplicates())) if len(frame) else 0
    return {
        "table": "people",
        "k_requested": int(k),
        "k": achieved,
        "passed": bool(len(sizes) == 0 or achieved >= k),
        "records": int(len(frame)),
        "classes": classes,
        "under_2": int((sizes < 2).sum()),
        "under_3": int((sizes < 3).sum()),
        "under_5": int((sizes < 5).sum()),
        "under_k": int((sizes < k).sum()),
        "columns": list(quasi),
        "derived": derived,
        "offices": offices,
        "office_holders": int(held.sum()),
    }


def render_check(result: dict[str, Any], lang: str | None = None) -> str:
    """One line summarising a :func:`privacy_check` result in ``lang``.

    >>> render_check({"k": 6, "k_requested": 5, "passed": True,
    ...               "columns": ["gender", "org_id"]}, lang="en")
    'privacy check (gender, org_id): k = 6, 5 required, passed'
    """
    from pbkit.i18n import t

    status = t("privacy.check.passed" if result["passed"] else "privacy.check.failed", lang=lang)
    return t("privacy.check.summary", lang=lang, columns=", ".join(result["columns"]),
             k=result["k"], requested=result["k_requested"], status=status)


# --------------------------------------------------------------------------- generalising

@dataclass(frozen=True)
class GeneralisationStep:
    """One step of the generalisation hierarchy.

    ``kind`` is ``"recode"`` (map values of ``column`` through ``mapping``, for every row;
    in a multi-valued column each value is mapped and duplicates merged; with ``other``
    set, a value not in ``mapping`` becomes ``other``), ``"band"``
    (replace a year by the first year of its ``width``-year band, for every row, never
    below ``floor``), ``"local"`` (a recode of the records still under ``k`` only),
    ``"blank"`` (blank ``column`` only in records still in classes under
    ``k``) or ``"drop"`` (remove the records still under ``k``).
    """

    name: str
    column: str | None
    kind: str
    mapping: tuple[tuple[str, str], ...] = ()
    width: int = 0
    floor: int = 0
    other: str = ""


_ROLES_COARSE = (
    ("secretary", "committee_member"), ("deputy_secretary", "committee_member"),
    ("probationary_member", "member"), ("first_secretary", "agency_cadre"),
    ("student_official", "agency_cadre"), ("township_leader", "agency_cadre"))

#: The hierarchy, least information lost first. Years become bands (5, then 10 years;
#: a value is the first year of its band), destinations outside the home province become
#: ``out_of_province``, roles become four categories (branch committee, member, activist,
#: cadre from outside the village), then values of records still in small classes are
#: blanked column by column, then those records are removed.
GENERALISATION_STEPS: tuple[GeneralisationStep, ...] = (
    GeneralisationStep("join_year_5y", "join_year", "band", width=5, floor=1921),
    GeneralisationStep("role_since_5y", "role_since", "band", width=5, floor=1949),
    GeneralisationStep("destination_coarse", "destination", "recode",
                       (("in_province", "in_province"),), other="out_of_province"),
    GeneralisationStep("join_year_10y", "join_year", "band", width=10, floor=1921),
    GeneralisationStep("role_since_10y", "role_since", "band", width=10, floor=1949),
    GeneralisationStep("occupation_coarse", "occupation", "recode", (
        ("business", "other"), ("cadre", "other"), ("teacher", "other"), ("doctor", "other"),
        ("student", "other"), ("worker", "other"))),
    GeneralisationStep("education_top_coded", "education", "recode", (
        ("bachelor", "college"), ("postgraduate", "college"))),
    GeneralisationStep("skills_suppressed", "skills", "blank"),
    GeneralisationStep("destination_suppressed", "destination", "blank"),
    GeneralisationStep("role_since_suppressed", "role_since", "blank"),
    GeneralisationStep("roles_coarse", "roles", "recode", _ROLES_COARSE),
    GeneralisationStep("roles_to_member", "roles", "local", tuple(
        (role, "member") for role in ("secretary", "deputy_secretary", "committee_member",
                                      "probationary_member", "first_secretary",
                                      "student_official", "township_leader",
                                      "agency_cadre"))),
    GeneralisationStep("education_two_levels", "education", "recode", (
        ("primary", "junior_high"), ("college", "senior_high"), ("bachelor", "senior_high"),
        ("postgraduate", "senior_high"))),
    GeneralisationStep("join_year_suppressed", "join_year", "blank"),
    GeneralisationStep("migrant_suppressed", "migrant", "blank"),
    GeneralisationStep("age_band_suppressed", "age_band", "blank"),
    GeneralisationStep("occupation_suppressed", "occupation", "blank"),
    GeneralisationStep("records_suppressed", None, "drop"),
)


def enforce_k(frame: pd.DataFrame, k: int, quasi: Sequence[str] = QUASI_IDENTIFIERS,
              steps: Sequence[GeneralisationStep] = GENERALISATION_STEPS,
              ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Generalise, then suppress, until every record is in a class of at least ``k``.

    Steps of ``steps`` are applied in order, each only while ``k`` does not hold yet.
    Quasi-identifiers the table does not have are not published and are left out; a step
    on a column that is not a quasi-identifier is skipped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table holding the ``quasi`` columns (other columns are carried along).
    k : int
        Required k (``k <= 1`` changes nothing).

    Returns
    -------
    (pandas.DataFrame, list of dict)
        The new table (suppressed records removed; index kept so callers can see which)
        and what was done: one dict per applied step with ``step``, ``column`` and
        ``records`` (records changed or removed).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"age_band": ["60-69"] * 3 + ["70-79"] * 2 + ["80+", "18-29"],
    ...                   "gender": ["male"] * 6 + ["female"], "education": ["primary"] * 7,
    ...                   "occupation": ["farmer"] * 7, "org_id": ["V1"] * 7})
    >>> out, done = enforce_k(f, 3)
    >>> k_anonymity(out, list(f.columns)), [(d["step"], d["records"]) for d in done]
    (3, [('age_band_suppressed', 4), ('records_suppressed', 1)])
    >>> int(out["age_band"].isna().sum()), len(out)
    (3, 6)
    """
    quasi = [c for c in quasi if c in frame.columns]
    if k <= 1 or frame.empty:
        return frame.copy(), []
    # two strategies: keep a step only when it helps on its own (least information lost),
    # or apply every step (steps that only help together); the one removing fewer records
    # wins, ties going to the first
    greedy = _run_steps(frame, k, quasi, steps, strict=True)
    full = _run_steps(frame, k, quasi, steps, strict=False)

    def cost(result):
        done = result[1]
        dropped = sum(d["records"] for d in done if d["column"] is None)
        changed = sum(d["records"] for d in done if d["column"] is not None)
        return (dropped, changed)

    return greedy if cost(greedy) <= cost(full) else full


def _same_values(before: pd.Series, after: pd.Series) -> np.ndarray:
    n = len(before)
    both = pd.concat([before.astype(object), after.astype(object)], ignore_index=True)
    codes = _codes(both)
    return codes[:n] == codes[n:]


def _present(series: pd.Series) -> np.ndarray:
    """Cells holding a value: not missing, and not an empty tuple (an empty tags cell)."""
    codes, uniques = _factorize(series)
    empty = np.array([isinstance(u, tuple) and not u for u in uniques], dtype=bool)
    return (codes >= 0) & ~np.append(empty, False)[codes]


def _recode(before: pd.Series, step: GeneralisationStep) -> pd.Series:
    mapping = dict(step.mapping)
    if step.kind == "band":
        years = pd.to_numeric(before, errors="coerce")
        banded = (years // step.width) * step.width
        banded = banded.where(banded >= step.floor, step.floor).where(years.notna())
        return banded.astype(before.dtype) if str(before.dtype) == "Int64" else banded

    def one(v):
        if isinstance(v, tuple):
            out = []
            for x in v:
                y = mapping.get(x, x)
                if y not in out:
                    out.append(y)
            return tuple(out)
        if not isinstance(v, str):
            return v
        return mapping.get(v, step.other or v)

    codes, uniques = _factorize(before)        # each distinct value mapped once
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [one(u) for u in uniques]
    out = pd.Series(mapped[codes], index=before.index, dtype=object)
    missing = codes < 0
    out[missing] = before[missing]
    return out


def _blank(before: pd.Series, rows: np.ndarray) -> pd.Series:
    after = before.astype(object).copy()
    codes, uniques = _factorize(before)
    multi = np.append(np.array([isinstance(u, tuple) for u in uniques], dtype=bool),
                      False)[codes]
    after[rows & ~multi] = np.nan
    if (rows & multi).any():      # an empty tuple is the blank of a tags column
        after[rows & multi] = pd.Series([()] * int((rows & multi).sum()), dtype=object,
                                        index=after.index[rows & multi])
    return after


def _run_steps(frame: pd.DataFrame, k: int, quasi: list[str],
               steps: Sequence[GeneralisationStep], strict: bool,
               ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    out = frame.copy()
    done: list[dict[str, Any]] = []
    # two passes over the generalising steps before any record is removed: a local step
    # that could not help on the first pass (a secretary still apart by join year) can
    # help once later steps have merged the rest
    keep = [s for s in steps if s.kind != "drop"]
    codes = {c: _codes(out[c]) for c in quasi}        # re-coded only when a column changes
    for step in [*keep, *keep, *(s for s in steps if s.kind == "drop")]:
        small = _small(list(codes.values()), len(out), k)
        if not small.any():
            break
        if step.kind == "drop":
            done.append({"step": step.name, "column": None, "records": int(small.sum())})
            out = out[~small]
            codes = {c: v[~small] for c, v in codes.items()}
            continue
        if step.column not in quasi:
            continue
        before = out[step.column]
        if step.kind in ("recode", "band", "local"):
            after = _recode(before, step)
            if step.kind == "local":   # only the records still under k
                after = after.where(small, before)
            changed_mask = ~_same_values(before, after)
        else:  # blank the column in the records still under k
            changed_mask = small & _present(before)
            after = _blank(before, changed_mask)
        if not changed_mask.any():
            continue
        new_values = after if before.dtype == object else after.astype(before.dtype)
        trial_codes = {**codes, step.column: _codes(new_values)}
        # (strict) keep a step only when it brings records out of small classes
        if strict and int(_small(list(trial_codes.values()), len(out), k).sum()) >= int(
                small.sum()):
            continue
        out = out.copy()
        out[step.column] = new_values
        codes = trial_codes
        done.append({"step": step.name, "column": step.column,
                     "records": int(changed_mask.sum())})
    merged: dict[str, dict[str, Any]] = {}
    for d in done:        # one entry per step, in the hierarchy's order
        if d["step"] in merged:
            merged[d["step"]]["records"] += d["records"]
        else:
            merged[d["step"]] = dict(d)
    order = [s.name for s in steps]
    return out, sorted(merged.values(), key=lambda d: order.index(d["step"]))
