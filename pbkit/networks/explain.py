"""Readable reasons for planned pairs and uncovered targets (zh/en via the i18n catalog).

Reasons are rendered in bulk: every distinct piece (a distance, a capacity phrase, a set of
matched needs) is formatted once and then joined per row, so explaining 100k pairs costs a
few tens of milliseconds.

>>> need_labels(0b101, lang="en")
'elderly living alone, low income'
>>> distance_phrase(1.234, lang="zh")
'相距约 1.2 公里'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbkit.data.schema import NEEDS
from pbkit.i18n import resolve_lang, t

__all__ = [
    "SEP",
    "need_labels",
    "distance_phrase",
    "join_parts",
    "pair_reasons_one_on_one",
    "uncovered_reasons_one_on_one",
    "role_label",
]


def SEP(lang: str | None = None) -> str:
    """The separator between reason parts in ``lang``."""
    return "；" if resolve_lang(lang) == "zh" else "; "


def need_labels(mask: int, lang: str | None = None) -> str:
    """The needs in bit mask ``mask`` (bit i = ``NEEDS[i]``) as a readable list."""
    names = [t(f"networks.need.{n}", lang=lang) for i, n in enumerate(NEEDS) if mask >> i & 1]
    return ("、" if resolve_lang(lang) == "zh" else ", ").join(names)


def distance_phrase(km: float, lang: str | None = None) -> str:
    """``about 1.2 km away`` / ``相距约 1.2 公里``; unknown distances say so."""
    if km is None or not np.isfinite(km):
        return t("networks.reason.distance_unknown", lang=lang)
    return t("networks.reason.distance", lang=lang, km=f"{km:.1f}")


def role_label(role: str, lang: str | None = None) -> str:
    """Display name of a group role (falls back to the code)."""
    key = f"networks.role.{role}"
    text = t(key, lang=lang)
    return role if text == key else text


def join_parts(parts: list, lang: str | None = None) -> list[str]:
    """Join per-row lists of parts (``None`` parts skipped) with the language separator."""
    sep = SEP(lang)
    return [sep.join(p for p in row if p) for row in zip(*parts)]


def _map_unique(values: np.ndarray, render) -> list[str]:
    uniq, inverse = np.unique(values, return_inverse=True)
    rendered = np.array([render(u) for u in uniq.tolist()], dtype=object)
    return rendered[inverse.reshape(-1)].tolist()


def pair_reasons_one_on_one(pairs: pd.DataFrame, lang: str | None = None) -> list[str]:
    """One reason per planned one-on-one pair.

    ``pairs`` needs ``distance_km, capacity, capacity_left, matched_mask, needs_mask,
    status`` (``kept``, ``new`` or ``locked``) and ``migrant``.
    """
    if pairs.empty:
        return []
    lang = resolve_lang(lang)
    status = pairs["status"].to_numpy(dtype=object)
    head = _map_unique(status, lambda s: t(f"networks.reason.status.{s}", lang=lang))
    km = np.round(pairs["distance_km"].to_numpy(dtype="float64"), 1)
    km = np.where(np.isfinite(km), km, -1.0)
    dist = _map_unique(km, lambda v: distance_phrase(v if v >= 0 else float("nan"), lang))
    cap_key = pairs["capacity_left"].to_numpy() * 1000 + pairs["capacity"].to_numpy()
    cap = _map_unique(cap_key, lambda k: t("networks.reason.capacity", lang=lang,
                                           left=int(k // 1000), capacity=int(k % 1000)))
    need_key = pairs["matched_mask"].to_numpy() * 64 + pairs["needs_mask"].to_numpy()

    def need_text(k: int) -> str:
        matched, needs = k // 64, k % 64
        if needs == 0:
            return t("networks.reason.no_needs", lang=lang)
        if matched == 0:
            return t("networks.reason.need_unmatched", lang=lang, needs=need_labels(needs, lang))
        return t("networks.reason.need_matched", lang=lang, needs=need_labels(matched, lang))

    need = _map_unique(need_key, need_text)
    mig_text = t("networks.reason.migrant", lang=lang)
    mig = [mig_text if m else None for m in pairs["migrant"].to_numpy(dtype=bool)]
    return join_parts([head, dist, cap, need, mig], lang)


def uncovered_reasons_one_on_one(codes: np.ndarray, counts: np.ndarray, scope: str,
                                 radius_km: float | None, lang: str | None = None,
                                 removed: np.ndarray | None = None) -> list[str]:
    """One reason per uncovered household from a reason code and helper counts.

    Codes: ``no_helper`` (no eligible helper at all: in the village, the township, or within
    R km), ``no_location`` (radius planning without a position), ``removed`` (every eligible
    pair was excluded by the user), ``removed_full`` (some pairs excluded, the other eligible
    helpers full), ``full`` (all ``count`` eligible helpers are at capacity).
    """
    if removed is None:
        removed = np.zeros(len(codes), dtype=np.int64)
    lang = resolve_lang(lang)
    radius = f"{radius_km:g}" if radius_km is not None else ""

    def render(key: tuple[str, int, int]) -> str:
        code, n, r = key
        if code == "no_helper":
            if radius_km is not None and scope == "radius":
                return t("networks.uncovered.no_helper_radius", lang=lang, radius=radius)
            text = t(f"networks.uncovered.no_helper_{scope}", lang=lang)
            if radius_km is not None:
                text += SEP(lang) + t("networks.uncovered.within_radius", lang=lang,
                                      radius=radius)
            return text
        if code == "full":
            return t("networks.uncovered.all_full", lang=lang, n=n)
        if code == "removed_full":
            return t("networks.uncovered.removed_full", lang=lang, removed=r, n=n - r)
        return t(f"networks.uncovered.{code}", lang=lang, n=n)

    cache: dict[tuple[str, int, int], str] = {}
    out = []
    for code, n, r in zip(codes.tolist(), counts.tolist(), np.asarray(removed).tolist()):
        key = (code, int(n), int(r))
        text = cache.get(key)
        if text is None:
            text = cache[key] = render(key)
        out.append(text)
    return out
