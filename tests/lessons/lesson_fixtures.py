"""A minimal valid lesson source, built as data, for tests that break it on purpose."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

BASE = {
    "id": "demo",
    "number": 1,
    "title": {"zh": "演示课", "en": "Demo lesson"},
    "audience": {"zh": "学员", "en": "Trainees"},
    "duration_min": 30,
    "objectives": [{"zh": "学会一件事", "en": "Learn one thing"}],
    "prerequisites": [],
    "sections": [
        {"id": "background", "title": {"zh": "背景", "en": "Background"},
         "body": {"zh": "正文。", "en": "Body."},
         "code": ["an.problem_indicators(ds, lang=LANG)"]},
    ],
    "exercises": {
        "data": {"dataset": "sample-township", "task": {"zh": "练习", "en": "Exercise"}},
        "discussion": {"task": {"zh": "讨论", "en": "Discuss"},
                       "prompts": [{"zh": "问题一", "en": "Question one"}]},
        "quiz": [
            {"id": "q1", "kind": "single",
             "prompt": {"zh": "选一个", "en": "Pick one"},
             "choices": [{"id": "a", "zh": "甲", "en": "A"}, {"id": "b", "zh": "乙", "en": "B"}],
             "answer": "a",
             "explanation": {"zh": "因为甲。", "en": "Because A."}},
        ],
    },
    "trainer_notes": {
        "timing": [{"minutes": 20, "zh": "讲解", "en": "Talk"},
                   {"minutes": 10, "zh": "测验", "en": "Quiz"}],
        "notes": {"zh": "备注", "en": "Notes"},
    },
}


def lesson_data(**changes) -> dict:
    """A deep copy of :data:`BASE` with top-level ``changes`` applied."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def write_lesson(root: Path, data: dict | None = None, folder: str | None = None) -> Path:
    """Write ``data`` (default :data:`BASE`) as ``root/<NN>-<id>/lesson.yaml``."""
    data = lesson_data() if data is None else data
    folder = folder or f"{int(data.get('number', 1)):02d}-{data.get('id', 'demo')}"
    path = Path(root) / folder / "lesson.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
