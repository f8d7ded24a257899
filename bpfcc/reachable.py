"""Reachable: preprocessed text → the same text without the headers' type declarations that
nothing in the program names.

A program that includes vmlinux.h is 135,000 lines after preprocessing, of which it uses a
few hundred; parsing and checking the rest was most of its compile time.  Here a quick scan
splits the text into top-level declarations and keeps those the program can reach: every
declaration of the main file, every declaration in a header that is not a pure type
declaration (functions, variables, pragmas, anything unusual), and, following the names they
mention, the typedefs, struct, union and enum declarations (with their enumerators) that
declare those names.  A dropped declaration could only have mattered by being wrong: an error
in a header declaration nothing uses goes unreported (clang reports it).  If the reachable part
fails to parse or check, the driver does the whole text again, so the diagnostics of a program
that has errors are those of the whole translation unit.
"""
from __future__ import annotations

import re

# Below this many lines the whole text is parsed: pruning pays off for headers of vmlinux.h's size.
MIN_LINES = 20000

# What delimits top-level declarations (strings only so that what they hold does not): line
# markers and pragma lines, whole; brackets; semicolons.  Inside brackets, only brackets count.
_SCAN = re.compile(r'(?P<line>^[ \t]*#[^\n]*)|(?P<str>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
                   r"|(?P<open>[{(\[])|(?P<close>[})\]])|(?P<semi>;)", re.M)
_NESTED = re.compile(r'(?P<line>^[ \t]*#[^\n]*)|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|(?P<open>[{(\[])|(?P<close>[})\]])',
                     re.M)
_MARKER = re.compile(r'#\s*(\d+)\s+"((?:[^"\\]|\\.)*)"')
_NOT_NAMES = frozenset(
    """typedef struct union enum const volatile restrict __restrict __restrict__ __const __volatile__
    __attribute__ __attribute signed unsigned short long int char _Bool void float double __int128
    __signed__ __extension__ _Atomic""".split()
)


class _Declaration:
    __slots__ = ("start", "end", "line", "file", "column", "names", "mentions", "root")

    def __init__(self, start: int, line: int, file: str, column: int) -> None:
        self.start, self.line, self.file, self.column = start, line, file, column
        self.end = start
        self.names: list[str] = []  # what a type declaration declares: tag, typedef names, enumerators
        self.mentions: set[str] = set()
        self.root = True  # kept whatever names it declares


def reachable(text: str, filename: str) -> str | None:
    """The text without unreachable header type declarations; None when there is nothing to drop
    (a small text, or one whose declarations are all reachable)."""
    if text.count("\n") < MIN_LINES:
        return None
    declarations = _split(text)
    for decl in declarations:
        if decl.file != filename:
            _classify(text, decl)
    declaring: dict[str, list[_Declaration]] = {}
    for decl in declarations:
        if not decl.root:
            for name in decl.names:
                declaring.setdefault(name, []).append(decl)
    kept: set[int] = set()
    pending = [decl for decl in declarations if decl.root]
    seen: set[str] = set()
    while pending:
        decl = pending.pop()
        if id(decl) in kept:
            continue
        kept.add(id(decl))
        for name in decl.mentions - seen:
            seen.add(name)
            pending.extend(declaring.get(name, ()))
    if len(kept) == len(declarations):
        return None
    out: list[str] = []
    dropped = False
    for decl in declarations:
        if id(decl) not in kept:
            dropped = True
            continue
        if dropped:  # put the declaration back where it began
            out.append(f'\n# {decl.line} "{decl.file}"\n' + " " * (decl.column - 1))
            dropped = False
        out.append(text[decl.start:decl.end])
    return "".join(out)


def _split(text: str) -> list[_Declaration]:
    """The text cut after each top-level declaration: after a `;` or, for a function body, a `}` at
    depth 0; a line marker or pragma line at depth 0 ends one too.  The pieces cover the text."""
    declarations: list[_Declaration] = []
    line, file, counted = 1, "", 0  # `line` is the line of offset `counted`
    previous = ""  # the last token at depth 0: a `{` after `)` opens a function body
    decl = _Declaration(0, 1, file, 1)
    position = 0
    while (m := _SCAN.search(text, position)) is not None:
        kind, position = m.lastgroup, m.end()
        if kind == "line":
            line += text.count("\n", counted, m.start())
            counted = m.start()
            decl.end = position
            declarations.append(decl)
            decl = _Declaration(position, line, file, position - m.start() + 1)
            previous = ""
            if marker := _MARKER.match(m.group().strip()):  # the next line is line N of that file
                line, file = int(marker[1]) - 1, marker[2]
            continue
        if kind == "open":  # to the matching bracket; line markers inside still count
            body = m.group() == "{" and previous == ")"
            depth = 1
            while depth and (inner := _NESTED.search(text, position)) is not None:
                position = inner.end()
                if inner.lastgroup == "open":
                    depth += 1
                elif inner.lastgroup == "close":
                    depth -= 1
                elif inner.lastgroup == "line" and (marker := _MARKER.match(inner.group().strip())):
                    line += text.count("\n", counted, inner.start())
                    counted = inner.start()
                    line, file = int(marker[1]) - 1, marker[2]
            previous = ")" if m.group() == "(" else "}"
            if not body:
                continue
        elif kind != "semi":
            previous = m.group()
            continue
        line += text.count("\n", counted, position)
        counted = position
        decl.end = position
        declarations.append(decl)
        decl = _Declaration(position, line, file, position - text.rfind("\n", 0, position))
        previous = ""
    decl.end = len(text)
    declarations.append(decl)
    for decl in declarations:
        decl.mentions = set(_WORD.findall(text, decl.start, decl.end))
    return declarations


_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_ATTRIBUTE = re.compile(r"__attribute(?:__)?\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)|\[\[.*?\]\]", re.S)


def _classify(text: str, decl: _Declaration) -> None:
    """A header declaration that only declares types (`struct x {…};`, `enum {…};`, `typedef …;`)
    is kept only if reached: record what it declares.  Anything else stays a root."""
    source = _ATTRIBUTE.sub(" ", text[decl.start:decl.end])
    words = _WORD.findall(source)
    if not words or not source.rstrip().endswith(";"):
        return
    head = words[0]
    if head in ("struct", "union", "enum"):
        names = _tag_declaration(source, head)
    elif head == "typedef":
        names = _typedef(source)
    else:
        return
    if names:
        decl.names = names
        decl.root = False


def _tag_declaration(source: str, head: str) -> list[str] | None:
    """`struct x {…};`, `struct x;`, `enum [x] {…};`: the tag and enumerators; None if it also
    declares something else (`struct x {…} v;`)."""
    m = re.match(r"\s*(?:struct|union|enum)\s+([A-Za-z_$][\w$]*)?\s*(\{)?", source)
    if m is None:
        return None
    if m[2] is None:  # `struct x;`
        return [m[1]] if m[1] and re.fullmatch(r"\s*(?:struct|union|enum)\s+[\w$]+\s*;\s*", source) else None
    close = source.rfind("}")
    if source[close + 1:].strip() != ";":
        return None
    names = [m[1]] if m[1] else []
    if head == "enum":
        names += _enumerators(source[m.end():close])
    return names or None


def _typedef(source: str) -> list[str] | None:
    """The names a `typedef …;` declares, with the tag and enumerators of a body it defines."""
    names: list[str] = []
    rest = source
    m = re.match(r"\s*typedef\s+(?:(?:const|volatile)\s+)*(struct|union|enum)\s*([A-Za-z_$][\w$]*)?\s*\{", source)
    if m:
        close = source.rfind("}")
        if m[2]:
            names.append(m[2])
        if m[1] == "enum":
            names += _enumerators(source[m.end():close])
        rest = source[close + 1:]
    else:
        rest = source[source.index("typedef") + len("typedef"):]
    for declarator in _top_level_split(rest.rstrip().rstrip(";")):
        name = _declarator_name(declarator)
        if name is None:
            return None
        names.append(name)
    return names


def _declarator_name(declarator: str) -> str | None:
    """The name in a declarator (the last one of the specifiers, for the first): `(*name)(…)`,
    `*const name[4]`, `unsigned int name`."""
    m = re.search(r"\(\s*(?:\*\s*(?:(?:const|volatile|restrict)\s+)*)+([A-Za-z_$][\w$]*)", declarator)
    if m:
        return m[1]
    outside = re.sub(r"\[[^\]]*\]", " ", declarator)
    words = [w for w in _WORD.findall(outside) if w not in _NOT_NAMES]
    return words[-1] if words and "(" not in outside else None


def _enumerators(body: str) -> list[str]:
    return [m[1] for item in _top_level_split(body) if (m := re.match(r"\s*([A-Za-z_$][\w$]*)", item))]


def _top_level_split(source: str) -> list[str]:
    """`source` split at commas outside brackets."""
    if not any(c in source for c in "([{"):
        return [p for p in source.split(",") if p.strip()]
    parts, depth, start = [], 0, 0
    for i, c in enumerate(source):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    parts.append(source[start:])
    return [p for p in parts if p.strip()]
