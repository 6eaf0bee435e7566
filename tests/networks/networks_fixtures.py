"""Hand-made datasets for the pbkit.networks tests (synthetic, no personal data)."""

from __future__ import annotations

import pandas as pd

from pbkit.data.dataset import Dataset

AS_OF = "2024-06-30"


def person(pid, org, roles="member", capacity=None, **kw):
    row = {"person_id": pid, "org_id": org, "roles": roles, "gender": "male",
           "education": "junior_high", "capacity": capacity}
    row.update(kw)
    return row


def household(hid, org, needs="low_income", **kw):
    row = {"household_id": hid, "org_id": org, "needs": needs}
    row.update(kw)
    return row


def pairing(pid, source, target, mechanism="one_on_one", **kw):
    row = {"pairing_id": pid, "mechanism": mechanism, "source_id": source, "target_id": target}
    row.update(kw)
    return row


def orgs(villages=("V1", "V2"), towns=("T1",), coords=None, weak=()):
    rows = [{"org_id": "C", "parent_id": None, "level": "county"}]
    for t in towns:
        rows.append({"org_id": t, "parent_id": "C", "level": "township"})
    for i, v in enumerate(villages):
        rows.append({"org_id": v, "parent_id": towns[i % len(towns)], "level": "village",
                     "weak_lax": v in weak})
    frame = pd.DataFrame(rows)
    if coords:
        frame["x_km"] = frame["org_id"].map(lambda o: coords.get(o, (None, None))[0])
        frame["y_km"] = frame["org_id"].map(lambda o: coords.get(o, (None, None))[1])
    return frame


def dataset(org_frame, people=(), households=(), pairings=()):
    frames = {"orgs": org_frame}
    if people:
        frames["people"] = pd.DataFrame(list(people))
    if households:
        frames["households"] = pd.DataFrame(list(households))
    if pairings:
        frames["pairings"] = pd.DataFrame(list(pairings))
    return Dataset.from_frames(name="test", **frames)
