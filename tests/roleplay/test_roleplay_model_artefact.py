"""The shipped n-gram model parameters: fresh, equal to training, stale ones detected."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from pbkit.roleplay.model import NgramModel, build_artefact, char_wb_ngrams, stale_scenarios
from pbkit.roleplay.models import (
    checked_cues,
    cues_digest,
    get_scenario,
    load_scenarios,
    scenarios_dir,
)
from pbkit.roleplay.normalize import normalize
from pbkit.roleplay.scorer import Scorer

ROOT = Path(__file__).resolve().parents[2]
REGEN = "run `pbkit scenarios --build-models` (or `make roleplay-models`) and commit the files"
TEXTS = ["您先坐，慢慢说，我理解您的难处。", "I'll come back within three days and tell you.",
         "低保 复核", "", "  x  y\n\nz ", "隨便說說 hello World!!", "我三天内给你答复。"]


def test_shipped_parameters_match_the_current_exemplars():
    assert stale_scenarios() == [], f"precomputed n-gram models are stale: {REGEN}"


def test_shipped_cue_digests_cover_every_concept():
    missing = [(sid, cid) for sid, sc in load_scenarios().items()
               for cid, c in sc.concepts.items() if cues_digest(c.zh, c.en) not in checked_cues()]
    assert missing == [], f"cue patterns not in checked_cues.json: {REGEN}"


def test_ngrams_are_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).build_analyzer()
    docs = [normalize(t).text for t in TEXTS] + ["a", "ab", "abc", " a  bc\tdef \n"]
    for doc in docs:
        assert char_wb_ngrams(doc) == analyzer(doc)


@pytest.mark.parametrize("sid", ["dibao-complaint", "migrant-member", "four-two"])
def test_precomputed_model_predicts_as_a_fresh_fit(sid):
    sc = get_scenario(sid)
    texts = [e.text for e in sc.exemplars]
    levels = [[e.levels[c.id] for c in sc.criteria] for e in sc.exemplars]
    shipped = NgramModel.fit(texts, levels)
    trained = NgramModel.train([normalize(t).text for t in texts], levels)
    assert (shipped.source, trained.source) == ("precomputed", "trained")
    queries = TEXTS + texts[:6]
    xs, xt = shipped.transform(queries), trained.transform(queries)
    np.testing.assert_allclose(shipped.predict_matrix(xs), trained.predict_matrix(xt), atol=1e-4)
    np.testing.assert_allclose(shipped.similarity(xs), trained.similarity(xt), atol=1e-4)


def test_model_matches_scikit_learn_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge

    sc = get_scenario("neighbor-dispute")
    docs = [normalize(e.text).text for e in sc.exemplars]
    y = np.array([[e.levels[c.id] for c in sc.criteria] for e in sc.exemplars], float)
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                          dtype=np.float32)
    x = vec.fit_transform(docs)
    regs = [Ridge(alpha=1.0).fit(x, y[:, j]) for j in range(y.shape[1])]
    q = vec.transform([normalize(t).text for t in TEXTS])
    expected = np.clip(np.column_stack([r.predict(q) for r in regs]), 0, 3)
    sims = np.asarray((q @ x.T).max(axis=1).todense()).ravel()
    model = Scorer(sc).model
    np.testing.assert_allclose(model.predict(TEXTS), expected, atol=1e-4)
    np.testing.assert_allclose(model.similarity(model.transform(TEXTS)), sims, atol=1e-4)


def test_cross_validation_fold_trains_without_warning():
    sc = get_scenario("neighbor-dispute")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scorer = Scorer(sc, exemplars=sc.exemplars[:30])
    assert scorer.model.source == "trained"
    assert scorer.model.train_matrix.shape[0] == 30


def _copy_scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    shutil.copytree(scenarios_dir(), folder)
    return folder


def test_changed_exemplar_warns_and_trains(tmp_path):
    folder = _copy_scenarios(tmp_path)
    ex = folder / "exemplars" / "dibao-complaint.yaml"
    text = ex.read_text(encoding="utf-8")
    ex.write_text(text.replace("acknowledge: 3", "acknowledge: 2", 1), encoding="utf-8")
    sc = get_scenario("dibao-complaint", folder)
    assert stale_scenarios(folder=folder) == ["dibao-complaint"]
    with pytest.warns(RuntimeWarning, match="dibao-complaint"):
        scorer = Scorer(sc)
    assert scorer.model.source == "trained"
    # the trained model is the one these exemplars give: same as training directly
    docs = [normalize(e.text).text for e in sc.exemplars]
    fresh = NgramModel.train(docs, [[e.levels[c.id] for c in sc.criteria]
                                    for e in sc.exemplars])
    np.testing.assert_allclose(scorer.model.predict(TEXTS), fresh.predict(TEXTS), atol=1e-9)


def test_rebuilt_artefact_is_used(tmp_path, monkeypatch):
    folder = _copy_scenarios(tmp_path)
    ex = folder / "exemplars" / "migrant-member.yaml"
    ex.write_text(ex.read_text(encoding="utf-8").replace("rapport: 3", "rapport: 2", 1),
                  encoding="utf-8")
    target = build_artefact(tmp_path / "models.npz", folder=folder)
    monkeypatch.setenv("PBKIT_NGRAM_MODELS", str(target))
    assert stale_scenarios(folder=folder) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scorer = Scorer(get_scenario("migrant-member", folder))
    assert scorer.model.source == "precomputed"


def _first_score_in_fresh_process(env_extra: dict[str, str]) -> dict:
    code = (
        "import json, sys\n"
        "import pbkit.roleplay.model as m\n"
        "calls = []\n"
        "orig = m.NgramModel.train.__func__\n"
        "m.NgramModel.train = classmethod(lambda cls, *a, **k: (calls.append(1), "
        "orig(cls, *a, **k))[1])\n"
        "from pbkit.roleplay import score, get_scorer\n"
        "s = score('dibao-complaint', '大娘您先坐，慢慢说，我三天内给您答复。')\n"
        "print(json.dumps({'trained': len(calls), 'sklearn': 'sklearn' in sys.modules,\n"
        "                  'source': get_scorer('dibao-complaint').model.source,\n"
        "                  'total': s.total}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env_extra}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_first_score_in_a_fresh_process_does_not_train():
    fresh = _first_score_in_fresh_process({})
    assert fresh["trained"] == 0 and not fresh["sklearn"]
    assert fresh["source"] == "precomputed"
    # the same process without the shipped file trains (and imports scikit-learn)
    off = _first_score_in_fresh_process({"PBKIT_NGRAM_MODELS": "off"})
    assert off["trained"] == 1 and off["sklearn"] and off["source"] == "trained"
    assert off["total"] == fresh["total"]
