"""A character n-gram model of the exemplar grades (no word segmentation needed).

Per scenario, a TF-IDF over character 1-3-grams of the normalised text (Simplified Chinese,
lower case) feeds one ridge regression per criterion that predicts the human level. The
scorer uses it beside the cue rules: it may move a rule level by one step, never create a
level the cues found no evidence for, and when the two disagree by much the answer is marked
for the trainer to confirm. The same vectoriser gives the nearest-exemplar similarity used
as one sign of an off-topic answer.

>>> from pbkit.roleplay.models import get_scenario
>>> sc = get_scenario("dibao-complaint")
>>> m = NgramModel.fit([e.text for e in sc.exemplars],
...                    [[e.levels[c.id] for c in sc.criteria] for e in sc.exemplars])
>>> m.predict(["您先坐，慢慢说，我理解您的难处。"]).shape
(1, 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pbkit.roleplay.normalize import normalize

__all__ = ["NgramModel"]


@dataclass(frozen=True)
class NgramModel:
    """Fitted vectoriser and per-criterion ridge regressions (levels as numbers 0-3)."""

    vectorizer: Any
    regressors: tuple[Any, ...]
    train_matrix: Any

    @classmethod
    def fit(cls, texts: Sequence[str], levels: Sequence[Sequence[int]], *,
            alpha: float = 1.0) -> NgramModel:
        """Fit on exemplar ``texts`` and their levels (one row per text, one column per
        criterion).

        The regression minimises ``||y - Xw||^2 + alpha ||w||^2`` over TF-IDF weights
        ``X`` (sublinear tf, character 1-3-grams within word boundaries).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import Ridge

        docs = [normalize(t).text for t in texts]
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                              min_df=1, dtype=np.float32)
        x = vec.fit_transform(docs)
        y = np.asarray(levels, dtype=float)
        regs = tuple(Ridge(alpha=alpha).fit(x, y[:, j]) for j in range(y.shape[1]))
        return cls(vec, regs, x)

    def transform(self, texts: Sequence[str], *, normalized: bool = False):
        docs = list(texts) if normalized else [normalize(t).text for t in texts]
        return self.vectorizer.transform(docs)

    def predict(self, texts: Sequence[str], *, normalized: bool = False) -> np.ndarray:
        """Predicted levels, clipped to 0-3, shape ``(len(texts), n_criteria)``."""
        x = self.transform(texts, normalized=normalized)
        return self.predict_matrix(x)

    def predict_matrix(self, x) -> np.ndarray:
        out = np.column_stack([r.predict(x) for r in self.regressors])
        return np.clip(out, 0.0, 3.0)

    def similarity(self, x) -> np.ndarray:
        """Cosine similarity of each row of ``x`` to its nearest training exemplar."""
        sims = x @ self.train_matrix.T
        return np.asarray(sims.max(axis=1).todense()).ravel()
