"""Reading a script file: YAML to a :class:`ScriptDef`, with errors that name file and line.

The YAML is *composed* (not loaded) so every value keeps its line, and values are read as the
text the author wrote: ``yes`` in a choice list is the string ``"yes"``, never a boolean, and
nothing is ever evaluated as code. Each problem is reported once, at the line to fix; a problem
that would cause others (a question id that does not parse) stops the ones that depend on it.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from calldesk.scripts import merge
from calldesk.scripts.model import (
    GRADE_MEANING,
    GRADES,
    KINDS,
    AllOf,
    Answered,
    AnyOf,
    Choice,
    Compare,
    Condition,
    Not,
    Objection,
    Question,
    Rule,
    ScriptDef,
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = (
    "key",
    "name",
    "description",
    "opener",
    "closing",
    "objections",
    "questions",
    "grading",
)
_QUESTION_KEYS = (
    "id",
    "kind",
    "prompt",
    "label",
    "required",
    "choices",
    "show_if",
    "end_if",
    "help",
    "min",
    "max",
    "unit",
)
_GRADING_KEYS = ("rules", "otherwise", "follow_up_days", "nurture_days", "meeting_minutes")
_RULE_KEYS = ("grade", "when", "why", "disposition", "follow_up", "days")
_OPS = ("in", "not_in", "equals", "at_least", "at_most", "within_days", "after_days", "answered")
_OPS_BY_KIND = {
    "choice": ("in", "not_in", "equals", "answered"),
    "multi_choice": ("in", "not_in", "equals", "answered"),
    "yes_no": ("in", "not_in", "equals", "answered"),
    "number": ("in", "not_in", "equals", "at_least", "at_most", "answered"),
    "date": ("within_days", "after_days", "answered"),
    "text": ("answered",),
    "contact": ("answered",),
}
_YES = {"yes", "y", "true", "on"}
_NO = {"no", "n", "false", "off"}


@dataclass(frozen=True)
class ScriptProblem:
    """One thing wrong with a script: where (file and 1-based line) and what."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


class ScriptError(ValueError):
    """A script that does not validate; ``problems`` lists every error found."""

    def __init__(self, problems: list[ScriptProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def check_text(text: str, source: str = "<script>") -> list[ScriptProblem]:
    """Every problem in a script's text (empty when it is valid)."""
    try:
        _parse_cached(text, source)
    except ScriptError as exc:
        return list(exc.problems)
    return []


def load_text(text: str, source: str = "<script>") -> ScriptDef:
    """The script in ``text``; raises :class:`ScriptError` listing its problems."""
    return _parse_cached(text, source)


def load_file(path: str | Path) -> ScriptDef:
    """The script in the file at ``path`` (errors name the file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError([ScriptProblem(str(path), 1, f"not UTF-8 text: {exc.reason}")]) from exc
    return load_text(text, str(path))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=64)
def _parse_cached(text: str, source: str) -> ScriptDef:
    # Scripts are immutable values, so the same text parses to the same definition.
    return _Reader(source).read(text)


@functools.lru_cache(maxsize=1)
def known_dispositions() -> frozenset[str]:
    """Disposition codes a rule may imply: the shipped defaults."""
    from calldesk.defaults import default_dispositions

    return frozenset(d["code"] for d in default_dispositions())


MAX_CONDITION_DEPTH = 32  # all/any/not inside each other; deeper is never a real script
MAX_NESTING = 200  # YAML levels: deeper would exhaust Python's stack while composing


def _too_deep_line(text: str) -> int:
    """The 1-based line where ``text`` first nests deeper than :data:`MAX_NESTING` (else 1)."""
    depth = 0
    opening = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_NESTING:
                    return token.start_mark.line + 1
            elif isinstance(token, closing):
                depth -= 1
    except yaml.YAMLError:
        pass
    return 1


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Stop(Exception):
    """Raised to abandon a section whose problem is already reported."""


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[ScriptProblem] = []
        self.positions: dict[str, int] = {}
        self.kinds: dict[str, str] = {}
        self.choice_values: dict[str, tuple[str, ...]] = {}

    # --- plumbing -----------------------------------------------------------------------

    def error(self, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else _line(where)
        self.problems.append(ScriptProblem(self.source, line, message))

    def mapping(self, node: Node, what: str, allowed: tuple[str, ...]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values")
            raise _Stop
        result: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in result:
                self.error(
                    key_node, f"{what}: key '{key}' appears twice (first at line {first_line[key]})"
                )
                continue
            if key not in allowed:
                self.error(
                    key_node,
                    f"{what}: unknown key '{key}'{_suggest(key, allowed)}; "
                    f"allowed: {', '.join(allowed)}",
                )
                continue
            result[key] = value_node
            first_line[key] = _line(key_node)
        return result

    def string(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
            self.error(node, f"{what} must be text")
            raise _Stop
        return str(node.value)

    def integer(self, node: Node, what: str, minimum: int = 1) -> int:
        text = self.string(node, what)
        try:
            value = int(text)
        except ValueError:
            self.error(node, f"{what} must be a whole number, not '{text}'")
            raise _Stop from None
        if value < minimum:
            self.error(node, f"{what} must be at least {minimum}, not {value}")
            raise _Stop
        return value

    def number(self, node: Node, what: str) -> float | int:
        text = self.string(node, what)
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            self.error(node, f"{what} must be a number, not '{text}'")
            raise _Stop from None

    def boolean(self, node: Node, what: str) -> bool:
        text = self.string(node, what).lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        self.error(node, f"{what} must be true or false, not '{text}'")
        raise _Stop

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list (lines starting with '- ')")
            raise _Stop
        return list(node.value)

    def text_with_fields(self, node: Node, what: str) -> str:
        """A text that may hold merge fields; unknown fields are reported at their line."""
        text = self.string(node, what)
        base = _line(node) + (1 if isinstance(node, ScalarNode) and node.style in ("|", ">") else 0)
        for use in merge.find_fields(text):
            line = base + text[: use.offset].count("\n")
            if use.name is None:
                self.error(line, f"{what}: '{use.raw}' is not a merge field (write {{first_name}})")
            elif not merge.is_known(use.name):
                self.error(
                    line,
                    f"{what}: unknown merge field {{{use.name}}}"
                    f"{_suggest(use.name, merge.MERGE_FIELDS)}; "
                    f"known fields: {', '.join(sorted(merge.MERGE_FIELDS))}",
                )
        return text

    def guarded(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except _Stop:
            return None

    # --- the document ---------------------------------------------------------------------

    def read(self, text: str) -> ScriptDef:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except RecursionError:
            # The composer recurses per level: find the line with the scanner, which does not.
            line = _too_deep_line(text)
            raise ScriptError(
                [
                    ScriptProblem(
                        self.source,
                        line,
                        f"nested more than {MAX_NESTING} levels deep here: "
                        "a script is never that deep; simplify the conditions",
                    )
                ]
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            context = getattr(exc, "context", None)
            message = f"bad YAML: {problem}" + (f" ({context})" if context else "")
            raise ScriptError(
                [ScriptProblem(self.source, mark.line + 1 if mark else 1, message)]
            ) from exc
        if root is None:
            raise ScriptError([ScriptProblem(self.source, 1, "the script is empty")])
        try:
            script = self._script(root, text)
        except _Stop:
            script = None
        if self.problems or script is None:
            raise ScriptError(self.problems)
        from calldesk.scripts.analysis import check_reachability

        self.problems.extend(check_reachability(script))
        if self.problems:
            raise ScriptError(self.problems)
        return script

    def _script(self, root: Node, text: str) -> ScriptDef:
        top = self.mapping(root, "the script", _TOP_KEYS)
        for required in ("key", "name", "opener", "questions", "grading"):
            if required not in top:
                self.error(root, f"the script has no '{required}'")
        key = self.guarded(self._key, top.get("key"))
        name = self.guarded(self.string, top["name"], "name") if "name" in top else None
        description = (
            self.guarded(self.string, top["description"], "description")
            if "description" in top
            else ""
        )
        opener = (
            self.guarded(self.text_with_fields, top["opener"], "opener") if "opener" in top else ""
        )
        closing = (
            self.guarded(self.text_with_fields, top["closing"], "closing")
            if "closing" in top
            else ""
        )
        objections = (
            self.guarded(self._objections, top["objections"]) if "objections" in top else ()
        )
        questions = self.guarded(self._questions, top["questions"]) if "questions" in top else ()
        grading = self.guarded(self._grading, top["grading"]) if "grading" in top else None
        if self.problems or grading is None:
            raise _Stop
        rules, otherwise, settings = grading
        return ScriptDef(
            key=key,
            name=name,
            description=description or "",
            opener=opener or "",
            closing=closing or "",
            objections=objections or (),
            questions=questions,
            rules=rules,
            otherwise=otherwise,
            source=self.source,
            text=text,
            sha256=sha256_text(text),
            **settings,
        )

    def _key(self, node: Node | None) -> str:
        if node is None:
            raise _Stop
        key = self.string(node, "key")
        if not _ID.match(key):
            self.error(
                node, f"key '{key}' must be lower-case letters, digits and '_', e.g. trade_show"
            )
            raise _Stop
        return key

    def _objections(self, node: Node) -> tuple[Objection, ...]:
        result = []
        for item in self.sequence(node, "objections"):
            fields = self.mapping(item, "an objection", ("objection", "response"))
            if "objection" not in fields or "response" not in fields:
                self.error(item, "an objection needs both 'objection' and 'response'")
                continue
            objection = self.guarded(self.string, fields["objection"], "objection")
            response = self.guarded(self.text_with_fields, fields["response"], "response")
            if objection is not None and response is not None:
                result.append(Objection(objection, response, _line(item)))
        return tuple(result)

    # --- questions ------------------------------------------------------------------------

    def _questions(self, node: Node) -> tuple[Question, ...]:
        items = self.sequence(node, "questions")
        if not items:
            self.error(node, "questions: the script asks nothing; add at least one question")
            raise _Stop
        # First pass: ids, positions and kinds, so conditions can refer to any question.
        first_line: dict[str, int] = {}
        for index, item in enumerate(items):
            if not isinstance(item, MappingNode):
                continue
            fields = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
            id_node = fields.get("id")
            if not isinstance(id_node, ScalarNode):
                continue
            qid = str(id_node.value)
            if qid in first_line:
                self.error(
                    id_node, f"question id '{qid}' is used twice (first at line {first_line[qid]})"
                )
                continue
            first_line[qid] = _line(id_node)
            self.positions[qid] = index
            kind_node = fields.get("kind")
            if isinstance(kind_node, ScalarNode) and kind_node.value in KINDS:
                self.kinds[qid] = str(kind_node.value)
                choices = fields.get("choices")
                if isinstance(choices, SequenceNode):
                    self.choice_values[qid] = tuple(
                        self._choice_value(c) for c in choices.value if self._choice_value(c)
                    )
        questions = []
        for index, item in enumerate(items):
            question = self.guarded(self._question, item, index)
            if question is not None:
                questions.append(question)
        return tuple(questions)

    @staticmethod
    def _choice_value(node: Node) -> str:
        if isinstance(node, ScalarNode):
            return str(node.value)
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if k.value == "value" and isinstance(v, ScalarNode):
                    return str(v.value)
        return ""

    def _question(self, node: Node, index: int) -> Question:
        named = f"question {index + 1}"
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == "id" and isinstance(value_node, ScalarNode):
                    named = f"question '{value_node.value}'"
        fields = self.mapping(node, named, _QUESTION_KEYS)
        if "id" not in fields:
            self.error(node, f"question {index + 1} has no 'id'")
            raise _Stop
        qid = self.string(fields["id"], "question id")
        if not _ID.match(qid):
            self.error(
                fields["id"],
                f"question id '{qid}' must be lower-case letters, digits and '_' "
                "(it names the answer in grading rules)",
            )
            raise _Stop
        what = f"question '{qid}'"
        if "kind" not in fields:
            self.error(node, f"{what} has no 'kind' (one of {', '.join(KINDS)})")
            raise _Stop
        kind = self.string(fields["kind"], f"{what}: kind")
        if kind not in KINDS:
            self.error(
                fields["kind"],
                f"{what}: kind '{kind}' is not one of {', '.join(KINDS)}{_suggest(kind, KINDS)}",
            )
            raise _Stop
        if "prompt" not in fields:
            self.error(node, f"{what} has no 'prompt' (what the rep asks)")
            raise _Stop
        prompt = self.text_with_fields(fields["prompt"], f"{what}: prompt")
        label = (
            self.string(fields["label"], f"{what}: label")
            if "label" in fields
            else qid.replace("_", " ").capitalize()
        )
        required = (
            self.boolean(fields["required"], f"{what}: required") if "required" in fields else False
        )
        help_text = (
            self.text_with_fields(fields["help"], f"{what}: help") if "help" in fields else None
        )
        choices: tuple[Choice, ...] = ()
        if kind in ("choice", "multi_choice"):
            if "choices" not in fields:
                self.error(node, f"{what}: a {kind} question needs 'choices'")
                raise _Stop
            choices = self._choices(fields["choices"], what)
        elif "choices" in fields:
            self.error(fields["choices"], f"{what}: only choice questions have 'choices'")
        minimum = maximum = None
        for bound in ("min", "max"):
            if bound in fields:
                if kind != "number":
                    self.error(fields[bound], f"{what}: only number questions have '{bound}'")
                    continue
                value = self.number(fields[bound], f"{what}: {bound}")
                minimum, maximum = (value, maximum) if bound == "min" else (minimum, value)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.error(fields["max"], f"{what}: max {maximum} is below min {minimum}")
        unit = self.string(fields["unit"], f"{what}: unit") if "unit" in fields else None
        show_if = end_if = None
        if "show_if" in fields:
            show_if = self._condition(fields["show_if"], f"{what}: show_if", limit=index)
        if "end_if" in fields:
            end_if = self._condition(fields["end_if"], f"{what}: end_if", limit=index + 1)
        return Question(
            id=qid,
            kind=kind,
            prompt=prompt,
            label=label,
            line=_line(node),
            required=required,
            choices=choices,
            show_if=show_if,
            end_if=end_if,
            help=help_text,
            minimum=minimum,
            maximum=maximum,
            unit=unit,
        )

    def _choices(self, node: Node, what: str) -> tuple[Choice, ...]:
        items = self.sequence(node, f"{what}: choices")
        if len(items) < 2:
            self.error(node, f"{what}: a choice question needs at least two choices")
            raise _Stop
        choices: list[Choice] = []
        seen: dict[str, int] = {}
        for item in items:
            if isinstance(item, MappingNode):
                fields = self.mapping(item, f"{what}: a choice", ("value", "label"))
                if "value" not in fields:
                    self.error(item, f"{what}: a choice written as a mapping needs 'value'")
                    raise _Stop
                value = self.string(fields["value"], f"{what}: choice value")
                label = (
                    self.string(fields["label"], f"{what}: choice label")
                    if "label" in fields
                    else value
                )
            else:
                value = label = self.string(item, f"{what}: a choice")
            if value in seen:
                self.error(
                    item, f"{what}: choice '{value}' is listed twice (first at line {seen[value]})"
                )
                raise _Stop
            seen[value] = _line(item)
            choices.append(Choice(value, label, _line(item)))
        return tuple(choices)

    # --- conditions -----------------------------------------------------------------------

    def _condition(self, node: Node, what: str, *, limit: int | None, depth: int = 0) -> Condition:
        """A condition; ``limit``: only questions before this position may be referred to."""
        if depth > MAX_CONDITION_DEPTH:
            self.error(
                node,
                f"{what}: conditions nested more than {MAX_CONDITION_DEPTH} deep "
                "(all/any/not inside each other); simplify them",
            )
            raise _Stop
        if not isinstance(node, MappingNode):
            self.error(
                node,
                f"{what} must be a condition such as {{question: need, in: [yes]}} "
                "or {all: [...]}, {any: [...]}, {not: ...}",
            )
            raise _Stop
        keys = [str(k.value) for k, _ in node.value if isinstance(k, ScalarNode)]
        for combinator in ("all", "any", "not"):
            if combinator in keys:
                if len(keys) != 1:
                    self.error(node, f"{what}: '{combinator}' must stand alone in its condition")
                    raise _Stop
                value = node.value[0][1]
                if combinator == "not":
                    inner = self._condition(value, what, limit=limit, depth=depth + 1)
                    return Not(inner, _line(node))
                items = self.sequence(value, f"{what}: {combinator}")
                if not items:
                    self.error(value, f"{what}: '{combinator}' needs at least one condition")
                    raise _Stop
                parts = tuple(
                    self._condition(item, what, limit=limit, depth=depth + 1) for item in items
                )
                return (AllOf if combinator == "all" else AnyOf)(parts, _line(node))
        fields = self.mapping(node, what, ("question", *_OPS))
        if "question" not in fields:
            self.error(node, f"{what}: a condition needs 'question' (or all/any/not)")
            raise _Stop
        qid = self.string(fields["question"], f"{what}: question")
        ops = [op for op in _OPS if op in fields]
        if len(ops) != 1:
            self.error(
                node,
                f"{what}: a condition on '{qid}' needs exactly one test of {', '.join(_OPS)}"
                + (f" (found {', '.join(ops)})" if ops else ""),
            )
            raise _Stop
        op = ops[0]
        self._check_reference(fields["question"], qid, what, limit)
        kind = self.kinds.get(qid)
        if kind is None:  # the question itself is broken and already reported
            raise _Stop
        if op not in _OPS_BY_KIND[kind]:
            self.error(
                fields[op],
                f"{what}: '{op}' cannot test the {kind} question '{qid}' "
                f"(use {', '.join(_OPS_BY_KIND[kind])})",
            )
            raise _Stop
        if op == "answered":
            return Answered(qid, self.boolean(fields[op], f"{what}: answered"), _line(node))
        return Compare(qid, op, self._values(fields[op], what, qid, kind, op), _line(node))

    def _check_reference(self, node: Node, qid: str, what: str, limit: int | None) -> None:
        if qid not in self.positions:
            self.error(
                node,
                f"{what} refers to question '{qid}', which does not exist"
                f"{_suggest(qid, self.positions)}",
            )
            raise _Stop
        if limit is not None and self.positions[qid] >= limit:
            self.error(
                node,
                f"{what} refers to question '{qid}', which is asked later "
                "(a branch can only depend on earlier answers)",
            )
            raise _Stop

    def _values(self, node: Node, what: str, qid: str, kind: str, op: str) -> tuple[Any, ...]:
        if op in ("in", "not_in"):
            items = self.sequence(node, f"{what}: {op}")
            if not items:
                self.error(node, f"{what}: '{op}' needs at least one value")
                raise _Stop
        else:
            items = [node]
        if op in ("within_days", "after_days"):
            return (self.integer(node, f"{what}: {op}", minimum=0),)
        values: list[Any] = []
        for item in items:
            if kind == "yes_no":
                text = self.string(item, f"{what}: value").lower()
                if text not in _YES | _NO:
                    self.error(item, f"{what}: '{qid}' is a yes/no question; use yes or no")
                    raise _Stop
                values.append(text in _YES)
            elif kind == "number":
                values.append(self.number(item, f"{what}: value"))
            else:
                value = self.string(item, f"{what}: value")
                choices = self.choice_values.get(qid, ())
                if value not in choices:
                    self.error(
                        item,
                        f"{what}: '{value}' is not a choice of question '{qid}'"
                        f"{_suggest(value, choices)}; choices: {', '.join(choices)}",
                    )
                    raise _Stop
                values.append(value)
        return tuple(values)

    # --- grading --------------------------------------------------------------------------

    def _grading(self, node: Node) -> tuple[tuple[Rule, ...], Rule | None, dict[str, int]]:
        fields = self.mapping(node, "grading", _GRADING_KEYS)
        settings: dict[str, int] = {}
        for name in ("follow_up_days", "nurture_days", "meeting_minutes"):
            if name in fields:
                value = self.guarded(self.integer, fields[name], f"grading: {name}")
                if value is not None:
                    settings[name] = value
        if "rules" not in fields and "otherwise" not in fields:
            self.error(node, "grading has no 'rules' (and no 'otherwise')")
            raise _Stop
        rules: list[Rule] = []
        if "rules" in fields:
            for number, item in enumerate(self.sequence(fields["rules"], "grading: rules"), 1):
                rule = self.guarded(self._rule, item, number)
                if rule is not None:
                    rules.append(rule)
        otherwise = None
        if "otherwise" in fields:
            otherwise = self.guarded(self._rule, fields["otherwise"], 0)
        return tuple(rules), otherwise, settings

    def _rule(self, node: Node, number: int) -> Rule:
        what = f"grading rule {number}" if number else "grading: otherwise"
        fields = self.mapping(node, what, _RULE_KEYS)
        if "grade" not in fields:
            self.error(node, f"{what} has no 'grade' (A, B, C or D)")
            raise _Stop
        grade = self.string(fields["grade"], f"{what}: grade").strip().upper()
        if grade not in GRADES:
            meanings = ", ".join(f"{g} {m}" for g, m in GRADE_MEANING.items())
            self.error(fields["grade"], f"{what}: '{grade}' is not a grade ({meanings})")
            raise _Stop
        what = f"{what} (grade {grade})"
        when = None
        if number:
            if "when" not in fields:
                self.error(
                    node, f"{what} has no 'when'; a rule for every other case goes in 'otherwise'"
                )
                raise _Stop
            when = self._condition(fields["when"], f"{what}: when", limit=None)
        elif "when" in fields:
            self.error(fields["when"], f"{what}: 'otherwise' applies when no rule does; no 'when'")
            raise _Stop
        why = self.string(fields["why"], f"{what}: why") if "why" in fields else None
        disposition = "qualified"
        if "disposition" in fields:
            disposition = self.string(fields["disposition"], f"{what}: disposition")
            if disposition not in known_dispositions():
                self.error(
                    fields["disposition"],
                    f"{what}: unknown disposition '{disposition}'"
                    f"{_suggest(disposition, known_dispositions())}",
                )
                raise _Stop
        follow_up = None
        if "follow_up" in fields:
            follow_up = self.string(fields["follow_up"], f"{what}: follow_up")
            if grade != "B":
                self.error(fields["follow_up"], f"{what}: only a grade B rule has a follow_up date")
                raise _Stop
            self._check_reference(fields["follow_up"], follow_up, f"{what}: follow_up", None)
            if self.kinds.get(follow_up) != "date":
                self.error(
                    fields["follow_up"],
                    f"{what}: follow_up must name a date question, "
                    f"and '{follow_up}' is a {self.kinds.get(follow_up)} question",
                )
                raise _Stop
        days = None
        if "days" in fields:
            if grade not in ("B", "C"):
                self.error(
                    fields["days"], f"{what}: 'days' (follow-up or nurture period) is for B or C"
                )
                raise _Stop
            days = self.integer(fields["days"], f"{what}: days")
        return Rule(number, grade, when, _line(node), why, disposition, follow_up, days)
