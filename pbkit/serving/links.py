"""Signed class links: a trainee's identity comes from the server, never from the page.

The trainee server has no log-in, so who saves an attempt is fixed by the link the trainer
hands out, signed with HMAC-SHA256 under a key that only the server holds
(``class-link.key`` in the data directory, mode 0600, made by ``pbkit serve``):

* a **personal link** (``?cohort=C&trainee=T0001&sig=...``) is one trainee's: attempts from
  it are stored under that code whatever the page sends;
* a **class link** (``?cohort=C&cap=40&sig=...``) lets a trainee type a new code once per
  page; each link registers at most ``cap`` codes, and every registration is recorded in
  ``class-link-registrations.json`` next to the key, which the trainer console lists.

Changing any parameter of a link breaks its signature. Under JupyterHub the hub's user
name (``JUPYTERHUB_USER``, set by the hub in the trainee's server) is the identity instead.

>>> key = b"k" * 32
>>> link = signed_params(key, cohort_id="C1", trainee_id="T0001")
>>> verify(link, key).trainee_id
'T0001'
>>> verify({**link, "trainee": "T0002"}, key) is None
True
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LinkIdentity", "key_path", "ensure_key", "read_key", "signed_params", "verify",
           "register", "registrations", "DEFAULT_CAP", "MAX_CAP", "KEY_ENV"]

#: Environment variable naming the key file (default: ``class-link.key`` in the data dir).
KEY_ENV = "PBKIT_LINK_KEY_FILE"
KEY_FILE = "class-link.key"
LEDGER_FILE = "class-link-registrations.json"
DEFAULT_CAP = 60
MAX_CAP = 500
#: The link parameters the signature covers, in this order.
SIGNED = ("cohort", "trainee", "cap")


@dataclass(frozen=True)
class LinkIdentity:
    """What a verified link says: a personal link has ``trainee_id``, a class link ``cap``."""

    cohort_id: str | None
    trainee_id: str | None
    cap: int | None
    sig: str


def key_path(data_dir: Path | None = None) -> Path:
    """The key file: ``PBKIT_LINK_KEY_FILE``, else ``class-link.key`` in the data dir."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    if data_dir is None:
        from pbkit.store.engine import data_dir as store_data_dir

        data_dir = store_data_dir()
    return Path(data_dir) / KEY_FILE


def ensure_key(path: Path | None = None) -> Path:
    """Create the key file (random, mode 0600) if it does not exist; return its path."""
    path = Path(path) if path else key_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path


def read_key(path: Path | None = None) -> bytes | None:
    """The signing key, or ``None`` when there is none (then no link verifies)."""
    try:
        text = (Path(path) if path else key_path()).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text.encode() if len(text) >= 32 else None


def _signature(params: Mapping[str, str], key: bytes) -> str:
    message = "\n".join(f"{name}={params.get(name, '')}" for name in SIGNED).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_params(key: bytes, *, cohort_id: str | None = None, trainee_id: str | None = None,
                  cap: int | None = None) -> dict[str, str]:
    """The query parameters of a personal link (``trainee_id``) or class link (``cap``)."""
    if (trainee_id is None) == (cap is None):
        raise ValueError("a link is either a trainee's (trainee_id) or a class link (cap)")
    if cap is not None and not 1 <= int(cap) <= MAX_CAP:
        raise ValueError(f"cap must be 1..{MAX_CAP}: {cap}")
    params = {name: str(value) for name, value in
              (("cohort", cohort_id), ("trainee", trainee_id), ("cap", cap))
              if value is not None}
    params["sig"] = _signature(params, key)
    return params


def verify(params: Mapping[str, str], key: bytes | None) -> LinkIdentity | None:
    """The identity a link's parameters carry, or ``None`` if unsigned or tampered with."""
    sig = params.get("sig", "")
    if not key or not sig or not hmac.compare_digest(_signature(params, key), sig):
        return None
    cap = params.get("cap")
    if bool(params.get("trainee")) == bool(cap) or (cap and not params.get("cohort")):
        return None
    try:
        cap_value = int(cap) if cap else None
    except ValueError:
        return None
    return LinkIdentity(params.get("cohort") or None, params.get("trainee") or None,
                        cap_value, sig)


@contextmanager
def _ledger(path: Path) -> Iterator[dict[str, Any]]:
    """The registrations ledger, locked against other kernels while it is changed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        text = handle.read()
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            data = {}
        yield data
        handle.seek(0)
        handle.truncate()
        json.dump(data, handle, ensure_ascii=False, indent=1)


def _ledger_path() -> Path:
    return key_path().with_name(LEDGER_FILE)


def register(link: LinkIdentity, trainee_id: str, store: Any) -> None:
    """Register ``trainee_id`` in the link's cohort through class link ``link``.

    Refused (:class:`pbkit.errors.PbkitError`) when the link has registered ``cap`` codes
    already, or when the code is already registered (a registered trainee uses their
    personal link). The registration is recorded for the trainer console.
    """
    from pbkit.errors import PbkitError

    if link.cap is None or link.cohort_id is None:
        raise PbkitError("apps.roleplay.err.no_identity")
    with _ledger(_ledger_path()) as data:
        entry = data.setdefault(link.sig, {"cohort": link.cohort_id, "cap": link.cap,
                                           "trainees": []})
        if len(entry["trainees"]) >= link.cap:
            raise PbkitError("apps.roleplay.err.link_full", cap=link.cap)
        if trainee_id in set(store.roster(link.cohort_id)["trainee_id"].astype(str)):
            raise PbkitError("apps.roleplay.err.code_taken", trainee_id=trainee_id)
        store.ensure_trainee(trainee_id, link.cohort_id)
        entry["trainees"].append(trainee_id)


def registrations(cohort_id: str | None = None) -> list[dict[str, Any]]:
    """Class-link registrations: ``[{"cohort", "cap", "trainees"}]`` (for the trainer)."""
    path = _ledger_path()
    if not path.exists():
        return []
    with _ledger(path) as data:
        rows = [dict(v) for v in data.values()]
    return [r for r in rows if cohort_id is None or r.get("cohort") == cohort_id]
