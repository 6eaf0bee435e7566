"""Deterministic synthetic datasets that look like the field reports describe.

:func:`synthesize` builds a whole :class:`~pbkit.data.dataset.Dataset` (orgs, people,
needy households, pairings of every mechanism, a year of meetings, visits) for one
township, one county or one province. Everything is drawn from a numpy ``Generator``
seeded with ``seed``: the same seed gives the same tables and the same CSV bytes, on any
day (the reference year is fixed at :data:`REF_YEAR`; no date is after
:data:`REF_DATE`).

What the data makes visible (the problems the seed reports stress):

* an ageing membership (about 40 % aged 60 or more) with a low share of high-school
  education or more;
* 15–25 % migrant members (``migrant``, ``destination``), a share of them out of
  contact (``last_contact``) and behind with dues (``dues_paid_until``);
* some weak and lax village branches (``weak_lax``), some branches with no new member
  for years, and weak non-public enterprise branches;
* uneven attention: township leaders and cadres visit a few large "showcase" villages
  much more than small ones, some of which get no visit at all;
* needy households of every kind, one-on-one pairs with uncovered households and
  overloaded helpers (pairs above ``capacity``);
* 2+1 groups (township leader + experienced village secretary mentoring a student
  official or a newly appointed secretary), bao-cun teams (1 deputy leader + 2 agency
  cadres per village), branch pairs (advanced -> weak branch; enterprise or county
  department -> village), study-help pairs;
* a year of meetings in which some branches keep the three-meetings-one-lesson rhythm,
  others do not, and a few "perfunctory" branches have suspiciously uniform records
  (the same attendance every time, always on the same day of the month).

Privacy by construction: the people table carries ``age_band`` (never a birth year).
Holders of a public office (:data:`~pbkit.data.schema.PUBLIC_OFFICES`: secretaries,
committee members, township leaders, cadres, student officials, first secretaries) are
drawn one by one: they are known by their office and the privacy gate measures them apart.
Everyone else (members, probationary members, activists) is drawn in blocks of at least
:data:`K_BLOCK` people of one organisation who share every quasi-identifier (age band,
gender, education, occupation, role, joining year, migrant status and destination,
skills; no year in a role), so every synthetic dataset passes
:func:`~pbkit.data.privacy.privacy_check` with ``k >= 5`` over
:data:`~pbkit.data.schema.QUASI_IDENTIFIERS`. Development stays spread over the years
block by block (several blocks of five joining in different years; a recruiting village
has activists, probationary members or a block developed in the last few years).

Identifiers: orgs ``C01`` (county), ``T01`` (township), ``T01-V03`` (village or
community), ``T01-G01`` (township organ branch), ``T01-S01`` (school), ``T01-E01``
(enterprise), ``C01-G01`` (county organ branch); at province scale ``R01`` (province),
``M01`` (city) and every county-level id prefixed with its county (``C03-T01-V02``).
People ``P000123``, households ``H000045``, pairings ``L000001``, activities ``A000001``,
visits ``W000001`` (seven digits at province scale).

>>> ds = synthesize("township", seed=1)
>>> len(ds.villages()), 500 <= len(ds.people) <= 700
(12, True)
>>> synthesize("township", seed=1).people.equals(ds.people)
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.data.schema import (
    ACTIVITY_KINDS,
    AGE_BANDS,
    EDUCATION,
    GENDERS,
    NEEDS,
    OCCUPATIONS,
    ROLES,
    VISIT_TOPICS,
)

__all__ = [
    "SCALES",
    "ScaleSpec",
    "REF_YEAR",
    "REF_DATE",
    "K_BLOCK",
    "SKILL_TAGS",
    "DESTINATIONS",
    "RHYTHMS",
    "synthesize",
    "iter_synthesize",
]

REF_YEAR = 2025
REF_DATE = np.datetime64("2025-12-31")
K_BLOCK = 5

SKILL_TAGS: tuple[str, ...] = ("medical", "agriculture", "legal", "elder_care", "tutoring",
                               "construction", "ecommerce", "accounting", "policy")
DESTINATIONS: tuple[str, ...] = ("guangdong", "zhejiang", "jiangsu", "shanghai", "beijing",
                                 "fujian", "tianjin", "in_province")
_DEST_P = np.array([0.24, 0.18, 0.15, 0.10, 0.06, 0.07, 0.04, 0.16])

# Meeting rhythm of a branch over the year. keep: probability that a scheduled meeting is
# held (per kind); att: mean attendance rate before migrants are taken out.
RHYTHMS: dict[str, dict] = {
    "regular": {"keep": {"general_meeting": 0.97, "committee_meeting": 0.97,
                         "group_meeting": 0.93, "party_lesson": 0.97, "activity_day": 0.95,
                         "org_life_meeting": 1.0, "democratic_appraisal": 1.0},
                "volunteer": 0.65, "att": 0.9},
    "irregular": {"keep": {"general_meeting": 0.55, "committee_meeting": 0.5,
                           "group_meeting": 0.4, "party_lesson": 0.45, "activity_day": 0.55,
                           "org_life_meeting": 0.8, "democratic_appraisal": 0.6},
                  "volunteer": 0.2, "att": 0.72},
    "lapsed": {"keep": {"general_meeting": 0.25, "committee_meeting": 0.15,
                        "group_meeting": 0.08, "party_lesson": 0.15, "activity_day": 0.15,
                        "org_life_meeting": 0.5, "democratic_appraisal": 0.3},
               "volunteer": 0.03, "att": 0.6},
    "perfunctory": {"keep": {"general_meeting": 1.0, "committee_meeting": 1.0,
                             "group_meeting": 1.0, "party_lesson": 1.0, "activity_day": 1.0,
                             "org_life_meeting": 1.0, "democratic_appraisal": 1.0},
                    "volunteer": 0.0, "att": 0.9},
}
_RHYTHM_NAMES = tuple(RHYTHMS)
# Probability of each rhythm by kind of branch (regular, irregular, lapsed, perfunctory).
_RHYTHM_P = {
    "village": (0.76, 0.12, 0.02, 0.10),
    "weak": (0.0, 0.45, 0.35, 0.20),
    "enterprise": (0.35, 0.40, 0.15, 0.10),
    "enterprise_weak": (0.0, 0.35, 0.65, 0.0),
    "organ": (0.85, 0.05, 0.0, 0.10),
    "school": (0.80, 0.10, 0.0, 0.10),
}

# Schedule of the three meetings and one lesson (months of REF_YEAR).
_SCHEDULE: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("general_meeting", (3, 6, 9, 12)),
    ("committee_meeting", tuple(range(1, 13))),
    ("party_lesson", (3, 6, 9, 12)),
    ("activity_day", tuple(range(1, 13))),
    ("org_life_meeting", (1,)),
    ("democratic_appraisal", (1,)),
)


@dataclass(frozen=True)
class ScaleSpec:
    """Size parameters of one scale (all counts are per parent unit)."""

    name: str
    cities: int                      # 0: no province/city level
    counties_per_city: int
    townships: tuple[int, int]       # per county, inclusive range
    villages: tuple[int, int]        # village-level units per township (first: community)
    members_mean: float              # mean members per village branch
    needy_per_member: float          # needy households per village member
    enterprises: tuple[int, int]     # enterprise branches per township
    width: int                       # digits in person/household/... ids
    max_members: int | None = None   # largest village branch (None: no cap)


SCALES: dict[str, ScaleSpec] = {
    # a village branch of more than 50 members is usually split or made a general branch
    # (党总支) with branches under it: the township sample keeps its branches at most 50
    "township": ScaleSpec("township", 0, 1, (1, 1), (12, 12), 48.0, 0.66, (2, 2), 6, 50),
    "county": ScaleSpec("county", 0, 1, (18, 18), (28, 39), 85.0, 1.9, (2, 4), 6),
    "province": ScaleSpec("province", 3, 5, (16, 20), (28, 39), 85.0, 1.9, (2, 4), 7),
}

# Quasi-identifier profile distributions: age band probabilities by kind of branch.
_AGE_P = {
    "village": np.array([0.07, 0.12, 0.19, 0.25, 0.20, 0.12, 0.05]),
    "village_old": np.array([0.02, 0.05, 0.10, 0.20, 0.28, 0.23, 0.12]),
    "organ": np.array([0.18, 0.32, 0.30, 0.20, 0.0, 0.0, 0.0]),
    "school": np.array([0.22, 0.30, 0.28, 0.20, 0.0, 0.0, 0.0]),
    "enterprise": np.array([0.20, 0.35, 0.30, 0.15, 0.0, 0.0, 0.0]),
}
_AGE_LO = np.array([18, 30, 40, 50, 60, 70, 80])
_AGE_HI = np.array([29, 39, 49, 59, 69, 79, 92])
# Education by age band for village members (primary .. postgraduate).
_EDU_VILLAGE = np.array([
    [0.03, 0.35, 0.32, 0.18, 0.12, 0.0],
    [0.08, 0.50, 0.26, 0.11, 0.05, 0.0],
    [0.18, 0.56, 0.21, 0.04, 0.01, 0.0],
    [0.32, 0.50, 0.15, 0.03, 0.0, 0.0],
    [0.52, 0.38, 0.10, 0.0, 0.0, 0.0],
    [0.70, 0.25, 0.05, 0.0, 0.0, 0.0],
    [0.85, 0.13, 0.02, 0.0, 0.0, 0.0],
])
_EDU_KIND = {
    "organ": np.array([0.0, 0.0, 0.08, 0.27, 0.55, 0.10]),
    "school": np.array([0.0, 0.0, 0.05, 0.40, 0.50, 0.05]),
    "enterprise": np.array([0.0, 0.30, 0.40, 0.20, 0.10, 0.0]),
}
# Occupation for village members under 60 and 60 or over.
_OCC_YOUNG = np.zeros(len(OCCUPATIONS))
_OCC_OLD = np.zeros(len(OCCUPATIONS))
for _code, _p in {"farmer": 0.44, "migrant_worker": 0.26, "business": 0.13, "worker": 0.09,
                  "other": 0.08}.items():
    _OCC_YOUNG[OCCUPATIONS.index(_code)] = _p
for _code, _p in {"farmer": 0.55, "retired": 0.37, "other": 0.08}.items():
    _OCC_OLD[OCCUPATIONS.index(_code)] = _p
_OCC_KIND = {"organ": "cadre", "school": "teacher", "enterprise": "worker"}
_MALE_P = {"village": 0.78, "organ": 0.68, "school": 0.45, "enterprise": 0.7}

# Probability of migrating by occupation (scaled to the target share per township).
_MIGRANT_OCC = {"farmer": 0.10, "migrant_worker": 0.9, "business": 0.22, "worker": 0.3,
                "other": 0.12, "student": 0.3}
# Probability of each skill tag by occupation.
_SKILL_P = {
    "farmer": {"agriculture": 0.55, "construction": 0.1, "elder_care": 0.08},
    "migrant_worker": {"construction": 0.35, "ecommerce": 0.15},
    "business": {"ecommerce": 0.4, "accounting": 0.3},
    "worker": {"construction": 0.4, "accounting": 0.05},
    "retired": {"elder_care": 0.25, "agriculture": 0.3, "policy": 0.1},
    "cadre": {"policy": 0.6, "legal": 0.25, "accounting": 0.1},
    "teacher": {"tutoring": 0.8, "policy": 0.1},
    "doctor": {"medical": 0.9},
    "student": {"tutoring": 0.4, "ecommerce": 0.3},
    "other": {"medical": 0.08, "legal": 0.05, "tutoring": 0.1, "elder_care": 0.1},
}
_SKILL_MATRIX = np.zeros((len(OCCUPATIONS), len(SKILL_TAGS)))
for _code, _tags in _SKILL_P.items():
    for _tag, _p in _tags.items():
        _SKILL_MATRIX[OCCUPATIONS.index(_code), SKILL_TAGS.index(_tag)] = _p

# Readable pseudonyms shown instead of codes (name_code): fictional, drawn per county
# (townships) and per township (villages, enterprises) without repetition.
_COUNTY_NAMES = ("临河", "安平", "清源", "永宁", "丰乐", "长青", "宜川", "南江", "北塘", "云岭",
                 "白水", "石城", "柳江", "桃源", "凤台", "双流")
_TOWN_NAMES = ("青河", "临川", "永丰", "安乐", "长宁", "平桥", "金沙", "石门", "兴隆", "太平",
               "双河", "大兴", "柏林", "新集", "白沙", "马桥", "高塘", "花园", "仁和", "龙岗",
               "梅林", "黄湾", "东阳", "西湖")
_VILLAGE_NAMES = ("东山", "河湾", "柳树", "石桥", "南岗", "杨庄", "枣林", "西坡", "北岭", "桃园",
                  "王庄", "李家", "沙河", "马坊", "白杨", "青石", "前进", "红星", "新华", "永安",
                  "双井", "龙泉", "梨花", "清水", "高庄", "黄土", "松林", "三里", "五里", "十里",
                  "张湾", "刘营", "陈庄", "赵寨", "孙家", "周坪", "吴湾", "郑集", "冯庄", "韩营",
                  "朱楼", "何庄", "罗湾", "宋庄", "唐河", "许庄", "邓湾", "曹庄", "彭家", "谢庄")
_FIRM_NAMES = ("丰源食品", "宏达建材", "兴农农机", "金穗米业", "绿源果业", "华康制衣")
_CITY_NAMES = ("东州", "西州", "南州", "北州", "中州")

_NEED_P = np.array([0.30, 0.15, 0.24, 0.13, 0.13, 0.05])
_INCOME = ("none", "under_50k", "50k_100k", "100k_500k", "over_500k")

_KIND_VILLAGE, _KIND_ORGAN, _KIND_SCHOOL, _KIND_ENTERPRISE = 0, 1, 2, 3
_KIND_NAMES = ("village", "organ", "school", "enterprise")
_YEAR_START = np.datetime64("2025-01-01")


# --------------------------------------------------------------------------- helpers

def _draw(rng: np.random.Generator, probs: np.ndarray, stratified: bool = False) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised).

    ``stratified``: the uniforms are spread evenly over [0, 1) (one per stratum, in random
    order), so the shares drawn stay close to the probabilities even for few rows.
    """
    probs = np.atleast_2d(probs)
    cum = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    n = len(probs)
    if stratified and n:
        u = (rng.permutation(n) + rng.random(n)) / n
    else:
        u = rng.random(n)
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _draw_in_groups(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray
                    ) -> np.ndarray:
    """Like :func:`_draw` with ``stratified=True``, the strata spread inside each group:
    every group's draws stay close to its probabilities even when it has few rows."""
    probs = np.atleast_2d(probs)
    n = len(probs)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((rng.random(n), group))
    g = group[order]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.searchsorted(g, g, side="left")
    count = np.bincount(group)[group]
    u = (rank + rng.random(n)) / count
    cum = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _top_per_group(group: np.ndarray, score: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mask of the ``counts[g]`` highest-scoring rows inside each group ``g``."""
    n = len(group)
    if n == 0:
        return np.zeros(0, bool)
    order = np.lexsort((-score, group))
    g = group[order]
    first = np.searchsorted(g, g, side="left")
    rank = np.arange(n) - first
    mask = np.zeros(n, bool)
    mask[order] = rank < counts[g]
    return mask


def _choose_in_group(rng: np.random.Generator, cand_group: np.ndarray, cand_weight: np.ndarray,
                     query_group: np.ndarray) -> np.ndarray:
    """For each query, the index of a candidate of the same group drawn with probability
    proportional to its weight, or -1 when the group has no candidate."""
    out = np.full(len(query_group), -1, dtype=np.int64)
    if len(cand_group) == 0 or len(query_group) == 0:
        return out
    order = np.argsort(cand_group, kind="stable")
    g = cand_group[order]
    w = cand_weight[order].astype(float)
    size = int(max(g.max(), query_group.max())) + 1
    tot = np.bincount(g, weights=w, minlength=size)
    start_w = np.concatenate([[0.0], np.cumsum(tot)])[:-1]
    pos = g + (np.cumsum(w) - start_w[g]) / np.where(tot[g] > 0, tot[g], 1.0)
    end = np.searchsorted(g, np.arange(size), side="right")
    u = 1.0 - rng.random(len(query_group))
    has = tot[query_group] > 0
    idx = np.searchsorted(pos, query_group + u, side="left")
    idx = np.minimum(idx, end[query_group] - 1)
    out[has] = order[idx[has]]
    return out


def _dates(rng: np.random.Generator, n: int, start: str, end: str = "2025-12-31") -> np.ndarray:
    lo = np.datetime64(start)
    span = int((np.datetime64(end) - lo).astype(int)) + 1
    return lo + rng.integers(0, span, n).astype("timedelta64[D]")


def _month_end(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    months = (year - 1970) * 12 + (month - 1)
    return ((months + 1).astype("datetime64[M]").astype("datetime64[D]")
            - np.timedelta64(1, "D"))


def _mask_labels(codes: tuple[str, ...]) -> np.ndarray:
    """Lookup table bitmask -> tuple of codes (the dtype of multi/tags columns)."""
    labels = np.empty(1 << len(codes), dtype=object)
    for mask in range(1 << len(codes)):
        labels[mask] = tuple(c for i, c in enumerate(codes) if mask >> i & 1)
    return labels


_ROLE_LABELS = _mask_labels(ROLES)
_NEED_LABELS = _mask_labels(NEEDS)
_SKILL_LABELS = _mask_labels(SKILL_TAGS)
_ROLE_BIT = {r: 1 << i for i, r in enumerate(ROLES)}


def _ids(prefix: str, start: int, n: int, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers ``start .. start+n-1`` (built as bytes, fast)."""
    width = max(width, len(str(max(start + n - 1, 0))))
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    nums = np.arange(start, start + n, dtype=np.int64)
    mat = np.empty((n, len(pre) + width), dtype=np.uint8)
    mat[:, : len(pre)] = pre
    for k in range(width):
        mat[:, len(pre) + width - 1 - k] = 48 + (nums // 10**k) % 10
    return mat.view(f"S{len(pre) + width}").ravel().astype("U").astype(object)


# --------------------------------------------------------------------------- people

# Slots of people: office holders (known by their office, drawn one by one) and private
# people (drawn in blocks of >= K_BLOCK who share every quasi-identifier).
(_SLOT_SEC, _SLOT_DEP, _SLOT_COM, _SLOT_LEAD, _SLOT_CADRE, _SLOT_STUD, _SLOT_FS,
 _SLOT_CCADRE, _SLOT_MEMBER, _SLOT_PROB, _SLOT_ACT) = range(11)
_PRIVATE_SLOTS = (_SLOT_MEMBER, _SLOT_PROB, _SLOT_ACT)
# age band probabilities of office holders (village committees are of working age)
_AGE_OFFICE = {
    "village": np.array([0.02, 0.10, 0.25, 0.33, 0.25, 0.05, 0.0]),
    "unit": np.array([0.05, 0.35, 0.35, 0.25, 0.0, 0.0, 0.0]),
    _SLOT_LEAD: np.array([0.0, 0.25, 0.45, 0.30, 0.0, 0.0, 0.0]),
    _SLOT_STUD: np.array([0.85, 0.15, 0.0, 0.0, 0.0, 0.0, 0.0]),
    _SLOT_FS: np.array([0.0, 0.35, 0.40, 0.25, 0.0, 0.0, 0.0]),
}
# age bands of the development pipeline and of recently developed members
_AGE_PIPE = {
    _SLOT_ACT: np.array([0.45, 0.35, 0.20, 0.0, 0.0, 0.0, 0.0]),
    _SLOT_PROB: np.array([0.55, 0.45, 0.0, 0.0, 0.0, 0.0, 0.0]),
    "recent": np.array([0.45, 0.35, 0.20, 0.0, 0.0, 0.0, 0.0]),
}
_EDU_STUDENT = np.array([0.0, 0.0, 0.0, 0.1, 0.7, 0.2])


def _block_sizes(n: int) -> list[int]:
    """``n >= K_BLOCK`` people split into blocks of ``K_BLOCK`` or a little more.

    >>> _block_sizes(5), _block_sizes(13), _block_sizes(17)
    ([5], [7, 6], [6, 6, 5])
    """
    nb = n // K_BLOCK
    return [n // nb + (j < n % nb) for j in range(nb)]


def _branch_slots(k: int, m: int, recruiting: bool, u: np.ndarray
                  ) -> tuple[list[int], list[bool], list[tuple[int, int, bool]], bool, int]:
    """Offices, committee extras and private blocks (slot, size, recent) of a branch of
    kind ``k`` with about ``m`` people; returns ``m`` adjusted so that every private
    block has at least ``K_BLOCK`` people, and whether it has a committee."""
    pipe: list[int] = []
    if recruiting and k == _KIND_VILLAGE:
        if u[0] < (0.45 if m >= 30 else 0.25):
            pipe.append(_SLOT_ACT)
        if u[1] < (0.3 if m >= 30 else 0.1):
            pipe.append(_SLOT_PROB)
    elif recruiting and u[0] < 0.3:
        pipe.append(_SLOT_PROB if u[1] < 0.5 else _SLOT_ACT)
    while True:
        # a branch with fewer than 7 full members elects a secretary and has no committee
        # (支部工作条例): no deputy secretary or committee member there
        has_comm = m - K_BLOCK * len(pipe) >= 7
        n_dep = int(k == _KIND_VILLAGE and m >= 30 and has_comm)
        n_com = (int(np.clip(m // 12, 2, 5)) if k == _KIND_VILLAGE else 2) if has_comm else 0
        offices = [_SLOT_SEC] + [_SLOT_DEP] * n_dep + [_SLOT_COM] * n_com
        private = m - len(offices) - K_BLOCK * len(pipe)
        if private >= K_BLOCK:
            break
        if pipe:
            pipe.pop()
        else:
            m += K_BLOCK - private
    # a branch that still recruits developed one block of members in the last few years
    # (every village that recruits shows some development: activists, probationary or
    # recent members; the block of five is the smallest)
    sizes = _block_sizes(private)
    recent = recruiting and _SLOT_PROB not in pipe and (u[2] < 0.3 or (
        k == _KIND_VILLAGE and not pipe))
    blocks = [(s, K_BLOCK, False) for s in pipe]
    blocks += [(_SLOT_MEMBER, size, recent and j == len(sizes) - 1)
               for j, size in enumerate(sizes)]
    return offices, [False] * len(offices), blocks, has_comm, m


def _organ_slots(m: int, town: bool, n_lead: int, n_stud: int, n_fs: int
                 ) -> tuple[list[int], list[bool]]:
    """Offices of an organ branch (everyone holds one): township leaders, student officials
    and agency cadres in a township organ; the secretary, first secretaries sent to
    villages and agency cadres in the county organ. Two cadres sit on the committee."""
    if town:
        slots = [_SLOT_LEAD] * n_lead + [_SLOT_STUD] * n_stud
        slots += [_SLOT_CADRE] * (m - len(slots))
    else:
        slots = [_SLOT_SEC] + [_SLOT_FS] * n_fs
        slots += [_SLOT_CCADRE] * (m - len(slots))
    first_cadres = [j for j, s in enumerate(slots) if s in (_SLOT_CADRE, _SLOT_CCADRE)][:2]
    return slots, [j in first_cadres for j in range(len(slots))]


def _plan_people(rng: np.random.Generator, o_kind: np.ndarray, o_town: np.ndarray,
                 members: np.ndarray, stagnant: np.ndarray, n_leaders: np.ndarray,
                 n_students: np.ndarray, n_fs: int) -> dict:
    """Who is in each organisation: office slots and private blocks (see
    :func:`_branch_slots`, :func:`_organ_slots`); ``members`` adjusted to the plan."""
    n_org = len(o_kind)
    members = members.copy()
    has_comm = np.zeros(n_org, bool)
    u = rng.random((n_org, 3))
    off_org: list[int] = []
    off_slot: list[int] = []
    off_com: list[bool] = []
    blk: list[tuple[int, int, int, bool]] = []
    for i in range(n_org):
        k = int(o_kind[i])
        if k < 0:
            continue
        m = int(members[i])
        if k == _KIND_ORGAN:
            t = int(o_town[i])
            slots, extra = _organ_slots(m, t >= 0, int(n_leaders[t]) if t >= 0 else 0,
                                        int(n_students[t]) if t >= 0 else 0, n_fs)
            has_comm[i] = m >= 7
        else:
            slots, extra, blocks, has_comm[i], m = _branch_slots(k, m, not stagnant[i], u[i])
            blk += [(i, s, size, recent) for s, size, recent in blocks]
        members[i] = m
        off_org += [i] * len(slots)
        off_slot += slots
        off_com += extra
    b = np.array(blk, dtype=np.int64).reshape(-1, 4)
    return {"members": members, "has_comm": has_comm,
            "off_org": np.array(off_org, dtype=np.int64),
            "off_slot": np.array(off_slot, dtype=np.int64),
            "off_com": np.array(off_com, dtype=bool),
            "b_org": b[:, 0], "b_slot": b[:, 1], "b_size": b[:, 2], "b_recent": b[:, 3] > 0}


def _skill_bits(rng: np.random.Generator, occ: np.ndarray, female_village: np.ndarray
                ) -> np.ndarray:
    """Skill tags (bitmask) drawn from the occupation (one row per person or block)."""
    n = len(occ)
    sk_p = _SKILL_MATRIX[occ]
    sk_p[:, SKILL_TAGS.index("elder_care")] += np.where(female_village, 0.2, 0.0)
    sk_p[:, SKILL_TAGS.index("medical")] += np.where(rng.random(n) < 0.02, 1.0, 0.0)
    bits = (rng.random((n, len(SKILL_TAGS))) < sk_p) * (1 << np.arange(len(SKILL_TAGS)))
    return bits.sum(axis=1)


def _join_years(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Year of joining from a drawn joining age (never before 18, at the latest last
    year); a drawn joining age still in the future becomes some age between 18 and now
    (capping at last year would put every young member in one year)."""
    n = len(age)
    birth = REF_YEAR - age
    join = birth + np.minimum(18 + rng.gamma(2.0, 6.0, n), age).astype(int)
    span = np.maximum(REF_YEAR - 1 - (birth + 18), 0)
    late = join > REF_YEAR - 1
    join = np.where(late, birth + 18 + (rng.random(n) * (span + 1)).astype(int), join)
    return np.minimum(join, REF_YEAR - 1)


def _office_profiles(rng: np.random.Generator, plan: dict, o_kind: np.ndarray) -> dict:
    """Quasi-identifiers of office holders, person by person (they are measured apart)."""
    org, slot = plan["off_org"], plan["off_slot"]
    n = len(org)
    kind = o_kind[org]
    vil = kind == _KIND_VILLAGE
    age_p = np.tile(_AGE_OFFICE["unit"], (n, 1))
    age_p[vil] = _AGE_OFFICE["village"]
    for s in (_SLOT_LEAD, _SLOT_STUD, _SLOT_FS):
        age_p[slot == s] = _AGE_OFFICE[s]
    band = _draw(rng, age_p, stratified=True)
    edu_p = _EDU_VILLAGE[band].copy()
    for k, name in ((_KIND_ORGAN, "organ"), (_KIND_SCHOOL, "school"),
                    (_KIND_ENTERPRISE, "enterprise")):
        edu_p[kind == k] = _EDU_KIND[name]
    edu_p[slot == _SLOT_STUD] = _EDU_STUDENT
    edu = _draw(rng, edu_p)
    edu = np.where(vil & (rng.random(n) < 0.3), np.minimum(edu + 1, 4), edu)
    male_p = np.array([_MALE_P[_KIND_NAMES[k]] for k in kind]) + np.where(
        slot == _SLOT_SEC, 0.08, 0.0)
    gender = (rng.random(n) >= male_p).astype(int)
    occ_young = _OCC_YOUNG.copy()
    occ_young[OCCUPATIONS.index("migrant_worker")] = 0.0    # office holders stay at home
    occ = _draw(rng, np.where((band >= 4)[:, None], _OCC_OLD, occ_young))
    for k, name in _OCC_KIND.items():
        occ[kind == {"organ": _KIND_ORGAN, "school": _KIND_SCHOOL,
                     "enterprise": _KIND_ENTERPRISE}[k]] = OCCUPATIONS.index(name)
    occ[(kind == _KIND_ENTERPRISE) & (slot == _SLOT_SEC)] = OCCUPATIONS.index("business")
    age = _AGE_LO[band] + (rng.random(n) * (_AGE_HI - _AGE_LO + 1)[band]).astype(int)
    age = np.where(slot == _SLOT_LEAD, np.maximum(age, 38), age)
    age = np.where(slot == _SLOT_FS, np.minimum(age, 55), age)
    lead_first = np.zeros(n, bool)
    is_lead = np.flatnonzero(slot == _SLOT_LEAD)
    if len(is_lead):
        lead_first[is_lead[np.r_[True, org[is_lead][1:] != org[is_lead][:-1]]]] = True
    return {"org": org, "slot": slot, "com_extra": plan["off_com"], "osec": lead_first,
            "age_band": band, "education": edu, "gender": gender, "occupation": occ,
            "age": age, "migrant": np.zeros(n, bool), "dest": np.full(n, None, dtype=object),
            "join": _join_years(rng, age),
            "skills": _skill_bits(rng, occ, vil & (gender == 1))}


def _block_profiles(rng: np.random.Generator, plan: dict, o_kind: np.ndarray,
                    old_lean: np.ndarray, cut: np.ndarray, n_village: int) -> dict:
    """Quasi-identifiers of private blocks, block by block: age band, gender, education,
    occupation, migrant status and destination, skills and joining year are shared by
    every person of a block (``cut``: latest joining year per organisation, or -1)."""
    org, slot, recent = plan["b_org"], plan["b_slot"], plan["b_recent"]
    nb = len(org)
    kind = o_kind[org]
    vb = kind == _KIND_VILLAGE
    # age band: village mixture (old-leaning in weak/stagnant villages); the pipeline and
    # recently developed members are young
    old_w = np.clip(0.45 + 0.4 * old_lean[org] + rng.normal(0, 0.12, nb), 0, 1)
    age_p = np.tile(_AGE_P["village"], (nb, 1))
    age_p[vb] = ((1 - old_w[vb])[:, None] * _AGE_P["village"]
                 + old_w[vb][:, None] * _AGE_P["village_old"])
    edu_kind = np.zeros((nb, len(EDUCATION)))
    for k, name in ((_KIND_ORGAN, "organ"), (_KIND_SCHOOL, "school"),
                    (_KIND_ENTERPRISE, "enterprise")):
        age_p[kind == k] = _AGE_P[name]
        edu_kind[kind == k] = _EDU_KIND[name]
    age_p[recent & vb] = _AGE_PIPE["recent"]
    for s in (_SLOT_ACT, _SLOT_PROB):
        age_p[(slot == s) & vb] = _AGE_PIPE[s]
    band = _draw_in_groups(rng, age_p, org)
    edu = _draw_in_groups(rng, np.where(vb[:, None], _EDU_VILLAGE[band], edu_kind), org)
    male_p = np.array([_MALE_P[_KIND_NAMES[k]] for k in kind])
    male_p = np.where(vb & ((slot != _SLOT_MEMBER) | recent), 0.6, male_p)
    gender = (rng.random(nb) >= male_p).astype(int)      # 0 male, 1 female
    occ = _draw(rng, np.where((band >= 4)[:, None], _OCC_OLD, _OCC_YOUNG))
    for k, name in _OCC_KIND.items():
        occ[kind == {"organ": _KIND_ORGAN, "school": _KIND_SCHOOL,
                     "enterprise": _KIND_ENTERPRISE}[k]] = OCCUPATIONS.index(name)
    # a few enterprise blocks are managers (business)
    occ[(kind == _KIND_ENTERPRISE) & (rng.random(nb) < 0.3)] = OCCUPATIONS.index("business")
    # migrants: whole blocks of village members, ~22 % of village people, drawn by
    # occupation (weighted sampling without replacement up to the target)
    mig_w = np.zeros(nb)
    for code, p in _MIGRANT_OCC.items():
        mig_w[occ == OCCUPATIONS.index(code)] = p
    mig_w *= np.select([band >= 5, band == 4], [0.15, 0.4], 1.0)
    mig_w[~vb | (slot != _SLOT_MEMBER)] = 0.0
    key = np.where(mig_w > 0, np.log(1.0 - rng.random(nb)) / np.maximum(mig_w, 1e-12), -np.inf)
    by_key = np.argsort(-key, kind="stable")
    by_key = by_key[np.isfinite(key[by_key])]
    before = np.cumsum(plan["b_size"][by_key]) - plan["b_size"][by_key]
    migrant = np.zeros(nb, bool)
    migrant[by_key[before < 0.22 * n_village]] = True
    dest = np.full(nb, None, dtype=object)
    dest[migrant] = np.array(DESTINATIONS, dtype=object)[
        _draw(rng, np.tile(_DEST_P, (int(migrant.sum()), 1)))]
    # joining year of the block (a year the youngest possible age of the band allows)
    rep_age = _AGE_LO[band] + (rng.random(nb) * (_AGE_HI - _AGE_LO + 1)[band]).astype(int)
    join = _join_years(rng, rep_age)
    join = np.where(recent, REF_YEAR - rng.integers(2, 5, nb), join)
    join = np.where(cut[org] >= 0, np.minimum(join, cut[org]), join)
    join = np.maximum(join, REF_YEAR - _AGE_HI[band] + 18)
    # probationary members joined this year or last (a few longer ago: 转正 overdue)
    prob_back = _draw(rng, np.tile([0.6, 0.35, 0.05], (nb, 1)))
    join = np.where(slot == _SLOT_PROB, REF_YEAR - prob_back, join)
    join = np.where(slot == _SLOT_ACT, -1, join)
    return {"org": org, "slot": slot, "age_band": band, "education": edu, "gender": gender,
            "occupation": occ, "migrant": migrant, "dest": dest, "join": join,
            "skills": _skill_bits(rng, occ, vb & (gender == 1))}


def _people_profiles(rng: np.random.Generator, plan: dict, o_kind: np.ndarray,
                     old_lean: np.ndarray, stagnant: np.ndarray) -> dict:
    """Per-person arrays: office holders, then the people of every private block (with an
    age each, inside the band and old enough for the block's joining year)."""
    n_org = len(o_kind)
    cut = np.where(stagnant, REF_YEAR - rng.integers(5, 10, n_org), -1)
    n_village = int(plan["members"][o_kind == _KIND_VILLAGE].sum())
    off = _office_profiles(rng, plan, o_kind)
    # office holders of a branch with no new member for years joined before the cut too
    birth = REF_YEAR - off["age"]
    c = cut[off["org"]]
    off["join"] = np.where(c >= 0, np.maximum(np.minimum(off["join"], c), birth + 18),
                           off["join"])
    blk = _block_profiles(rng, plan, o_kind, old_lean, cut, n_village)
    rep = np.repeat(np.arange(len(plan["b_size"])), plan["b_size"])
    per = {key: val[rep] for key, val in blk.items()}
    n = len(rep)
    band, join, slot = per["age_band"], per["join"], per["slot"]
    lo = np.where(join >= 0, np.maximum(_AGE_LO[band], REF_YEAR - join + 18), _AGE_LO[band])
    hi = np.select([slot == _SLOT_ACT, slot == _SLOT_PROB],
                   [np.minimum(_AGE_HI[band], 49), np.minimum(_AGE_HI[band], 44)],
                   _AGE_HI[band])
    hi = np.maximum(hi, lo)
    per["age"] = lo + (rng.random(n) * (hi - lo + 1)).astype(int)
    per["com_extra"] = np.zeros(n, bool)
    per["osec"] = np.zeros(n, bool)
    return {key: np.concatenate([off[key], per[key]]) for key in off}


# --------------------------------------------------------------------------- county

class _Builder:
    """Accumulates rows of every table for one dataset, county by county."""

    def __init__(self, spec: ScaleSpec) -> None:
        self.spec = spec
        self.orgs: list[dict] = []
        self.people: list[dict] = []
        self.households: list[dict] = []
        self.pairings: list[dict] = []
        self.activities: list[dict] = []
        self.visits: list[dict] = []
        self.n_people = 0
        self.n_households = 0
        self.n_orgs = 0
        self.n_pairings = 0
        self.n_activities = 0
        self.n_visits = 0

    def flush(self) -> dict[str, pd.DataFrame]:
        """Typed frames of the rows gathered since the last flush (ids continue)."""
        frames = _frames(self)
        for rows in (self.orgs, self.people, self.households, self.pairings,
                     self.activities, self.visits):
            rows.clear()
        return frames


def _county(rng: np.random.Generator, b: _Builder, cid: str, parent: str | None,
            prefix: str, cx: float, cy: float, n_town: int) -> None:
    spec = b.spec
    # ---- orgs
    o_id: list[str] = []
    o_parent: list[str | None] = []
    o_level: list[str] = []
    o_code: list[str] = []
    o_kind: list[int] = []          # member kind for branches, -1 for county/township
    o_town: list[int] = []
    o_x: list[float] = []
    o_y: list[float] = []
    county_organ = f"{cid}-G01"
    county_name = _COUNTY_NAMES[(int(cid[1:]) - 1) % len(_COUNTY_NAMES)] + "县"
    town_names = rng.permutation(len(_TOWN_NAMES))
    o_id += [cid, county_organ]
    o_parent += [parent, cid]
    o_level += ["county", "organ"]
    o_code += [county_name, "县直机关"]
    o_kind += [-1, _KIND_ORGAN]
    o_town += [-1, -1]
    o_x += [cx, cx + 0.3]
    o_y += [cy, cy + 0.2]
    side = int(np.ceil(np.sqrt(n_town)))
    t_pos = np.array([(i % side, i // side) for i in range(n_town)], dtype=float)
    t_pos = (t_pos - (side - 1) / 2) * 16.0 + rng.normal(0, 2.5, (n_town, 2))
    t_pos[:, 0] += cx
    t_pos[:, 1] += cy
    for t in range(n_town):
        tid = f"{prefix}T{t + 1:02d}"
        tx, ty = t_pos[t]
        n_v = int(rng.integers(spec.villages[0], spec.villages[1] + 1))
        n_e = int(rng.integers(spec.enterprises[0], spec.enterprises[1] + 1))
        town = _TOWN_NAMES[town_names[t % len(_TOWN_NAMES)]]
        if t >= len(_TOWN_NAMES):
            town += f"{t // len(_TOWN_NAMES) + 1}"
        vnames = rng.permutation(len(_VILLAGE_NAMES))
        firms = rng.permutation(len(_FIRM_NAMES))
        o_id += [tid, f"{tid}-G01", f"{tid}-S01"]
        o_parent += [cid, tid, tid]
        o_level += ["township", "organ", "school"]
        o_code += [f"{town}镇", f"{town}镇机关", f"{town}镇中心学校"]
        o_kind += [-1, _KIND_ORGAN, _KIND_SCHOOL]
        o_town += [t, t, t]
        o_x += [tx, tx + 0.2, tx - 0.3]
        o_y += [ty, ty + 0.1, ty + 0.4]
        for e in range(n_e):
            o_id.append(f"{tid}-E{e + 1:02d}")
            o_parent.append(tid)
            o_level.append("enterprise")
            o_code.append(_FIRM_NAMES[firms[e % len(firms)]] + "公司"
                          + (f"{e // len(firms) + 1}" if e >= len(firms) else ""))
            o_kind.append(_KIND_ENTERPRISE)
            o_town.append(t)
            o_x.append(tx + rng.normal(0, 1.5))
            o_y.append(ty + rng.normal(0, 1.5))
        radius = 6.5 * np.sqrt(rng.random(n_v))
        angle = rng.random(n_v) * 2 * np.pi
        for v in range(n_v):
            o_id.append(f"{tid}-V{v + 1:02d}")
            o_parent.append(tid)
            o_level.append("community" if v == 0 else "village")
            k = v - 1
            o_code.append(f"{town}社区" if v == 0 else
                          _VILLAGE_NAMES[vnames[k % len(_VILLAGE_NAMES)]] + "村"
                          + (f"{k // len(_VILLAGE_NAMES) + 1}" if k >= len(_VILLAGE_NAMES)
                             else ""))
            o_kind.append(_KIND_VILLAGE)
            o_town.append(t)
            r = 0.0 if v == 0 else radius[v]
            o_x.append(tx + r * np.cos(angle[v]))
            o_y.append(ty + r * np.sin(angle[v]))
    o_id_a = np.array(o_id, dtype=object)
    o_kind_a = np.array(o_kind)
    o_town_a = np.array(o_town)
    o_x_a = np.round(np.array(o_x), 2)
    o_y_a = np.round(np.array(o_y), 2)
    n_org = len(o_id_a)
    is_vil = o_kind_a == _KIND_VILLAGE
    is_ent = o_kind_a == _KIND_ENTERPRISE
    vil_idx = np.flatnonzero(is_vil)
    community = np.array([lv == "community" for lv in o_level])

    # ---- village figures: members, population, weak flag, attention
    members = np.zeros(n_org, dtype=np.int64)
    members[is_vil] = np.maximum(
        12, np.round(spec.members_mean * rng.lognormal(-0.1, 0.45, is_vil.sum()))).astype(int)
    members[community] = np.round(members[community] * 1.4).astype(int)
    # keep each township near its expected size (villages stay unequal inside it)
    for t in range(n_town):
        vs = vil_idx[o_town_a[vil_idx] == t]
        want = spec.members_mean * len(vs) * rng.normal(1.0, 0.04)
        members[vs] = np.maximum(12, np.round(members[vs] * want / members[vs].sum()))
    if spec.max_members is not None:
        members[is_vil] = np.minimum(members[is_vil], spec.max_members)
    population = np.zeros(n_org)
    population[is_vil] = members[is_vil] * rng.uniform(26, 40, is_vil.sum())
    population = np.round(population).astype(np.int64)
    households = np.round(population / rng.uniform(2.8, 3.4, n_org)).astype(np.int64)
    # attention: the largest village-level units of each township are "showcase"
    attention = np.ones(n_org)
    showcase = np.zeros(n_org, bool)
    neglected = np.zeros(n_org, bool)
    weak = np.zeros(n_org, bool)
    for t in range(n_town):
        vs = vil_idx[o_town_a[vil_idx] == t]
        order = vs[np.argsort(-population[vs], kind="stable")]
        n_show = max(2, len(vs) // 6)
        showcase[order[:n_show]] = True
        neglected[order[len(vs) // 2:]] = True
        # weak and lax: mostly small neglected villages, at least one per township
        p_weak = np.where(neglected[vs], 0.16, 0.03)
        w = rng.random(len(vs)) < p_weak
        w &= ~showcase[vs]
        if not w.any():
            w[np.argmax(np.where(neglected[vs], rng.random(len(vs)), -1))] = True
        weak[vs] = w
    weak[is_ent] = rng.random(is_ent.sum()) < 0.4
    attention[showcase] = 4.0
    attention[neglected] = 0.35
    # recruiting: branches with no new member for years
    stagnant = np.zeros(n_org, bool)
    stagnant[is_vil] = rng.random(is_vil.sum()) < np.where(weak[is_vil], 0.6, 0.15)
    stagnant[is_ent] = rng.random(is_ent.sum()) < 0.3
    income = np.full(n_org, None, dtype=object)
    pv = np.array([[0.45, 0.4, 0.1, 0.05, 0.0], [0.12, 0.4, 0.25, 0.18, 0.05]])
    inc = _draw(rng, pv[showcase[is_vil].astype(int)])
    inc = np.where(weak[is_vil], np.minimum(inc, 1), inc)
    income[is_vil] = np.array(_INCOME, dtype=object)[inc]

    # ---- people counts per branch
    n_vil_town = np.bincount(o_town_a[is_vil], minlength=n_town)
    n_leaders = np.maximum(6, np.ceil(n_vil_town / 3).astype(int))
    n_cadres = np.ceil(1.6 * n_vil_town).astype(int)
    n_students = np.maximum(1, np.round(n_vil_town / 3).astype(int))
    fs_village = np.zeros(n_org, bool)   # villages with a first secretary
    fs_village[is_vil] = rng.random(is_vil.sum()) < np.where(weak[is_vil], 0.9, 0.15)
    fs_village &= ~community
    for i in range(n_org):
        k = o_kind_a[i]
        if k == _KIND_ORGAN and o_town_a[i] >= 0:
            t = o_town_a[i]
            members[i] = n_leaders[t] + n_cadres[t] + n_students[t] + 4
        elif k == _KIND_ORGAN:
            members[i] = max(10, int(fs_village.sum()) + 6)
        elif k == _KIND_SCHOOL:
            members[i] = int(rng.integers(8, 16))
        elif k == _KIND_ENTERPRISE:
            members[i] = int(rng.integers(5, 13))
    members = np.maximum(members, np.where(o_kind_a >= 0, K_BLOCK, 0))

    # ---- people: office holders one by one, everyone else in blocks of >= K_BLOCK who
    # share every quasi-identifier (privacy by construction, see the module docstring)
    plan = _plan_people(rng, o_kind_a, o_town_a, members, stagnant, n_leaders, n_students,
                        int(fs_village.sum()))
    members = plan["members"]
    has_comm = plan["has_comm"]
    prof = _people_profiles(rng, plan, o_kind_a, (weak | stagnant).astype(float), stagnant)
    order = np.argsort(prof["org"], kind="stable")     # each organisation together
    prof = {key: val[order] for key, val in prof.items()}
    p_org, slot, age = prof["org"], prof["slot"], prof["age"]
    n_p = len(p_org)
    p_age_band, p_edu, p_gender, p_occ = (prof["age_band"], prof["education"], prof["gender"],
                                          prof["occupation"])
    migrant, dest, join, skills = prof["migrant"], prof["dest"], prof["join"], prof["skills"]
    p_kind = o_kind_a[p_org]
    p_vil = p_kind == _KIND_VILLAGE
    is_branch = o_kind_a >= 0
    birth = REF_YEAR - age
    # roles from the slots
    sec = slot == _SLOT_SEC
    dep = slot == _SLOT_DEP
    com = (slot == _SLOT_COM) | prof["com_extra"]
    leader = slot == _SLOT_LEAD
    student = slot == _SLOT_STUD
    cadre = slot == _SLOT_CADRE
    first_sec = slot == _SLOT_FS
    act = slot == _SLOT_ACT
    prob = slot == _SLOT_PROB
    osec = leader & prof["osec"]
    roles = np.zeros(n_p, dtype=np.int64)
    for mask, role in ((sec | osec, "secretary"), (dep, "deputy_secretary"),
                       (com, "committee_member"), (leader, "township_leader"),
                       (student, "student_official"), (first_sec, "first_secretary"),
                       (cadre | (slot == _SLOT_CCADRE), "agency_cadre"),
                       (act, "activist"), (prob, "probationary_member"),
                       (slot == _SLOT_MEMBER, "member")):
        roles[mask] |= _ROLE_BIT[role]
    committee = sec | dep | com
    # role_since (office holders only: a plain member, probationary member or activist has
    # no year in a role)
    role_since = np.full(n_p, -1, dtype=np.int64)
    sec_all = sec | osec
    sec_kind = _draw(rng, np.tile([0.2, 0.3, 0.5], (n_p, 1)))   # new, middle, experienced
    sec_year = np.select([sec_kind == 0, sec_kind == 1],
                         [rng.integers(2024, 2026, n_p), rng.integers(2016, 2024, n_p)],
                         rng.integers(2003, 2016, n_p))
    role_since[sec_all] = sec_year[sec_all]
    other_lead = (dep | com) & ~sec_all
    role_since[other_lead] = rng.integers(2016, 2026, n_p)[other_lead]
    role_since[leader & ~osec] = rng.integers(2018, 2026, n_p)[leader & ~osec]
    role_since[student] = rng.integers(2022, 2026, n_p)[student]
    role_since[first_sec] = rng.integers(2023, 2026, n_p)[first_sec]
    role_since = np.where(role_since >= 0, np.maximum(role_since, birth + 18), -1)
    # nobody holds a branch role before joining the party: leaders joined some years before
    # their role began, and a role never starts before the year after joining
    lead = (role_since >= 0) & (join >= 0) & (join >= role_since)
    earlier = np.maximum(birth + 18, role_since - 1 - rng.integers(0, 8, n_p))
    join = np.where(lead, np.minimum(join, earlier), join)
    role_since = np.where((role_since >= 0) & (join >= 0),
                          np.maximum(role_since, join + 1), role_since)
    role_since = np.where(role_since > REF_YEAR, REF_YEAR, role_since)

    # capacity (not a quasi-identifier: drawn person by person)
    cap = np.select([age < 60, age < 70, age < 80], [rng.integers(1, 5, n_p),
                    rng.integers(1, 3, n_p), rng.integers(0, 2, n_p)], 0)
    cap = np.where(committee, rng.integers(3, 7, n_p), cap)
    cap = np.where(leader | cadre | student | first_sec, rng.integers(1, 4, n_p), cap)
    cap = np.where(migrant, 0, cap)

    # last contact and dues
    stale = migrant & (rng.random(n_p) < 0.3)
    back_days = np.where(stale, rng.integers(185, 730, n_p),
                         np.where(migrant, rng.integers(5, 120, n_p), rng.integers(0, 75, n_p)))
    last_contact = REF_DATE - back_days.astype("timedelta64[D]")
    owed = np.where(stale, rng.integers(6, 24, n_p),
                    np.where(migrant, rng.integers(0, 4, n_p), rng.integers(0, 2, n_p)))
    month_idx = REF_YEAR * 12 + 11 - owed
    dues = _month_end(month_idx // 12, month_idx % 12 + 1)
    is_act = act

    person_num = b.n_people + np.arange(n_p)
    b.n_people += n_p
    b.people.append({
        "num": person_num, "org": o_id_a[p_org], "roles": roles,
        "age_band": p_age_band, "gender": p_gender, "education": p_edu, "occupation": p_occ,
        "migrant": migrant, "destination": dest, "join_year": join,
        "role_since": role_since, "skills": skills, "capacity": cap,
        "last_contact": last_contact, "dues": np.where(is_act, np.datetime64("NaT"), dues),
    })

    # ---- households (needy) in villages
    h_n = np.zeros(n_org, dtype=np.int64)
    h_n[is_vil] = np.maximum(2, rng.poisson(members[is_vil] * spec.needy_per_member
                                            * np.where(weak[is_vil], 1.3, 1.0)))
    h_org = np.repeat(np.arange(n_org), h_n)
    n_h = len(h_org)
    primary = _draw(rng, np.tile(_NEED_P, (n_h, 1)))
    need_bits = (1 << primary) | ((rng.random((n_h, len(NEEDS))) < 0.07)
                                  * (1 << np.arange(len(NEEDS)))).sum(axis=1)
    # "other" only alone; chronic illness often with elderly living alone
    need_bits = np.where((need_bits & 1) & (rng.random(n_h) < 0.3), need_bits | 16, need_bits)
    need_bits = np.where(need_bits != 32, need_bits & ~32, need_bits)
    size = np.where(need_bits & 1, 1 + (rng.random(n_h) < 0.15),
                    np.where(need_bits & 8, rng.integers(2, 6, n_h), rng.integers(1, 6, n_h)))
    hx = np.round(o_x_a[h_org] + rng.normal(0, 0.6, n_h), 2)
    hy = np.round(o_y_a[h_org] + rng.normal(0, 0.6, n_h), 2)
    h_num = b.n_households + np.arange(n_h)
    b.n_households += n_h
    b.households.append({"num": h_num, "org": o_id_a[h_org], "needs": need_bits,
                         "size": size, "x": hx, "y": hy})
    width = spec.width
    pid = _ids("P", int(person_num[0]) + 1 if n_p else 0, n_p, width)
    hid = _ids("H", int(h_num[0]) + 1 if n_h else 0, n_h, width)

    links: list[dict] = []   # pairings rows (column arrays)

    def add_links(mech: str, group, src, tgt, role, start, status=None, end=None) -> None:
        n = len(src)
        if n == 0:
            return
        links.append({
            "mechanism": np.full(n, mech, dtype=object),
            "group_id": np.asarray(group, dtype=object) if group is not None
            else np.full(n, None, dtype=object),
            "source_id": np.asarray(src, dtype=object), "target_id": np.asarray(tgt, dtype=object),
            "role": np.full(n, role, dtype=object) if isinstance(role, str)
            else np.asarray(role, dtype=object),
            "start": start,
            "end": end if end is not None else np.full(n, np.datetime64("NaT"), "datetime64[D]"),
            "status": status if status is not None else np.full(n, "active", dtype=object),
        })

    # ---- one_on_one: helpers in the same village, weighted towards leaders
    member_like = ~is_act & p_vil
    helper = member_like & (cap > 0) & ~migrant
    h_weight = np.where(committee, 7.0, 1.0)
    covered_p = np.where(neglected[h_org], 0.55, 0.88) * np.where(weak[h_org], 0.8, 1.0)
    covered = rng.random(n_h) < covered_p
    cand = np.flatnonzero(helper)
    pick = _choose_in_group(rng, p_org[cand], h_weight[cand], h_org)
    # a few "paper pairs" with a migrant helper who is away
    mig_c = np.flatnonzero(migrant & member_like)
    paper = covered & (rng.random(n_h) < 0.04)
    pick_m = _choose_in_group(rng, p_org[mig_c], np.ones(len(mig_c)), h_org)
    helper_of = np.where(paper & (pick_m >= 0), np.where(pick_m >= 0, mig_c[np.maximum(pick_m, 0)],
                                                        -1),
                         np.where(pick >= 0, cand[np.maximum(pick, 0)], -1))
    ok = covered & (helper_of >= 0)
    hh = np.flatnonzero(ok)
    start = _dates(rng, len(hh), "2019-01-01", "2025-06-30")
    st = _draw(rng, np.tile([0.9, 0.06, 0.04], (len(hh), 1)))
    status = np.array(["active", "ended", "suspended"], dtype=object)[st]
    end = np.full(len(hh), np.datetime64("NaT"), "datetime64[D]")
    ended = st == 1
    end[ended] = np.minimum(start[ended] + rng.integers(90, 900, ended.sum()).astype(
        "timedelta64[D]"), REF_DATE)
    add_links("one_on_one", None, pid[helper_of[hh]], hid[hh], "helper", start, status, end)
    pair_active = np.zeros(n_h, bool)
    pair_active[hh[st == 0]] = True

    # ---- bao_cun and two_plus_one per township
    for t in range(n_town):
        vs = vil_idx[o_town_a[vil_idx] == t]
        leaders_t = np.flatnonzero(leader & (o_town_a[p_org] == t))
        cadres_t = np.flatnonzero(cadre & (o_town_a[p_org] == t))
        leaders_t = rng.permutation(leaders_t)
        cadres_t = rng.permutation(cadres_t)
        nv = len(vs)
        j = np.arange(nv)
        grp = np.array([f"BC-{o_id_a[v]}" for v in vs], dtype=object)
        start = np.full(nv, np.datetime64("2023-01-01")) + rng.integers(
            0, 400, nv).astype("timedelta64[D]")
        vids = o_id_a[vs]
        add_links("bao_cun", grp, pid[leaders_t[j % len(leaders_t)]], vids, "deputy_leader",
                  start)
        add_links("bao_cun", grp, pid[cadres_t[(2 * j) % len(cadres_t)]], vids,
                  "agency_cadre", start)
        add_links("bao_cun", grp, pid[cadres_t[(2 * j + 1) % len(cadres_t)]], vids,
                  "agency_cadre", start)
        # 2+1: mentees are student officials and newly appointed village secretaries
        sec_t = np.flatnonzero(sec & p_vil & (o_town_a[p_org] == t))
        new_sec = sec_t[role_since[sec_t] >= REF_YEAR - 1]
        exp_sec = sec_t[(role_since[sec_t] >= 0) & (role_since[sec_t] <= 2015)]
        students_t = np.flatnonzero(student & (o_town_a[p_org] == t))
        mentees = np.concatenate([students_t, new_sec])
        if len(mentees) == 0:
            continue
        m = len(mentees)
        grp = np.array([f"TP-{prefix}T{t + 1:02d}-{k + 1:02d}" for k in range(m)], dtype=object)
        start = _dates(rng, m, "2024-01-01", "2025-09-30")
        tl = leaders_t[rng.integers(0, len(leaders_t), m)]
        add_links("two_plus_one", grp, pid[tl], pid[mentees], "township_mentor", start)
        if len(exp_sec):
            sm = exp_sec[rng.integers(0, len(exp_sec), m)]
            has = (sm != mentees) & (rng.random(m) > 0.12)   # some groups miss a mentor
            add_links("two_plus_one", grp[has], pid[sm[has]], pid[mentees[has]],
                      "secretary_mentor", start[has])

    # ---- branch_pair: advanced -> weak village; enterprise / county department -> village
    for t in range(n_town):
        vs = vil_idx[o_town_a[vil_idx] == t]
        strong = vs[~weak[vs]]
        weak_v = vs[weak[vs]]
        if len(strong) and len(weak_v):
            src = strong[np.argsort(-attention[strong] - rng.random(len(strong)))][
                np.arange(len(weak_v)) % len(strong)]
            add_links("branch_pair", None, o_id_a[src], o_id_a[weak_v], "advanced_branch",
                      _dates(rng, len(weak_v), "2023-01-01", "2025-06-30"))
        ents = np.flatnonzero(is_ent & (o_town_a == t) & ~weak)
        if len(ents):
            chosen = vs[rng.random(len(vs)) < 0.25]
            add_links("branch_pair", None, o_id_a[ents[np.arange(len(chosen)) % len(ents)]],
                      o_id_a[chosen], "enterprise", _dates(rng, len(chosen), "2022-01-01",
                                                           "2025-06-30"))
    fsv = np.flatnonzero(fs_village)
    add_links("branch_pair", None, np.full(len(fsv), county_organ, dtype=object), o_id_a[fsv],
              "department", _dates(rng, len(fsv), "2023-01-01", "2025-06-30"))

    # ---- study_help: backbone members help older or less-educated members
    backbone = member_like & ~migrant & (age < 55) & (p_edu >= 2)
    learner = member_like & ((age >= 70) | (p_edu == 0)) & (rng.random(n_p) < 0.35)
    lr = np.flatnonzero(learner)
    bb = np.flatnonzero(backbone)
    pick = _choose_in_group(rng, p_org[bb], np.ones(len(bb)), p_org[lr])
    okl = pick >= 0
    add_links("study_help", None, pid[bb[pick[okl]]], pid[lr[okl]], "backbone",
              _dates(rng, int(okl.sum()), "2023-01-01", "2025-10-31"))

    if links:
        b.pairings.append({k: np.concatenate([d[k] for d in links]) for k in links[0]})

    # ---- activities: a year of meetings for every branch
    br = np.flatnonzero(is_branch)
    rh_p = []
    for i in br:
        k = o_kind_a[i]
        if k == _KIND_VILLAGE:
            rh_p.append(_RHYTHM_P["weak" if weak[i] else "village"])
        elif k == _KIND_ENTERPRISE:
            rh_p.append(_RHYTHM_P["enterprise_weak" if weak[i] else "enterprise"])
        else:
            rh_p.append(_RHYTHM_P[_KIND_NAMES[k]])
    rhythm = np.full(n_org, -1)
    rhythm[br] = _draw(rng, np.array(rh_p))
    # every township shows each pattern at least once among its villages
    for t in range(n_town):
        vs = vil_idx[o_town_a[vil_idx] == t]
        for code in (1, 3):     # irregular, perfunctory
            if not (rhythm[vs] == code).any():
                cands = vs[~showcase[vs] & ~weak[vs] & (rhythm[vs] == 0)]
                if len(cands):
                    rhythm[cands[rng.integers(0, len(cands))]] = code
        weak_vs = vs[weak[vs]]
        if len(weak_vs) and not (rhythm[vs] == 2).any():
            rhythm[weak_vs[0]] = 2
    formal = ~is_act
    n_formal = np.bincount(p_org[formal], minlength=n_org)
    n_comm = np.bincount(p_org[committee | osec], minlength=n_org)
    n_mig = np.bincount(p_org[migrant & formal], minlength=n_org)
    mig_share = np.where(n_formal > 0, n_mig / np.maximum(n_formal, 1), 0.0)
    # party groups in branches with many members (here 20 or more), about 8 members each;
    # smaller branches meet as a whole and hold no group meetings
    group_size = 8
    n_groups = np.where(n_formal >= 20, np.ceil(n_formal / group_size), 0).astype(int)
    has_comm_b = has_comm      # 7 or more full members: a branch committee
    fixed_day = rng.integers(1, 29, n_org)
    att_const = np.clip(rng.uniform(0.82, 1.0, n_org), 0, 1)
    a_org: list[np.ndarray] = []
    a_kind: list[np.ndarray] = []
    a_date: list[np.ndarray] = []
    a_exp: list[np.ndarray] = []
    a_att: list[np.ndarray] = []
    kind_index = {k: i for i, k in enumerate(ACTIVITY_KINDS)}

    def emit(org: np.ndarray, kind: str, month: np.ndarray, expected: np.ndarray,
             volunteer: bool = False) -> None:
        rh = rhythm[org]
        if volunteer:
            keep_p = np.array([RHYTHMS[_RHYTHM_NAMES[r]]["volunteer"] for r in range(4)])[rh]
        else:
            keep_p = np.array([RHYTHMS[_RHYTHM_NAMES[r]]["keep"][kind] for r in range(4)])[rh]
        keep = rng.random(len(org)) < keep_p
        org, month, expected, rh = org[keep], month[keep], expected[keep], rh[keep]
        n = len(org)
        day = np.where(rh == 3, fixed_day[org], rng.integers(1, 29, n))
        if kind == "activity_day":   # many branches fix their activity day
            day = fixed_day[org]
        if kind == "democratic_appraisal":   # the day after the org life meeting
            day = np.where(rh == 3, day, np.minimum(day + 1, 28))
        if volunteer:   # ``month`` holds the week number
            date = _YEAR_START + (7 * month + rng.integers(0, 7, n)).astype("timedelta64[D]")
        else:
            date = (np.datetime64("2025-01-01", "M") + (month - 1).astype("timedelta64[M]")
                    ).astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
        base = np.array([RHYTHMS[_RHYTHM_NAMES[r]]["att"] for r in range(4)])[rh]
        rate = base * (1 - 0.85 * mig_share[org])
        if kind == "committee_meeting":
            rate = np.where(rh == 3, rate, np.maximum(rate, 0.85))
        if volunteer:
            rate = rate * 0.8
        att = rng.binomial(expected, np.clip(rate, 0, 1))
        perf = rh == 3
        att[perf] = np.round(att_const[org[perf]] * (1 - 0.85 * mig_share[org[perf]])
                             * expected[perf]).astype(int)
        a_org.append(org)
        a_kind.append(np.full(n, kind_index[kind]))
        a_date.append(date)
        a_exp.append(expected)
        a_att.append(np.minimum(att, expected))

    for kind, months in _SCHEDULE:
        kbr = br[has_comm_b[br]] if kind == "committee_meeting" else br
        org = np.repeat(kbr, len(months))
        month = np.tile(np.array(months), len(kbr))
        if kind in ("org_life_meeting", "democratic_appraisal"):
            month = np.where(rng.random(len(org)) < 0.3, 2, 1)
            month = np.where(kind == "democratic_appraisal", month, month)
        exp = np.where(kind == "committee_meeting", n_comm[org], n_formal[org])
        emit(org, kind, month, exp)
    # party groups: monthly group meeting; volunteer service by group (or by the whole
    # branch where it has no groups)
    units = np.maximum(n_groups, 1)
    g_org = np.repeat(br, units[br])
    g_first = np.concatenate([[0], np.cumsum(units[br])])[:-1]
    g_rank = np.arange(len(g_org)) - np.repeat(g_first, units[br])
    g_size = (n_formal[g_org] // units[g_org]
              + (g_rank < n_formal[g_org] % units[g_org])).astype(np.int64)
    grouped = n_groups[g_org] > 0
    org = np.repeat(g_org[grouped], 12)
    month = np.tile(np.arange(1, 13), int(grouped.sum()))
    emit(org, "group_meeting", month, np.repeat(g_size[grouped], 12))
    # volunteer service duty, week by week
    org = np.repeat(g_org, 52)
    week = np.tile(np.arange(52), len(g_org))
    emit(org, "volunteer", week, np.repeat(g_size, 52), volunteer=True)
    if a_org:
        b.activities.append({
            "org": o_id_a[np.concatenate(a_org)], "ord": b.n_orgs + np.concatenate(a_org),
            "kind": np.concatenate(a_kind),
            "date": np.concatenate(a_date), "expected": np.concatenate(a_exp),
            "attended": np.concatenate(a_att)})

    # ---- visits
    v_person: list[np.ndarray] = []
    v_target: list[np.ndarray] = []
    v_topic: list[np.ndarray] = []
    v_solved: list[np.ndarray] = []
    v_hh: list[np.ndarray] = []
    # township leaders, cadres and student officials visit villages of their township,
    # drawn towards large showcase villages
    visitors = np.flatnonzero(leader | cadre | student)
    n_vis = rng.poisson(14, len(visitors))
    who = np.repeat(visitors, n_vis)
    vt = o_town_a[p_org[who]]
    w_v = (population.astype(float) / max(population[is_vil].mean(), 1.0)) ** 2 * attention
    pick = _choose_in_group(rng, o_town_a[vil_idx], w_v[vil_idx], vt)
    okv = pick >= 0
    who, tgt = who[okv], vil_idx[pick[okv]]
    v_person.append(who)
    v_target.append(o_id_a[tgt])
    v_topic.append(_draw(rng, np.tile([0.3, 0.05, 0.03, 0.15, 0.17, 0.05, 0.17, 0.08],
                                      (len(who), 1))))
    v_solved.append(rng.random(len(who)) < 0.5)
    v_hh.append(np.zeros(len(who), bool))
    # helpers visit their households: often in showcase villages, rarely in neglected ones
    lam = np.where(showcase[h_org], 5.0, np.where(neglected[h_org], 0.8, 2.5))
    hv = np.flatnonzero(pair_active)
    helper_hv = helper_of[hv]
    lam_hv = np.where(migrant[helper_hv], 0.0, lam[hv])
    nv = rng.poisson(lam_hv)
    who = np.repeat(helper_hv, nv)
    hh_t = np.repeat(hv, nv)
    v_person.append(who)
    v_target.append(hid[hh_t])
    v_topic.append(_draw(rng, np.tile([0.15, 0.45, 0.2, 0.03, 0.1, 0.0, 0.0, 0.07],
                                      (len(who), 1))))
    v_solved.append(rng.random(len(who)) < 0.6)
    v_hh.append(np.ones(len(who), bool))
    # first secretaries visit households of the village they were sent to
    fs_people = np.flatnonzero(first_sec)
    fs_vil = np.flatnonzero(fs_village)
    if len(fs_people) and len(fs_vil):
        vil_of = fs_vil[np.arange(len(fs_people)) % len(fs_vil)]
        n_fs = rng.poisson(18, len(fs_people))
        who = np.repeat(fs_people, n_fs)
        pick = _choose_in_group(rng, h_org, np.ones(n_h), np.repeat(vil_of, n_fs))
        okf = pick >= 0
        who, hh_t = who[okf], pick[okf]
        v_person.append(who)
        v_target.append(hid[hh_t])
        v_topic.append(_draw(rng, np.tile([0.2, 0.35, 0.1, 0.1, 0.2, 0.0, 0.0, 0.05],
                                          (len(who), 1))))
        v_solved.append(rng.random(len(who)) < 0.65)
        v_hh.append(np.ones(len(who), bool))
    who = np.concatenate(v_person)
    b.visits.append({"person": pid[who], "target": np.concatenate(v_target),
                     "date": _dates(rng, len(who), "2025-01-01"),
                     "topic": np.concatenate(v_topic), "solved": np.concatenate(v_solved)})

    # ---- org rows
    level = np.array(o_level, dtype=object)
    hh_out = np.where(is_vil, households, -1)
    pop_out = np.where(is_vil, population, -1)
    town_rows = np.flatnonzero(o_kind_a < 0)
    for i in town_rows:
        if level[i] == "township":
            sel = is_vil & (o_town_a == o_town_a[i])
        else:
            sel = is_vil
        hh_out[i] = households[sel].sum()
        pop_out[i] = population[sel].sum()
    weak_out = np.where(is_vil | is_ent, weak.astype(object), None)
    weak_out[o_kind_a == _KIND_ORGAN] = False
    weak_out[o_kind_a == _KIND_SCHOOL] = False
    b.orgs.append({"org_id": o_id_a, "parent_id": np.array(o_parent, dtype=object),
                   "level": level, "name_code": np.array(o_code, dtype=object),
                   "households": hh_out, "population": pop_out, "collective_income": income,
                   "x_km": o_x_a, "y_km": o_y_a, "weak_lax": weak_out})
    b.n_orgs += n_org


# --------------------------------------------------------------------------- assembly

def _cat(parts: list[dict], key: str) -> np.ndarray:
    return np.concatenate([p[key] for p in parts]) if parts else np.array([])


def _int_col(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Integer column with negative sentinels turned into missing values."""
    values = np.asarray(values, dtype=np.int64)
    return pd.arrays.IntegerArray(np.where(values >= 0, values, 0), values < 0)


def _typed_frame(name: str, cols: dict) -> pd.DataFrame:
    """Columns in schema order and schema dtypes (what ``cast_table`` gives, built
    directly: casting millions of cells one by one is the slow part at province scale)."""
    from pbkit.data.schema import TABLES

    out = {}
    n = len(next(iter(cols.values())))
    for col in TABLES[name].columns:
        values = cols[col.name] if col.name in cols else pd.Series([None] * n, dtype=object)
        if col.kind in ("id", "ref", "str", "enum"):
            out[col.name] = pd.Series(np.asarray(values, dtype=object), dtype="str")
        elif col.kind in ("multi", "tags"):
            out[col.name] = pd.Series(np.asarray(values, dtype=object), dtype=object)
        elif col.kind == "int":
            out[col.name] = pd.Series(values, dtype="Int64").reset_index(drop=True)
        elif col.kind == "float":
            out[col.name] = pd.Series(np.asarray(values, dtype="float64"))
        elif col.kind == "bool":
            out[col.name] = pd.Series(values, dtype="boolean").reset_index(drop=True)
        else:
            out[col.name] = pd.Series(np.asarray(values, dtype="datetime64[ns]"))
    return pd.DataFrame(out)


def _frames(b: _Builder) -> dict[str, pd.DataFrame]:
    """Typed frames of the rows in ``b`` (ids numbered on from ``b``'s counters)."""
    from pbkit.data.dataset import empty_table

    w = b.spec.width
    out: dict[str, pd.DataFrame] = {}
    for name in ("orgs", "people", "households", "pairings", "activities", "visits"):
        if not getattr(b, name):
            out[name] = empty_table(name)
    if len(out) == 6:
        return out
    o = {k: _cat(b.orgs, k) for k in b.orgs[0]} if b.orgs else {}
    orgs = None if not o else {
        "org_id": o["org_id"], "parent_id": o["parent_id"], "level": o["level"],
        "name_code": o["name_code"], "households": _int_col(o["households"]),
        "population": _int_col(o["population"]), "collective_income": o["collective_income"],
        "x_km": o["x_km"].astype(float), "y_km": o["y_km"].astype(float),
        "weak_lax": pd.array(list(o["weak_lax"]), dtype="boolean"),
    }
    p = {k: _cat(b.people, k) for k in b.people[0]} if b.people else {"num": []}
    n_p = len(p["num"])
    people = None if not n_p else {
        "person_id": _ids("P", int(p["num"][0]) + 1, n_p, w), "org_id": p["org"],
        "roles": _ROLE_LABELS[p["roles"]],
        "birth_year": pd.array([pd.NA] * n_p, dtype="Int64"),
        "age_band": np.array(AGE_BANDS, dtype=object)[p["age_band"]],
        "gender": np.array(GENDERS, dtype=object)[p["gender"]],
        "education": np.array(EDUCATION, dtype=object)[p["education"]],
        "occupation": np.array(OCCUPATIONS, dtype=object)[p["occupation"]],
        "migrant": pd.array(p["migrant"].astype(bool), dtype="boolean"),
        "destination": p["destination"],
        "join_year": _int_col(p["join_year"]), "role_since": _int_col(p["role_since"]),
        "skills": _SKILL_LABELS[p["skills"]], "capacity": _int_col(p["capacity"]),
        "last_contact": p["last_contact"].astype("datetime64[ns]"),
        "dues_paid_until": p["dues"].astype("datetime64[ns]"),
    }
    h = {k: _cat(b.households, k) for k in b.households[0]} if b.households else {"num": []}
    households = None if not len(h["num"]) else {
        "household_id": _ids("H", int(h["num"][0]) + 1, len(h["num"]), w), "org_id": h["org"],
        "needs": _NEED_LABELS[h["needs"]], "size": _int_col(h["size"]),
        "x_km": h["x"].astype(float), "y_km": h["y"].astype(float),
    }
    q = {k: _cat(b.pairings, k) for k in b.pairings[0]} if b.pairings else {"mechanism": []}
    n_q = len(q["mechanism"])
    pairings = None if not n_q else {
        "pairing_id": _ids("L", b.n_pairings + 1, n_q, w), "mechanism": q["mechanism"],
        "group_id": q["group_id"], "source_id": q["source_id"], "target_id": q["target_id"],
        "role": q["role"], "start": q["start"].astype("datetime64[ns]"),
        "end": q["end"].astype("datetime64[ns]"), "status": q["status"],
    }
    a = {k: _cat(b.activities, k) for k in b.activities[0]} if b.activities else None
    order = np.lexsort((a["kind"], a["date"].astype("int64"), a["ord"])) if a else []
    n_a = len(order)
    activities = None if not n_a else {
        "activity_id": _ids("A", b.n_activities + 1, n_a, w), "org_id": a["org"][order],
        "kind": np.array(ACTIVITY_KINDS, dtype=object)[a["kind"][order]],
        "date": a["date"][order].astype("datetime64[ns]"),
        "expected": _int_col(a["expected"][order]), "attended": _int_col(a["attended"][order]),
    }
    v = {k: _cat(b.visits, k) for k in b.visits[0]} if b.visits else None
    order = np.argsort(v["date"], kind="stable") if v else []
    n_v = len(order)
    visits = None if not n_v else {
        "visit_id": _ids("W", b.n_visits + 1, n_v, w), "person_id": v["person"][order],
        "target_id": v["target"][order], "date": v["date"][order].astype("datetime64[ns]"),
        "topic": np.array(VISIT_TOPICS, dtype=object)[v["topic"][order]],
        "problem_solved": pd.array(v["solved"][order].astype(bool), dtype="boolean"),
    }
    b.n_pairings += n_q
    b.n_activities += n_a
    b.n_visits += n_v
    built = {"orgs": orgs, "people": people, "households": households, "pairings": pairings,
             "activities": activities, "visits": visits}
    for name, cols in built.items():
        if name not in out and cols is not None:
            out[name] = _typed_frame(name, cols)
        elif name not in out:
            out[name] = empty_table(name)
    return {name: out[name] for name in built}


def synthesize(scale: str = "township", seed: int = 0,
               progress: Callable[[int, int], None] | None = None) -> Dataset:
    """A deterministic synthetic dataset at ``scale``.

    Parameters
    ----------
    scale : {"township", "county", "province"}
        ``township``: one township of 12 village-level units (~500 people, village
        branches of 12 to 50 members, ~300 needy households). ``county``: ~18 townships, ~600 villages, ~50k people, ~100k
        households, ~300k activities. ``province``: 15 counties in 3 cities (~800k people,
        ~1.5M households), generated county by county.
    seed : int
        Seed of the numpy ``Generator``; the same seed gives identical tables.
    progress : callable, optional
        Called as ``progress(done, total)`` after each county (for long runs).

    Returns
    -------
    Dataset
        Typed tables; ``name`` is ``"synth-<scale>-<seed>"``.

    >>> ds = synthesize("township", seed=3)
    >>> sorted(ds.pairings["mechanism"].unique())
    ['bao_cun', 'branch_pair', 'one_on_one', 'study_help', 'two_plus_one']
    """
    from pbkit.errors import UsageError

    if scale not in SCALES:
        raise UsageError("synth.bad_scale", scale=scale, choices=", ".join(SCALES))
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise UsageError("synth.bad_seed", seed=seed) from None
    if seed < 0:
        raise UsageError("synth.bad_seed", seed=seed)
    frames = list(iter_synthesize(scale, seed, progress=progress))
    tables = {name: pd.concat([f[name] for f in frames], ignore_index=True)
              if len(frames) > 1 else frames[0][name] for name in frames[0]}
    return Dataset(**tables, name=f"synth-{scale}-{seed}")


def iter_synthesize(scale: str = "township", seed: int = 0,
                    progress: Callable[[int, int], None] | None = None):
    """The dataset of :func:`synthesize`, one county at a time.

    Yields a dict table name -> typed DataFrame per county (the first chunk also holds the
    province and city rows). Concatenating the chunks table by table gives exactly
    ``synthesize(scale, seed)``; writing them one after the other (see
    :func:`pbkit.commands.synth.write_chunks`) keeps province scale in bounded memory.

    >>> chunks = list(iter_synthesize("township", seed=1))
    >>> len(chunks), sorted(chunks[0])[:2]
    (1, ['activities', 'households'])
    """
    from pbkit.errors import UsageError

    if scale not in SCALES:
        raise UsageError("synth.bad_scale", scale=scale, choices=", ".join(SCALES))
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise UsageError("synth.bad_seed", seed=seed) from None
    if seed < 0:
        raise UsageError("synth.bad_seed", seed=seed)
    spec = SCALES[scale]
    root = np.random.SeedSequence(seed)
    b = _Builder(spec)
    if spec.cities == 0:
        rng = np.random.default_rng(root.spawn(1)[0])
        n_town = int(rng.integers(spec.townships[0], spec.townships[1] + 1))
        _county(rng, b, "C01", None, "", 0.0, 0.0, n_town)
        if progress:
            progress(1, 1)
        yield b.flush()
        return
    n_counties = spec.cities * spec.counties_per_city
    children = root.spawn(n_counties + 1)
    top = np.random.default_rng(children[0])
    b.orgs.append(_upper_orgs(spec, top))
    for c in range(n_counties):
        rng = np.random.default_rng(children[c + 1])
        city = c // spec.counties_per_city
        cx = (c % 5) * 90.0 + rng.normal(0, 5)
        cy = (c // 5) * 90.0 + rng.normal(0, 5)
        n_town = int(rng.integers(spec.townships[0], spec.townships[1] + 1))
        cid = f"C{c + 1:02d}"
        _county(rng, b, cid, f"M{city + 1:02d}", f"{cid}-", cx, cy, n_town)
        if progress:
            progress(c + 1, n_counties)
        yield b.flush()


def _upper_orgs(spec: ScaleSpec, rng: np.random.Generator) -> dict:
    ids = ["R01"] + [f"M{c + 1:02d}" for c in range(spec.cities)]
    n = len(ids)
    return {"org_id": np.array(ids, dtype=object),
            "parent_id": np.array([None] + ["R01"] * spec.cities, dtype=object),
            "level": np.array(["province"] + ["city"] * spec.cities, dtype=object),
            "name_code": np.array(["示例省"] + [_CITY_NAMES[c % len(_CITY_NAMES)] + "市"
                                             for c in range(spec.cities)], dtype=object),
            "households": np.full(n, -1), "population": np.full(n, -1),
            "collective_income": np.full(n, None, dtype=object),
            "x_km": np.round(np.array([180.0] + [90.0 * c + 90 for c in range(spec.cities)]),
                             2),
            "y_km": np.round(np.array([90.0] + [90.0] * spec.cities), 2),
            "weak_lax": np.full(n, None, dtype=object)}
