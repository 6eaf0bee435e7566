"""Pairing networks as networkx graphs.

Nodes are people, households and organisations, keyed by their ids, with attributes
``kind`` (``person``, ``household``, ``org``), ``org`` (the organisation they belong to or
are: a person's branch, a household's village, an org itself), ``village`` and
``township``. Edges run from the helping side (``source_id``) to the helped side
(``target_id``) and carry ``mechanism``, ``role``, ``group_id`` and ``pairing_id``.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["T", "V1"], "parent_id": [None, "T"],
...                        "level": ["township", "village"]}),
...     people=pd.DataFrame({"person_id": ["P1", "L1"], "org_id": ["V1", "T"],
...         "roles": ["member", "township_leader"], "gender": ["male", "male"],
...         "education": ["primary", "college"]}),
...     households=pd.DataFrame({"household_id": ["H1"], "org_id": ["V1"],
...                              "needs": ["disabled"]}),
...     pairings=pd.DataFrame({"pairing_id": ["a", "b"],
...         "mechanism": ["one_on_one", "bao_cun"], "source_id": ["P1", "L1"],
...         "target_id": ["H1", "V1"], "role": ["helper", "deputy_leader"]}))
>>> g = build_graph(ds, "one_on_one")
>>> list(g.edges()), g.nodes["H1"]["kind"], g.nodes["P1"]["org"]
([('P1', 'H1')], 'household', 'V1')
>>> sorted(d["mechanism"] for _, _, d in combined_graph(ds).edges(data=True))
['bao_cun', 'one_on_one']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pbkit.networks import eligibility as el
from pbkit.networks.mechanisms import get_mechanism

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["node_table", "edge_table", "build_graph", "combined_graph", "eligibility_graph"]


def node_table(ds) -> pd.DataFrame:
    """Every person, household and org as a node: ``node, kind, org, village, township``."""
    places = el.org_places(ds.orgs)
    people = ds.people
    hh = ds.households
    frames = []
    for ids, kind, org in ((people["person_id"], "person", people["org_id"]),
                           (hh["household_id"], "household", hh["org_id"]),
                           (ds.orgs["org_id"], "org", ds.orgs["org_id"])):
        pl = places.reindex(org.to_numpy(dtype=object))
        frames.append(pd.DataFrame({
            "node": ids.to_numpy(dtype=object), "kind": kind,
            "org": org.to_numpy(dtype=object),
            "village": pl["village"].to_numpy(dtype=object),
            "township": pl["township"].to_numpy(dtype=object)}))
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates("node", keep="first").reset_index(drop=True)


def edge_table(ds, mechanism: str | None = None, *, as_of=None,
               include_inactive: bool = False) -> pd.DataFrame:
    """Pairings as edges (active only unless ``include_inactive``), optionally one mechanism."""
    if mechanism is not None:
        get_mechanism(mechanism)  # unknown mechanism -> UsageError
    if include_inactive:
        p = ds.pairings
        if mechanism is not None:
            p = p[p["mechanism"] == mechanism]
    else:
        p = el.active_pairings(ds, mechanism, as_of)
    return p.loc[:, ["source_id", "target_id", "mechanism", "role", "group_id", "pairing_id"]]


def _add_nodes(g, nodes: pd.DataFrame, ids) -> None:
    wanted = nodes[el.isin(nodes["node"], ids)]
    for node, kind, org, village, township in wanted.itertuples(index=False, name=None):
        g.add_node(node, kind=kind, org=org, village=village, township=township)


def build_graph(ds, mechanism: str, *, as_of=None, include_inactive: bool = False,
                all_nodes: bool = False) -> nx.DiGraph:
    """The directed graph of one mechanism's (active) pairings.

    Parameters
    ----------
    ds : Dataset
    mechanism : str
        Mechanism code.
    all_nodes : bool
        Also add every person, household and org without a pairing (isolated nodes), e.g.
        to count the uncovered.

    Returns
    -------
    networkx.DiGraph
        source -> target edges; parallel links keep the first pairing. Nodes referenced by
        a pairing but absent from the tables get ``kind="unknown"``.

    >>> from pbkit.networks.metrics import _example
    >>> node_table(_example()).set_index("node").loc["H4", ["kind", "village"]].tolist()
    ['household', 'V2']

    >>> from pbkit.networks.metrics import _example
    >>> len(edge_table(_example(), "two_plus_one"))
    2
    """
    import networkx as nx

    edges = edge_table(ds, mechanism, as_of=as_of, include_inactive=include_inactive)
    g = nx.DiGraph(mechanism=mechanism)
    nodes = node_table(ds)
    ids = nodes["node"] if all_nodes else pd.concat([edges["source_id"], edges["target_id"]])
    _add_nodes(g, nodes, ids)
    for s, tg, mech, role, group, pid in edges.itertuples(index=False, name=None):
        if not g.has_node(s):
            g.add_node(s, kind="unknown", org=None, village=None, township=None)
        if not g.has_node(tg):
            g.add_node(tg, kind="unknown", org=None, village=None, township=None)
        if not g.has_edge(s, tg):
            g.add_edge(s, tg, mechanism=mech, role=_none(role), group_id=_none(group),
                       pairing_id=pid)
    return g


def combined_graph(ds, *, as_of=None, include_inactive: bool = False,
                   all_nodes: bool = False) -> nx.MultiDiGraph:
    """Every mechanism's pairings in one MultiDiGraph, ``mechanism`` on each edge."""
    import networkx as nx

    edges = edge_table(ds, None, as_of=as_of, include_inactive=include_inactive)
    g = nx.MultiDiGraph()
    nodes = node_table(ds)
    ids = nodes["node"] if all_nodes else pd.concat([edges["source_id"], edges["target_id"]])
    _add_nodes(g, nodes, ids)
    missing = set(pd.concat([edges["source_id"], edges["target_id"]]).tolist()) - set(g.nodes)
    for node in sorted(missing):
        g.add_node(node, kind="unknown", org=None, village=None, township=None)
    g.add_edges_from(
        (s, tg, {"mechanism": m, "role": _none(r), "group_id": _none(gr), "pairing_id": pid})
        for s, tg, m, r, gr, pid in edges.itertuples(index=False, name=None))
    return g


def eligibility_graph(ds, mechanism: str = "one_on_one", *, radius_km: float | None = None,
                      as_of=None) -> nx.DiGraph:
    """The one-on-one eligibility graph: helper -> household for every allowed pair.

    Helper nodes carry ``capacity``; edges carry ``cost`` and ``distance_km``. Mind the size:
    a county has millions of eligible pairs (the planner never builds this graph).

    >>> from pbkit.networks.metrics import _example
    >>> g = eligibility_graph(_example())
    >>> g.number_of_edges(), g.nodes["P2"]["capacity"]
    (6, 2)
    """
    import networkx as nx

    mech = get_mechanism(mechanism)
    if mech.is_group:
        from pbkit.errors import UsageError

        raise UsageError("networks.err.not_one_on_one", mechanism=mechanism)
    helpers = el.helper_pool(ds, mech, as_of)
    needy = el.needy_pool(ds, mech, as_of)
    scope = "radius" if radius_km is not None else mech.scope
    edges = el.one_on_one_edges(helpers, needy, scope,
                                radius_km if radius_km is not None else mech.radius_km)
    cost = el.one_on_one_costs(helpers, needy, edges, mech)["cost"]
    g = nx.DiGraph(mechanism=mechanism)
    for pid, cap, org in zip(helpers["person_id"], helpers["capacity"], helpers["org_id"]):
        g.add_node(pid, kind="person", capacity=int(cap), org=org)
    for hid, org in zip(needy["household_id"], needy["org_id"]):
        g.add_node(hid, kind="household", org=org)
    hid = needy["household_id"].to_numpy(dtype=object)
    pid = helpers["person_id"].to_numpy(dtype=object)
    g.add_edges_from((pid[p], hid[h], {"cost": float(c), "distance_km": float(d)})
                     for h, p, c, d in zip(edges.household, edges.helper, np.round(cost, 2),
                                           edges.distance_km))
    return g


def _none(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value
