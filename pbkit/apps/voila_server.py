"""pbkit's Voila server: Voila with a checked kernel websocket, guarded kernels and a
trainer token that stays out of command lines and logs.

``pbkit serve`` (and the JupyterHub spawner in ``deploy/jupyterhub_config.py``) run
``python -m pbkit.apps.voila_server`` instead of ``python -m voila``; every Voila option
works the same. What it changes:

- **Kernel websocket.** Voila 0.5.13's ``VoilaKernelWebsocketHandler.write_message`` reads
  every outgoing binary message with ``read_header_from_binary_message``, which takes the
  first 8 bytes as a little-endian count and loops that many times *before any check*.
  A message in Jupyter's older binary format (``serialize_binary_message``: 4-byte
  big-endian part count, then 4-byte offsets) starts ``00 00 00 02 00 00 00 0c``, read as
  about 8.6 x 10^17: the server stops answering and grows without bound (it also ignores
  SIGTERM, being stuck in one bytecode loop). A client gets such a message simply by
  opening the websocket without the ``v1.kernel.websocket.jupyter.org`` subprotocol and
  asking for anything that comes back with a binary buffer (a widget's state, an echoed
  widget update). ``jupyter_server``'s ``deserialize_msg_from_ws_v1`` has the same
  unbounded loop for *incoming* v1 messages, and its legacy ``deserialize_binary_message``
  builds a format string as long as the 4-byte count. :class:`PbkitKernelWebsocketHandler`
  refuses a websocket that does not speak the v1 protocol (every Voila and JupyterLab
  front-end does), checks each incoming message's part count and offsets before anything
  loops over them (:func:`v1_offsets`), closes the socket on a malformed one, and reads
  outgoing headers the same bounded way.
- **Kernels.** :class:`GuardedKernelManager` gives each kernel an address-space limit, a
  CPU-time limit and a lower scheduling priority, so one page cannot take the memory or
  the processor of the whole class.
- **Token.** The trainer token is read from ``PBKIT_TRAINER_TOKEN`` in the server's
  environment (removed from it before any kernel starts), never from the command line;
  request log lines show ``token=[secret]`` and no log line carries the token itself.

Only the Voila server process imports this module (it imports Voila).
"""

from __future__ import annotations

import json
import logging
import os
import resource
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

from jupyter_server.log import log_request as _jupyter_log_request
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from tornado import web
from traitlets import Int
from voila.app import Voila
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = ["PbkitVoila", "PbkitKernelWebsocketHandler", "GuardedKernelManager",
           "v1_offsets", "TOKEN_ENV", "main"]

#: The websocket subprotocol every current Jupyter front-end offers; the only one accepted.
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
#: Most parts a kernel message may have (channel, header, parent header, metadata,
#: content, then binary buffers): far more than any widget sends.
MAX_PARTS = 64
#: Largest header part read from an outgoing message.
MAX_HEADER_BYTES = 64 * 1024
#: The environment variable the trainer token arrives in (never a command-line option).
TOKEN_ENV = "PBKIT_TRAINER_TOKEN"

#: Set in every kernel's environment unless already set.
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "MALLOC_ARENA_MAX": "2"}

log = logging.getLogger("pbkit.voila")


def v1_offsets(message: Any, min_parts: int = 6) -> list[int] | None:
    """The part offsets of a v1 kernel websocket message, or ``None`` if it is malformed.

    The v1 format is an 8-byte little-endian count ``n``, ``n`` 8-byte offsets (the first
    right after them, never decreasing, the last at most the message length), then the
    channel name and the message parts. The count is bounded (``min_parts`` to
    :data:`MAX_PARTS`, and by the message length) before anything loops over it.

    >>> from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
    >>> good = serialize_msg_to_ws_v1([b"{}", b"{}", b"{}", b"{}"], "shell")
    >>> v1_offsets(good) is not None
    True
    >>> v1_offsets(b"\\x00\\x00\\x00\\x02\\x00\\x00\\x00\\x0c" + b"x" * 40) is None
    True
    """
    if not isinstance(message, (bytes, bytearray)) or len(message) < 8:
        return None
    count = int.from_bytes(message[:8], "little")
    if not min_parts <= count <= MAX_PARTS or len(message) < 8 * (count + 1):
        return None
    offsets = [int.from_bytes(message[8 * (i + 1):8 * (i + 2)], "little")
               for i in range(count)]
    if offsets[0] != 8 * (count + 1) or offsets[-1] > len(message):
        return None
    if any(b < a for a, b in zip(offsets, offsets[1:])):
        return None
    return offsets


def _outgoing_header(message: Any) -> dict | None:
    """The header of a message on its way to the browser, read without unbounded loops."""
    if isinstance(message, dict):
        return message.get("header")
    offsets = v1_offsets(message, min_parts=3)
    if offsets is None or offsets[2] - offsets[1] > MAX_HEADER_BYTES:
        return None
    try:
        header = json.loads(bytes(message[offsets[1]:offsets[2]]).decode("utf-8"))
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


class PbkitKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket, v1 protocol only, every message checked before use."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
        if V1_PROTOCOL not in [p.strip() for p in offered.split(",")]:
            self.log.warning("refused a kernel websocket without the %s protocol from %s",
                             V1_PROTOCOL, self.request.remote_ip)
            raise web.HTTPError(400)
        await super().get(*args, **kwargs)

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        return V1_PROTOCOL if V1_PROTOCOL in subprotocols else None

    def on_message(self, message: Any) -> None:
        if v1_offsets(message) is None:
            size = len(message) if isinstance(message, (bytes, bytearray, str)) else -1
            self.log.warning("closed a kernel websocket after a malformed message "
                             "(%d bytes) from %s", size, self.request.remote_ip)
            self.close(1003, "malformed message")
            return
        super().on_message(message)

    def write_message(self, message: Any, binary: bool = False) -> Any:
        header = _outgoing_header(message)
        if header and header.get("msg_type") == "execute_input":
            return None  # as Voila: the browser never sees the code being run
        # jupyter_server's write_message, skipping Voila's unbounded header read
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)


class GuardedKernelManager(ServerKernelManager):
    """A kernel manager whose kernels run with resource limits.

    Each kernel gets an address-space limit (``RLIMIT_AS``: an allocation beyond it fails
    with ``MemoryError`` in that kernel only), a CPU-time limit (``RLIMIT_CPU``: a kernel
    that has used that much processor time is stopped), a lower priority (``nice``) and
    one thread for numeric libraries (:data:`KERNEL_ENV`), so the server and the other
    trainees' kernels keep running whatever one page does. An app kernel after scoring
    uses about 0.6-0.8 GB of address space (0.25 GB resident), well inside the default.
    """

    memory_limit_mb = Int(2048, config=True, help="Address-space limit per kernel (MiB).")
    cpu_limit_s = Int(1800, config=True, help="CPU-time limit per kernel (seconds).")
    nice = Int(10, config=True, help="Scheduling niceness added to each kernel.")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        env = kw.get("env")
        if isinstance(env, dict):  # Voila hands the page's query string to the kernel
            env.pop(TOKEN_ENV, None)
            # one page, one core: numeric libraries would start a thread per core (and
            # reserve address space for each)
            for name, value in KERNEL_ENV.items():
                env.setdefault(name, value)
            if env.get("QUERY_STRING"):
                env["QUERY_STRING"] = without_token(env["QUERY_STRING"])
            url = env.get("VOILA_REQUEST_URL", "")
            if "?" in url:
                head, _, query = url.partition("?")
                env["VOILA_REQUEST_URL"] = head + "?" + without_token(query)
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid = getattr(getattr(self.provisioner, "process", None), "pid", None)
        if pid:
            guard_process(pid, self.memory_limit_mb, self.cpu_limit_s, self.nice)


def without_token(query: str) -> str:
    """``query`` without its ``token`` parameter (a kernel never needs the trainer token).

    >>> without_token("token=abc&cohort=C1")
    'cohort=C1'
    """
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"]
    return urlencode(pairs)


def guard_process(pid: int, memory_mb: int, cpu_s: int, nice: int) -> None:
    """Apply pbkit's kernel limits to process ``pid`` (a limit of 0 is left unset)."""
    try:
        if memory_mb > 0:
            size = memory_mb * 1024 * 1024
            resource.prlimit(pid, resource.RLIMIT_AS, (size, size))
        if cpu_s > 0:
            resource.prlimit(pid, resource.RLIMIT_CPU, (cpu_s, cpu_s + 30))
        if nice > 0:
            os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid) + nice)
    except (OSError, ValueError) as exc:  # the kernel already gone, or not permitted
        log.warning("could not limit kernel process %s: %s", pid, exc)


class _Redact(logging.Filter):
    """Replace the trainer token in every log record with ``[secret]``."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        # as typed, and as it appears in a URL
        self.forms = sorted({secret, quote(secret, safe=""), quote_plus(secret)},
                            key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(form in text for form in self.forms):
            for form in self.forms:
                text = text.replace(form, "[secret]")
            record.msg, record.args = text, None
        return True


def log_request(handler: Any) -> None:
    """Tornado's request log line with ``token=`` (and other secrets) scrubbed from the URL."""
    _jupyter_log_request(handler, record_prometheus_metrics=False)


class PbkitVoila(Voila):
    """Voila with :class:`PbkitKernelWebsocketHandler`, :class:`GuardedKernelManager`,
    the token from :data:`TOKEN_ENV` and scrubbed request logs."""

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        token = os.environ.pop(TOKEN_ENV, None)  # kernels inherit the environment
        if token:
            self.token = token
            self.identity_provider_class = "pbkit.apps.voila_login.PbkitIdentityProvider"
            _install_redaction(token, self.log)

    def init_settings(self) -> dict:
        self.config.AsyncMappingKernelManager.kernel_manager_class = (
            f"{__name__}.GuardedKernelManager")
        self.config.MappingKernelManager.kernel_manager_class = (
            f"{__name__}.GuardedKernelManager")
        settings = super().init_settings()
        settings["log_function"] = log_request
        return settings

    def init_handlers(self) -> list:
        return [(entry[0], PbkitKernelWebsocketHandler, *entry[2:])
                if entry[1] is VoilaKernelWebsocketHandler else entry
                for entry in super().init_handlers()]


def _install_redaction(secret: str, app_log: logging.Logger) -> None:
    """Put the token filter on every log handler the server writes through."""
    redact = _Redact(secret)
    loggers = [logging.getLogger(), app_log, logging.getLogger("tornado"),
               logging.getLogger("tornado.access"), logging.getLogger("tornado.general"),
               logging.getLogger("tornado.application")]
    handlers = [logging.lastResort] if logging.lastResort else []
    for logger in loggers:
        logger.addFilter(redact)
        handlers += logger.handlers
    for handler in handlers:
        handler.addFilter(redact)


def main() -> None:
    """Run the server (``python -m pbkit.apps.voila_server [voila options]``)."""
    PbkitVoila.launch_instance()


if __name__ == "__main__":
    main()
