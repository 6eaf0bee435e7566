"""Course pre/post tests: the same questions before the course and at its close.

The tests are data, ``lessons/course-tests.yaml`` beside the course plans: one test per
plan, ten questions each, every question with the lesson that teaches it and the
``basis`` of its answer (the same form as a lesson rule's, :mod:`pbkit.references`).
Trainees take a test in the served quiz app; each phase is stored as a quiz of its own,
:func:`phase_quiz_id` (``test:<test>:pre`` / ``test:<test>:post``), in the results store's
quiz answers, so the first-answer rule and the per-question statistics of lesson quizzes
apply to it unchanged. :func:`prepost_summary` turns the recorded answers into the class's
gain.

>>> tests = load_course_tests()
>>> [(t.id, t.plan, len(t.questions)) for t in tests]
[('one-day', 'one-day', 10), ('three-day', 'three-day', 10)]
>>> phase_quiz_id("one-day", "pre"), parse_quiz_id("test:one-day:post")
('test:one-day:pre', ('one-day', 'post'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pbkit.errors import ConfigError, UsageError
from pbkit.quiz.models import Question, Text, question_from_dict, text_from
from pbkit.yamlconf import YamlDoc as SourceDoc

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PHASES", "TEST_SIZE", "OVERALL", "CourseTest", "tests_path", "load_course_tests",
           "get_course_test", "phase_quiz_id", "parse_quiz_id", "prepost_summary",
           "SUMMARY_COLUMNS"]

PHASES: tuple[str, ...] = ("pre", "post")
#: questions in a pre/post test (issue 17: "a 10-item pre-test and post-test per course")
TEST_SIZE = 10
#: ``question_id`` of the whole-test row of :func:`prepost_summary`
OVERALL = "overall"
SUMMARY_COLUMNS = ("question_id", "n_pre", "pre_pct", "n_post", "post_pct", "n_paired", "gain")
_PREFIX = "test"


@dataclass(frozen=True)
class CourseTest:
    """A course's pre/post test.

    Attributes
    ----------
    id : str
        The test's id (``one-day``).
    plan : str
        The course plan it belongs to (``lessons/course-plans.yaml``).
    title : Text
    questions : tuple of Question
        In the order asked; each has its ``basis`` set.
    lessons : Mapping[str, str]
        Question id -> the lesson that teaches it.
    """

    id: str
    plan: str
    title: Text
    questions: tuple[Question, ...]
    lessons: Mapping[str, str]

    def quiz_id(self, phase: str) -> str:
        """The store's quiz id of this test in ``phase``."""
        return phase_quiz_id(self.id, phase)


def phase_quiz_id(test_id: str, phase: str) -> str:
    """The id a test's phase is stored under in the quiz answers (``test:<id>:<phase>``).

    >>> phase_quiz_id("three-day", "post")
    'test:three-day:post'
    """
    if phase not in PHASES:
        raise UsageError("quiz.err.test_phase", file=test_id, value=phase)
    return f"{_PREFIX}:{test_id}:{phase}"


def parse_quiz_id(quiz_id: str) -> tuple[str, str] | None:
    """``(test_id, phase)`` of a stored test quiz id, ``None`` for a lesson's quiz.

    >>> parse_quiz_id("four-two") is None
    True
    """
    parts = str(quiz_id).split(":")
    if len(parts) == 3 and parts[0] == _PREFIX and parts[2] in PHASES and parts[1]:
        return parts[1], parts[2]
    return None


def tests_path() -> Path:
    """``course-tests.yaml`` beside the course plans (``PBKIT_LESSONS`` moves both)."""
    from pbkit.lessons.plans import plans_path

    return plans_path().with_name("course-tests.yaml")


_TEST_FIELDS = {"id", "plan", "title", "questions"}


def load_course_tests(path: str | Path | None = None) -> tuple[CourseTest, ...]:
    """Read and check every course test.

    Checks: the fields, each question (as a quiz question), a ``basis`` for every
    question (:func:`pbkit.references.parse_basis`), exactly :data:`TEST_SIZE` questions
    per test, unique ids, and ``ref`` entries that name an earlier test's question.

    Raises
    ------
    pbkit.errors.ConfigError
        Naming the file, line and field.
    """
    path = Path(path) if path is not None else tests_path()
    doc = SourceDoc.from_text(path.read_text(encoding="utf-8"), path.name)
    data = doc.data if isinstance(doc.data, Mapping) else {}
    raw_tests = data.get("tests")
    if not isinstance(raw_tests, list) or not raw_tests:
        raise doc.error(("tests",), "lessons.err.not_list")
    known: dict[str, tuple[Question, str]] = {}  # "test/question" -> (question, lesson)
    out = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_tests):
        test = _read_test(raw, ("tests", i), doc, known)
        if test.id in seen:
            raise doc.error(("tests", i, "id"), "lessons.err.duplicate_id", value=test.id)
        seen.add(test.id)
        for q in test.questions:
            known[f"{test.id}/{q.id}"] = (q, test.lessons[q.id])
        out.append(test)
    return tuple(out)


def _read_test(raw: Any, path: tuple, doc: SourceDoc,
               known: Mapping[str, tuple[Question, str]]) -> CourseTest:
    if not isinstance(raw, Mapping):
        raise doc.error(path, "lessons.err.not_mapping")
    for name in raw:
        if name not in _TEST_FIELDS:
            raise doc.error((*path, str(name)), "lessons.err.unknown_field", name=name)
    for name in _TEST_FIELDS:
        if name not in raw:
            raise doc.error(path, "lessons.err.missing_field", name=name)
    test_id, plan = raw["id"], raw["plan"]
    for name, value in (("id", test_id), ("plan", plan)):
        if not isinstance(value, str) or not value.strip() or ":" in value:
            raise doc.error((*path, name), "lessons.err.bad_value", value=value)
    title = text_from(raw["title"], (*path, "title"), doc)
    items = raw["questions"]
    if not isinstance(items, list):
        raise doc.error((*path, "questions"), "lessons.err.not_list")
    questions, lessons = [], {}
    for j, item in enumerate(items):
        q, lesson = _read_question(item, (*path, "questions", j), doc, known)
        if q.id in lessons:
            raise doc.error((*path, "questions", j), "lessons.err.duplicate_id", value=q.id)
        questions.append(q)
        lessons[q.id] = lesson
    if len(questions) != TEST_SIZE:
        raise ConfigError("quiz.err.test_size", file=doc.file, line=doc.line((*path, "questions")),
                          field=f"tests[{path[1]}].questions", want=TEST_SIZE, n=len(questions))
    return CourseTest(test_id, plan, title, tuple(questions), lessons)


def _read_question(item: Any, path: tuple, doc: SourceDoc,
                   known: Mapping[str, tuple[Question, str]]) -> tuple[Question, str]:
    from pbkit.i18n import t
    from pbkit.references import format_basis, parse_basis

    if isinstance(item, Mapping) and set(item) == {"ref"}:
        if item["ref"] not in known:
            raise doc.error((*path, "ref"), "lessons.err.bad_value", value=item["ref"])
        return known[item["ref"]]
    if not isinstance(item, Mapping):
        raise doc.error(path, "lessons.err.not_mapping")
    lesson = item.get("lesson")
    if not isinstance(lesson, str) or not lesson.strip():
        raise doc.error((*path, "lesson") if "lesson" in item else path,
                        "lessons.err.missing_field", name="lesson")
    if item.get("kind") == "short":  # a test is scored the same way before and after
        raise doc.error((*path, "kind"), "lessons.err.bad_value", value="short")

    def fail(where: Sequence[Any], key: str, **params: Any) -> ConfigError:
        return doc.error(tuple(where), key, **params)

    bases = parse_basis(item.get("basis"), (*path, "basis"), fail)
    question = question_from_dict({k: v for k, v in item.items()
                                   if k not in ("lesson", "basis")}, path, doc)
    basis = Text(*(f"{t('references.label', lang=lang)}{'：' if lang == 'zh' else ': '}"
                   f"{format_basis(bases, lang)}" for lang in ("zh", "en")))
    explanation = Text(f"{question.explanation.zh}\n\n{basis.zh}",
                       f"{question.explanation.en}\n\n{basis.en}")
    return replace(question, basis=basis, explanation=explanation), lesson.strip()


def get_course_test(test_id: str, path: str | Path | None = None) -> CourseTest:
    """The course test ``test_id`` (``UsageError`` naming the known ones if absent)."""
    tests = load_course_tests(path)
    for test in tests:
        if test.id == test_id:
            return test
    raise UsageError("quiz.err.unknown_test", value=test_id,
                     known=", ".join(t.id for t in tests))


def prepost_summary(answers: pd.DataFrame, test: CourseTest | str,
                    question_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The class's pre/post results of one course test, per question and overall.

    Only each trainee's *first* answer to each question in each phase counts (later
    answers are practice, as in :meth:`pbkit.store.ResultsStore.quiz_summary`).

    Parameters
    ----------
    answers : pandas.DataFrame
        Recorded quiz answers with at least ``trainee_id, lesson_id, question_id,
        correct`` (``ResultsStore.quiz_answers(cohort)``); rows are in the order given
        (or by ``answer_id`` when present). Rows of other quizzes are ignored.
    test : CourseTest or str
        The test, or its id (then ``question_ids`` or the answers give the questions).
    question_ids : sequence of str, optional
        The test's questions in order (default: the test's, else as first seen).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, one row per question then one row
        ``question_id == "overall"``:

        - ``n_pre``, ``n_post``: trainees with a first answer in that phase;
        - ``pre_pct``, ``post_pct``: percent of them right (overall: the mean of each
          trainee's percent right over all the test's questions, unanswered = wrong);
        - ``n_paired``: trainees with an answer in both phases;
        - ``gain``: over the paired trainees only, ``post % - pre %`` in percentage
          points (NaN without a pair).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [("T1", "pre", "q1", False), ("T1", "pre", "q2", True),
    ...         ("T2", "pre", "q1", False), ("T2", "pre", "q2", False),
    ...         ("T1", "post", "q1", True), ("T1", "post", "q2", True),
    ...         ("T1", "post", "q1", False),          # a second try: practice, ignored
    ...         ("T3", "post", "q1", True), ("T3", "post", "q2", False)]
    >>> answers = pd.DataFrame([(t, phase_quiz_id("demo", p), q, c) for t, p, q, c in rows],
    ...                        columns=["trainee_id", "lesson_id", "question_id", "correct"])
    >>> prepost_summary(answers, "demo").round(1).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['q1', 2, 0.0, 2, 100.0, 1, 100.0],
     ['q2', 2, 50.0, 2, 50.0, 1, 0.0],
     ['overall', 2, 25.0, 2, 75.0, 1, 50.0]]
    """
    import pandas as pd

    test_id = test.id if isinstance(test, CourseTest) else str(test)
    if question_ids is None and isinstance(test, CourseTest):
        question_ids = [q.id for q in test.questions]
    ids = {phase: phase_quiz_id(test_id, phase) for phase in PHASES}
    frame = answers
    if "answer_id" in frame.columns:
        frame = frame.sort_values("answer_id", kind="stable")
    frame = frame[frame["lesson_id"].isin(list(ids.values()))]
    frame = frame.assign(phase=frame["lesson_id"].map({v: k for k, v in ids.items()}),
                         ok=frame["correct"].astype("boolean").fillna(False).astype(bool))
    first = frame.groupby(["trainee_id", "phase", "question_id"], sort=False).head(1)
    if question_ids is None:
        question_ids = list(dict.fromkeys(first["question_id"]))
    first = first[first["question_id"].isin(list(question_ids))]
    rows = [_question_row(first[first["question_id"] == qid], qid) for qid in question_ids]
    rows.append(_overall_row(first, len(question_ids)))
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for col in ("n_pre", "n_post", "n_paired"):
        out[col] = out[col].astype("int64")
    for col in ("pre_pct", "post_pct", "gain"):
        out[col] = out[col].astype("float64")
    return out


def _pct(values: Any) -> float:
    return float("nan") if len(values) == 0 else 100.0 * float(values.mean())


def _question_row(rows: pd.DataFrame, qid: str) -> tuple:
    pre = rows[rows["phase"] == "pre"].set_index("trainee_id")["ok"]
    post = rows[rows["phase"] == "post"].set_index("trainee_id")["ok"]
    paired = pre.index.intersection(post.index)
    gain = (_pct(post.loc[paired]) - _pct(pre.loc[paired])) if len(paired) else float("nan")
    return (qid, len(pre), _pct(pre), len(post), _pct(post), len(paired), gain)


def _overall_row(first: pd.DataFrame, n_questions: int) -> tuple:
    scores = {}
    for phase in PHASES:
        part = first[first["phase"] == phase]
        scores[phase] = (100.0 * part.groupby("trainee_id")["ok"].sum()
                         / max(n_questions, 1)).astype(float)
    pre, post = scores["pre"], scores["post"]
    paired = pre.index.intersection(post.index)
    gain = float((post.loc[paired] - pre.loc[paired]).mean()) if len(paired) else float("nan")
    return (OVERALL, len(pre), _mean(pre), len(post), _mean(post), len(paired), gain)


def _mean(values: Any) -> float:
    return float(values.mean()) if len(values) else float("nan")
