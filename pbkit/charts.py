"""Chinese-capable matplotlib charts: find a CJK font without touching global settings.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese labels render as
boxes with "Glyph ... missing from font" warnings. :func:`cjk_font_family` looks for a
system CJK font (WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, ...) through
``matplotlib.font_manager``; when none is installed it registers the Noto Sans CJK SC font
shipped in the ``mplfonts`` package (``mplfonts/fonts/NotoSansCJKsc-Regular.otf``) with
``font_manager.fontManager.addfont``. Importing this module changes nothing; charts use
:func:`cjk_rc` / :func:`cjk_context` for the duration of drawing and saving, and notebook
users may opt in globally with :func:`setup_cjk`.

>>> fam = cjk_font_family()
>>> isinstance(fam, str) and len(fam) > 0
True
>>> cjk_rc()["axes.unicode_minus"]
False
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "CJK_FAMILIES",
    "cjk_font_family",
    "cjk_font_path",
    "cjk_font",
    "cjk_rc",
    "cjk_context",
    "setup_cjk",
    "save_figure",
]

# Preferred system families, best first.
CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)

_BUNDLED = ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf")


def _bundled_font() -> Path | None:
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - mplfonts is a declared dependency
        return None
    folder = Path(mplfonts.__file__).resolve().parent / "fonts"
    for name in _BUNDLED:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


@cache
def _resolve(prefer_bundled: bool = False) -> tuple[str, str | None]:
    from matplotlib import font_manager

    installed = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in () if prefer_bundled else CJK_FAMILIES:
        if family in installed:
            return family, installed[family]
    bundled = _bundled_font()
    if bundled is not None:
        font_manager.fontManager.addfont(str(bundled))
        name = font_manager.FontProperties(fname=str(bundled)).get_name()
        return name, str(bundled)
    return "sans-serif", None


def cjk_font_family(prefer_bundled: bool = False) -> str:
    """The family name of a font with Chinese glyphs (system first, else bundled).

    ``prefer_bundled=True`` skips the system fonts and registers the bundled one (what
    happens on a machine without CJK fonts).
    """
    return _resolve(prefer_bundled)[0]


def cjk_font_path(prefer_bundled: bool = False) -> str | None:
    """The file of that font, or ``None`` when no CJK font could be found."""
    return _resolve(prefer_bundled)[1]


def cjk_font():
    """A ``matplotlib.font_manager.FontProperties`` for the CJK font."""
    from matplotlib import font_manager

    path = cjk_font_path()
    return (font_manager.FontProperties(fname=path) if path
            else font_manager.FontProperties(family=cjk_font_family()))


def cjk_rc(prefer_bundled: bool = False) -> dict[str, Any]:
    """rcParams that make text use the CJK font (Latin falls back to DejaVu Sans)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font_family(prefer_bundled), "DejaVu Sans"],
        "axes.unicode_minus": False,
    }


@contextmanager
def cjk_context(extra: dict[str, Any] | None = None, *, prefer_bundled: bool = False
                ) -> Iterator[None]:
    """``with cjk_context(): ...`` draws (and saves) with the CJK font; settings restored
    afterwards."""
    import matplotlib

    with matplotlib.rc_context({**cjk_rc(prefer_bundled), **(extra or {})}):
        yield


def setup_cjk() -> str:
    """Opt-in for notebooks: make the CJK font the global default; returns its family."""
    import matplotlib

    matplotlib.rcParams.update(cjk_rc())
    return cjk_font_family()


def save_figure(fig, path: str | Path, *, dpi: int = 120) -> Path:
    """Save a figure with the CJK font active (atomic: temp file + rename)."""
    import os
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        with cjk_context():
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
