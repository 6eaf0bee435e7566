"""Where the dataset of the lessons, apps and research notebooks lives.

By default it is the bundled synthetic sample ``datasets/sample-township/`` at the top of
the repository. To run the lessons, the apps and the research notebooks on your own
(anonymised) dataset, point :data:`DATA_ENV` (``PBKIT_SAMPLE``) at it: ``pbkit lab --data
PATH`` and ``pbkit serve --data PATH`` set it for the kernels they start, or set it yourself
before starting Jupyter (``PBKIT_SAMPLE=/path/to/data jupyter lab``). It is read here and
nowhere else: :func:`sample_path` is the one place that decides which dataset "the sample"
is. The path may be a folder of CSV files, a .zip of them, an .xlsx workbook or a Parquet
dataset folder (anything :func:`pbkit.data.io.load_dataset` reads).

>>> sample_path().name
'sample-township'
>>> data_path_env("datasets/sample-township")["PBKIT_SAMPLE"].endswith("sample-township")
True
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_ENV", "repo_root", "sample_path", "load_sample", "check_data_path",
           "data_path_env"]

#: Environment variable naming the dataset that replaces the bundled sample.
DATA_ENV = "PBKIT_SAMPLE"


def repo_root() -> Path:
    """The repository (or source tree) that holds ``datasets/`` and ``notebooks/``."""
    return Path(__file__).resolve().parents[2]


def sample_path() -> Path:
    """Path of the dataset in use: ``$PBKIT_SAMPLE`` when set, else the bundled sample."""
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else repo_root() / "datasets" / "sample-township"


def load_sample():
    """Load the dataset of :func:`sample_path` with :func:`pbkit.data.io.load_dataset`."""
    from pbkit.data.io import load_dataset

    return load_dataset(sample_path())


def check_data_path(path: str | os.PathLike) -> Path:
    """The absolute path of a dataset given on the command line (``--data PATH``).

    Parameters
    ----------
    path : path-like
        A folder of CSV files, a .zip, an .xlsx workbook or a Parquet dataset folder.

    Returns
    -------
    Path
        ``path`` with ``~`` expanded, made absolute (kernels start in another directory).

    Raises
    ------
    UsageError
        ``cmd.serve.no_data`` naming the path as given when it does not exist.

    Examples
    --------
    >>> check_data_path(repo_root() / "datasets" / "sample-township").is_absolute()
    True
    """
    from pbkit.errors import UsageError

    resolved = Path(path).expanduser().resolve()
    if not resolved.exists():
        raise UsageError("cmd.serve.no_data", path=str(path))
    return resolved


def data_path_env(path: str | os.PathLike) -> dict[str, str]:
    """The environment entry that makes ``path`` the dataset of the kernels started with it.

    >>> list(data_path_env(repo_root() / "datasets" / "sample-township"))
    ['PBKIT_SAMPLE']
    """
    return {DATA_ENV: str(check_data_path(path))}
