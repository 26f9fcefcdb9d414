"""Splitting a configured command line (the dial command) the way the platform's shell would.

POSIX uses :func:`shlex.split`. On Windows, ``shlex`` would eat the backslashes of
``C:\\Program Files\\...`` paths, so Windows gets the rules of ``CommandLineToArgvW``: double
quotes group, ``\\"`` is a literal quote, other backslashes are kept as typed.
"""

from __future__ import annotations

import shlex
import sys


def split_command(line: str, windows: bool | None = None) -> list[str]:
    """The arguments of ``line``; ``windows`` defaults to "running on Windows".

    Raises ValueError for an unclosed quote, as :func:`shlex.split` does.
    """
    if windows is None:
        windows = sys.platform == "win32"
    if not windows:
        return shlex.split(line)
    return _split_windows(line)


def _split_windows(line: str) -> list[str]:
    args: list[str] = []
    current: list[str] = []
    in_arg = False  # "" is an (empty) argument of its own
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            run = index
            while run < len(line) and line[run] == "\\":
                run += 1
            count = run - index
            if run < len(line) and line[run] == '"':
                # 2n backslashes + quote: n backslashes, the quote delimits;
                # 2n+1 backslashes + quote: n backslashes and a literal quote.
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    run += 1
                index = run
            else:
                current.append("\\" * count)
                index = run
            in_arg = True
            continue
        if char == '"':
            if quoted and index + 1 < len(line) and line[index + 1] == '"':
                current.append('"')  # "" inside quotes: a literal quote
                index += 2
                continue
            quoted = not quoted
            in_arg = True
        elif char in " \t" and not quoted:
            if in_arg:
                args.append("".join(current))
                current, in_arg = [], False
        else:
            current.append(char)
            in_arg = True
        index += 1
    if quoted:
        raise ValueError("No closing quotation")
    if in_arg:
        args.append("".join(current))
    return args
