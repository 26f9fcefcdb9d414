"""Cell values as the import reads them: the e-mail shape test done a column at a time
(polars) gives the answers of the per-value pattern, for every character."""

from __future__ import annotations

import re

import pytest

from calldesk.importing.values import _EMAIL, PYTHON_SPACES, email_shapes


def test_the_spaces_spelled_out_are_pythons() -> None:
    every = (chr(c) for c in range(0x110000))
    assert "".join(c for c in every if re.match(r"\s", c)) == PYTHON_SPACES


@pytest.mark.parametrize(
    "shape", ["an{c}n@example.co", "ann@{c}.com", "ann@exa{c}mple.com", "ann@example.c{c}m"]
)
def test_a_column_of_addresses_is_judged_as_each_one_alone(shape: str) -> None:
    # every character but the surrogates (no decoded text holds one), in each part
    values = [shape.format(c=chr(c)) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    expected = [_EMAIL.match(v) is not None for v in values]
    assert email_shapes(values) == expected
    assert 0 < sum(expected) < len(values)


def test_addresses_of_every_kind_are_judged_as_each_one_alone() -> None:
    values = [
        "",
        "ann@example.com",
        "ANN@EXAMPLE.COM",
        "ann@example.c",
        "ann@@example.com",
        "ann@example",
        "a@b.co",
        "ann smith@example.com",
        "ann,bob@example.com",
        "<ann@example.com>",
        "ann;@example.com",
        "ann@sub.example.co.uk",
        "ann@.co",
        "ann@x..co",
        "ann@x.c.",
        "ann\u3000@example.com",
        "zoë@exämple.de",
        "@example.com",
        "ann@",
        "ann@example.com\u001c",
        "ann@example.c\u00a0m",
    ]
    assert email_shapes(values) == [_EMAIL.match(v) is not None for v in values]
