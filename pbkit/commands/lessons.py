"""``pbkit lessons build|check|kit``: build lesson notebooks, check they are in sync and
run, and build the course kit.

``build`` writes ``notebooks/lessons/<lang>/`` (trainee edition) and
``notebooks/lessons/<lang>-trainer/`` (trainer edition) (``--lang zh`` by default, ``en`` or
``all``); ``check`` verifies every language set (or the one given), the course plans, and
runs each notebook with a time bound; ``kit OUT`` writes slides, handouts and course plans
(both languages by default) to ``OUT``. Exit codes: 0 when everything is fine, 1 when a notebook is out of sync,
missing or fails (one line per problem naming the lesson and the cell), 2 for a bad source
file or bad arguments.
"""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import t

__all__ = ["NAME", "HELP", "LANG_CHOICES", "add_arguments", "run"]

NAME = "lessons"
HELP = "lessons.cli.help"
LANG_CHOICES = ("zh", "en", "all")
DEFAULT_TIMEOUT = 180.0


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(t("lessons.cli.bad_timeout", value=value)) from None
    if not number > 0:
        raise argparse.ArgumentTypeError(t("lessons.cli.bad_timeout", value=value))
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``action``, ``--out``, ``--timeout``, ``--no-execute`` and ``--only``.

    ``--lang`` (added by :mod:`pbkit.cli`, widened by :data:`LANG_CHOICES`) also picks the
    notebook set here, so its help text says so.
    """
    for action in parser._actions:
        if "--lang" in action.option_strings:
            action.help = t("lessons.cli.lang")
    parser.add_argument("action", choices=("build", "check", "kit"), help=t("lessons.cli.action"))
    parser.add_argument("kit_dir", nargs="?", default=None, metavar="OUT",
                        help=t("kit.cli.out"))
    parser.add_argument("--no-pdf", action="store_true", help=t("kit.cli.no_pdf"))
    parser.add_argument("--app-url", default=None, metavar="URL", help=t("kit.cli.app_url"))
    parser.add_argument("--out", default=None, help=t("lessons.cli.out"))
    parser.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT,
                        help=t("lessons.cli.timeout", default=f"{DEFAULT_TIMEOUT:g}"))
    parser.add_argument("--no-execute", action="store_true", help=t("lessons.cli.no_execute"))
    parser.add_argument("--only", action="append", default=None, metavar="LESSON",
                        help=t("lessons.cli.only"))


def run(args: argparse.Namespace) -> int:
    """Run ``build`` or ``check``; see the module docstring for exit codes."""
    from pbkit.i18n import resolve_lang

    lang = getattr(args, "lang", None)
    msg_lang = resolve_lang(lang if lang in ("zh", "en") else None)
    if args.action == "kit":
        return _kit(args, lang, msg_lang)
    if args.action == "build":
        from pbkit.lessons.build import build, notebooks_dir

        result = build(lang or "zh", args.out)
        print(t("lessons.cli.built", lang=msg_lang, written=len(result.written),
                unchanged=len(result.unchanged), removed=len(result.removed),
                out=args.out or notebooks_dir()))
        return 0

    from pbkit.lessons.check import check
    from pbkit.lessons.loader import load_lessons

    load_lessons()  # a malformed source is bad input: one line naming file/line/field, exit 2

    def progress(lesson_id, code, seconds, failure):
        status = t("lessons.check.failed", lang=msg_lang) if failure else ""
        print(t("lessons.check.ran", lang=msg_lang, lesson=lesson_id, code=code,
                seconds=f"{seconds:.1f}", status=status),
              file=sys.stderr, flush=True)

    report = check(lang or "all", args.out, timeout=args.timeout,
                   execute=not args.no_execute, only=args.only, progress=progress)
    for line in report.lines(msg_lang):
        print(line)
    if report.ok:
        from pbkit.lessons.build import parse_langs
        from pbkit.lessons.loader import load_lessons

        # trainee set: lessons, course overview, references; trainer set: lessons
        n = (2 * len(load_lessons()) + 2) * len(parse_langs(lang or "all"))
        print(t("lessons.check.ok", lang=msg_lang, n=n, ran=len(report.timings)))
        return 0
    return 1


def _kit(args: argparse.Namespace, lang: str | None, msg_lang: str) -> int:
    """``pbkit lessons kit OUT``: slides, handouts and plans; 2 on bad input."""
    from pbkit.errors import UsageError
    from pbkit.lessons.kit import build_kit
    from pbkit.lessons.loader import load_lessons
    from pbkit.lessons.plans import load_plans

    if not args.kit_dir:
        raise UsageError("kit.cli.no_out")
    if args.app_url and not args.app_url.startswith(("http://", "https://")):
        raise UsageError("kit.cli.bad_app_url", value=args.app_url)
    load_plans(lessons=load_lessons())  # bad plan or source: one line, exit 2, nothing written

    def progress(lesson_id, code):
        print(t("kit.cli.progress", lang=msg_lang, lesson=lesson_id, code=code),
              file=sys.stderr, flush=True)

    result = build_kit(args.kit_dir, lang or "all", only=args.only, pdf=not args.no_pdf,
                       app_url=args.app_url, timeout=args.timeout, progress=progress)
    print(t("kit.cli.built", lang=msg_lang, n=len(result.files) + len(result.pdfs),
            out=args.kit_dir))
    return 0
