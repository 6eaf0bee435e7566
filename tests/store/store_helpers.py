"""Helpers shared by the results-store tests: consistent scores and writer processes.

Writer processes are started with the ``fork`` context (Linux): the child inherits the
imported modules, and :class:`ResultsStore` opens its own connections after a fork.
"""

from __future__ import annotations

import os

SCORE_CRITERIA = (("listen", 3), ("explain", 3), ("act", 3))


def make_score(levels=(2, 1, 3), scenario="s1", needs_review=False) -> dict:
    """A machine score dict consistent with the store's rules (total = 100*sum/sum max)."""
    criteria = [{"id": cid, "level": lvl, "max_level": top, "evidence": [[0, 2]],
                 "feedback": f"{cid} feedback"}
                for (cid, top), lvl in zip(SCORE_CRITERIA, levels)]
    total = round(100.0 * sum(levels) / sum(top for _, top in SCORE_CRITERIA), 1)
    return {"scenario": scenario, "total": total, "criteria": criteria,
            "needs_review": needs_review}


def answer_text(worker: int, i: int) -> str:
    return f"第{i}次作答：我先听您把情况说完，再把账目拿出来一起核对。(w{worker})"


def levels_for(worker: int, i: int) -> tuple[int, int, int]:
    return (worker % 4, i % 4, (worker + i) % 4)


def submit_loop(url: str, worker: int, count: int, ack_path: str, shared: int = 0) -> None:
    """Submit ``count`` attempts as trainee ``T{worker:04d}``; after each commit, append
    ``submission_id attempt_id`` to ``ack_path`` (one small ``O_APPEND`` write: it survives
    the process being killed, and a line is never half-written by a kill).
    Also submits ``shared`` submissions that every worker sends with the same payload.
    ``count < 0`` loops until killed."""
    from pbkit.store.api import ResultsStore

    ack_fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    store = ResultsStore(url)
    trainee = f"T{worker:04d}"
    i = 0
    while count < 0 or i < count:
        sub = f"w{worker:02d}-{i:05d}"
        receipt = store.submit_attempt(
            sub, trainee, "s1",
            [answer_text(worker, i), {"text": "第二轮：今天就公开。", "reply": "好吧。"}],
            make_score(levels_for(worker, i)))
        os.write(ack_fd, f"{sub} {receipt.attempt_id}\n".encode())
        if i < shared:
            again = store.submit_attempt(f"shared-{i}", "T9999", "s1", ["共同提交"],
                                         make_score((1, 1, 1)))
            os.write(ack_fd, f"shared-{i} {again.attempt_id}\n".encode())
        i += 1
    store.close()
    os.close(ack_fd)


def read_acks(path) -> list[tuple[str, int]]:
    """Every complete ``submission_id attempt_id`` line in ack file ``path``."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as fh:
        data = fh.read()
    out = []
    for line in data.decode().splitlines():
        parts = line.split()
        if len(parts) == 2:
            out.append((parts[0], int(parts[1])))
    return out
