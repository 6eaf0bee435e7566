"""Output paths of the CLI commands, checked before any work is done.

A command that writes a file (``plan --out``, ``health --xlsx``, ``metrics --xlsx``) or a
folder (``anonymize OUT``, ``convert OUT``, ``health --charts``) first checks here that the
place can be written: the nearest existing folder on the way is a folder and a probe file
can be created in it (and is removed at once). A bad path then ends with one line and exit
code 2 before a long load, instead of a traceback after it. The writers themselves write to
a temporary file in the target folder and rename it, so nothing is half-written.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> check_output(os.path.join(d, "new", "plan.json")).name
'plan.json'
>>> open(os.path.join(d, "afile"), "w").close()
>>> check_output(os.path.join(d, "afile", "plan.json"))
Traceback (most recent call last):
...
pbkit.errors.UsageError: cannot write ...afile/plan.json: .../afile is not a folder (nothing written)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pbkit.errors import UsageError

__all__ = ["check_output"]


def check_output(path: str | os.PathLike, *, folder: bool = False) -> Path:
    """Raise :class:`UsageError` unless ``path`` can be written; return it as a Path.

    ``folder=True`` for an output folder (it may exist); else a file, which must not be
    an existing folder.
    """
    target = Path(path)
    if not folder and target.is_dir():
        raise UsageError("cli.err.output_is_folder", path=str(target))
    probe_in = target if folder else target.parent
    probe_in = probe_in if str(probe_in) else Path(".")
    existing = probe_in
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError("cli.err.output_not_folder", path=str(target), folder=str(existing))
    try:
        fd, name = tempfile.mkstemp(prefix=".pbkit-probe-", dir=existing)
    except OSError as exc:
        raise UsageError("cli.err.output_unwritable", path=str(target),
                         detail=exc.strerror or str(exc)) from None
    os.close(fd)
    os.unlink(name)
    return target
