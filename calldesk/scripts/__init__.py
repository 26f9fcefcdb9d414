"""Qualification scripts: the lead definition sales and marketing agree on, as one YAML file.

- :mod:`.loader` reads and validates a script (errors with file and line);
- :mod:`.model` holds the loaded script and evaluates its conditions (data, never code);
- :mod:`.merge` fills merge fields such as ``{first_name}``;
- :mod:`.runner` walks a call through the questions;
- :mod:`.grading` turns answers into a grade A/B/C/D with a "why";
- :mod:`.library` keeps every version in the store.

The script format is described in ``docs/scripts.md``.
"""

from __future__ import annotations

from calldesk.scripts.grading import GradeResult, format_answer, grade, qualification_summary
from calldesk.scripts.library import (
    AskedQuestion,
    ImportResult,
    ScriptInfo,
    ScriptNotFound,
    get_script,
    grade_answers,
    import_file,
    install_defaults,
    list_scripts,
    render_answers,
    render_attempt,
    save_script,
)
from calldesk.scripts.loader import (
    ScriptError,
    ScriptProblem,
    check_text,
    load_file,
    load_text,
)
from calldesk.scripts.merge import MERGE_FIELDS, Rendered, merge_values, render
from calldesk.scripts.model import GRADE_MEANING, GRADES, Question, ScriptDef
from calldesk.scripts.runner import AnswerError, Progress, ScriptRunner

__all__ = [
    "GRADES",
    "GRADE_MEANING",
    "MERGE_FIELDS",
    "AnswerError",
    "AskedQuestion",
    "GradeResult",
    "ImportResult",
    "Progress",
    "Question",
    "Rendered",
    "ScriptDef",
    "ScriptError",
    "ScriptInfo",
    "ScriptNotFound",
    "ScriptProblem",
    "ScriptRunner",
    "check_text",
    "format_answer",
    "get_script",
    "grade",
    "grade_answers",
    "import_file",
    "install_defaults",
    "list_scripts",
    "load_file",
    "load_text",
    "merge_values",
    "qualification_summary",
    "render",
    "render_answers",
    "render_attempt",
    "save_script",
]
