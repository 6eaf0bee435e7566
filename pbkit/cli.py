"""The ``pbkit`` command.

Each subcommand lives in its own module in :mod:`pbkit.commands` and defines ``NAME``,
``HELP`` (an i18n key), ``add_arguments(parser)`` and ``run(args) -> int``. Modules are
discovered, so adding a command never edits this file. Command modules import heavy
libraries inside ``run`` only, so ``pbkit --help`` stays fast.

Every error a user can cause ends as one line on stderr in the chosen language and exit
code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from pbkit import __version__
from pbkit.errors import PbkitError
from pbkit.i18n import LANGS, normalize_lang, resolve_lang, t, use_lang

__all__ = ["main", "build_parser"]

# argparse's own messages (English) -> i18n keys, so bad arguments read well in zh too.
_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (?P<args>.+)"), "cli.err.required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)"), "cli.err.unrecognized"),
    (re.compile(r"argument (?P<arg>[^:]+): invalid choice: (?P<value>.+?) "
                r"\(choose from (?P<choices>.+)\)"), "cli.err.choice"),
    (re.compile(r"argument (?P<arg>[^:]+): invalid (?P<type>\w+) value: (?P<value>.+)"),
     "cli.err.type"),
    (re.compile(r"argument (?P<arg>[^:]+): expected one argument"), "cli.err.expected_one"),
    (re.compile(r"argument (?P<arg>[^:]+): not allowed with argument (?P<other>.+)"),
     "cli.err.not_allowed"),
    (re.compile(r"ambiguous option: (?P<arg>\S+) could match (?P<choices>.+)"),
     "cli.err.ambiguous"),
)


def translate_argparse_message(message: str, lang: str | None = None) -> str:
    """Render one of argparse's error messages in ``lang``.

    >>> translate_argparse_message("unrecognized arguments: --bogus", "zh")
    '无法识别的参数：--bogus'
    """
    for pattern, key in _ARGPARSE_MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return t(key, lang=lang, **match.groupdict())
    return t("cli.err.generic", lang=lang, detail=message)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one localised line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        line = translate_argparse_message(message)
        self.exit(2, f"{self.prog}: {line} {t('cli.see_help', prog=self.prog)}\n")


def _command_names() -> list[str]:
    """Names of the command modules, found without importing them."""
    import pbkit.commands as pkg

    return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__)
                  if not info.name.startswith("_"))


def _command_modules(only: str | None = None):
    """The command modules (each file's ``NAME`` is its file name); only one when named."""
    if only == "":
        return
    names = _command_names()
    if only is not None:
        names = [n for n in names if n == only]
    for name in names:
        module = importlib.import_module(f"pbkit.commands.{name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            yield module


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (help texts in the current language).

    ``only`` names the one command to build a sub-parser for (``""`` for none): the
    ``pbkit`` command builds just what the command line asks for, so ``pbkit --version``
    and ``pbkit scenarios`` import and read only what they need.
    """
    parser = _Parser(prog="pbkit", description=t("cli.description"))
    parser.add_argument("--version", action="version",
                        version=t("cli.version", version=__version__),
                        help=t("cli.help.version"))
    parser.add_argument("--lang", choices=LANGS, help=t("cli.help.lang"))
    sub = parser.add_subparsers(dest="command", metavar=t("cli.command_metavar"),
                                parser_class=_Parser)
    modules = sorted(_command_modules(only), key=lambda m: m.NAME)
    for module in modules:
        p = sub.add_parser(module.NAME, help=t(module.HELP), description=t(module.HELP))
        p.add_argument("--lang", choices=getattr(module, "LANG_CHOICES", LANGS),
                       default=argparse.SUPPRESS, help=t("cli.help.lang"))
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _wanted_command(argv: Sequence[str]) -> str | None:
    """The command the line names (``""``: ``--version`` alone); ``None``: build all.

    >>> _wanted_command(["--lang", "en", "score", "--json"]), _wanted_command(["--version"])
    ('score', '')
    >>> _wanted_command(["--help"]) is None, _wanted_command(["nosuch"]) is None
    (True, True)
    """
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif arg == "--version":
            return ""
        elif not arg.startswith("-"):
            return arg if arg in _command_names() else None
        elif not arg.startswith("--lang="):
            return None  # -h, --help or a mistake: the full parser says what is wrong
    return None


def _early_lang(argv: Sequence[str]) -> str | None:
    """The --lang value if given anywhere on the command line (used to build help texts)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return normalize_lang(argv[i + 1])
        if arg.startswith("--lang="):
            return normalize_lang(arg.split("=", 1)[1])
    return None


_ARGPARSE_TEXTS = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positional",
    "options": "cli.argparse.options",
    "show this help message and exit": "cli.argparse.help",
}


def _argparse_gettext(text: str) -> str:
    key = _ARGPARSE_TEXTS.get(text)
    return t(key) if key else text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pbkit`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _early_lang(argv) or resolve_lang(None)
    saved_gettext = argparse._
    argparse._ = _argparse_gettext  # argparse looks its own texts up through this name
    try:
        with use_lang(lang):
            return _main(argv)
    finally:
        argparse._ = saved_gettext


def _main(argv: list[str]) -> int:
    parser = build_parser(_wanted_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # help, version and argument errors
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except PbkitError as exc:
        print(f"pbkit {args.command}: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a path the file system refused (permissions, a name too long)
        path = exc.filename if exc.filename is not None else "-"
        print(f"pbkit {args.command}: " + t("cli.err.os", path=str(path),
                                            detail=exc.strerror or type(exc).__name__),
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
