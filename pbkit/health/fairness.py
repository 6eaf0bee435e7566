"""Attention fairness across villages: is the energy all on a few big villages?

For every village (orgs at level ``village`` or ``community``) over the year:
``visits`` (visits to the village itself and to its needy households) and ``solved``
(visits recording a problem solved), each divided by the village's households — the needy
households of the ``households`` table (``fairness.denominator: needy``, default) or the
resident households of ``orgs.households`` (``resident``). Villages without households in
the denominator are listed but left out of the indices.

Inequality of the per-household values x_1..x_n (mean mu) is measured by

- the Gini index  ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mu)``  (0 = equal attention,
  (n-1)/n = everything on one village);
- the Theil index ``T = (1/n) sum_i (x_i/mu) ln(x_i/mu)`` with ``0 ln 0 = 0``
  (0 = equal, ln n = everything on one village).

Both are undefined (NaN) when every value is 0. ``top20_share`` is the share of the
per-household total held by the best-served 20% of villages; ``largest20_share`` the
share of all visits (solved problems) that went to the 20% largest villages, to compare
with ``largest20_households_share``, their share of the households counted — the big
village drawing the energy shows as the first well above the second. A village is *neglected* when it got no
visit (``no_visits``), fewer visits per household than ``fairness.neglect_ratio`` times
the median village (``below_ratio``), or no problem solved while the median village had
some (``none_solved``).

>>> round(gini([1, 2, 3, 4]), 4), round(theil([1, 2, 3, 4]), 4)
(0.25, 0.1064)
>>> gini([0, 0, 0, 10]), round(theil([0, 0, 0, 10]), 4)
(0.75, 1.3863)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.health.branches import ALL
from pbkit.health.context import HealthContext
from pbkit.health.rules import HealthRules

__all__ = ["gini", "theil", "FairnessResult", "attention_fairness", "fairness_context",
           "NEGLECT_REASONS"]

NEGLECT_REASONS = ("no_visits", "below_ratio", "none_solved")


def gini(values: Sequence[float]) -> float:
    """Gini index of non-negative values: ``sum_i sum_j |x_i - x_j| / (2 n^2 mu)``.

    Computed from the sorted values as ``(2 sum_i i x_(i)) / (n sum x) - (n + 1) / n``
    (i = 1..n), which equals the pairwise formula. NaN for no values or all zeros.

    >>> gini([5, 5, 5])
    0.0
    """
    x = np.sort(np.asarray(values, dtype="float64"))
    x = x[~np.isnan(x)]
    n = len(x)
    total = x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(max(0.0, 2 * (i * x).sum() / (n * total) - (n + 1) / n))


def theil(values: Sequence[float]) -> float:
    """Theil T index: ``(1/n) sum_i (x_i/mu) ln(x_i/mu)``, ``0 ln 0 = 0``; NaN if mu = 0.

    >>> theil([2, 2])
    0.0
    """
    x = np.asarray(values, dtype="float64")
    x = x[~np.isnan(x)]
    if len(x) == 0 or x.sum() <= 0:
        return float("nan")
    r = x / x.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(r), 0.0)
    return float(max(0.0, terms.mean()))


def _top_share(x: np.ndarray, share: float = 0.2) -> float:
    """Share of the total held by the top ``share`` of units (at least one)."""
    x = np.sort(x[~np.isnan(x)])[::-1]
    if len(x) == 0 or x.sum() <= 0:
        return float("nan")
    k = max(1, int(np.ceil(len(x) * share)))
    return float(x[:k].sum() / x.sum())


def _largest_share(frame: pd.DataFrame, metric: str, share: float = 0.2) -> float:
    """Share of the total of ``metric``'s numerator (visits or solved; for ``denominator``
    the households) going to the ``share`` largest villages by resident households
    (needy households when residents are unknown)."""
    if frame.empty:
        return float("nan")
    size = frame["resident_households"].astype("float64")
    size = size.where(size.notna(), frame["needy_households"].astype("float64"))
    column = {"visits_per_household": "visits", "solved_per_household": "solved"}.get(
        metric, metric)
    values = frame[column].astype("float64").to_numpy()
    total = np.nansum(values)
    if total <= 0:
        return float("nan")
    k = max(1, int(np.ceil(len(frame) * share)))
    order = np.argsort(-size.fillna(0).to_numpy(), kind="stable")[:k]
    return float(np.nansum(values[order]) / total)


@dataclass(frozen=True)
class FairnessResult:
    """``villages`` (per-village attention), ``summary`` (indices per scope and metric) and
    ``neglected`` (villages and the reason)."""

    villages: pd.DataFrame
    summary: pd.DataFrame
    neglected: pd.DataFrame


def fairness_context(ctx: HealthContext) -> FairnessResult:
    """Attention fairness for one context (see the module docstring)."""
    from pbkit.i18n import t

    cfg = ctx.rules.fairness
    vil = ctx.ds.villages()[["org_id", "parent_id", "households"]].rename(
        columns={"households": "resident_households"})
    vil = vil.sort_values("org_id", kind="stable").reset_index(drop=True)
    needy = ctx.household_stats()["needy"]
    vil["needy_households"] = vil["org_id"].map(needy).fillna(0).astype("int64")
    vt = ctx.visit_totals()
    vil["visits"] = vil["org_id"].map(vt["visits"]).fillna(0).astype("int64")
    vil["solved"] = vil["org_id"].map(vt["solved"]).fillna(0).astype("int64")
    den_col = "needy_households" if cfg.denominator == "needy" else "resident_households"
    den = vil[den_col].astype("float64")
    den = den.where(den > 0)
    vil["denominator"] = den
    vil["visits_per_household"] = vil["visits"] / den
    vil["solved_per_household"] = vil["solved"] / den
    counted = den.notna()

    # neglected villages
    med_v = float(vil.loc[counted, "visits_per_household"].median()) if counted.any() else 0.0
    med_s = float(vil.loc[counted, "solved_per_household"].median()) if counted.any() else 0.0
    reason = np.select(
        [counted & (vil["visits"] == 0),
         counted & (vil["visits_per_household"] < cfg.neglect_ratio * med_v),
         counted & (vil["solved"] == 0) & (med_s > 0)],
        list(NEGLECT_REASONS), default="")
    vil["neglected"] = reason != ""
    vil["reason"] = reason
    neg = vil[vil["neglected"]].copy()
    neg["median_visits_per_household"] = med_v
    neg["message"] = [
        t(f"health.neglect.{r}", lang=ctx.lang, visits=int(n), per=f"{p:.2f}",
          median=f"{med_v:.2f}", ratio=f"{cfg.neglect_ratio:g}")
        for r, n, p in zip(neg["reason"], neg["visits"], neg["visits_per_household"])]
    neg = neg[["org_id", "parent_id", "reason", "visits", "solved", "denominator",
               "visits_per_household", "median_visits_per_household", "message"]]

    # indices overall and per township
    rows = []
    scopes = [(ALL, vil[counted])]
    by_parent = vil[counted & vil["parent_id"].notna()].groupby("parent_id", sort=True)
    if by_parent.ngroups > 1:
        scopes += [(str(p), f) for p, f in by_parent]
    for scope, frame in scopes:
        for metric in ("visits_per_household", "solved_per_household"):
            x = frame[metric].to_numpy(dtype="float64")
            positive = x[x > 0]
            rows.append({
                "scope": scope, "metric": metric, "villages": len(x),
                "mean": float(np.mean(x)) if len(x) else np.nan,
                "min": float(np.min(x)) if len(x) else np.nan,
                "max": float(np.max(x)) if len(x) else np.nan,
                "max_min_ratio": (float(np.max(x) / np.min(positive))
                                  if len(positive) and np.min(x) > 0 else np.nan),
                "top20_share": _top_share(x),
                "largest20_share": _largest_share(frame, metric),
                "largest20_households_share": _largest_share(frame, "denominator"),
                "gini": gini(x), "theil": theil(x),
                "theil_max": float(np.log(len(x))) if len(x) else np.nan,
            })
    summary = pd.DataFrame(rows)
    villages = vil[["org_id", "parent_id", "resident_households", "needy_households",
                    "denominator", "visits", "solved", "visits_per_household",
                    "solved_per_household", "neglected", "reason"]]
    return FairnessResult(villages=villages, summary=summary, neglected=neg.reset_index(drop=True))


def attention_fairness(ds: Dataset, *, rules: HealthRules | str | None = None,
                       year: int | None = None, lang: str | None = None) -> FairnessResult:
    """Visits and solved problems per household by village, Gini and Theil indices, and the
    neglected villages with the reason.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(
    ...     orgs=pd.DataFrame({"org_id": ["V1", "V2"], "level": "village"}),
    ...     households=pd.DataFrame({"household_id": ["H1", "H2"], "org_id": ["V1", "V2"],
    ...         "needs": "low_income"}),
    ...     visits=pd.DataFrame({"visit_id": ["X1", "X2"], "person_id": "P1",
    ...         "target_id": ["H1", "H1"], "date": ["2024-03-01", "2024-04-01"]}))
    >>> fr = attention_fairness(ds, lang="en")
    >>> float(fr.summary.loc[0, "gini"]), fr.neglected["org_id"].tolist()
    (0.5, ['V2'])
    """
    ctx = HealthContext.create(ds, rules=rules, year=year, lang=lang)
    return fairness_context(ctx)
