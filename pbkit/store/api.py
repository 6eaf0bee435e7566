"""The results store's public API: :class:`ResultsStore`.

Apps, the trainer console, lessons and the CLI call these methods; every write is checked
here against :mod:`pbkit.store.limits` (never only in the browser), so a forged widget
message that runs a disabled button's callback is refused like any other bad write.

>>> store = ResultsStore("sqlite://")
>>> store.ensure_cohort("C1", "2026 秋季一班")
'C1'
>>> store.ensure_trainee("T0001", "C1")
'T0001'
>>> score = {"scenario": "s1", "total": 50.0, "needs_review": False, "criteria": [
...     {"id": "listen", "level": 2, "max_level": 3, "evidence": [[0, 4]], "feedback": "ok"},
...     {"id": "act", "level": 1, "max_level": 3, "evidence": [], "feedback": "more"}]}
>>> r = store.submit_attempt("sub-1", "T0001", "s1", ["我先听您说。"], score)
>>> r.attempt_id, r.total, r.status
(1, 50.0, 'scored')
>>> store.submit_attempt("sub-1", "T0001", "s1", ["我先听您说。"], score) == r
True
>>> store.gradebook("C1")[["trainee_id", "scenario_id", "attempts", "latest_total"]]
  trainee_id scenario_id  attempts  latest_total
0      T0001          s1         1          50.0
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pbkit.errors import StoreError, UsageError
from pbkit.store.limits import (
    DEFAULT_LIMITS,
    STATUSES,
    StoreLimits,
    check_id,
    check_level,
    check_name,
    check_quiz_answer,
    check_score,
    check_turns,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection, Engine

__all__ = ["ResultsStore", "AttemptReceipt", "to_utc_deadline"]

#: Columns of the frames the store returns (and of its exports, in this order).
ATTEMPT_COLUMNS = ("attempt_id", "submission_id", "cohort_id", "trainee_id", "scenario_id",
                   "created_at", "status", "total", "needs_review", "turns", "answer")
SCORE_COLUMNS = ("attempt_id", "cohort_id", "trainee_id", "scenario_id", "source", "rater_id",
                 "criterion_id", "level", "max_level", "evidence", "feedback")
GRADEBOOK_COLUMNS = ("cohort_id", "trainee_id", "scenario_id", "attempts", "latest_attempt_id",
                     "latest_at", "latest_total", "best_total", "human_total", "final_total",
                     "status", "needs_review", "latest_answer", "final_rule",
                     "final_attempt_id")
#: Which attempt's score is the final one: a class decides, and the gradebook says which.
FINAL_RULES = ("best", "latest", "first")
ROSTER_COLUMNS = ("trainee_id", "cohort_id", "joined_at", "attempts", "last_attempt_at",
                  "quiz_answers")
QUIZ_COLUMNS = ("answer_id", "cohort_id", "trainee_id", "lesson_id", "question_id", "answer",
                "correct", "created_at")
MACHINE_RATER = "machine"


@dataclass(frozen=True)
class AttemptReceipt:
    """What the store acknowledges for a stored attempt.

    A retried submission returns an equal receipt (``replayed`` is ``True`` on the retry and
    does not take part in equality). ``int(receipt)`` is the attempt id.
    """

    attempt_id: int
    submission_id: str
    trainee_id: str
    scenario_id: str
    created_at: datetime
    status: str
    total: float | None
    replayed: bool = field(default=False, compare=False)

    def __int__(self) -> int:
        return self.attempt_id

    __index__ = __int__


def to_utc_deadline(deadline: datetime | date | None) -> datetime | None:
    """A deadline as an aware UTC datetime.

    A naive datetime is read in the machine's local time zone (what a trainer typed); a
    plain date means the end of that day, local time (the deadline is inclusive).

    >>> to_utc_deadline(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.timezone.utc)
    """
    if deadline is None:
        return None
    if isinstance(deadline, datetime):
        aware = deadline if deadline.tzinfo else deadline.astimezone()
        return aware.astimezone(UTC)
    if isinstance(deadline, date):
        end = datetime(deadline.year, deadline.month, deadline.day) + timedelta(days=1)
        return (end - timedelta(microseconds=1)).astimezone().astimezone(UTC)
    raise StoreError("store.err.deadline_type", value=str(deadline)[:32])


def _payload_hash(trainee_id: str, scenario_id: str, turns: list, score: dict | None) -> str:
    blob = json.dumps({"trainee": trainee_id, "scenario": scenario_id, "turns": turns,
                       "score": score}, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResultsStore:
    """The results database: cohorts, trainees, attempts, scores and quiz answers.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL. Default: ``PBKIT_DB_URL``, else ``results.sqlite3`` in
        :func:`pbkit.store.engine.data_dir`.
    limits : StoreLimits
        The bounds enforced on every write (:data:`pbkit.store.limits.DEFAULT_LIMITS`).
    clock : callable, optional
        Returns the current aware datetime; for tests of deadlines. Default: UTC now.
    lock_timeout : float, optional
        Seconds a write waits for the write lock before it fails with ``store.err.busy``
        (default :func:`pbkit.store.engine.lock_timeout`: ``PBKIT_DB_LOCK_TIMEOUT`` or 20).

    The schema is created or upgraded on first use. The object is safe to use after
    ``fork``: a child process opens its own connections.
    """

    def __init__(self, url: str | None = None, *, limits: StoreLimits = DEFAULT_LIMITS,
                 clock: Callable[[], datetime] | None = None,
                 lock_timeout: float | None = None) -> None:
        from pbkit.store.engine import default_url

        if lock_timeout is not None and not 0 < float(lock_timeout) <= 3600:
            raise StoreError("store.err.bad_lock_timeout", value=lock_timeout)
        self.lock_timeout = lock_timeout
        self.url = url or default_url()
        self.limits = limits
        self._clock = clock or (lambda: datetime.now(UTC))
        self._engine: Engine | None = None
        self._pid: int | None = None

    def __repr__(self) -> str:
        from pbkit.store.engine import redact_url

        return f"ResultsStore({redact_url(self.url)!r})"

    # ------------------------------------------------------------------ plumbing
    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (created, and the schema upgraded, on first use)."""
        if self._engine is None or self._pid != os.getpid():
            from pbkit.store.engine import make_engine
            from pbkit.store.migrations import upgrade

            if self._engine is not None:  # inherited through fork: never reuse its sockets
                self._engine.dispose(close=False)
            engine = make_engine(self.url)
            upgrade(engine)
            self._engine, self._pid = engine, os.getpid()
        return self._engine

    def close(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        from pbkit.store.engine import write_tx

        with write_tx(self.engine, self.lock_timeout) as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        from sqlalchemy.exc import SQLAlchemyError

        from pbkit.store.engine import read_tx

        try:
            with read_tx(self.engine) as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: Exception) -> StoreError:
        from pbkit.store.engine import redact_url

        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return StoreError("store.err.unavailable", url=redact_url(self.url),
                          detail=(detail[0] if detail else type(exc).__name__)[:200])

    def _retrying(self, fn: Callable[[], Any], attempts: int = 6) -> Any:
        """Run a write transaction, retrying on a lost unique-key race, a busy database or a
        serialisation failure (each retry re-reads, so the outcome is as if serial)."""
        from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

        for i in range(attempts):
            try:
                return fn()
            except (IntegrityError, OperationalError) as exc:
                text = str(getattr(exc, "orig", exc)).lower()
                transient = isinstance(exc, IntegrityError) or any(
                    w in text for w in ("locked", "busy", "deadlock", "serializ"))
                if not transient or i == attempts - 1:
                    raise self._unavailable(exc) from None
                time.sleep(0.05 * (2 ** i))
            except SQLAlchemyError as exc:
                raise self._unavailable(exc) from None
        raise AssertionError("unreachable")

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    # ------------------------------------------------------------------ cohorts, trainees
    def ensure_cohort(self, cohort_id: str, name: str, *,
                      deadline: datetime | date | None = None) -> str:
        """Create cohort ``cohort_id`` if missing; update its name (and the deadline, when
        given) if it exists. Returns the id.

        ``deadline``: submissions after it are refused (see :func:`to_utc_deadline`).
        """
        from sqlalchemy import select

        from pbkit.store.models import Cohort, utcnow

        cohort_id = check_id(cohort_id, "cohort_id", self.limits, pseudonym=False)
        name = check_name(name, "name", self.limits)
        when = to_utc_deadline(deadline)
        table = Cohort.__table__

        def work() -> str:
            with self._write() as conn:
                found = conn.execute(select(table.c.id).where(table.c.id == cohort_id)).first()
                if found is None:
                    conn.execute(table.insert().values(id=cohort_id, name=name,
                                                       created_at=utcnow(), deadline=when))
                else:
                    values: dict[str, Any] = {"name": name}
                    if deadline is not None:
                        values["deadline"] = when
                    conn.execute(table.update().where(table.c.id == cohort_id).values(**values))
            return cohort_id

        return self._retrying(work)

    def set_deadline(self, cohort_id: str, deadline: datetime | date | None) -> None:
        """Set (or with ``None`` clear) the submission deadline of a cohort."""
        from pbkit.store.models import Cohort

        cohort_id = check_id(cohort_id, "cohort_id", self.limits, pseudonym=False)
        when = to_utc_deadline(deadline)
        table = Cohort.__table__

        def work() -> None:
            with self._write() as conn:
                done = conn.execute(table.update().where(table.c.id == cohort_id)
                                    .values(deadline=when))
                if done.rowcount == 0:
                    raise StoreError("store.err.unknown_cohort", cohort_id=cohort_id)

        self._retrying(work)

    def ensure_trainee(self, trainee_id: str, cohort_id: str) -> str:
        """Register pseudonymous ``trainee_id`` in ``cohort_id`` (which must exist).

        Idempotent; a trainee already in another cohort is refused.
        """
        from sqlalchemy import select

        from pbkit.store.models import Cohort, Trainee, utcnow

        trainee_id = check_id(trainee_id, "trainee_id", self.limits)
        cohort_id = check_id(cohort_id, "cohort_id", self.limits, pseudonym=False)
        trainees, cohorts = Trainee.__table__, Cohort.__table__

        def work() -> str:
            with self._write() as conn:
                if conn.execute(select(cohorts.c.id).where(cohorts.c.id == cohort_id)
                                ).first() is None:
                    raise StoreError("store.err.unknown_cohort", cohort_id=cohort_id)
                row = conn.execute(select(trainees.c.cohort_id)
                                   .where(trainees.c.id == trainee_id)).first()
                if row is None:
                    conn.execute(trainees.insert().values(id=trainee_id, cohort_id=cohort_id,
                                                          created_at=utcnow()))
                elif row.cohort_id != cohort_id:
                    raise StoreError("store.err.trainee_other_cohort", trainee_id=trainee_id,
                                     cohort_id=cohort_id, other=row.cohort_id)
            return trainee_id

        return self._retrying(work)

    # ------------------------------------------------------------------ attempts
    def submit_attempt(self, submission_id: str, trainee_id: str, scenario_id: str,
                       turns: Sequence[Any], score: Any, *,
                       deadline: datetime | date | None = None) -> AttemptReceipt:
        """Store one role-play attempt exactly once and acknowledge it.

        Parameters
        ----------
        submission_id : str
            Unique id the client makes once per attempt (e.g. ``uuid4().hex``). Sending the
            same submission again (a retry after a lost reply) stores nothing new and returns
            the same receipt; a *different* payload under a used id is refused.
        trainee_id, scenario_id : str
            The (registered) pseudonymous trainee and the scenario answered.
        turns : sequence
            The answers, as strings or ``{"text", "reply"}`` mappings
            (:func:`pbkit.store.limits.check_turns`).
        score : Score, dict or None
            The machine score (an object with ``to_dict()`` or the dict), validated by
            :func:`pbkit.store.limits.check_score`; ``None`` stores the attempt unscored.
        deadline : datetime or date, optional
            An exercise deadline; the cohort's own deadline applies too.

        Returns
        -------
        AttemptReceipt
            Returned only after the transaction has committed (durably on disk).
        """
        from sqlalchemy import select

        from pbkit.store.models import Attempt, Cohort, MachineScore, Trainee, Turn

        submission_id = check_id(submission_id, "submission_id", self.limits, pseudonym=False)
        trainee_id = check_id(trainee_id, "trainee_id", self.limits)
        scenario_id = check_id(scenario_id, "scenario_id", self.limits, pseudonym=False)
        clean_turns = check_turns(turns, self.limits)
        clean_score = check_score(score, scenario_id, self.limits)
        call_deadline = to_utc_deadline(deadline)
        digest = _payload_hash(trainee_id, scenario_id, [list(t) for t in clean_turns],
                               clean_score)
        attempts, trainees, cohorts = Attempt.__table__, Trainee.__table__, Cohort.__table__

        def receipt(row, replayed: bool) -> AttemptReceipt:
            return AttemptReceipt(attempt_id=int(row.id), submission_id=row.submission_id,
                                  trainee_id=row.trainee_id, scenario_id=row.scenario_id,
                                  created_at=row.created_at, status=row.status,
                                  total=row.total, replayed=replayed)

        def work() -> AttemptReceipt:
            with self._write() as conn:
                old = conn.execute(select(attempts).where(
                    attempts.c.submission_id == submission_id)).first()
                if old is not None:
                    if old.payload_sha256 != digest:
                        raise StoreError("store.err.submission_conflict",
                                         submission_id=submission_id)
                    return receipt(old, True)
                who = conn.execute(
                    select(cohorts.c.id, cohorts.c.deadline)
                    .join(trainees, trainees.c.cohort_id == cohorts.c.id)
                    .where(trainees.c.id == trainee_id)).first()
                if who is None:
                    raise StoreError("store.err.unknown_trainee", trainee_id=trainee_id)
                now = self._now()
                for limit in (who.deadline, call_deadline):
                    if limit is not None and now > limit:
                        raise StoreError("store.err.deadline_passed",
                                         deadline=_show_time(limit))
                if clean_score is None:
                    status, total, review = "unscored", None, False
                else:
                    review = clean_score["needs_review"]
                    status = "needs_review" if review else "scored"
                    total = clean_score["total"]
                attempt_id = conn.execute(attempts.insert().values(
                    submission_id=submission_id, trainee_id=trainee_id,
                    scenario_id=scenario_id, created_at=now, status=status, total=total,
                    needs_review=review, payload_sha256=digest)).inserted_primary_key[0]
                conn.execute(Turn.__table__.insert(), [
                    {"attempt_id": attempt_id, "idx": i, "text": text, "reply": reply}
                    for i, (text, reply) in enumerate(clean_turns, start=1)])
                if clean_score is not None:
                    conn.execute(MachineScore.__table__.insert(), [
                        {"attempt_id": attempt_id, "criterion_id": c["id"],
                         "level": c["level"], "max_level": c["max_level"],
                         "evidence": json.dumps(c["evidence"], ensure_ascii=False),
                         "feedback": c["feedback"]} for c in clean_score["criteria"]])
                return AttemptReceipt(attempt_id=int(attempt_id), submission_id=submission_id,
                                      trainee_id=trainee_id, scenario_id=scenario_id,
                                      created_at=now.astimezone(UTC), status=status,
                                      total=total)

        return self._retrying(work)

    def add_human_score(self, attempt_id: int, rater_id: str, criterion_id: str, level: int,
                        *, max_level: int | None = None) -> None:
        """Record (or correct) rater ``rater_id``'s level for one criterion of an attempt.

        The criterion must be one the machine scored (its ``max_level`` is used), or, for an
        unscored attempt, ``max_level`` must be given. When every machine-scored criterion has
        a human level, the attempt's status becomes ``reviewed``.

        >>> store, receipt = _example()
        >>> for crit, level in (("listen", 3), ("act", 1)):
        ...     store.add_human_score(receipt.attempt_id, "R01", crit, level)
        >>> store.attempts()["status"].tolist()
        ['reviewed']
        """
        from sqlalchemy import func, select

        from pbkit.store.models import Attempt, HumanScore, MachineScore, utcnow

        if not isinstance(attempt_id, int) or isinstance(attempt_id, bool):
            raise StoreError("store.err.unknown_attempt", attempt_id=str(attempt_id)[:32])
        rater_id = check_id(rater_id, "rater_id", self.limits)
        criterion_id = check_id(criterion_id, "criterion_id", self.limits, pseudonym=False)
        attempts, machine, human = (Attempt.__table__, MachineScore.__table__,
                                    HumanScore.__table__)

        def work() -> None:
            with self._write() as conn:
                if conn.execute(select(attempts.c.id).where(attempts.c.id == attempt_id)
                                ).first() is None:
                    raise StoreError("store.err.unknown_attempt", attempt_id=attempt_id)
                crit = {r.criterion_id: r.max_level for r in conn.execute(
                    select(machine.c.criterion_id, machine.c.max_level)
                    .where(machine.c.attempt_id == attempt_id))}
                if crit:
                    if criterion_id not in crit:
                        raise StoreError("store.err.unknown_criterion", criterion=criterion_id,
                                         attempt_id=attempt_id, known=", ".join(sorted(crit)))
                    top = crit[criterion_id]
                elif max_level is None:
                    raise StoreError("store.err.max_level_required", attempt_id=attempt_id)
                else:
                    top = max_level
                    if (not isinstance(top, int) or isinstance(top, bool)
                            or not 1 <= top <= self.limits.max_criterion_level):
                        raise StoreError("store.err.max_level", criterion=criterion_id,
                                         max_level=str(top)[:32],
                                         max=self.limits.max_criterion_level)
                value = check_level(level, top, criterion_id)
                now = utcnow()
                key = ((human.c.attempt_id == attempt_id) & (human.c.rater_id == rater_id)
                       & (human.c.criterion_id == criterion_id))
                if conn.execute(select(human.c.id).where(key)).first() is None:
                    conn.execute(human.insert().values(
                        attempt_id=attempt_id, rater_id=rater_id, criterion_id=criterion_id,
                        level=value, max_level=top, created_at=now, updated_at=now))
                else:
                    conn.execute(human.update().where(key).values(level=value, updated_at=now))
                if crit:
                    rated = conn.execute(select(func.count(func.distinct(human.c.criterion_id)))
                                         .where(human.c.attempt_id == attempt_id)).scalar()
                    if rated >= len(crit):
                        conn.execute(attempts.update().where(attempts.c.id == attempt_id)
                                     .values(status="reviewed"))

        self._retrying(work)

    # ------------------------------------------------------------------ quizzes
    def save_quiz_answer(self, trainee_id: str, lesson_id: str, question_id: str,
                         answer: Any, correct: bool | None, *,
                         submission_id: str | None = None) -> int:
        """Store one quiz answer; returns its id.

        ``answer`` is text, a choice code, or a list of codes (multiple choice, ordering).
        With ``submission_id``, a retry is stored once (same id returned). Every answer is
        kept; class statistics count each question's first answer (later ones are practice).

        >>> store, _ = _example()
        >>> store.save_quiz_answer("T0001", "lesson-1", "q1", ["b", "a"], True)
        1
        >>> store.quiz_summary("C1").values.tolist()
        [['T0001', 'lesson-1', 1, 1, 100.0, 1]]
        """
        from sqlalchemy import select

        from pbkit.store.models import QuizAnswer, Trainee, utcnow

        trainee_id = check_id(trainee_id, "trainee_id", self.limits)
        lesson_id = check_id(lesson_id, "lesson_id", self.limits, pseudonym=False)
        question_id = check_id(question_id, "question_id", self.limits, pseudonym=False)
        if submission_id is not None:
            submission_id = check_id(submission_id, "submission_id", self.limits,
                                     pseudonym=False)
        text = check_quiz_answer(answer, self.limits)
        if correct is not None and not isinstance(correct, bool):
            raise StoreError("store.err.correct_type", value=str(correct)[:32])
        quiz, trainees = QuizAnswer.__table__, Trainee.__table__

        def work() -> int:
            with self._write() as conn:
                if submission_id is not None:
                    old = conn.execute(select(quiz).where(
                        quiz.c.submission_id == submission_id)).first()
                    if old is not None:
                        same = (old.trainee_id, old.lesson_id, old.question_id, old.answer,
                                old.correct) == (trainee_id, lesson_id, question_id, text,
                                                 correct)
                        if not same:
                            raise StoreError("store.err.submission_conflict",
                                             submission_id=submission_id)
                        return int(old.id)
                if conn.execute(select(trainees.c.id).where(trainees.c.id == trainee_id)
                                ).first() is None:
                    raise StoreError("store.err.unknown_trainee", trainee_id=trainee_id)
                return int(conn.execute(quiz.insert().values(
                    submission_id=submission_id, trainee_id=trainee_id, lesson_id=lesson_id,
                    question_id=question_id, answer=text, correct=correct,
                    created_at=utcnow())).inserted_primary_key[0])

        return self._retrying(work)

    # ------------------------------------------------------------------ written answers
    def save_written_answer(self, trainee_id: str, lesson_id: str, item_id: str, text: str,
                            *, submission_id: str | None = None) -> int:
        """Store a written answer (:func:`pbkit.store.written.save_written_answer`)."""
        from pbkit.store.written import save_written_answer

        return save_written_answer(self, trainee_id, lesson_id, item_id, text,
                                   submission_id=submission_id)

    def written_answers(self, cohort_id: str | None = None, *, latest: bool = True
                        ) -> pd.DataFrame:
        """Written answers (:func:`pbkit.store.written.written_answers`)."""
        from pbkit.store.written import written_answers

        return written_answers(self, cohort_id, latest=latest)

    def release_answers(self, cohort_id: str, lesson_id: str) -> None:
        """Release a quiz's answers to a class (:func:`pbkit.store.written.release_answers`)."""
        from pbkit.store.written import release_answers

        release_answers(self, cohort_id, lesson_id)

    def answers_released(self, cohort_id: str | None, lesson_id: str) -> bool:
        """Whether a quiz's answers are released (:func:`pbkit.store.written.released`)."""
        from pbkit.store.written import released

        return released(self, cohort_id, lesson_id)

    # ------------------------------------------------------------------ reading
    def cohorts(self) -> pd.DataFrame:
        """Every cohort: ``cohort_id, name, created_at, deadline, trainees``."""
        import pandas as pd
        from sqlalchemy import func, select

        from pbkit.store.models import Cohort, Trainee

        c, tr = Cohort.__table__, Trainee.__table__
        query = (select(c.c.id.label("cohort_id"), c.c.name, c.c.created_at, c.c.deadline,
                        func.count(tr.c.id).label("trainees"))
                 .select_from(c.outerjoin(tr, tr.c.cohort_id == c.c.id))
                 .group_by(c.c.id, c.c.name, c.c.created_at, c.c.deadline).order_by(c.c.id))
        with self._read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        frame = pd.DataFrame(rows, columns=["cohort_id", "name", "created_at", "deadline",
                                            "trainees"])
        return _typed(frame)

    def roster(self, cohort_id: str) -> pd.DataFrame:
        """The cohort's trainees: ``trainee_id, cohort_id, joined_at, attempts,
        last_attempt_at, quiz_answers`` (pseudonymous ids only).
        >>> store, _ = _example()
        >>> store.roster("C1")[["trainee_id", "attempts", "quiz_answers"]].values.tolist()
        [['T0001', 1, 0]]
        """
        import pandas as pd
        from sqlalchemy import func, select

        from pbkit.store.models import Attempt, QuizAnswer, Trainee

        cohort_id = self._known_cohort(cohort_id)
        tr, at, qa = Trainee.__table__, Attempt.__table__, QuizAnswer.__table__
        att = (select(at.c.trainee_id, func.count().label("n"),
                      func.max(at.c.created_at).label("last"))
               .group_by(at.c.trainee_id).subquery())
        quiz = select(qa.c.trainee_id, func.count().label("q")).group_by(
            qa.c.trainee_id).subquery()
        query = (select(tr.c.id, tr.c.cohort_id, tr.c.created_at, att.c.n, att.c.last, quiz.c.q)
                 .select_from(tr.outerjoin(att, att.c.trainee_id == tr.c.id)
                              .outerjoin(quiz, quiz.c.trainee_id == tr.c.id))
                 .where(tr.c.cohort_id == cohort_id).order_by(tr.c.id))
        with self._read() as conn:
            rows = [(r.id, r.cohort_id, r.created_at, r.n or 0, _aware(r.last), r.q or 0)
                    for r in conn.execute(query)]
        return _typed(pd.DataFrame(rows, columns=list(ROSTER_COLUMNS)))

    def attempts(self, cohort_id: str | None = None, *, trainee_id: str | None = None,
                 scenario_id: str | None = None) -> pd.DataFrame:
        """Stored attempts, oldest first, one row each (columns :data:`ATTEMPT_COLUMNS`).

        ``answer`` is the trainee's turns joined by blank lines; ``turns`` counts them.
        """
        import pandas as pd
        from sqlalchemy import select

        from pbkit.store.models import Attempt, Trainee, Turn

        at, tr, tu = Attempt.__table__, Trainee.__table__, Turn.__table__
        query = (select(at, tr.c.cohort_id).join(tr, tr.c.id == at.c.trainee_id)
                 .order_by(at.c.id))
        if cohort_id is not None:
            query = query.where(tr.c.cohort_id == cohort_id)
        if trainee_id is not None:
            query = query.where(at.c.trainee_id == trainee_id)
        if scenario_id is not None:
            query = query.where(at.c.scenario_id == scenario_id)
        with self._read() as conn:
            rows = conn.execute(query).all()
            texts: dict[int, list[str]] = {}
            ids = [r.id for r in rows]
            for chunk in _chunks(ids, 500):
                for t in conn.execute(select(tu.c.attempt_id, tu.c.text)
                                      .where(tu.c.attempt_id.in_(chunk))
                                      .order_by(tu.c.attempt_id, tu.c.idx)):
                    texts.setdefault(t.attempt_id, []).append(t.text)
        records = [(r.id, r.submission_id, r.cohort_id, r.trainee_id, r.scenario_id,
                    r.created_at, r.status, r.total, bool(r.needs_review),
                    len(texts.get(r.id, [])), "\n\n".join(texts.get(r.id, [])))
                   for r in rows]
        return _typed(pd.DataFrame(records, columns=list(ATTEMPT_COLUMNS)))

    def turns(self, attempt_id: int) -> pd.DataFrame:
        """One attempt's turns in order: ``turn, text, reply``.

        >>> store, receipt = _example()
        >>> store.turns(receipt.attempt_id)["text"].tolist()
        ['我先听您说。']
        """
        import pandas as pd
        from sqlalchemy import select

        from pbkit.store.models import Turn

        tu = Turn.__table__
        with self._read() as conn:
            rows = conn.execute(select(tu.c.idx, tu.c.text, tu.c.reply)
                                .where(tu.c.attempt_id == attempt_id).order_by(tu.c.idx)).all()
        return _typed(pd.DataFrame([tuple(r) for r in rows], columns=["turn", "text", "reply"]))

    def scores(self, cohort_id: str | None = None, *, attempt_id: int | None = None,
               source: str | None = None) -> pd.DataFrame:
        """Criterion levels in long form, machine and human (columns :data:`SCORE_COLUMNS`).

        ``source`` is ``"machine"``, ``"human"`` or ``None`` for both; machine rows have
        ``rater_id == "machine"``. Pivot on ``rater_id`` to compare machine and humans
        (e.g. with :func:`pbkit.roleplay.agreement`).

        >>> store, receipt = _example()
        >>> store.add_human_score(receipt.attempt_id, "R01", "act", 2)
        >>> store.scores()[["source", "rater_id", "criterion_id", "level"]].values.tolist()
        [['human', 'R01', 'act', 2], ['machine', 'machine', 'act', 1], \
['machine', 'machine', 'listen', 2]]
        """
        import pandas as pd
        from sqlalchemy import select

        from pbkit.store.models import Attempt, HumanScore, MachineScore, Trainee

        if source not in (None, "machine", "human"):
            raise StoreError("store.err.source", source=str(source)[:32])
        at, tr = Attempt.__table__, Trainee.__table__
        ms, hs = MachineScore.__table__, HumanScore.__table__
        base = [at.c.id.label("attempt_id"), tr.c.cohort_id, at.c.trainee_id, at.c.scenario_id]
        queries = []
        if source in (None, "machine"):
            queries.append(("machine", select(*base, ms.c.criterion_id, ms.c.level,
                                              ms.c.max_level, ms.c.evidence, ms.c.feedback)
                            .join(at, at.c.id == ms.c.attempt_id)
                            .join(tr, tr.c.id == at.c.trainee_id)))
        if source in (None, "human"):
            queries.append(("human", select(*base, hs.c.rater_id, hs.c.criterion_id,
                                            hs.c.level, hs.c.max_level)
                            .join(at, at.c.id == hs.c.attempt_id)
                            .join(tr, tr.c.id == at.c.trainee_id)))
        records = []
        with self._read() as conn:
            for kind, query in queries:
                if cohort_id is not None:
                    query = query.where(tr.c.cohort_id == cohort_id)
                if attempt_id is not None:
                    query = query.where(at.c.id == attempt_id)
                for r in conn.execute(query):
                    m = r._mapping
                    records.append((m["attempt_id"], m["cohort_id"], m["trainee_id"],
                                    m["scenario_id"], kind, m.get("rater_id", MACHINE_RATER),
                                    m["criterion_id"], m["level"], m["max_level"],
                                    json.loads(m["evidence"]) if kind == "machine" else None,
                                    m.get("feedback")))
        frame = pd.DataFrame(records, columns=list(SCORE_COLUMNS))
        frame = frame.sort_values(["attempt_id", "source", "rater_id", "criterion_id"],
                                  kind="stable", ignore_index=True)
        return _typed(frame)

    def quiz_answers(self, cohort_id: str | None = None) -> pd.DataFrame:
        """Every stored quiz answer (columns :data:`QUIZ_COLUMNS`); ``answer`` decoded."""
        import pandas as pd
        from sqlalchemy import select

        from pbkit.store.models import QuizAnswer, Trainee

        qa, tr = QuizAnswer.__table__, Trainee.__table__
        query = (select(qa, tr.c.cohort_id).join(tr, tr.c.id == qa.c.trainee_id)
                 .order_by(qa.c.id))
        if cohort_id is not None:
            query = query.where(tr.c.cohort_id == cohort_id)
        with self._read() as conn:
            rows = conn.execute(query).all()
        records = [(r.id, r.cohort_id, r.trainee_id, r.lesson_id, r.question_id,
                    _answer_text(r.answer), r.correct, r.created_at) for r in rows]
        return _typed(pd.DataFrame(records, columns=list(QUIZ_COLUMNS)))

    def quiz_summary(self, cohort_id: str) -> pd.DataFrame:
        """Per trainee and lesson, counting each question's *first* answer (what the trainee
        knew; later answers are practice after seeing the feedback):
        ``trainee_id, lesson_id, questions, correct, percent_correct, practice_correct``
        where ``percent_correct = 100 * correct / questions`` and ``practice_correct``
        counts the questions whose latest answer is right."""
        import pandas as pd

        answers = self.quiz_answers(cohort_id)
        cols = ["trainee_id", "lesson_id", "questions", "correct", "percent_correct",
                "practice_correct"]
        if answers.empty:
            return pd.DataFrame({c: pd.Series(dtype="float64" if c == "percent_correct"
                                              else ("int64" if c in ("questions", "correct",
                                                                     "practice_correct")
                                                    else "str")) for c in cols})
        ordered = answers.sort_values("answer_id").assign(
            ok=lambda f: f["correct"].fillna(False).astype(bool))
        keys = ["trainee_id", "lesson_id", "question_id"]
        first = ordered.groupby(keys, sort=True).head(1)
        latest = ordered.groupby(keys, sort=True).tail(1)
        out = (first.groupby(["trainee_id", "lesson_id"], sort=True)
               .agg(questions=("question_id", "size"), correct=("ok", "sum")).reset_index())
        practice = latest.groupby(["trainee_id", "lesson_id"], sort=True)["ok"].sum()
        out["practice_correct"] = practice.to_numpy().astype("int64")
        out["correct"] = out["correct"].astype("int64")
        out["percent_correct"] = 100.0 * out["correct"] / out["questions"]
        return out[cols]

    def question_stats(self, cohort_id: str) -> pd.DataFrame:
        """Per lesson and question, on first answers (for the trainer's debrief):
        ``lesson_id, question_id, answered, correct, difficulty, top_wrong, top_wrong_n``
        where ``difficulty = 1 - correct / answered`` (the share who got it wrong) and
        ``top_wrong`` is the wrong answer chosen most often (``top_wrong_n`` times)."""
        import pandas as pd

        answers = self.quiz_answers(cohort_id)
        cols = ["lesson_id", "question_id", "answered", "correct", "difficulty", "top_wrong",
                "top_wrong_n"]
        if answers.empty:
            return pd.DataFrame(columns=cols)
        first = answers.sort_values("answer_id").groupby(
            ["trainee_id", "lesson_id", "question_id"], sort=True).head(1)
        first = first.assign(ok=first["correct"].fillna(False).astype(bool))
        rows = []
        for (lesson, question), g in first.groupby(["lesson_id", "question_id"], sort=True):
            wrong = g.loc[~g["ok"], "answer"].astype(str).value_counts()
            rows.append((lesson, question, len(g), int(g["ok"].sum()),
                         round(1 - g["ok"].mean(), 3),
                         wrong.index[0] if len(wrong) else None,
                         int(wrong.iloc[0]) if len(wrong) else 0))
        return pd.DataFrame(rows, columns=cols)

    def gradebook(self, cohort_id: str, final: str = "best") -> pd.DataFrame:
        """One row per trainee and scenario attempted (trainees with no attempt get one row
        with ``attempts == 0``), columns :data:`GRADEBOOK_COLUMNS`.

        - ``latest_total``, ``best_total``: machine totals of the latest and best attempt.
        - ``final_rule`` (``final``, one of :data:`FINAL_RULES`) picks the attempt that
          counts, ``final_attempt_id``: the best (highest machine total, the later one on a
          tie), the latest or the first attempt.
        - ``human_total`` (that attempt, when every criterion has a human level):
          ``100 * sum_c mean_raters(level_c) / sum_c max_level_c``.
        - ``final_total``: ``human_total`` where present, else that attempt's machine total.
        - ``latest_answer``: the latest attempt's answer text (exported neutralised).
        """
        import pandas as pd

        if final not in FINAL_RULES:
            raise UsageError("store.err.bad_final_rule", value=final,
                             choices=", ".join(FINAL_RULES))
        cohort_id = self._known_cohort(cohort_id)
        roster = self.roster(cohort_id)
        attempts = self.attempts(cohort_id)
        human = self.scores(cohort_id, source="human")
        machine = self.scores(cohort_id, source="machine")
        rows = []
        by_trainee = {k: g for k, g in attempts.groupby("trainee_id", sort=False)}
        for trainee in roster["trainee_id"]:
            group = by_trainee.get(trainee)
            if group is None:
                rows.append((cohort_id, trainee, None, 0, None, None, None, None, None, None,
                             None, None, None, final, None))
                continue
            for scenario, g in group.groupby("scenario_id", sort=True):
                g = g.sort_values("attempt_id")
                last = g.iloc[-1]
                chosen = {"latest": last, "first": g.iloc[0],
                          "best": g.loc[g["total"].fillna(-1).iloc[::-1].idxmax()]}[final]
                aid = int(chosen["attempt_id"])
                h_total = _human_total(human[human["attempt_id"] == aid],
                                       machine[machine["attempt_id"] == aid])
                latest_total = None if pd.isna(last["total"]) else float(last["total"])
                chosen_total = None if pd.isna(chosen["total"]) else float(chosen["total"])
                best = g["total"].max()
                final_total = h_total if h_total is not None else chosen_total
                rows.append((cohort_id, trainee, scenario, len(g), int(last["attempt_id"]),
                             last["created_at"], latest_total,
                             None if pd.isna(best) else float(best), h_total, final_total,
                             last["status"], bool(last["needs_review"]), last["answer"],
                             final, aid))
        frame = pd.DataFrame(rows, columns=list(GRADEBOOK_COLUMNS))
        frame["attempts"] = frame["attempts"].astype("int64")
        frame["latest_attempt_id"] = frame["latest_attempt_id"].astype("Int64")
        frame["final_attempt_id"] = frame["final_attempt_id"].astype("Int64")
        for col in ("latest_total", "best_total", "human_total", "final_total"):
            frame[col] = frame[col].astype("float64")
        frame["needs_review"] = frame["needs_review"].astype("boolean")
        return _typed(frame)

    def export_gradebook(self, cohort_id: str, path: str | os.PathLike, *,
                         lang: str | None = None, final: str = "best",
                         scenario_names: Mapping[str, str] | None = None,
                         criterion_names: Mapping[tuple[str, str], str] | None = None,
                         lesson_names: Mapping[str, str] | None = None) -> Path:
        """Write the cohort's gradebook to ``.xlsx`` or ``.csv``; returns the path.

        The .xlsx has sheets gradebook, attempts, scores (machine and human) and quiz; the
        .csv holds the gradebook. Headers, statuses, score sources and yes/no are in
        ``lang``; scenarios and criteria show their display names (``scenario_names``:
        scenario id to title, ``criterion_names``: (scenario id, criterion id) to name,
        ``lesson_names``: lesson id to title; an id missing from them shows as itself), evidence as the quoted words. The ids
        stay in technical columns at the right, hidden in the .xlsx. Both go through
        :mod:`pbkit.export`: formulas off, cells a spreadsheet could run neutralised,
        written atomically.

        >>> import tempfile, openpyxl
        >>> store, _ = _example()
        >>> out = store.export_gradebook("C1", tempfile.mkdtemp() + "/book.xlsx", lang="en")
        >>> openpyxl.load_workbook(out).sheetnames
        ['gradebook', 'attempts', 'scores', 'quiz']
        """
        from pbkit.export import write_csv, write_xlsx
        from pbkit.i18n import t

        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise StoreError("store.err.export_format", suffix=suffix or target.name)
        names = (scenario_names or {}, criterion_names or {}, lesson_names or {})
        book = _status_labels(self.gradebook(cohort_id, final=final), lang)
        book["final_rule"] = book["final_rule"].map(
            lambda v: t(f"store.final.{v}", lang=lang) if isinstance(v, str) else v)
        book = _display(book, lang, *names)
        if suffix == ".csv":
            return write_csv(_headers(book, lang), target)
        sheets = {
            t("store.sheet.gradebook", lang=lang): _headers(book, lang),
            t("store.sheet.attempts", lang=lang): _headers(_display(
                _status_labels(self.attempts(cohort_id), lang), lang, *names), lang),
            t("store.sheet.scores", lang=lang): _headers(
                _display(self.scores(cohort_id), lang, *names), lang),
            t("store.sheet.quiz", lang=lang): _headers(
                _display(self.quiz_summary(cohort_id), lang, *names), lang),
        }
        hidden = {t(f"store.col.{c}", lang=lang) for c in _TECHNICAL}
        return write_xlsx(sheets, target, hidden=hidden)

    def _known_cohort(self, cohort_id: str) -> str:
        from sqlalchemy import select

        from pbkit.store.models import Cohort

        cohort_id = check_id(cohort_id, "cohort_id", self.limits, pseudonym=False)
        c = Cohort.__table__
        with self._read() as conn:
            if conn.execute(select(c.c.id).where(c.c.id == cohort_id)).first() is None:
                raise StoreError("store.err.unknown_cohort", cohort_id=cohort_id)
        return cohort_id


def _example() -> tuple[ResultsStore, AttemptReceipt]:
    """An in-memory store with cohort C1, trainee T0001 and one attempt (for doctests)."""
    store = ResultsStore("sqlite://")
    store.ensure_cohort("C1", "2026 秋季一班")
    store.ensure_trainee("T0001", "C1")
    score = {"scenario": "s1", "total": 50.0, "needs_review": False, "criteria": [
        {"id": "listen", "level": 2, "max_level": 3, "evidence": [], "feedback": "ok"},
        {"id": "act", "level": 1, "max_level": 3, "evidence": [], "feedback": "more"}]}
    return store, store.submit_attempt("sub-1", "T0001", "s1", ["我先听您说。"], score)


def _human_total(human: pd.DataFrame, machine: pd.DataFrame) -> float | None:
    if human.empty:
        return None
    criteria = machine[["criterion_id", "max_level"]].drop_duplicates("criterion_id")
    if criteria.empty:
        criteria = human[["criterion_id", "max_level"]].drop_duplicates("criterion_id")
    means = human.groupby("criterion_id")["level"].mean()
    if not set(criteria["criterion_id"]) <= set(means.index):
        return None
    top = float(criteria["max_level"].sum())
    got = float(sum(means[c] for c in criteria["criterion_id"]))
    return round(100.0 * got / top, 1)


#: Columns of codes a trainer does not read: kept at the right of an export, hidden.
_TECHNICAL = ("scenario_id", "criterion_id", "lesson_id", "submission_id")


def _display(frame: pd.DataFrame, lang: str | None, scenario_names: Mapping[str, str],
             criterion_names: Mapping[tuple[str, str], str],
             lesson_names: Mapping[str, str]) -> pd.DataFrame:
    """Display names beside the codes (the codes move to the right), words for the score
    source, yes/no, and the evidence as the quoted words."""
    import pandas as pd

    from pbkit.i18n import t

    out = frame.copy()
    if "scenario_id" in out.columns:
        out.insert(out.columns.get_loc("scenario_id"), "scenario", [
            v if v is None or v != v else scenario_names.get(v, v) for v in out["scenario_id"]])
    if "criterion_id" in out.columns:
        out.insert(out.columns.get_loc("criterion_id"), "criterion", [
            criterion_names.get((s, c), c) for s, c in zip(out["scenario_id"],
                                                          out["criterion_id"])])
    if "lesson_id" in out.columns:
        out.insert(out.columns.get_loc("lesson_id"), "lesson", [
            v if v is None or v != v else lesson_names.get(v, v) for v in out["lesson_id"]])
    machine = t("store.source.machine", lang=lang)
    if "source" in out.columns:
        out["source"] = out["source"].map(lambda v: t(f"store.source.{v}", lang=lang)
                                          if v in ("machine", "human") else v)
    if "rater_id" in out.columns:
        out["rater_id"] = out["rater_id"].map(lambda v: machine if v == "machine" else v)
    if "evidence" in out.columns:
        out["evidence"] = out["evidence"].map(_quotes)
    from pbkit.data.labels import user_zone

    for col in ("created_at", "latest_at"):  # the trainer's clock, as in the console
        if col in out.columns and getattr(out[col].dt, "tz", None) is not None:
            out[col] = out[col].dt.tz_convert(user_zone())
    if "needs_review" in out.columns:
        yes, no = t("common.yes", lang=lang), t("common.no", lang=lang)
        out["needs_review"] = out["needs_review"].map(
            lambda v: None if v is None or v is pd.NA or v != v else (yes if v else no))
    rest = [c for c in out.columns if c not in _TECHNICAL]
    return out[rest + [c for c in _TECHNICAL if c in out.columns]]


def _quotes(value: Any) -> str | None:
    """Evidence spans as the trainee's quoted words, "；"-separated."""
    if not isinstance(value, list):
        return None
    words = [str(e.get("text")) for e in value if isinstance(e, dict) and e.get("text")]
    return "；".join(f"“{w}”" for w in words) or None


def _headers(frame: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    from pbkit.i18n import has_key, t

    return frame.rename(columns={c: t(f"store.col.{c}", lang=lang)
                                 for c in frame.columns if has_key(f"store.col.{c}")})


def _status_labels(frame: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    from pbkit.i18n import t

    labels = {code: t(f"store.status.{code}", lang=lang) for code in STATUSES}
    return frame.assign(status=frame["status"].map(lambda v: labels.get(v, v)))


def _answer_text(raw: str) -> str:
    value = json.loads(raw)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _aware(value: Any) -> Any:
    if isinstance(value, str):  # SQLite returns aggregates of datetimes as text
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _show_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


#: The dtype of every column the store's frames can hold (pandas 3: text is ``str``).
COLUMN_DTYPES: dict[str, str] = {
    **dict.fromkeys(("submission_id", "cohort_id", "trainee_id", "scenario_id", "status",
                     "answer", "latest_answer", "source", "rater_id", "criterion_id",
                     "feedback", "lesson_id", "question_id", "name", "text", "reply"), "str"),
    **dict.fromkeys(("attempt_id", "answer_id", "turns", "turn", "level", "max_level",
                     "attempts", "quiz_answers", "trainees"), "int64"),
    **dict.fromkeys(("total", "latest_total", "best_total", "human_total", "final_total"),
                    "float64"),
    "latest_attempt_id": "Int64",
    "needs_review": "boolean",
    "correct": "boolean",
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast columns to :data:`COLUMN_DTYPES`; ``*_at`` and ``deadline`` columns to
    ``datetime64[ns, UTC]`` (so that empty frames have the right dtypes too)."""
    import pandas as pd

    for col in frame.columns:
        if col.endswith("_at") or col == "deadline":
            frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[ns, UTC]")
        elif col in COLUMN_DTYPES:
            frame[col] = frame[col].astype(COLUMN_DTYPES[col])
    return frame
