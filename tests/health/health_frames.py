"""Hand-built datasets with known answers for the health tests.

``known_dataset()`` holds one township (T1) with four branches in 2024:

- V1: a model village: every required meeting held (attendance 100% / 90% alternating,
  varied days), 3 new members in each of 2022-2024, 3 needy households all paired,
  visited and helped, no migrant members;
- V2: every meeting held except the committee meetings of November and December
  (exactly two missing); new members 3 (2022), 3 (2023), 1 (2024); 4 needy households of
  which 3 paired (H24 not), 2 visited (H21 solved, H22 not solved); 2 migrant members,
  M1 in contact, M2 last seen 2024-03-15 (six-month rule broken);
- V3: no meeting at all; 4 members, all born 1950, joined 2010 and 2015;
- E1: an enterprise branch holding every meeting; no recruitment target.
"""

from __future__ import annotations

import pandas as pd

from pbkit.data.dataset import Dataset

KINDS_FREQ = {
    "general_meeting": (1, 4, 7, 10),
    "committee_meeting": tuple(range(1, 13)),
    "group_meeting": tuple(range(1, 13)),
    "party_lesson": (2, 5, 8, 11),
    "activity_day": tuple(range(1, 13)),
    "org_life_meeting": (12,),
    "democratic_appraisal": (12,),
}


def meetings(org: str, year: int = 2024, *, skip: tuple[tuple[str, int], ...] = (),
             kinds=None, expected: int = 10, start: int = 0, days=None,
             attended=None) -> list[dict]:
    """One meeting per required period for each kind; ``skip`` = (kind, month) to leave out.

    Attendance alternates expected and expected - 1 unless ``attended`` is given (an int
    or a function of the running index); days vary unless ``days`` is given.
    """
    rows = []
    i = start
    for kind, months in KINDS_FREQ.items():
        if kinds is not None and kind not in kinds:
            continue
        for m in months:
            if (kind, m) in skip:
                continue
            day = days if isinstance(days, int) else (3 + (i * 5) % 24)
            if attended is None:
                att = expected - (i % 2)
            elif callable(attended):
                att = attended(i)
            else:
                att = attended
            rows.append({"activity_id": f"{org}-A{i:03d}", "org_id": org, "kind": kind,
                         "date": f"{year}-{m:02d}-{day:02d}", "expected": expected,
                         "attended": att})
            i += 1
    return rows


def person(pid, org, *, roles="member", gender="male", education="junior_high",
           birth_year=1970, join_year=2000, migrant=False, last_contact=None,
           dues_paid_until=None, age_band=None) -> dict:
    return {"person_id": pid, "org_id": org, "roles": roles, "gender": gender,
            "education": education, "birth_year": birth_year, "join_year": join_year,
            "migrant": migrant, "last_contact": last_contact,
            "dues_paid_until": dues_paid_until, "age_band": age_band}


def known_frames() -> dict[str, pd.DataFrame]:
    orgs = pd.DataFrame([
        {"org_id": "T1", "parent_id": None, "level": "township"},
        {"org_id": "V1", "parent_id": "T1", "level": "village", "households": 300},
        {"org_id": "V2", "parent_id": "T1", "level": "village", "households": 200},
        {"org_id": "V3", "parent_id": "T1", "level": "village", "households": 100},
        {"org_id": "E1", "parent_id": "T1", "level": "enterprise"},
    ])
    acts = (meetings("V1")
            + meetings("V2", skip=(("committee_meeting", 11), ("committee_meeting", 12)))
            + meetings("E1", expected=6))
    people = []
    # V1: 9 recent members (3 per year 2022-2024) + 1 secretary
    n = 0
    for year in (2022, 2023, 2024):
        for k in range(3):
            n += 1
            people.append(person(f"P1{n:02d}", "V1", join_year=year, birth_year=1990 + k,
                                 gender="female" if k == 0 else "male",
                                 education="senior_high" if k < 2 else "primary",
                                 roles="probationary_member" if year == 2024 else "member"))
    people.append(person("P100", "V1", roles="secretary;member", birth_year=1960,
                         join_year=1990, education="college"))
    # V2
    n = 0
    for year, count in ((2022, 3), (2023, 3), (2024, 1)):
        for _ in range(count):
            n += 1
            people.append(person(f"P2{n:02d}", "V2", join_year=year, birth_year=1980))
    people.append(person("M1", "V2", birth_year=1985, join_year=2010, migrant=True,
                         last_contact="2024-10-01", dues_paid_until="2024-11-01"))
    people.append(person("M2", "V2", birth_year=1988, join_year=2012, migrant=True,
                         last_contact="2024-03-15", dues_paid_until="2024-12-01"))
    # V3: old members, last joined 2015
    for k, year in enumerate((2010, 2010, 2015, 2015)):
        people.append(person(f"P3{k}", "V3", birth_year=1950, join_year=year,
                             gender="female" if k % 2 else "male", education="primary"))
    # E1: two members, joined 2024 and 2000
    people.append(person("PE1", "E1", join_year=2024, birth_year=1995, education="bachelor"))
    people.append(person("PE2", "E1", join_year=2000, birth_year=1975, education="bachelor"))
    # an activist (not a member) and a township cadre (not in a branch)
    people.append(person("AC1", "V1", roles="activist", join_year=None, birth_year=2000))
    people.append(person("TL1", "T1", roles="township_leader", birth_year=1975,
                         join_year=2000))
    households = pd.DataFrame([
        {"household_id": "H11", "org_id": "V1", "needs": "elderly_alone", "size": 1},
        {"household_id": "H12", "org_id": "V1", "needs": "disabled", "size": 3},
        {"household_id": "H13", "org_id": "V1", "needs": "low_income", "size": 4},
        {"household_id": "H21", "org_id": "V2", "needs": "low_income", "size": 2},
        {"household_id": "H22", "org_id": "V2", "needs": "left_behind_child", "size": 3},
        {"household_id": "H23", "org_id": "V2", "needs": "elderly_alone", "size": 1},
        {"household_id": "H24", "org_id": "V2", "needs": "chronic_illness;low_income",
         "size": 2},
    ])
    pairings = pd.DataFrame([
        {"pairing_id": f"PR{i}", "mechanism": "one_on_one", "source_id": src, "target_id": hh,
         "start": "2023-01-01", "status": "active"}
        for i, (src, hh) in enumerate([("P100", "H11"), ("P101", "H12"), ("P102", "H13"),
                                       ("P201", "H21"), ("P202", "H22"), ("P203", "H23")])
    ] + [
        # ended pairing: H24 is not covered
        {"pairing_id": "PR9", "mechanism": "one_on_one", "source_id": "P204",
         "target_id": "H24", "start": "2022-01-01", "end": "2023-06-30", "status": "ended"},
    ])
    visits = pd.DataFrame([
        {"visit_id": "X1", "person_id": "P100", "target_id": "H11", "date": "2024-02-01",
         "topic": "assistance", "problem_solved": True},
        {"visit_id": "X2", "person_id": "P101", "target_id": "H12", "date": "2024-03-01",
         "topic": "health", "problem_solved": True},
        {"visit_id": "X3", "person_id": "P102", "target_id": "H13", "date": "2024-04-01",
         "topic": "policy", "problem_solved": True},
        {"visit_id": "X4", "person_id": "P201", "target_id": "H21", "date": "2024-05-01",
         "topic": "assistance", "problem_solved": True},
        {"visit_id": "X5", "person_id": "P202", "target_id": "H22", "date": "2024-06-01",
         "topic": "employment", "problem_solved": False},
        # a visit of another year does not count
        {"visit_id": "X6", "person_id": "P203", "target_id": "H23", "date": "2023-06-01",
         "topic": "policy", "problem_solved": True},
    ])
    return {"orgs": orgs, "people": pd.DataFrame(people), "households": households,
            "pairings": pairings, "activities": pd.DataFrame(acts), "visits": visits}


def known_dataset(**replace) -> Dataset:
    frames = known_frames()
    frames.update(replace)
    return Dataset.from_frames(name="known", **frames)
