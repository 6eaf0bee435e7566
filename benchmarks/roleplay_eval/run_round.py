"""Score a frozen evaluation round and report agreement with its human grades.

Usage::

    python -m benchmarks.roleplay_eval.run_round round2 [--grades grades_A.jsonl]
        [--second grades_B.jsonl] [--json OUT]

The answers and grades are checked against ``SHA256SUMS`` first (a round is frozen: a file
that changed after freezing stops the run). The report gives, for the shipped scorer:

* pooled quadratic weighted kappa over all criterion levels, overall, on ordinary answers
  (good, mediocre, poor) and on the hard kinds; per scenario, per criterion and per kind;
* the mean absolute error of totals (0–100 scale, ``100 * sum(levels) / sum(max)``);
* the issue's targets: every refusal ≤ 10 and every pasted scenario, third-person text and
  keyword list ≤ 20; paraphrase, typo and list answers within 15 points of the human total
  on average; the share of answers off by 25+ points that carry a review flag;
* with ``--second``, the same agreement between the two human graders (the ceiling).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ORDINARY = ("good", "mediocre", "poor")
NOT_ANSWERS = ("pasted_scenario", "third_person", "keyword_list")
RECALL_KINDS = ("paraphrase", "typo", "bare_list")


def _check_frozen(folder: Path, names: list[str]) -> None:
    sums = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    for name in names:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        if sums.get(name) != digest:
            sys.exit(f"{folder / name}: not the frozen file (SHA-256 {digest})")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _qwk(a: list[int], b: list[int]) -> float:
    from pbkit.roleplay.agreement import quadratic_weighted_kappa

    return round(float(quadratic_weighted_kappa(a, b)), 3) if a else float("nan")


def _total(levels: dict[str, int], criteria: list[str]) -> float:
    return 100.0 * sum(levels[c] for c in criteria) / (3 * len(criteria))


def long_frame(answers: list[dict], grades: dict[str, dict], machine: dict[str, dict]
               ) -> pd.DataFrame:
    """One row per (answer, criterion): scenario, lang, kind, human, machine."""
    rows = []
    for a in answers:
        human = grades[a["id"]]["levels"]
        for crit, level in human.items():
            rows.append({"id": a["id"], "scenario": a["scenario"], "lang": a["lang"],
                         "kind": a.get("kind", ""), "criterion": crit, "human": int(level),
                         "machine": int(machine[a["id"]]["levels"][crit])})
    return pd.DataFrame(rows)


def totals_frame(answers: list[dict], grades: dict[str, dict], machine: dict[str, dict]
                 ) -> pd.DataFrame:
    rows = []
    for a in answers:
        human = grades[a["id"]]["levels"]
        crits = list(human)
        m = machine[a["id"]]
        rows.append({"id": a["id"], "scenario": a["scenario"], "lang": a["lang"],
                     "kind": a.get("kind", ""), "human": _total(human, crits),
                     "machine": _total(m["levels"], crits), "flag": bool(m.get("flag"))})
    out = pd.DataFrame(rows)
    out["error"] = out["machine"] - out["human"]
    return out


def agreement_tables(long: pd.DataFrame, totals: pd.DataFrame) -> dict:
    def qwk_of(frame: pd.DataFrame) -> float:
        return _qwk(frame["machine"].tolist(), frame["human"].tolist())

    hard = long[~long["kind"].isin(ORDINARY)]
    summary = {
        "answers": int(len(totals)), "ratings": int(len(long)),
        "qwk_pooled": qwk_of(long),
        "qwk_ordinary": qwk_of(long[long["kind"].isin(ORDINARY)]),
        "qwk_hard": qwk_of(hard),
        "exact": round(float((long["machine"] == long["human"]).mean()), 3),
        "adjacent": round(float(((long["machine"] - long["human"]).abs() <= 1).mean()), 3),
        "mae_total": round(float(totals["error"].abs().mean()), 1),
        "mean_error_total": round(float(totals["error"].mean()), 1),
    }
    per = {key: [{key: k, "n": int(len(g)), "qwk": qwk_of(g),
                  "exact": round(float((g["machine"] == g["human"]).mean()), 3)}
                 for k, g in long.groupby(key)]
           for key in ("scenario", "kind", "lang")}
    per["criterion"] = [{"scenario": s, "criterion": c, "n": int(len(g)), "qwk": qwk_of(g)}
                        for (s, c), g in long.groupby(["scenario", "criterion"])]
    per["kind_totals"] = [{"kind": k, "n": int(len(g)),
                           "mae": round(float(g["error"].abs().mean()), 1),
                           "mean_error": round(float(g["error"].mean()), 1),
                           "max_machine": round(float(g["machine"].max()), 1)}
                          for k, g in totals.groupby("kind")]
    return {"summary": summary, **per}


def targets(totals: pd.DataFrame) -> dict:
    refusals = totals[totals["kind"] == "refusal"]
    not_answers = totals[totals["kind"].isin(NOT_ANSWERS)]
    recall = totals[totals["kind"].isin(RECALL_KINDS)]
    far = totals[totals["error"].abs() >= 25]
    return {
        "refusals_at_most_10": f"{int((refusals['machine'] <= 10).sum())}/{len(refusals)}",
        "not_answers_at_most_20":
            f"{int((not_answers['machine'] <= 20).sum())}/{len(not_answers)}",
        "recall_kinds_mae": round(float(recall["error"].abs().mean()), 1) if len(recall)
        else None,
        "off_by_25_flagged": f"{int(far['flag'].sum())}/{len(far)}",
    }


def score_answers(answers: list[dict]) -> dict[str, dict]:
    """The shipped scorer's levels and review flag for every answer."""
    from pbkit.roleplay import score

    out = {}
    for a in answers:
        s = score(a["scenario"], a["text"], lang=a["lang"])
        out[a["id"]] = {"levels": {c.id: int(c.level) for c in s.criteria},
                        "flag": bool(s.needs_review), "total": float(s.total)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("round")
    ap.add_argument("--grades", default="grades_A.jsonl")
    ap.add_argument("--second", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    folder = HERE / args.round
    names = ["answers.jsonl", args.grades] + ([args.second] if args.second else [])
    _check_frozen(folder, names)
    answers = _read(folder / "answers.jsonl")
    grades = {g["id"]: g for g in _read(folder / args.grades)}
    machine = score_answers(answers)
    long = long_frame(answers, grades, machine)
    totals = totals_frame(answers, grades, machine)
    report = {"machine_vs_human": agreement_tables(long, totals), "targets": targets(totals)}
    if args.second:
        second = {g["id"]: {"levels": g["levels"]} for g in _read(folder / args.second)}
        hl = long_frame(answers, grades, second)
        ht = totals_frame(answers, grades, second)
        report["human_vs_human"] = agreement_tables(hl, ht)["summary"]
    report["per_answer"] = totals.round(1).to_dict(orient="records")
    text = json.dumps(report, ensure_ascii=False, indent=1, default=float)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "per_answer"},
                     ensure_ascii=False, indent=1, default=float)[:6000])
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
