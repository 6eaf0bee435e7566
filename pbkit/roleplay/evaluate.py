"""Cross-validated evaluation of the scorer against the human-graded exemplars.

The exemplars of each scenario are split into ``folds`` folds (shuffled with ``seed``). For
each fold the n-gram model is trained on the other folds only and the held-out answers are
scored; the cue rules are authored from the rubric and never fitted. The report gives
quadratic weighted kappa, exact and adjacent agreement and the standardised mean difference
per criterion and pooled, and the Spearman correlation of totals, for the shipped scorer and
for comparison variants:

* ``shipped`` — the shipped scorer (cue rules decide the levels; the n-gram model, trained
  on the training folds, only raises review flags);
* ``rules+moves`` — the n-gram model may also move a rule level by one step;
* ``rules`` — cue rules only, no model at all;
* ``model`` — the n-gram ridge model alone (rounded);
* ``nearest`` — a plain TF-IDF nearest-exemplar scorer (copies the levels of the most
  similar training answer), the baseline that rewards keyword salad.

>>> rep = evaluate(["neighbor-dispute"], folds=3, variants=("rules",))
>>> rep.per_criterion.columns.tolist()[:4]
['variant', 'scenario', 'criterion', 'n']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pbkit.errors import UsageError
from pbkit.i18n import t
from pbkit.roleplay.agreement import AgreementReport, agreement
from pbkit.roleplay.models import Scenario, load_scenarios

__all__ = ["EvaluationReport", "evaluate", "cross_validated_levels", "holdout", "VARIANTS"]

VARIANTS = ("shipped", "rules+moves", "rules", "model", "nearest")


@dataclass(frozen=True)
class EvaluationReport:
    """Cross-validated agreement of machine levels with the exemplar (human) levels.

    ``predictions``: one row per (variant, scenario, exemplar, criterion) with ``human`` and
    ``machine``; ``per_criterion``: agreement per variant, scenario and criterion;
    ``variants``: pooled figures per variant; ``pooled``: the shipped scorer's pooled
    :class:`AgreementReport`; ``spearman``: its Spearman correlation of totals.
    """

    folds: int
    seed: int
    predictions: Any
    per_criterion: Any
    variants: Any
    pooled: AgreementReport
    spearman: float

    def render(self, lang: str | None = None) -> str:
        """A plain-text report (criterion table, pooled figures, variants)."""
        lines = [t("roleplay.eval.title", lang=lang, folds=self.folds, seed=self.seed), ""]
        head = self.variants["variant"].iloc[0]
        main = self.per_criterion[self.per_criterion["variant"] == head]
        fmt = main.copy()
        for col in ("qwk", "exact", "adjacent", "smd"):
            fmt[col] = fmt[col].map(lambda v: "nan" if v != v else f"{v:.3f}")
        lines.append(fmt.drop(columns=["variant"]).to_string(index=False))
        lines.append("")
        p = self.pooled
        lines.append(t("roleplay.eval.pooled", lang=lang, qwk=f"{p.qwk:.3f}",
                       exact=f"{p.exact:.3f}", adjacent=f"{p.adjacent:.3f}",
                       smd=f"{p.smd:+.3f}", n=p.n))
        lines.append(t("roleplay.eval.spearman", lang=lang, rho=f"{self.spearman:.3f}"))
        lines.append("")
        for row in self.variants.to_dict("records"):
            lines.append(t("roleplay.eval.variant", lang=lang, name=row["variant"],
                           qwk=f"{row['qwk']:.3f}", rho=f"{row['spearman']:.3f}"))
        return "\n".join(lines)


def _nearest_levels(train_texts, train_levels, test_texts) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pbkit.roleplay.normalize import normalize

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    xtr = vec.fit_transform([normalize(x).text for x in train_texts])
    xte = vec.transform([normalize(x).text for x in test_texts])
    best = np.asarray((xte @ xtr.T).todense()).argmax(axis=1)
    return np.asarray(train_levels)[best]


def cross_validated_levels(scenario: Scenario, *, folds: int = 5, seed: int = 0,
                           variants: Sequence[str] = VARIANTS):
    """Rows ``variant, scenario, exemplar, lang, criterion, human, machine`` for every
    held-out exemplar (the model of each fold trained on the other folds only)."""
    import pandas as pd
    from sklearn.model_selection import KFold

    from pbkit.roleplay.scorer import Scorer

    exs = list(scenario.exemplars)
    n = len(exs)
    if n < 2:
        return pd.DataFrame(columns=["variant", "scenario", "exemplar", "lang", "criterion",
                                     "human", "machine"])
    k = min(folds, n)
    crit_ids = [c.id for c in scenario.criteria]
    rows = []
    rules_scorer = Scorer(scenario, exemplars=(), use_model=False)
    kf = KFold(n_splits=k, shuffle=True, random_state=seed)
    for train_idx, test_idx in kf.split(np.arange(n)):
        train = [exs[i] for i in train_idx]
        test = [exs[i] for i in test_idx]
        texts = [e.text for e in test]
        preds: dict[str, np.ndarray] = {}
        if {"shipped", "model", "rules+moves"} & set(variants):
            scorer = Scorer(scenario, exemplars=train, use_model=True)
            if "shipped" in variants:
                preds["shipped"] = np.array(
                    [[c.level for c in s.criteria] for s in scorer.score_many(texts)])
            if "model" in variants and scorer.model is not None:
                preds["model"] = np.rint(scorer.model.predict(texts)).astype(int)
            if "rules+moves" in variants and scorer.model is not None:
                scorer.model_moves = True
                preds["rules+moves"] = np.array(
                    [[c.level for c in s.criteria] for s in scorer.score_many(texts)])
        if "rules" in variants:
            preds["rules"] = np.array(
                [[c.level for c in s.criteria] for s in rules_scorer.score_many(texts)])
        if "nearest" in variants:
            preds["nearest"] = _nearest_levels(
                [e.text for e in train], [[e.levels[c] for c in crit_ids] for e in train],
                texts)
        for variant, mat in preds.items():
            for i, ex in enumerate(test):
                for j, cid in enumerate(crit_ids):
                    rows.append({"variant": variant, "scenario": scenario.id,
                                 "exemplar": ex.id, "lang": ex.lang, "criterion": cid,
                                 "human": ex.levels[cid], "machine": int(mat[i, j])})
    return pd.DataFrame(rows)


def _spearman(frame) -> float:
    from scipy.stats import spearmanr

    totals = frame.groupby(["scenario", "exemplar"])[["human", "machine"]].sum()
    if len(totals) < 3:
        return float("nan")
    return float(spearmanr(totals["human"], totals["machine"]).statistic)


def evaluate(scenario_ids: Sequence[str] | None = None, *, folds: int = 5, seed: int = 0,
             variants: Sequence[str] = VARIANTS) -> EvaluationReport:
    """Cross-validated agreement of the scorer with the exemplars' human levels.

    Parameters
    ----------
    scenario_ids : sequence of str, optional
        Scenarios to evaluate (default: every scenario with exemplars).
    folds : int
        Number of cross-validation folds (capped at the number of exemplars).
    seed : int
        Random state of the fold split.
    variants : sequence of str
        Which of :data:`VARIANTS` to compute; the first one given is the headline.

    Returns
    -------
    EvaluationReport
    """
    import pandas as pd

    if folds < 2:
        raise UsageError("roleplay.err.folds", folds=folds)
    scenarios = load_scenarios()
    ids = list(scenario_ids) if scenario_ids else [s for s, sc in scenarios.items()
                                                    if sc.exemplars]
    frames = []
    for sid in ids:
        from pbkit.roleplay.models import get_scenario

        frames.append(cross_validated_levels(get_scenario(sid), folds=folds, seed=seed,
                                             variants=variants))
    preds = pd.concat(frames, ignore_index=True)
    per_rows, var_rows = [], []
    for variant in [v for v in VARIANTS if v in set(preds["variant"])]:
        sub = preds[preds["variant"] == variant]
        for (sid, cid), grp in sub.groupby(["scenario", "criterion"], sort=False):
            rep = agreement(grp["machine"].tolist(), grp["human"].tolist())
            per_rows.append({"variant": variant, "scenario": sid, "criterion": cid,
                             "n": rep.n, "qwk": rep.qwk, "exact": rep.exact,
                             "adjacent": rep.adjacent, "smd": rep.smd})
        pooled = agreement(sub["machine"].tolist(), sub["human"].tolist())
        var_rows.append({"variant": variant, "n": pooled.n, "qwk": pooled.qwk,
                         "exact": pooled.exact, "adjacent": pooled.adjacent,
                         "smd": pooled.smd, "spearman": _spearman(sub)})
    headline = next(v for v in variants if v in set(preds["variant"]))
    main = preds[preds["variant"] == headline]
    pooled = agreement(main["machine"].tolist(), main["human"].tolist())
    per = pd.DataFrame(per_rows, columns=["variant", "scenario", "criterion", "n", "qwk",
                                          "exact", "adjacent", "smd"])
    # keep the headline first in the tables
    per = pd.concat([per[per["variant"] == headline], per[per["variant"] != headline]],
                    ignore_index=True)
    var = pd.DataFrame(var_rows)
    var = pd.concat([var[var["variant"] == headline], var[var["variant"] != headline]],
                    ignore_index=True)
    return EvaluationReport(folds, seed, preds, per, var, pooled, _spearman(main))


def holdout(scenario_ids: Sequence[str] | None = None):
    """Agreement on the held-out answers in ``lessons/scenarios/holdout/`` (written after
    the cue lists were frozen; the n-gram model is trained on all exemplars, never on them).

    Returns ``(report, spearman, frame)``: the pooled :class:`AgreementReport` with
    ``per_criterion``, the Spearman correlation of totals and the rows
    ``scenario, exemplar, criterion, human, machine``.

    >>> rep, rho, rows = holdout(["neighbor-dispute"])
    >>> rep.n
    50
    """
    import pandas as pd

    from pbkit.roleplay.models import get_scenario, load_exemplar_file, scenarios_dir
    from pbkit.roleplay.scorer import get_scorer

    folder = scenarios_dir() / "holdout"
    ids = list(scenario_ids) if scenario_ids else sorted(p.stem for p in folder.glob("*.yaml"))
    rows = []
    for sid in ids:
        sc = get_scenario(sid)
        exs = load_exemplar_file(folder / f"{sid}.yaml", sc)
        scores = get_scorer(sid).score_many([e.text for e in exs])
        for ex, s in zip(exs, scores):
            for c in s.criteria:
                rows.append({"scenario": sid, "exemplar": ex.id, "lang": ex.lang,
                             "criterion": c.id, "human": ex.levels[c.id],
                             "machine": c.level})
    frame = pd.DataFrame(rows)
    table = {f"{a}/{b}": g for (a, b), g in frame.groupby(["scenario", "criterion"])}
    report = agreement({k: g["machine"].tolist() for k, g in table.items()},
                       {k: g["human"].tolist() for k, g in table.items()})
    return report, _spearman(frame), frame
