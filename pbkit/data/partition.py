"""Split a dataset into independent parts by township.

Eligibility for pairing never crosses a township by default, and every branch belongs to
one township, so a county or province can be analysed or planned as independent township
parts (in parallel, on Dask). An organisation's township is found by walking ``parent_id``
up to the first organisation at level ``township``; organisations above townships (county,
city, province) and those with no township above them go to the part ``""``.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(orgs=pd.DataFrame({
...     "org_id": ["C", "T1", "T2", "V1", "V2"], "parent_id": [None, "C", "C", "T1", "T2"],
...     "level": ["county", "township", "township", "village", "village"]}))
>>> township_of(ds.orgs).to_dict()
{'C': '', 'T1': 'T1', 'T2': 'T2', 'V1': 'T1', 'V2': 'T2'}
>>> sorted(split_by_township(ds))
['', 'T1', 'T2']
"""

from __future__ import annotations

import pandas as pd

from pbkit.data.dataset import Dataset

__all__ = ["township_of", "split_by_township"]


def township_of(orgs: pd.DataFrame) -> pd.Series:
    """org_id -> org_id of its township (``""`` when there is none above it)."""
    parent = dict(zip(orgs["org_id"], orgs["parent_id"], strict=True))
    level = dict(zip(orgs["org_id"], orgs["level"], strict=True))
    result: dict[str, str] = {}
    for org in orgs["org_id"]:
        seen, node = [], org
        found = ""
        while isinstance(node, str) and node not in seen:
            if node in result:
                found = result[node]
                break
            if level.get(node) == "township":
                found = node
                break
            seen.append(node)
            node = parent.get(node)
        for visited in seen:
            result[visited] = found
        result.setdefault(org, found)
    return pd.Series(result, name="township_id").reindex(orgs["org_id"].tolist())


def split_by_township(ds: Dataset) -> dict[str, Dataset]:
    """township_id -> the part of ``ds`` belonging to it.

    People, households and activities follow their ``org_id``; visits follow the visitor;
    pairings follow their source (a person's or an org's township).
    """
    town = township_of(ds.orgs)
    person_town = ds.people["org_id"].map(town).fillna("")
    household_town = ds.households["org_id"].map(town).fillna("")
    by_person = dict(zip(ds.people["person_id"], person_town, strict=True))
    source_town = ds.pairings["source_id"].map(
        lambda s: by_person.get(s, town.get(s, ""))).fillna("")
    visit_town = ds.visits["person_id"].map(by_person).fillna("")
    org_town = ds.orgs["org_id"].map(town).fillna("")
    parts = {}
    for key in sorted(set(org_town)):
        parts[key] = Dataset(
            orgs=ds.orgs[org_town.to_numpy() == key].reset_index(drop=True),
            people=ds.people[person_town.to_numpy() == key].reset_index(drop=True),
            households=ds.households[household_town.to_numpy() == key].reset_index(drop=True),
            pairings=ds.pairings[source_town.to_numpy() == key].reset_index(drop=True),
            activities=ds.activities[
                ds.activities["org_id"].map(town).fillna("").to_numpy() == key
            ].reset_index(drop=True),
            visits=ds.visits[visit_town.to_numpy() == key].reset_index(drop=True),
            name=f"{ds.name}:{key}" if key else ds.name,
        )
    return parts
