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
    # Where in the parsed text: a macro's expansion puts many tokens at one line and column (and
    # may come back to a column), so only this orders them, for diagnostic pragmas' regions.
    offset: int | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error", "warning" or "note"
    message: str
    location: Location | None = None
    hint: str | None = None
    flag: str | None = None  # the warning's clang option, shown after the message: "-Wint-conversion"

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


# clang's warning groups for the warnings bpfcc gives: group → (an error by default, the groups
# that contain it).  `-Weverything` contains them all.
WARNING_GROUPS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "int-conversion": (True, ("conversion",)),
    "incompatible-pointer-types": (False, ()),
    "pointer-sign": (False, ()),
    "return-mismatch": (True, ("return-type", "most", "all")),
    "excess-initializers": (False, ()),
    "shift-count-overflow": (False, ()),
    "shift-count-negative": (False, ()),
    "division-by-zero": (False, ()),
    "pointer-integer-compare": (False, ()),
    "compare-distinct-pointer-types": (False, ()),
    "#warnings": (False, ("cpp",)),
    "#pragma-messages": (False, ()),
    "include-next-outside-header": (False, ()),
}


@dataclass
class WarningState:
    """What clang's flags and `#pragma … diagnostic` make of each warning group, in force at one
    point of the source: group → (severity, exempt from -Werror)."""

    groups: dict[str, tuple[str, bool]] = field(
        default_factory=lambda: {g: ("error" if default_error else "warning", False)
                                 for g, (default_error, _) in WARNING_GROUPS.items()})

    def copy(self) -> "WarningState":
        return WarningState(dict(self.groups))

    def apply(self, action: str, name: str) -> None:
        """One -W flag or pragma for `name` (a group, or a group containing groups):
        "enable" (-Wname), "ignored" (-Wno-name, pragma), "warning" (pragma), "error" (-Werror=name,
        pragma), "fatal" (pragma), "no-error" (-Wno-error=name).  Unknown names change nothing."""
        for group, (_, parents) in WARNING_GROUPS.items():
            if name != group and name not in parents and name != "everything":
                continue
            severity, no_werror = self.groups[group]
            if action == "enable":  # as in clang, -Wname does not turn an error back into a warning
                severity = severity if severity in ("error", "fatal") else "warning"
            elif action == "no-error":
                severity, no_werror = ("warning" if severity in ("error", "fatal") else severity), True
            elif action == "warning":  # a pragma's warning stays one under -Werror
                severity, no_werror = "warning", True
            elif action in ("error", "fatal"):
                severity, no_werror = action, False
            else:
                severity = "ignored"
            self.groups[group] = (severity, no_werror)


def command_line_state(flags: list[str]) -> WarningState:
    """The state -W<group>, -Wno-<group>, -Werror=<group>, -Wno-error=<group> leave, in their order
    (flags spelled without their `-W`)."""
    state = WarningState()
    for flag in flags:
        if flag.startswith("no-error="):
            state.apply("no-error", flag[len("no-error="):])
        elif flag.startswith("error="):
            state.apply("error", flag[len("error="):])
        elif flag.startswith("no-"):
            state.apply("ignored", flag[len("no-"):])
        else:
            state.apply("enable", flag)
    return state


@dataclass
class Diagnostics:
    """Collects diagnostics for one compilation.

    A warning names its clang group; the command line's -W flags and `#pragma GCC|clang diagnostic`
    decide what becomes of it.  The parser records those pragmas by their offset in the parsed
    text, so a diagnostic is judged by the pragmas before it in the translation unit; one without
    an offset (the preprocessor's) by those recorded so far.
    """

    werror: bool = False
    warning_flags: list[str] = field(default_factory=list)  # -W<group> flags, without "-W", in order
    items: list[Diagnostic] = field(default_factory=list)
    last_location: Location | None = None  # where a stage was last working, for internal errors
    pragmas: list[tuple[int, str, str | None]] = field(default_factory=list)  # (offset, action, group), in order

    def error(self, message: str, location: Location | None = None, hint: str | None = None) -> Diagnostic:
        diag = Diagnostic("error", message, location, hint)
        self.items.append(diag)
        return diag

    def fatal(self, message: str, location: Location | None = None, hint: str | None = None) -> CompileError:
        """Report an error and return an exception that ends the current stage."""
        self.error(message, location, hint)
        return CompileError(message)

    def warning(self, message: str, location: Location | None = None, hint: str | None = None,
                group: str | None = None) -> Diagnostic | None:
        """A warning; with its clang `group`, as the flags and pragmas in force at `location` make it:
        nothing (ignored), a warning, or an error (-Werror, or an error by default like
        -Wint-conversion)."""
        if group is None:
            severity, flag = ("error" if self.werror else "warning"), None
        else:
            mapped, no_werror = self.state_at(location).groups[group]
            if mapped == "ignored":
                return None
            severity = "warning" if mapped == "warning" and (no_werror or not self.werror) else "error"
            upgraded = severity == "error" and not WARNING_GROUPS[group][0]
            flag = f"-Werror,-W{group}" if upgraded else f"-W{group}"
        diag = Diagnostic(severity, message, location, hint, flag)
        self.items.append(diag)
        return diag

    def note(self, message: str, location: Location | None = None) -> Diagnostic:
        diag = Diagnostic("note", message, location)
        self.items.append(diag)
        return diag

    def pragma(self, offset: int, action: str, group: str | None = None) -> None:
        """`#pragma GCC|clang diagnostic push|pop|ignored|warning|error|fatal "-W<group>"` at `offset`
        of the parsed text; recorded in the text's order."""
        self.pragmas.append((offset, action, group))

    def state_at(self, location: Location | None) -> WarningState:
        """The warning state in force at `location`: the command line's, then every diagnostic
        pragma before it."""
        here = location.offset if location is not None else None
        state, stack = command_line_state(self.warning_flags), []
        for offset, action, group in self.pragmas:
            if here is not None and offset >= here:
                break
            if action == "push":
                stack.append(state.copy())
            elif action == "pop":
                state = stack.pop() if stack else state
            elif group is not None:
                state.apply(action, group)
        return state

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]


def render(diag: Diagnostic, sources: dict[str, list[str]] | None = None) -> str:
    """Format one diagnostic as clang does, with the source line and a caret."""
    where = f"{diag.location}: " if diag.location else "bpfcc: "
    text = f"{where}{diag.severity}: {diag.message}" + (f" [{diag.flag}]" if diag.flag else "")
    lines = (sources or {}).get(diag.file) if diag.location else None
    if lines and 1 <= diag.line <= len(lines):
        source_line = lines[diag.line - 1].rstrip("\n")
        # Columns count bytes (as clang's); a terminal shows characters, so pad by the
        # characters those bytes make, keeping tabs so the caret lines up under them.
        before = source_line.encode("utf-8", "surrogateescape")[: max(diag.column - 1, 0)]
        pad = "".join(c if c == "\t" else " " for c in before.decode("utf-8", "replace"))
        text += f"\n{source_line}\n{pad}^"
    if diag.hint:
        text += f"\n{where}note: {diag.hint}"
    return text
