"""The trainer console's log-in page in Chinese and English.

Voila renders its log-in form with Jupyter Server's own English ``login.html``, from a
template environment a Voila template cannot override. :class:`PbkitIdentityProvider`
(passed as ``--Voila.identity_provider_class``) keeps Voila's token check and swaps only
the page: :class:`PbkitLoginHandler` renders ``login.html`` from pbkit's Voila template.

It also makes the form work: Jupyter Server's ``IdentityProvider.process_login_form``
calls a ``user_for_token`` method that only its legacy provider has, so a right token typed
into the form ends in an internal error under Voila's provider.

It limits guessing: a client (by address) that gives a wrong token
:data:`LoginLimiter.free_failures` times is locked out, first for
:data:`LoginLimiter.first_lockout_s` seconds, twice as long after each further wrong token
(at most :data:`LoginLimiter.max_lockout_s`); while locked out no token is even compared,
and the form says (in Chinese and English) how long to wait. Tokens are compared in
constant time.

Only the Voila server process imports this module (it imports Voila).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from voila.voila_identity_provider import VoilaIdentityProvider, VoilaLoginHandler

__all__ = ["PbkitIdentityProvider", "PbkitLoginHandler"]


class LoginLimiter:
    """Wrong-token counts and lockouts per client address.

    >>> limiter = LoginLimiter(clock=lambda: 100.0)
    >>> for _ in range(5):
    ...     limiter.failed("10.0.0.9")
    >>> limiter.wait("10.0.0.9"), limiter.wait("10.0.0.8")
    (30, 0)
    """

    free_failures = 5
    first_lockout_s = 30.0
    max_lockout_s = 900.0
    max_clients = 10_000  # a bound on memory; the oldest entries go first

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._clients: dict[str, tuple[int, float]] = {}  # address -> (failures, until)

    def wait(self, client: str) -> int:
        """Seconds ``client`` must still wait before a token is checked (0: none)."""
        _, until = self._clients.get(client, (0, 0.0))
        left = until - self._clock()
        return int(left + 0.999) if left > 0 else 0

    def failed(self, client: str) -> None:
        """Count a wrong token from ``client`` and lock it out past the free ones."""
        failures = self._clients.pop(client, (0, 0.0))[0] + 1
        until = 0.0
        if failures >= self.free_failures:
            extra = failures - self.free_failures
            until = self._clock() + min(self.first_lockout_s * 2 ** min(extra, 16),
                                        self.max_lockout_s)
        if len(self._clients) >= self.max_clients:
            self._clients.pop(next(iter(self._clients)))
        self._clients[client] = (failures, until)

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


class PbkitLoginHandler(VoilaLoginHandler):
    """Voila's log-in handler with pbkit's bilingual ``login.html`` and lockout message."""

    def get_template(self, name: str) -> Any:
        if name == "login.html":
            # Voila's own template environment searches pbkit's template folder first
            return self.settings["voila_jinja2_env"].get_template("login.html")
        return super().get_template(name)

    @allow_unauthenticated
    def post(self) -> None:
        wait = self.identity_provider.limiter.wait(self.request.remote_ip)
        if wait:
            self.set_status(429)
            self.set_header("Retry-After", str(wait))
            self._render(message={"error": "locked", "wait": wait})
            return
        super().post()


class PbkitIdentityProvider(VoilaIdentityProvider):
    """Voila's identity provider (token check unchanged) with :class:`PbkitLoginHandler`."""

    def __init__(self, **kwargs: Any) -> None:
        # Voila passes its own handler class explicitly; the log-in page is pbkit's
        kwargs["login_handler_class"] = PbkitLoginHandler
        super().__init__(**kwargs)
        self.limiter = LoginLimiter()

    def _check(self, handler: Any, typed: str) -> bool:
        """Whether ``typed`` is the token, counting a wrong one against the client."""
        client = handler.request.remote_ip
        if self.limiter.wait(client):
            return False
        if hmac.compare_digest(self.token.encode(), typed.encode()):
            self.limiter.succeeded(client)
            return True
        self.limiter.failed(client)
        return False

    def process_login_form(self, handler: Any) -> Any:
        """The user for the log-in form: a new anonymous user if the token matches, else ``None``."""
        if not self.auth_enabled:
            return super().process_login_form(handler)
        typed = handler.get_argument("password", default="")
        if self.token and self._check(handler, typed):
            return self.generate_anonymous_user(handler)
        return None

    async def get_user_token(self, handler: Any) -> Any:
        """The user for a token in the link or ``Authorization`` header, rate-limited."""
        typed = self.get_token(handler)
        if not self.token or not typed or not self._check(handler, typed):
            return None
        return await super().get_user_token(handler)
