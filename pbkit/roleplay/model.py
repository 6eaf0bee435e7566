"""A character n-gram model of the exemplar grades (no word segmentation needed).

Per scenario, a TF-IDF over character 1-3-grams of the normalised text (Simplified Chinese,
lower case) feeds one ridge regression per criterion that predicts the human level. The
scorer uses it beside the cue rules: it may move a rule level by one step, never create a
level the cues found no evidence for, and when the two disagree by much the answer is marked
for the trainer to confirm. The same features give the nearest-exemplar similarity used as
one sign of an off-topic answer.

Fitting needs scikit-learn (about two seconds to import, 100 MB more per process), so the
fitted parameters of every scenario's full exemplar set ship with the package in
``pbkit/roleplay/ngram_models.npz``, keyed by a hash of exactly what the fit sees (the
normalised exemplar texts, their levels, the fit's settings and :data:`FEATURE_VERSION`).
:meth:`NgramModel.fit` returns those parameters when the hash matches and trains otherwise;
when a scenario's exemplars (or the normaliser) changed since the file was built it warns
and trains, so a stale file costs time, never a wrong score. Scoring itself needs NumPy only.
Regenerate the file with ``pbkit scenarios --build-models`` (or ``make roleplay-models``).

>>> from pbkit.roleplay.models import get_scenario
>>> sc = get_scenario("dibao-complaint")
>>> m = NgramModel.fit([e.text for e in sc.exemplars],
...                    [[e.levels[c.id] for c in sc.criteria] for e in sc.exemplars])
>>> m.source, m.predict(["您先坐，慢慢说，我理解您的难处。"]).shape
('precomputed', (1, 5))
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pbkit.roleplay.normalize import normalize

__all__ = ["NgramModel", "FEATURE_VERSION", "artefact_path", "input_key", "build_artefact",
           "stale_scenarios", "entries_in", "MIN_EXEMPLARS"]

#: Bump when the features or the fit change in a way the input hash cannot see.
FEATURE_VERSION = 1
NGRAM_RANGE = (1, 3)
#: The scorer runs the model only with at least this many training exemplars.
MIN_EXEMPLARS = 8
_FORMAT = 1
_WHITE = re.compile(r"\s\s+")
_ENV = "PBKIT_NGRAM_MODELS"  # a path to another artefact, or "off" to always train


def char_wb_ngrams(doc: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """Character n-grams within word boundaries, words padded with a space (the same
    n-grams as scikit-learn's ``analyzer="char_wb"`` on lower-cased text).

    >>> char_wb_ngrams("ab c", (1, 2))
    [' ', 'a', 'b', ' ', ' a', 'ab', 'b ', ' ', 'c', ' ', ' c', 'c ']
    """
    lo, hi = ngram_range
    out: list[str] = []
    for w in _WHITE.sub(" ", doc.lower()).split():
        w = f" {w} "
        size = len(w)
        for n in range(lo, hi + 1):
            if size <= n:
                out.append(w)
                break
            out.extend(w[i:i + n] for i in range(size - n + 1))
    return out


def input_key(docs: Sequence[str], levels: Any, alpha: float) -> str:
    """The hash a fit is stored under: normalised texts, levels, settings, feature version.

    >>> len(input_key(["a"], [[1]], 1.0))
    64
    """
    y = np.asarray(levels, dtype=float).tolist()
    blob = json.dumps({"v": FEATURE_VERSION, "ngram": list(NGRAM_RANGE), "alpha": alpha,
                       "docs": list(docs), "y": y}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class _Rows:
    """TF-IDF rows of some texts, sparse: per text the feature indices and weights (and,
    once computed, their products with the model's weights, shared by the predictions and
    the similarities)."""

    rows: tuple[tuple[np.ndarray, np.ndarray], ...]
    products: np.ndarray | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), -1)


@dataclass(frozen=True)
class NgramModel:
    """Fitted TF-IDF features and per-criterion ridge regressions (levels as numbers 0-3).

    ``weights`` stacks the ridge coefficients (one row per criterion) over the TF-IDF rows
    of the training exemplars, so one product gives the predictions and the similarities.
    Nothing of scikit-learn is kept after fitting.
    """

    vocabulary: Mapping[str, int] = field(repr=False)
    idf: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    intercept: np.ndarray = field(repr=False)
    source: str = "trained"

    @property
    def n_criteria(self) -> int:
        return int(self.intercept.shape[0])

    @property
    def train_matrix(self) -> np.ndarray:
        """TF-IDF rows of the training exemplars, shape ``(n_exemplars, n_features)``."""
        return self.weights[self.n_criteria:]

    @classmethod
    def fit(cls, texts: Sequence[str], levels: Sequence[Sequence[int]], *,
            alpha: float = 1.0) -> NgramModel:
        """Fit on exemplar ``texts`` and their levels (one row per text, one column per
        criterion); the shipped parameters are returned when they were fitted on exactly
        these inputs.

        The regression minimises ``||y - Xw||^2 + alpha ||w||^2`` over TF-IDF weights
        ``X`` (sublinear tf, character 1-3-grams within word boundaries).
        """
        docs = [normalize(t).text for t in texts]
        key = input_key(docs, levels, alpha)
        found = _precomputed(artefact_path()).get(key)
        if found is not None:
            return found
        _warn_if_stale(texts)
        return cls.train(docs, levels, alpha=alpha)

    @classmethod
    def train(cls, docs: Sequence[str], levels: Sequence[Sequence[int]], *,
              alpha: float = 1.0) -> NgramModel:
        """Fit with scikit-learn on normalised ``docs`` (always trains)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import Ridge

        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True,
                              min_df=1, dtype=np.float32)
        x = vec.fit_transform(list(docs))
        y = np.asarray(levels, dtype=float)
        regs = [Ridge(alpha=alpha).fit(x, y[:, j]) for j in range(y.shape[1])]
        coef = np.vstack([np.asarray(r.coef_, dtype=np.float32) for r in regs])
        weights = np.vstack([coef, x.toarray().astype(np.float32)])
        intercept = np.array([float(r.intercept_) for r in regs], dtype=np.float64)
        return cls(dict(vec.vocabulary_), np.asarray(vec.idf_, dtype=np.float32), weights,
                   intercept, "trained")

    # -- features ------------------------------------------------------------------------

    def transform(self, texts: Sequence[str], *, normalized: bool = False) -> _Rows:
        """TF-IDF rows (sublinear tf, idf, l2-normalised) of ``texts``."""
        docs = list(texts) if normalized else [normalize(t).text for t in texts]
        vocab, idf = self.vocabulary, self.idf
        rows = []
        for doc in docs:
            counts = Counter(vocab[g] for g in char_wb_ngrams(doc) if g in vocab)
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            w = (np.log(tf) + np.float32(1.0)) * idf[idx]
            norm = float(np.sqrt(np.dot(w, w)))
            rows.append((idx, w / np.float32(norm) if norm > 0 else w))
        return _Rows(tuple(rows))

    def _products(self, x: _Rows) -> np.ndarray:
        if x.products is not None and x.products.shape[1] == self.weights.shape[0]:
            return x.products
        out = np.zeros((len(x.rows), self.weights.shape[0]), dtype=np.float64)
        for i, (idx, w) in enumerate(x.rows):
            if idx.size:
                out[i] = self.weights[:, idx] @ w
        x.products = out
        return out

    def predict(self, texts: Sequence[str], *, normalized: bool = False) -> np.ndarray:
        """Predicted levels, clipped to 0-3, shape ``(len(texts), n_criteria)``."""
        return self.predict_matrix(self.transform(texts, normalized=normalized))

    def predict_matrix(self, x: _Rows) -> np.ndarray:
        out = self._products(x)[:, :self.n_criteria] + self.intercept
        return np.clip(out, 0.0, 3.0)

    def similarity(self, x: _Rows) -> np.ndarray:
        """Cosine similarity of each row of ``x`` to its nearest training exemplar."""
        prod = self._products(x)[:, self.n_criteria:]
        return prod.max(axis=1) if prod.shape[1] else np.zeros(len(x.rows))


# ------------------------------------------------------------------------------ artefact


def artefact_path() -> Path | None:
    """The shipped parameters file (``PBKIT_NGRAM_MODELS``: another path, or ``off``).

    >>> artefact_path().name
    'ngram_models.npz'
    """
    override = os.environ.get(_ENV, "").strip()
    if override.lower() == "off":
        return None
    return Path(override) if override else Path(__file__).with_name("ngram_models.npz")


class _Store:
    """The entries of one artefact file, each built into a model on first use."""

    def __init__(self, path: Path | None) -> None:
        self._arrays: Any = None
        self.meta: dict[str, Any] = {"entries": {}}
        self._models: dict[str, NgramModel] = {}
        if path is None or not path.is_file():
            return
        try:
            arrays = np.load(path, allow_pickle=False)
            meta = json.loads(str(arrays["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            warnings.warn(f"pbkit: unreadable n-gram model file {path.name}: {exc}",
                          RuntimeWarning, stacklevel=3)
            return
        if meta.get("format") != _FORMAT or meta.get("feature_version") != FEATURE_VERSION:
            return
        self._arrays, self.meta = arrays, meta

    def get(self, key: str) -> NgramModel | None:
        if key in self._models:
            return self._models[key]
        entry = self.meta["entries"].get(key)
        if entry is None or self._arrays is None:
            return None
        a, p = self._arrays, entry["prefix"]
        vocab = {str(term): i for i, term in enumerate(a[f"{p}vocab"].tolist())}
        coef = a[f"{p}coef"]
        train = np.zeros((int(entry["n"]), len(vocab)), dtype=np.float32)
        indptr, indices, data = a[f"{p}indptr"], a[f"{p}indices"], a[f"{p}data"]
        for r in range(train.shape[0]):
            train[r, indices[indptr[r]:indptr[r + 1]]] = data[indptr[r]:indptr[r + 1]]
        model = NgramModel(vocab, a[f"{p}idf"], np.vstack([coef, train]), a[f"{p}intercept"],
                           "precomputed")
        self._models[key] = model
        return model

    def scenarios(self) -> dict[str, str]:
        """Scenario id -> key of the entries in the file."""
        return {e["scenario"]: k for k, e in self.meta["entries"].items()}


@cache
def _precomputed(path: Path | None) -> _Store:
    return _Store(path)


def _full_set_of(texts: Sequence[str]) -> str | None:
    """The id of a loaded scenario whose whole exemplar set is ``texts`` (not a CV fold)."""
    from pbkit.roleplay.models import loaded_scenarios

    texts = list(texts)
    for sc in loaded_scenarios():
        if [e.text for e in sc.exemplars] == texts:
            return sc.id
    return None


def _warn_if_stale(texts: Sequence[str]) -> None:
    sid = _full_set_of(texts)
    path = artefact_path()
    if sid is None or path is None:
        return
    from pbkit.i18n import t

    warnings.warn(t("roleplay.warn.stale_model", scenario=sid, file=path.name),
                  RuntimeWarning, stacklevel=4)


def _fit_inputs(scenario: Any) -> tuple[list[str], list[list[int]]]:
    return ([normalize(e.text).text for e in scenario.exemplars],
            [[e.levels[c.id] for c in scenario.criteria] for e in scenario.exemplars])


def stale_scenarios(path: Path | None = None, folder: str | os.PathLike | None = None
                    ) -> list[str]:
    """Scenarios (with a model) whose parameters are missing from the artefact or out of
    date; empty when the shipped file is fresh.

    >>> stale_scenarios()
    []
    """
    from pbkit.roleplay.models import load_scenarios

    store = _Store(path or artefact_path())
    out = []
    for sid, sc in load_scenarios(folder).items():
        if len(sc.exemplars) < MIN_EXEMPLARS:
            continue
        docs, levels = _fit_inputs(sc)
        if input_key(docs, levels, 1.0) not in store.meta["entries"]:
            out.append(sid)
    return out


def entries_in(path: str | os.PathLike) -> int:
    """How many fitted scenarios an artefact file holds.

    >>> entries_in(artefact_path())
    8
    """
    return len(_Store(Path(path)).meta["entries"])


def build_artefact(path: str | os.PathLike | None = None,
                   folder: str | os.PathLike | None = None) -> Path:
    """Fit every scenario's model on all its exemplars and write the parameters file.

    Returns the path written (default: the shipped file next to this module; then the
    digests of the cue patterns checked to compile are written too, see
    :func:`pbkit.roleplay.models.checked_cues`).
    """
    from pbkit.roleplay.models import load_scenarios

    target = Path(path) if path else Path(__file__).with_name("ngram_models.npz")
    arrays: dict[str, np.ndarray] = {}
    entries: dict[str, dict[str, Any]] = {}
    for i, (sid, sc) in enumerate(sorted(load_scenarios(folder).items())):
        if len(sc.exemplars) < MIN_EXEMPLARS:
            continue
        docs, levels = _fit_inputs(sc)
        model = NgramModel.train(docs, levels)
        prefix = f"s{i}_"
        terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
        train = model.train_matrix
        rows, cols = np.nonzero(train)
        arrays.update({
            f"{prefix}vocab": np.array(terms, dtype=str),
            f"{prefix}idf": model.idf,
            f"{prefix}coef": model.weights[:model.n_criteria],
            f"{prefix}intercept": model.intercept,
            f"{prefix}data": train[rows, cols],
            f"{prefix}indices": cols.astype(np.int32),
            f"{prefix}indptr": np.searchsorted(rows, np.arange(train.shape[0] + 1)
                                               ).astype(np.int32),
        })
        entries[input_key(docs, levels, 1.0)] = {"scenario": sid, "prefix": prefix,
                                                 "n": len(docs)}
    if path is None and folder is None:
        from pbkit.roleplay.models import write_checked_cues

        write_checked_cues(load_scenarios())
    meta = {"format": _FORMAT, "feature_version": FEATURE_VERSION, "entries": entries}
    arrays["meta"] = np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True))
    tmp = target.with_name(target.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, target)
    _precomputed.cache_clear()
    return target
