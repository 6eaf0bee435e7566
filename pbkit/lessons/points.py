"""A synthetic points table (党员积分) for lesson 13, made from the sample's members.

The course dataset has no points records, and the core schema (:mod:`pbkit.data.schema`)
stays as it is. :func:`member_points` makes a small, deterministic, lesson-local table
instead: one row per party member of a village or community branch, scored on the example
scale of ``lessons/13-member-management/points-scale.yaml`` (a local example, labelled so;
see its header).

What is real and what is invented:

* taken from the dataset: the member's branch, age band, migrant status and probationary
  status, dues paid up to the reference date, visits made in the year and active one-on-one
  pairs;
* drawn with a fixed seed (:data:`SEED`): organisation-life attendance (around the branch's
  recorded attendance rate), the post of 设岗定责 and its rating, promises made and kept,
  volunteer times.

No name, birth date or other personal detail is used or produced; members are named by
their pseudonymous ids. The same dataset and seed always give the same table.

>>> from pbkit.data.sample import load_sample
>>> table = member_points(load_sample())
>>> bool(table["total"].between(0, 100).all())
True
>>> member_points(load_sample()).equals(table)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SEED", "CATEGORIES", "PointsScale", "load_scale", "scale_path", "member_points"]

#: The seed of every random draw of :func:`member_points`.
SEED = 2016
#: Categories of 分类管理 (an example grouping; see lesson 13), in display order.
CATEGORIES: tuple[str, ...] = ("at_home", "migrant", "elderly", "probationary")
_LEVELS = ("village", "community")
_MONTHLY = ("activity_day", "general_meeting", "group_meeting", "party_lesson")


@dataclass(frozen=True)
class PointsScale:
    """The example scale: items (``per`` points per unit, ``max`` cap), bands, posts."""

    items: dict[str, dict]
    bands: tuple[dict, ...]
    posts: dict[str, dict]

    def band(self, total: float) -> str:
        """The id of the band ``total`` falls in.

        >>> load_scale().band(85), load_scale().band(10)
        ('high', 'low')
        """
        for b in self.bands:
            if total >= b["min"]:
                return b["id"]
        return self.bands[-1]["id"]


def scale_path() -> Path:
    """``lessons/13-member-management/points-scale.yaml``."""
    from pbkit.lessons.loader import lessons_dir

    return lessons_dir() / "13-member-management" / "points-scale.yaml"


@lru_cache(maxsize=2)
def _read(path: str) -> PointsScale:
    from pbkit.yamlconf import YamlDoc

    doc = YamlDoc.from_path(path, Path(path).name)
    data = doc.mapping(doc.data, (), required=("items", "bands", "posts"))
    items = {}
    for k, v in doc.mapping(data["items"], ("items",)).items():
        items[k] = dict(doc.mapping(v, ("items", k), required=("per", "max")))
        doc.number(v["per"], ("items", k, "per")), doc.number(v["max"], ("items", k, "max"))
    bands = []
    for i, b in enumerate(doc.sequence(data["bands"], ("bands",), min_len=1)):
        bands.append(dict(doc.mapping(b, ("bands", i), required=("id", "min"))))
        doc.number(b["min"], ("bands", i, "min"))
    posts = {k: dict(doc.mapping(v, ("posts", k)))
             for k, v in doc.mapping(data["posts"], ("posts",)).items()}
    return PointsScale(items, tuple(sorted(bands, key=lambda b: -b["min"])), posts)


def load_scale(path: str | Path | None = None) -> PointsScale:
    """Read the example points scale (default :func:`scale_path`).

    >>> sum(v["max"] for v in load_scale().items.values())
    100
    """
    return _read(str(path or scale_path()))


def _branch_attendance(ctx) -> pd.Series:
    """attended / expected of the monthly meetings of the year, per branch."""
    acts = ctx.activities()
    acts = acts[acts["kind"].isin(_MONTHLY)]
    g = acts.groupby("org_id")[["attended", "expected"]].sum()
    rate = g["attended"] / g["expected"].where(g["expected"] > 0)
    return rate.clip(0, 1)


def _category(mem: pd.DataFrame, bands: pd.Series) -> pd.Series:
    """分类管理 example: migrant, elderly (70+), probationary, else at home."""
    cat = np.where(mem["is_migrant"], "migrant",
                   np.where(bands.isin(["70-79", "80+"]), "elderly",
                            np.where(mem["probationary"], "probationary", "at_home")))
    return pd.Series(cat, index=mem.index)


def member_points(ds, seed: int = SEED, scale: PointsScale | None = None,
                  lang: str | None = None) -> pd.DataFrame:
    """One row per member of a village or community branch, with points per item.

    Parameters
    ----------
    ds : Dataset
    seed : int
        Seed of the random draws (default :data:`SEED`).
    scale : PointsScale, optional
        Default: :func:`load_scale`.
    lang : str, optional
        Only selects which cached health context is reused; the table has no text.

    Returns
    -------
    DataFrame
        ``person_id, org_id, age_band, category, post, org_life_n, dues_n, post_duty_n,
        promises_made, promises_n, volunteer_n, service_n``, the points of each scale item
        (``org_life, dues, post_duty, promises, volunteer, service``: ``min(per * n, max)``),
        ``total`` and ``band``; by branch and member id.
    """
    from pbkit.health.branches import active_pairings, age_band_of
    from pbkit.lessons.analyses import _ctx

    scale = scale or load_scale()
    ctx = _ctx(ds, lang)
    levels = ctx.branches().set_index("org_id")["level"]
    mem = ctx.members()
    mem = mem[mem["org_id"].map(levels).isin(_LEVELS)].sort_values(
        ["org_id", "person_id"]).reset_index(drop=True)
    rng = np.random.default_rng(seed)
    n = len(mem)
    bands = age_band_of(mem, ctx.year)
    category = _category(mem, bands)
    rate = _branch_attendance(ctx)
    p = mem["org_id"].map(rate).fillna(float(rate.mean()) if len(rate) else 0.7).to_numpy()
    p = p * np.where(category == "migrant", 0.3, np.where(category == "elderly", 0.7, 1.0))
    org_life_n = rng.binomial(12, np.clip(p, 0, 1))
    paid = pd.to_datetime(mem["dues_paid_until"])
    dues_n = (paid >= ctx.as_of - pd.Timedelta(days=31)).fillna(False).astype(int).to_numpy()
    post_ids = list(scale.posts)
    has_post = (rng.random(n) < 0.8) & (category.to_numpy() != "migrant") & (
        bands.to_numpy() != "80+")
    post = np.where(has_post, np.asarray(post_ids, dtype=object)[rng.integers(
        0, len(post_ids), n)], None)
    post_duty_n = np.where(has_post, np.round(20 * rng.beta(3 + 6 * p, 1.5, n)), 0).astype(int)
    made = np.where(category == "migrant", 1, rng.integers(1, 4, n))
    kept = rng.binomial(made, np.clip(0.55 + 0.45 * p, 0, 1))
    volunteer_n = rng.poisson(np.where(category == "migrant", 0.5, 11 * p))
    visits = ctx.visits()
    nvis = visits.groupby("person_id").size()
    pairs = active_pairings(ds, ctx.as_of, "one_on_one").groupby("source_id").size()
    service_n = (mem["person_id"].map(nvis).fillna(0) + mem["person_id"].map(pairs).fillna(0)
                 ).astype(int).to_numpy()
    counts = {"org_life": org_life_n, "dues": dues_n, "post_duty": post_duty_n,
              "promises": kept, "volunteer": volunteer_n, "service": service_n}
    out = pd.DataFrame({"person_id": mem["person_id"], "org_id": mem["org_id"],
                        "age_band": bands.to_numpy(), "category": category.to_numpy(),
                        "post": post, "promises_made": made.astype(int)})
    for item in scale.items:
        out[f"{item}_n"] = np.asarray(counts[item], dtype=int)
    for item, spec in scale.items.items():
        out[item] = np.minimum(spec["per"] * out[f"{item}_n"], spec["max"]).astype(float)
    out["total"] = out[list(scale.items)].sum(axis=1)
    out["band"] = out["total"].map(scale.band)
    return out
