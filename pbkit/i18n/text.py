"""The one bilingual text type: a string in each user language.

Quiz questions, lesson sources, course plans and role-play scenarios all hold their
user-facing words as :class:`Text`; ``get(lang)`` picks the language (the current one by
default, Chinese unless English is asked for).

>>> Text("你好", "hello").get("en"), Text("你好", "hello").get("zh")
('hello', '你好')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Text"]


@dataclass(frozen=True)
class Text:
    """A text in both user languages.

    Parameters
    ----------
    zh, en : str
        The Chinese and the English wording.

    >>> Text(zh="支部", en="branch").get()
    '支部'
    """

    zh: str
    en: str

    def get(self, lang: str | None = None) -> str:
        """The text in ``lang`` (``zh`` or ``en``; default: the current language)."""
        from pbkit.i18n import resolve_lang

        return self.en if resolve_lang(lang) == "en" else self.zh
