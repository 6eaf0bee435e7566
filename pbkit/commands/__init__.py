"""One module per ``pbkit`` subcommand (discovered by :mod:`pbkit.cli`).

A command module defines ``NAME`` (the subcommand), ``HELP`` (i18n key of its one-line
help), ``add_arguments(parser)`` and ``run(args) -> int``. Help texts go through
:func:`pbkit.i18n.t`. Heavy imports belong inside ``run``.
"""
