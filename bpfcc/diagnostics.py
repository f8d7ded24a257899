"""Diagnostics shared by every stage.

Each stage reports problems into one `Diagnostics` collector with a source
location; the driver stops between stages when it holds an error.  Rendering
to clang's `file:line:col: error: message` text with the source line and a
caret happens only at the edge (CLI), so the API returns diagnostics as data.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error", "warning" or "note"
    message: str
    location: Location | None = None
    hint: str | None = None

    @property
    def file(self) -> str | None:
        return self.location.file if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def column(self) -> int | None:
        return self.location.column if self.location else None


class CompileError(Exception):
    """Raised inside a stage to abandon it after an error has been reported."""


@dataclass
class Diagnostics:
    """Collects diagnostics for one compilation."""

    werror: bool = False
    items: list[Diagnostic] = field(default_factory=list)
    last_location: Location | None = None  # where a stage was last working, for internal errors

    def error(self, message: str, location: Location | None = None, hint: str | None = None) -> Diagnostic:
        diag = Diagnostic("error", message, location, hint)
        self.items.append(diag)
        return diag

    def fatal(self, message: str, location: Location | None = None, hint: str | None = None) -> CompileError:
        """Report an error and return an exception that ends the current stage."""
        self.error(message, location, hint)
        return CompileError(message)

    def warning(self, message: str, location: Location | None = None, hint: str | None = None) -> Diagnostic:
        severity = "error" if self.werror else "warning"
        diag = Diagnostic(severity, message, location, hint)
        self.items.append(diag)
        return diag

    def note(self, message: str, location: Location | None = None) -> Diagnostic:
        diag = Diagnostic("note", message, location)
        self.items.append(diag)
        return diag

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]


def render(diag: Diagnostic, sources: dict[str, list[str]] | None = None) -> str:
    """Format one diagnostic as clang does, with the source line and a caret."""
    where = f"{diag.location}: " if diag.location else "bpfcc: "
    text = f"{where}{diag.severity}: {diag.message}"
    lines = (sources or {}).get(diag.file) if diag.location else None
    if lines and 1 <= diag.line <= len(lines):
        source_line = lines[diag.line - 1].rstrip("\n")
        # Tabs are kept so the caret lines up under the same column in a terminal.
        pad = "".join(c if c == "\t" else " " for c in source_line[: max(diag.column - 1, 0)])
        text += f"\n{source_line}\n{pad}^"
    if diag.hint:
        text += f"\n{where}note: {diag.hint}"
    return text
