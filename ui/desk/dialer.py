"""Click-to-dial: a ``tel:``/``sip:`` link for the system's softphone, or a configured command."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from calldesk.commandline import split_command


class DialError(Exception):
    """The number could not be handed to the softphone; the message says why."""


@dataclass
class Dialer:
    """How this rep dials: ``tel``, ``sip`` or ``command`` with a template.

    The template names ``{e164}``, ``{digits}`` (without the +) and ``{extension}``, e.g.
    ``softphone --call {e164}``. It is split like a shell line but never run through a shell.
    """

    mode: str = "tel"
    command: str = ""

    def url(self, e164: str, extension: str | None = None) -> QUrl:
        number = e164 + (f";ext={extension}" if extension else "")
        if self.mode == "sip":
            return QUrl(f"sip:{number}")
        return QUrl(f"tel:{number}")

    def dial(self, e164: str, extension: str | None = None) -> str:
        """Hand ``e164`` to the softphone; returns what was dialled, for the attempt's log."""
        if self.mode == "command":
            if not self.command.strip():
                raise DialError("No dial command set (Settings: dial command template)")
            try:
                args = [
                    part.format(e164=e164, digits=e164.lstrip("+"), extension=extension or "")
                    for part in split_command(self.command)
                ]
            except (ValueError, KeyError, IndexError) as exc:
                raise DialError(f"The dial command template is not valid: {exc}") from exc
            ok, _pid = QProcess.startDetached(args[0], args[1:])
            if not ok:
                raise DialError(f"Could not start {args[0]!r}")
            return e164
        url = self.url(e164, extension)
        if not QDesktopServices.openUrl(url):
            raise DialError(f"No softphone answers {url.scheme()}: links on this computer")
        return e164
