"""Guards against text that is not an answer to the villager.

* :func:`copies_scenario` — the answer mostly repeats the scenario the trainee was given
  (its title, context or persona): most of its character 3-grams (Chinese) or word 3-grams
  (English) occur in the scenario text.
* :func:`not_addressed` — the answer talks *about* the villager instead of *to* her: no
  word addresses the listener ("您", "你", "大娘", "you", "auntie") while words for the
  villager or the trainee in the third person or lecture frames do ("该村民", "书记应该",
  "the villager", "the secretary should"). The lexicons are the ``second_person`` and
  ``third_person`` lists of ``common/stance.yaml``.

The scorer gives such answers no level and marks them for the trainer.

>>> from pbkit.roleplay.models import get_scenario
>>> sc = get_scenario("dibao-complaint")
>>> copies_scenario(sc.context.zh, scenario_grams(sc))
True
>>> not_addressed("书记应该先安抚该村民的情绪，再讲清低保程序。")
True
>>> not_addressed("大娘，您先坐，慢慢说。")
False
"""

from __future__ import annotations

import re

from pbkit.roleplay.normalize import normalize

__all__ = ["scenario_grams", "copies_scenario", "not_addressed", "COPY_SHARE"]

COPY_SHARE = 0.5
"""Share of an answer's 3-grams found in the scenario text above which it is a copy."""

_MIN_GRAMS = 6
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z0-9']+")


def _grams(text: str) -> set[str]:
    chars = "".join(_CJK.findall(text))
    out = {chars[i:i + 3] for i in range(len(chars) - 2)}
    words = _WORD.findall(text)
    out |= {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}
    return out


def scenario_grams(scenario) -> frozenset[str]:
    """The 3-grams of a scenario's title, context and persona, both languages."""
    text = " \n".join(normalize(t.get(lang)).text
                      for t in (scenario.title, scenario.context, scenario.persona)
                      for lang in ("zh", "en"))
    return frozenset(_grams(text))


def copies_scenario(text: str, grams: frozenset[str], *, normalized: bool = False) -> bool:
    """Whether most of ``text`` repeats the scenario whose 3-grams are ``grams``."""
    own = _grams(text if normalized else normalize(text).text)
    if len(own) < _MIN_GRAMS:
        return False
    return len(own & grams) >= COPY_SHARE * len(own)


def not_addressed(text: str, *, normalized: bool = False) -> bool:
    """Whether ``text`` speaks about the villager (report, lecture) and never to her."""
    from pbkit.roleplay.stance import count

    norm = text if normalized else normalize(text).text
    return count("second_person", norm) == 0 and count("third_person", norm) >= 1
