"""Agreement between two sets of rubric levels: machine vs human, or human vs human.

Quadratic weighted kappa (QWK) over levels ``0..K``::

    w_ij   = (i - j)^2 / K^2
    kappa  = 1 - sum_ij w_ij O_ij / sum_ij w_ij E_ij

with ``O`` the observed confusion matrix and ``E`` the outer product of its marginals
divided by ``n`` (computed with ``sklearn.metrics.cohen_kappa_score(weights="quadratic")``).
Exact agreement is the share of equal levels, adjacent agreement the share that differ by at
most one. The standardised mean difference is ``SMD = (mean(a) - mean(b)) / sqrt((var(a) +
var(b)) / 2)`` (population variances): positive when the first rater (the machine) is more
generous.

>>> r = agreement([0, 1, 2, 3, 3], [0, 1, 2, 2, 3])
>>> round(r.qwk, 3), r.exact, r.adjacent
(0.918, 0.8, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pbkit.errors import UsageError

__all__ = ["AgreementReport", "agreement", "quadratic_weighted_kappa", "smd"]


@dataclass(frozen=True)
class AgreementReport:
    """Agreement statistics for one pair of raters.

    ``confusion`` is a DataFrame (rows: first rater's level, columns: second rater's);
    ``per_criterion`` (when criteria were given) has one row per criterion with
    ``criterion, n, qwk, exact, adjacent, smd``; the top-level figures are pooled.
    """

    n: int
    qwk: float
    exact: float
    adjacent: float
    smd: float
    mean_a: float
    mean_b: float
    confusion: Any
    per_criterion: Any = None

    def to_dict(self) -> dict[str, Any]:
        out = {"n": self.n, "qwk": _r(self.qwk), "exact": _r(self.exact),
               "adjacent": _r(self.adjacent), "smd": _r(self.smd),
               "mean_a": _r(self.mean_a), "mean_b": _r(self.mean_b),
               "confusion": self.confusion.to_numpy().tolist()}
        if self.per_criterion is not None:
            out["per_criterion"] = [
                {k: (_r(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.per_criterion.to_dict("records")]
        return out


def _r(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 4)


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], max_level: int = 3) -> float:
    """Cohen's kappa with quadratic weights over the levels ``0..max_level``.

    Returns ``nan`` when it is undefined (both raters give one and the same level
    throughout); 1.0 when both agree perfectly on a single level is not assumed.

    >>> quadratic_weighted_kappa([0, 1, 2, 3], [0, 1, 2, 3])
    1.0
    >>> round(quadratic_weighted_kappa([0, 0, 3, 3], [3, 3, 0, 0]), 3)
    -1.0
    """
    import warnings

    from sklearn.metrics import cohen_kappa_score

    if len(a) == 0:
        return float("nan")
    if len(set(a)) == 1 and len(set(b)) == 1:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(list(a), list(b), weights="quadratic",
                                  labels=list(range(max_level + 1)))
    return float(value)


def smd(a: Sequence[float], b: Sequence[float]) -> float:
    """Standardised mean difference ``(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)``.

    >>> smd([1, 2, 3], [1, 2, 3])
    0.0
    >>> round(smd([2, 3, 4], [1, 2, 3]), 3)
    1.225
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.size == 0 or y.size == 0:
        return float("nan")
    pooled = math.sqrt((x.var() + y.var()) / 2.0)
    diff = float(x.mean() - y.mean())
    if pooled == 0:
        return 0.0 if diff == 0 else float("nan")
    return diff / pooled


def _check(values: Sequence[Any], max_level: int) -> list[int]:
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not \
                0 <= int(v) <= max_level:
            raise UsageError("roleplay.err.agreement_value", value=v, max=max_level)
        out.append(int(v))
    return out


def _pair_stats(a: list[int], b: list[int], max_level: int):
    import pandas as pd

    diff = np.abs(np.asarray(a) - np.asarray(b))
    labels = list(range(max_level + 1))
    conf = np.zeros((len(labels), len(labels)), dtype=int)
    for x, y in zip(a, b):
        conf[x, y] += 1
    frame = pd.DataFrame(conf, index=pd.Index(labels, name="first"),
                         columns=pd.Index(labels, name="second"))
    return (quadratic_weighted_kappa(a, b, max_level), float((diff == 0).mean()),
            float((diff <= 1).mean()), smd(a, b), frame)


def _as_table(levels: Any) -> dict[str, list] | None:
    """Criterion -> list of levels, for mappings, DataFrames and lists of mappings."""
    if isinstance(levels, Mapping):
        return {str(k): list(v) for k, v in levels.items()}
    if hasattr(levels, "columns") and hasattr(levels, "to_dict"):
        return {str(k): list(v) for k, v in levels.to_dict("list").items()}
    if isinstance(levels, Sequence) and levels and isinstance(levels[0], Mapping):
        keys = list(levels[0])
        return {k: [row[k] for row in levels] for k in keys}
    return None


def agreement(machine_levels: Any, human_levels: Any, *, max_level: int = 3) -> AgreementReport:
    """Agreement between two raters' levels.

    Parameters
    ----------
    machine_levels, human_levels
        Either flat sequences of levels (one per answer and criterion), or per-criterion
        tables: a mapping criterion -> sequence, a DataFrame with one column per criterion,
        or a list of mappings (one per answer, e.g. ``Score.levels``). The same shape for
        both. Works for machine-vs-human and for two human raters.
    max_level : int
        The top level (3).

    Returns
    -------
    AgreementReport
        Pooled QWK, exact and adjacent agreement, SMD and the confusion matrix; with
        per-criterion tables also ``per_criterion``.

    Examples
    --------
    >>> m = {"acknowledge": [3, 2, 0, 1], "procedure": [2, 2, 1, 0]}
    >>> h = {"acknowledge": [3, 1, 0, 1], "procedure": [2, 3, 1, 0]}
    >>> rep = agreement(m, h)
    >>> rep.n, rep.exact, rep.per_criterion["criterion"].tolist()
    (8, 0.75, ['acknowledge', 'procedure'])
    >>> int(rep.confusion.loc[2, 3])
    1
    """
    import pandas as pd

    ta, tb = _as_table(machine_levels), _as_table(human_levels)
    rows = []
    if ta is not None or tb is not None:
        if ta is None or tb is None or set(ta) != set(tb):
            detail = f"{sorted(ta or [])} / {sorted(tb or [])}"
            raise UsageError("roleplay.err.agreement_criteria", detail=detail)
        flat_a, flat_b = [], []
        for crit in ta:
            a, b = _check(ta[crit], max_level), _check(tb[crit], max_level)
            if len(a) != len(b):
                raise UsageError("roleplay.err.agreement_length", a=len(a), b=len(b))
            if not a:
                continue
            q, ex, adj, d, _ = _pair_stats(a, b, max_level)
            rows.append({"criterion": crit, "n": len(a), "qwk": q, "exact": ex,
                         "adjacent": adj, "smd": d})
            flat_a += a
            flat_b += b
    else:
        flat_a = _check(list(machine_levels), max_level)
        flat_b = _check(list(human_levels), max_level)
        if len(flat_a) != len(flat_b):
            raise UsageError("roleplay.err.agreement_length", a=len(flat_a), b=len(flat_b))
    if not flat_a:
        raise UsageError("roleplay.err.agreement_empty")
    q, ex, adj, d, conf = _pair_stats(flat_a, flat_b, max_level)
    per = pd.DataFrame(rows, columns=["criterion", "n", "qwk", "exact", "adjacent", "smd"]) \
        if rows else None
    return AgreementReport(len(flat_a), q, ex, adj, d, float(np.mean(flat_a)),
                           float(np.mean(flat_b)), conf, per)
