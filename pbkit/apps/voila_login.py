"""The trainer console's log-in page in Chinese and English.

Voila renders its log-in form with Jupyter Server's own English ``login.html``, from a
template environment a Voila template cannot override. :class:`PbkitIdentityProvider`
(passed as ``--Voila.identity_provider_class``) keeps Voila's token check and swaps only
the page: :class:`PbkitLoginHandler` renders ``login.html`` from pbkit's Voila template.

It also makes the form work: Jupyter Server's ``IdentityProvider.process_login_form``
calls a ``user_for_token`` method that only its legacy provider has, so a right token typed
into the form ends in an internal error under Voila's provider.

Only the Voila server process imports this module (it imports Voila).
"""

from __future__ import annotations

import hmac
from typing import Any

from voila.voila_identity_provider import VoilaIdentityProvider, VoilaLoginHandler

__all__ = ["PbkitIdentityProvider", "PbkitLoginHandler"]


class PbkitLoginHandler(VoilaLoginHandler):
    """Voila's log-in handler with pbkit's bilingual ``login.html``."""

    def get_template(self, name: str) -> Any:
        if name == "login.html":
            # Voila's own template environment searches pbkit's template folder first
            return self.settings["voila_jinja2_env"].get_template("login.html")
        return super().get_template(name)


class PbkitIdentityProvider(VoilaIdentityProvider):
    """Voila's identity provider (token check unchanged) with :class:`PbkitLoginHandler`."""

    def __init__(self, **kwargs: Any) -> None:
        # Voila passes its own handler class explicitly; the log-in page is pbkit's
        kwargs["login_handler_class"] = PbkitLoginHandler
        super().__init__(**kwargs)

    def process_login_form(self, handler: Any) -> Any:
        """The user for the log-in form: a new anonymous user if the token matches, else ``None``."""
        if not self.auth_enabled:
            return super().process_login_form(handler)
        typed = handler.get_argument("password", default="")
        if self.token and hmac.compare_digest(self.token.encode(), typed.encode()):
            return self.generate_anonymous_user(handler)
        return None
