"""``pbkit score``: score one role-play answer read from standard input.

``pbkit score --scenario ID [--json] [--lang auto|zh|en]`` prints the total, each
criterion's level, evidence and feedback (JSON: ``{"scenario", "total", "criteria": [{"id",
"level", "max_level", "evidence", "feedback"}], ...}``). ``--evaluate`` prints the
cross-validated agreement of the scorer with the graded exemplars instead (all scenarios, or
the one given). An unknown scenario, an empty answer or one longer than the practice app
allows (:func:`pbkit.roleplay.scorer.max_answer_chars`): one line and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from pbkit.errors import UsageError
from pbkit.i18n import t

__all__ = ["NAME", "HELP", "LANG_CHOICES", "add_arguments", "run", "read_answer"]

NAME = "score"
HELP = "roleplay.cli.help.score"
LANG_CHOICES = ("zh", "en", "auto")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", metavar="ID", help=t("roleplay.cli.help.scenario"))
    parser.add_argument("--json", action="store_true", help=t("roleplay.cli.help.json"))
    parser.add_argument("--evaluate", action="store_true", help=t("roleplay.cli.help.evaluate"))
    parser.add_argument("--folds", type=int, default=5, help=t("roleplay.cli.help.folds"))


def read_answer(stream=None) -> str:
    """The answer text from ``stream`` (default stdin): UTF-8 (with or without BOM), else
    GB18030 as Chinese Windows tools write it."""
    stream = stream or sys.stdin
    raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    if isinstance(raw, str):
        return raw
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def run(args: argparse.Namespace) -> int:
    lang_arg = getattr(args, "lang", None)
    lang = None if lang_arg in (None, "auto") else lang_arg
    if args.evaluate:
        from pbkit.roleplay.evaluate import evaluate

        ids = [args.scenario] if args.scenario else None
        if ids:
            from pbkit.roleplay.models import get_scenario

            get_scenario(ids[0])  # unknown id -> one line, exit 2
        report = evaluate(ids, folds=args.folds)
        if args.json:
            out = {"folds": report.folds, "seed": report.seed,
                   "pooled": report.pooled.to_dict(), "spearman": report.spearman,
                   "per_criterion": report.per_criterion.to_dict("records"),
                   "variants": report.variants.to_dict("records")}
            print(json.dumps(out, ensure_ascii=False, indent=2, default=float))
        else:
            print(report.render(lang))
        return 0
    if not args.scenario:
        raise UsageError("cli.err.required", args="--scenario")
    from pbkit.roleplay.models import get_scenario
    from pbkit.roleplay.scorer import score

    scenario = get_scenario(args.scenario)
    text = read_answer()
    if not text.strip():
        raise UsageError("roleplay.err.empty_answer")
    result = score(scenario.id, text, lang=lang)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    out_lang = result.lang
    lines = [t("roleplay.cli.total", lang=out_lang, total=result.total)]
    for crit, cs in zip(scenario.criteria, result.criteria):
        lines.append(t("roleplay.cli.criterion", lang=out_lang, name=crit.name.get(out_lang),
                       level=cs.level, max=cs.max_level))
        if cs.evidence:
            spans = " | ".join(e.text for e in cs.evidence)
            # an improper statement (a veto) is shown apart from evidence that earned points
            key = "roleplay.cli.improper" if cs.vetoed else "roleplay.cli.evidence"
            lines.append(t(key, lang=out_lang, spans=spans))
        lines.append(t("roleplay.cli.feedback", lang=out_lang, feedback=cs.feedback))
    if result.needs_review:
        reasons = "; ".join(t(f"roleplay.review.{r}", lang=out_lang)
                            for r in result.review_reasons)
        lines.append(t("roleplay.cli.review", lang=out_lang, reasons=reasons))
    print("\n".join(lines))
    return 0
