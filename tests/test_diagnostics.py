"""Diagnostics for bad input: one small C file per diagnostic in tests/diagnostics/.

Each file says what it expects in comments (put at the end of the file, so the
code keeps natural line numbers):

    // expect-error: LINE:COL: regex      an error at exactly file:LINE:COL whose message
                                          matches `regex` (re.search)
    // expect-warning: LINE:COL: regex    the same for a warning
    // expect-hint: LINE:COL: regex       the error at LINE:COL carries a hint (or a note at
                                          the same place) matching `regex`
    // flags: -Werror                     command-line flags for this file (the API test
                                          maps them to keywords)
    // allow-other-errors                 follow-on errors after the expected ones are fine
                                          (e.g. when the rest of the file is swallowed)

The project's rule for bad input: a diagnostic `file:line:col: error: message`
with the source line and a caret under the column, exit status 1, no object
written (a stale one is removed), never a Python traceback, never an LLVM abort.
The API must return the same diagnostics as data.
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import bpfcc

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "diagnostics"
CASES = sorted(CASES_DIR.glob("*.c"))
_SCRIPT = Path(sys.executable).with_name("bpfcc")
BPFCC = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bpfcc"]

_EXPECT = re.compile(r"//\s*expect-(error|warning|hint):\s*(\d+):(\d+):\s?(.*?)\s*$")
_FLAGS = re.compile(r"//\s*flags:\s*(.*?)\s*$")
# What each flag a case file may name means for the API.
_API_FLAGS = {"-Werror": {"werror": True}, "--strict-loops": {"strict_loops": True}, "-mcpu=v1": {"mcpu": "v1"},
             "-mcpu=v2": {"mcpu": "v2"}, "-g0": {"debug": False}}


@dataclass
class Expected:
    severity: str  # "error", "warning" or "hint"
    line: int
    column: int
    pattern: str

    def __str__(self) -> str:
        return f"{self.severity} at {self.line}:{self.column} matching /{self.pattern}/"


@dataclass
class Case:
    path: Path
    expected: list[Expected] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    allow_other_errors: bool = False

    @property
    def errors(self) -> list[Expected]:
        return [e for e in self.expected if e.severity == "error"]

    @property
    def api_settings(self) -> dict:
        settings: dict = {}
        for flag in self.flags:
            settings.update(_API_FLAGS[flag])
        return settings


def load_case(path: Path) -> Case:
    case = Case(path)
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _EXPECT.search(line)
        if m:
            case.expected.append(Expected(m[1], int(m[2]), int(m[3]), m[4]))
            continue
        m = _FLAGS.search(line)
        if m:
            case.flags += m[1].split()
        if re.search(r"//\s*allow-other-errors\b", line):
            case.allow_other_errors = True
    return case


def case_id(path: Path) -> str:
    return path.stem


def same_file(reported: str | None, path: Path) -> bool:
    return reported is not None and (reported == str(path) or Path(reported).resolve() == path.resolve())


def describe(diags) -> str:
    return "\n".join(f"  {d.severity} {d.location}: {d.message}" + (f"  [hint: {d.hint}]" if d.hint else "")
                     for d in diags) or "  (none)"


# ---- the case files themselves ------------------------------------------------------------------

def test_case_files_exist_and_each_expects_an_error():
    assert len(CASES) >= 25
    for path in CASES:
        case = load_case(path)
        assert case.errors, f"{path.name} has no '// expect-error: LINE:COL: regex' comment"
        for flag in case.flags:
            assert flag in _API_FLAGS, f"{path.name}: flag {flag} has no API mapping in _API_FLAGS"
        lines = path.read_text(encoding="utf-8").splitlines()
        for e in case.expected:
            re.compile(e.pattern)
            assert 1 <= e.line <= len(lines), f"{path.name}: {e} is outside the file"
            assert 1 <= e.column <= len(lines[e.line - 1].encode()) + 1, f"{path.name}: {e} is past the end of its line"


# ---- through the API: diagnostics as data ---------------------------------------------------------

def api_problems(case: Case) -> tuple[list[str], list]:
    """What is wrong with the API's diagnostics for `case` (empty if all is as expected)."""
    path = case.path
    result = bpfcc.compile_file(str(path), **case.api_settings)
    diags = result.diagnostics
    problems: list[str] = []

    matched: set[int] = set()
    for e in case.expected:
        if e.severity == "hint":
            continue
        at = [d for d in diags if d.severity == e.severity and same_file(d.file, path)
              and (d.line, d.column) == (e.line, e.column)]
        hits = [d for d in at if re.search(e.pattern, d.message)]
        if hits:
            matched.update(id(d) for d in hits)
        elif at:
            problems.append(f"expected {e}; at that place the message is {at[0].message!r}")
        else:
            problems.append(f"expected {e}; not reported there")

    for e in (e for e in case.expected if e.severity == "hint"):
        here = [d for d in diags if same_file(d.file, path) and (d.line, d.column) == (e.line, e.column)]
        texts = [d.hint for d in here if d.severity == "error" and d.hint]
        texts += [d.message for d in here if d.severity == "note"]
        if not any(re.search(e.pattern, t) for t in texts):
            problems.append(f"expected {e} (as the error's hint or a note), found {texts!r}")

    unexpected = [d for d in diags if d.severity == "error" and id(d) not in matched]
    if unexpected and not case.allow_other_errors:
        problems.append("unexpected errors:\n" + describe(unexpected))
    for d in diags:
        if d.severity == "error" and d.location is None:
            problems.append(f"error without a location: {d.message!r}")
        if "internal compiler error" in d.message:
            problems.append(f"internal compiler error: {d.message!r}")

    if result.output is not None:
        problems.append(f"an output of {len(result.output)} bytes was produced for bad input")
    if result.ok:
        problems.append("the result is ok")
    return problems, diags


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_api_reports_expected_diagnostics(path: Path):
    problems, diags = api_problems(load_case(path))
    assert not problems, "\n".join(problems) + "\nall diagnostics:\n" + describe(diags)


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_api_compile_text_matches_compile_file(path: Path):
    """`compile(text, filename)` reports exactly what `compile_file(filename)` does."""
    case = load_case(path)
    from_file = bpfcc.compile_file(str(path), **case.api_settings)
    from_text = bpfcc.compile(path.read_text(encoding="utf-8"), str(path), **case.api_settings)
    assert from_text.diagnostics == from_file.diagnostics
    assert from_text.output == from_file.output


# ---- through the command line: rendering, exit status, no object --------------------------------------

def char_width(line: str, column: int) -> int:
    """How many characters of `line` come before byte column `column`."""
    return len(line.encode("utf-8")[: column - 1].decode("utf-8", "ignore"))


def run_cli(args: list[str], cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 300):
    return subprocess.run(BPFCC + args, cwd=cwd, input=stdin, capture_output=True, timeout=timeout)


def check_rendered(stderr: str, path: Path, arg: str, e: Expected) -> str | None:
    """None if stderr shows `arg:LINE:COL: error:` with the source line and a caret under COL."""
    source_line = path.read_text(encoding="utf-8").splitlines()[e.line - 1]
    lines = stderr.splitlines()
    head = f"{arg}:{e.line}:{e.column}: {e.severity}: "
    for i, line in enumerate(lines):
        if not line.startswith(head):
            continue
        if not re.search(e.pattern, line[len(head):]):
            continue
        if i + 2 >= len(lines):
            return f"'{head}…' is not followed by the source line and a caret"
        shown, caret = lines[i + 1], lines[i + 2]
        if shown.rstrip() != source_line.rstrip():
            return f"'{head}…' shows source line {shown!r}, expected {source_line!r}"
        # Columns count bytes (as clang's); on screen the caret goes under that many characters.
        width = char_width(source_line, e.column)
        if caret.strip() != "^" or caret.index("^") != width or caret[:width].strip(" \t"):
            return f"caret line {caret!r} does not put the caret under column {e.column} of {shown!r}"
        # A terminal lines up tabs only if the padding copies them.
        if [c == "\t" for c in caret[:width]] != [c == "\t" for c in source_line[:width]]:
            return f"caret padding {caret[:width]!r} does not copy the tabs of {source_line[:width]!r}"
        return None
    return f"no line starting with {head!r} (matching /{e.pattern}/)"


def cli_problems(case: Case, tmp_path: Path) -> tuple[list[str], str]:
    """What is wrong with the command line's behaviour for `case` (empty if all is as expected)."""
    path = case.path
    out = tmp_path / "out.o"
    out.write_bytes(b"stale object from an earlier build")
    arg = path.name  # as a Makefile would pass it: relative to the working directory
    proc = run_cli([*case.flags, arg, "-o", str(out)], cwd=path.parent)
    stderr = proc.stderr.decode("utf-8", "replace")

    problems: list[str] = []
    if "Traceback" in stderr:
        problems.append("a Python traceback")
    if "LLVM ERROR" in stderr:
        problems.append("an LLVM ERROR")
    if proc.returncode != 1:
        problems.append(f"exit status {proc.returncode}")
    if out.exists():
        problems.append("a (stale) object is left at -o after a failed compile")
    if list(tmp_path.glob("out.o.tmp*")):
        problems.append("a temporary output file was left behind")
    problems += [p for e in case.errors if (p := check_rendered(stderr, path, arg, e))]
    if not re.search(r"\b\d+ errors? generated\.$", stderr, re.M):
        problems.append("no 'N errors generated.' line")
    return problems, stderr


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_cli_renders_error_and_writes_no_object(path: Path, tmp_path: Path):
    problems, stderr = cli_problems(load_case(path), tmp_path)
    assert not problems, "\n".join(problems) + "\n--- stderr ---\n" + stderr


@pytest.mark.parametrize("name", ["undeclared_identifier", "recursion_direct", "missing_header",
                                  "loop_unbounded", "stack_frame_helper", "license_named_license"])
def test_cli_creates_no_object_when_none_existed(name: str, tmp_path: Path):
    path = CASES_DIR / f"{name}.c"
    out = tmp_path / "prog.o"
    proc = run_cli([*load_case(path).flags, str(path), "-o", str(out)], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr.decode()
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_without_o_writes_no_default_object(tmp_path: Path):
    path = CASES_DIR / "undeclared_identifier.c"
    (tmp_path / "undeclared_identifier.o").write_bytes(b"stale")
    proc = run_cli([str(path), "-c"], cwd=tmp_path)
    assert proc.returncode == 1
    assert not (tmp_path / "undeclared_identifier.o").exists()


def test_api_compile_file_out_removes_stale_object(tmp_path: Path):
    out = tmp_path / "out.o"
    out.write_bytes(b"stale")
    result = bpfcc.compile_file(CASES_DIR / "recursion_direct.c", out=out)
    assert not result.ok and result.output is None
    assert not out.exists()


# ---- -Werror, both ways ----------------------------------------------------------------------------

WARNS = "long *widen(int *p)\n{\n\treturn p;\n}\n"  # -Wincompatible-pointer-types: a warning in clang-19


def test_warning_without_werror_still_compiles():
    result = bpfcc.compile(WARNS, "w.c")
    assert result.ok and result.output
    warnings = [d for d in result.diagnostics if d.severity == "warning"]
    assert [(d.line, d.column) for d in warnings] == [(3, 9)]
    assert re.search("incompatible pointer types", warnings[0].message)
    assert not result.errors


def test_werror_through_options_object():
    result = bpfcc.compile(WARNS, "w.c", options=bpfcc.Options(werror=True))
    assert result.output is None
    assert [(d.severity, d.line, d.column) for d in result.diagnostics] == [("error", 3, 9)]


def test_cli_werror_then_wno_error_compiles(tmp_path: Path):
    src = tmp_path / "w.c"
    src.write_text(WARNS)
    proc = run_cli(["-Werror", "-Wno-error", str(src), "-o", str(tmp_path / "w.o")])
    assert proc.returncode == 0, proc.stderr.decode()
    assert "warning: incompatible pointer types" in proc.stderr.decode()
    assert (tmp_path / "w.o").exists()


def test_cli_w_hides_warning_and_compiles(tmp_path: Path):
    src = tmp_path / "w.c"
    src.write_text(WARNS)
    proc = run_cli(["-w", str(src), "-o", str(tmp_path / "w.o")])
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr.decode()
    assert (tmp_path / "w.o").exists()


# ---- warning groups: -W flags and diagnostic pragmas, compared with clang-19 --------------------------

GROUPS_SOURCE = """\
static int g(int v) { return v; }
long *widen(int *p) { return p; }
int f(void *p, long *q)
{
	int x = p;
	int *y = q;
	int a[1] = {1, 2};
	if (x)
		return;
	return g(p) + *y + a[0];
}
"""
GROUP_FLAGS = [
    [], ["-Werror"], ["-Wno-error"], ["-w"], ["-w", "-Werror"], ["-Wno-int-conversion"],
    ["-Wno-error=int-conversion"], ["-Wno-error=int-conversion", "-Werror"], ["-Wno-int-conversion", "-Wint-conversion"],
    ["-Wint-conversion"], ["-Werror=int-conversion"], ["-Wno-conversion"], ["-Werror=incompatible-pointer-types"],
    ["-Werror", "-Wno-error=incompatible-pointer-types"], ["-Wno-everything"], ["-Wno-return-type"],
    ["-Wno-error=return-mismatch"], ["-Wno-all"], ["-Werror=excess-initializers"], ["-Wall", "-Wextra"],
]
PRAGMAS = [
    '#pragma GCC diagnostic warning "-Wint-conversion"',
    '#pragma clang diagnostic ignored "-Wincompatible-pointer-types"',
    '#pragma GCC diagnostic error "-Wexcess-initializers"',
    '#pragma GCC diagnostic ignored "-Weverything"',
    '#pragma GCC diagnostic push\n#pragma GCC diagnostic ignored "-Wint-conversion"\n#pragma GCC diagnostic pop',
    '_Pragma("GCC diagnostic ignored \\"-Wreturn-type\\"")',
]
_CLANG_DIAGNOSTIC = re.compile(r"^(?:\S+?):(\d+):(\d+): (warning|error): (.*?)(?: \[(\S+)\])?$", re.M)


def as_clang_reports(source: str, flags: list[str], tmp_path: Path, clang: str) -> tuple[list, list]:
    """(bpfcc's, clang-19's) diagnostics for `source` under `flags`: sorted (line, column, severity,
    message, option) of what each shows."""
    from bpfcc import cli

    path = tmp_path / "groups.c"
    path.write_text(source)
    proc = subprocess.run([clang, "-target", "bpf", *flags, "-c", str(path), "-o", str(tmp_path / "clang.o")],
                          capture_output=True, text=True, timeout=120)
    theirs = sorted((int(m[1]), int(m[2]), m[3], m[4], m[5]) for m in _CLANG_DIAGNOSTIC.finditer(proc.stderr))
    inv = cli.parse_args([*flags, str(path)])
    result = bpfcc.compile_file(str(path), options=inv.options)
    ours = sorted((d.line, d.column, d.severity, d.message, d.flag) for d in result.diagnostics
                  if d.severity in ("warning", "error") and not (inv.hide_warnings and d.severity == "warning"))
    return ours, theirs


@pytest.mark.parametrize("flags", GROUP_FLAGS, ids=lambda flags: " ".join(flags) or "default")
def test_warning_group_flags_as_clang(clang, tmp_path: Path, flags: list[str]):
    ours, theirs = as_clang_reports(GROUPS_SOURCE, flags, tmp_path, clang)
    assert ours == theirs


@pytest.mark.parametrize("flags", [[], ["-Werror"], ["-Wno-error=int-conversion"]], ids=lambda f: " ".join(f) or "default")
@pytest.mark.parametrize("pragma", PRAGMAS, ids=range(len(PRAGMAS)))
def test_diagnostic_pragmas_as_clang(clang, tmp_path: Path, pragma: str, flags: list[str]):
    ours, theirs = as_clang_reports(pragma + "\n" + GROUPS_SOURCE, flags, tmp_path, clang)
    assert ours == theirs


def test_warning_groups_through_the_api():
    source = "int f(void *p)\n{\n\tint x = p;\n\treturn x;\n}\n"
    assert not bpfcc.compile(source, "g.c").ok
    relaxed = bpfcc.compile(source, "g.c", warnings=["-Wno-error=int-conversion"])
    assert relaxed.ok and [(d.severity, d.flag) for d in relaxed.diagnostics] == [("warning", "-Wint-conversion")]
    assert bpfcc.compile(source, "g.c", warnings=["no-int-conversion"]).diagnostics == []


def test_flexible_array_member_not_last_notes_the_next_field():
    result = bpfcc.compile_file(str(CASES_DIR / "flexible_array_member_not_last.c"))
    assert [(d.line, d.column, d.message) for d in result.diagnostics if d.severity == "note"] == [
        (4, 6, "next field declaration is here")]


# ---- no state leaks from a failed compile into the next one ------------------------------------------

GOOD = """\
struct xdp_md { unsigned int data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };

static __attribute__((noinline)) int pick(int a, int b)
{
	return a > b ? a : b;
}

__attribute__((section("xdp"), used))
int xdp_prog(struct xdp_md *ctx)
{
	int i, n = 0;

#pragma unroll
	for (i = 0; i < 4; i++)
		n += pick(i, (int)ctx->ingress_ifindex);
	return n & 2;
}

char _license[] __attribute__((section("license"), used)) = "GPL";
"""


def test_bad_then_good_in_one_process():
    first = bpfcc.compile(GOOD, "good.c")
    assert first.ok, describe(first.diagnostics)
    assert not first.diagnostics, describe(first.diagnostics)
    for path in CASES:
        case = load_case(path)
        bpfcc.compile_file(str(path), **case.api_settings)  # whether it fails is tested above
        again = bpfcc.compile(GOOD, "good.c")
        assert again.ok, f"after {path.name}:\n" + describe(again.diagnostics)
        assert not again.diagnostics, f"after {path.name}:\n" + describe(again.diagnostics)
        assert again.output == first.output, f"output of a good program changed after compiling {path.name}"


def test_same_bad_file_twice_gives_same_diagnostics():
    for name in ("undeclared_identifier", "recursion_mutual", "stack_frame_helper", "syntax_error"):
        path = str(CASES_DIR / f"{name}.c")
        a, b = bpfcc.compile_file(path), bpfcc.compile_file(path)
        assert a.diagnostics == b.diagnostics, name


# ---- syntax errors are located ---------------------------------------------------------------------

SYNTAX_ERRORS = [
    "int f(int x) { int y = x +; return y; }\n",
    "int f(int x) { return x }\n",
    "int f(int x) { return (x; }\n",
    "int f(int x) { return x +* ; }\n",
    "int f(int x) { return x[; }\n",
    "int f(int x) { return f(x,); }\n",
    "int f(int x) { return sizeof(); }\n",
    "int f(int x) { int a[] = {1,,2}; return 0; }\n",
    "int f(int x) { return ;\n",
    "int f(int x) { for (;;;) ; }\n",
    "struct s { int a };\n",
]


@pytest.mark.parametrize("source", SYNTAX_ERRORS, ids=range(len(SYNTAX_ERRORS)))
def test_syntax_errors_are_located(source: str):
    result = bpfcc.compile(source, "syn.c")
    assert result.output is None
    assert result.errors
    for d in result.errors:
        assert d.location is not None, f"syntax error without a location: {d.message!r}"
        assert d.file == "syn.c"
        assert 1 <= d.line <= source.count("\n") + 1, d
        assert "internal compiler error" not in d.message


# ---- pathological input: a diagnostic or success, never a crash ----------------------------------------

def _deep_parens(n: int) -> bytes:
    return ("int f(int x)\n{\n\treturn " + "(" * n + "x" + ")" * n + ";\n}\n").encode()


PATHOLOGICAL = {
    "empty": b"",
    "only_comment": b"// nothing here but a comment\n",
    "only_block_comment_no_newline": b"/* nothing */",
    "parens_5000": _deep_parens(5000),
    "binary_garbage": bytes(range(256)) * 4 + bytes((i * 151 + 7) % 256 for i in range(4096)),
    "nul_in_code": b"int f(void)\n{\n\treturn 0;\0\n}\n",
    "non_utf8_in_comment_and_string": b"// caf\xe9\nchar s[] = \"\xe9\xff\";\nint f(void) { return 0; } /* \xff\xfe */\n",
    "non_utf8_in_code": b"int f(void)\n{\n\treturn \xe9;\n}\n",
    "utf8_bom": b"\xef\xbb\xbfint f(void) { return 0; }\n",
    "crlf": b"int f(void)\r\n{\r\n\treturn 0;\r\n}\r\n",
    "unterminated_comment": b"int f(void) { return 0; }\n/* never closed",
    "unterminated_string": b"char *s = \"abc;\nint f(void) { return 0; }\n",
    "unterminated_if": b"#if 1\nint f(void) { return 0; }\n",
    "self_include": b'#include "self.c"\nint f(void) { return 0; }\n',
    "plus_chain_20000": ("int f(int x) { return " + "x+" * 20000 + "x; }\n").encode(),
    "else_if_chain_1000": ("int f(int x)\n{\n\tif (x == 0) return 0;\n"
                           + "".join(f"\telse if (x == {i}) return {i};\n" for i in range(1, 1000))
                           + "\treturn -1;\n}\n").encode(),
    "blocks_2000": ("int f(int x) { " + "{" * 2000 + "x++;" + "}" * 2000 + " return x; }\n").encode(),
    "long_line": ("int f(void) { return 0; }" + " " * 200000 + "\n").encode(),
}


@pytest.fixture
def pathological_file(request, tmp_path: Path) -> Path:
    name = request.param
    path = tmp_path / ("self.c" if name == "self_include" else f"{name}.c")
    path.write_bytes(PATHOLOGICAL[name])
    return path


@pytest.mark.parametrize("pathological_file", list(PATHOLOGICAL), indirect=True)
def test_pathological_input_cli_never_crashes(pathological_file: Path, tmp_path: Path):
    out = tmp_path / "out.o"
    proc = run_cli([pathological_file.name, "-o", str(out)], cwd=tmp_path)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "LLVM ERROR" not in stderr, stderr[-3000:]
    assert proc.returncode in (0, 1), f"exit status {proc.returncode}\n{stderr[-3000:]}"
    if proc.returncode == 1:
        assert re.search(r"\berror: ", stderr), stderr[-3000:]
        assert not out.exists()
    else:
        assert out.exists()


@pytest.mark.parametrize("pathological_file", list(PATHOLOGICAL), indirect=True)
def test_pathological_input_api_never_raises(pathological_file: Path):
    result = bpfcc.compile_file(pathological_file)  # must not raise
    text = pathological_file.read_bytes().decode("utf-8", "surrogateescape")
    again = bpfcc.compile(text, str(pathological_file))  # nor from text
    for r in (result, again):
        assert (r.output is None) == any(d.severity == "error" for d in r.diagnostics)
        for d in r.diagnostics:
            assert "internal compiler error" not in d.message, d.message


@pytest.mark.parametrize("pathological_file", list(PATHOLOGICAL), indirect=True)
def test_pathological_input_errors_are_located(pathological_file: Path):
    """Whatever is wrong with these inputs lies somewhere in the file: say where."""
    result = bpfcc.compile_file(pathological_file)
    unlocated = [d.message for d in result.errors if d.location is None]
    assert not unlocated, unlocated


@pytest.mark.parametrize("depth", [256])
def test_nesting_clang_accepts_compiles(depth: int):
    """clang's bracket depth limit is 256; code within it must compile."""
    source = _deep_parens(depth).decode() + "\n"
    result = bpfcc.compile(source, "deep.c")
    assert result.ok, describe(result.diagnostics)


def test_long_else_if_chain_compiles():
    source = ("int f(int x)\n{\n\tif (x == 0) return 0;\n"
              + "".join(f"\telse if (x == {i}) return {i};\n" for i in range(1, 300)) + "\treturn -1;\n}\n")
    result = bpfcc.compile(source, "chain.c")
    assert result.ok, describe(result.diagnostics)


def test_long_operator_chain_compiles():
    source = "int f(int x)\n{\n\treturn " + "+".join(["x"] * 1000) + ";\n}\n"
    result = bpfcc.compile(source, "chain.c")
    assert result.ok, describe(result.diagnostics)


DO_WHILE_UNROLL = """\
struct __sk_buff { unsigned int len; unsigned int data; };

__attribute__((section("tc"), used))
int prog(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	unsigned int i = 0, sum = 0;

#pragma unroll
	do {
		sum += data[i] * skb->len;
		skb->len = sum;
		i++;
	} while (i < 200);
	return sum;
}
"""


def test_pragma_unroll_applies_to_do_while():
    """A do-while with a constant trip count under '#pragma unroll' unrolls (no false loop error)."""
    result = bpfcc.compile(DO_WHILE_UNROLL, "do.c")
    assert result.ok, describe(result.diagnostics)


KFUNC_CALL = """\
extern void *bpf_kfunc_one(long a) __attribute__((section(".ksyms")));  /* libbpf's __ksym */

__attribute__((section("tc"), used))
int prog(long *ctx)
{
	return bpf_kfunc_one(ctx[0]) != 0;
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
"""


def test_ksym_extern_function_is_not_reported_as_undefined():
    """The 'declared but not defined' error (and its hint 'declare a kfunc with __ksym') must not
    fire for a kfunc declared with __ksym; clang-19 compiles this."""
    result = bpfcc.compile(KFUNC_CALL, "kfunc.c")
    assert not [d for d in result.errors if "not defined" in d.message], describe(result.diagnostics)


LIBRARY_MEMCPY = """\
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);
static char a[64], b[64];

__attribute__((section("tc"), used))
int prog(void *ctx)
{
	memcpy(a, b, sizeof(a));
	memset(b, 0, sizeof(b));
	return a[3];
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
"""


def test_library_memcpy_memset_with_constant_size_are_builtins():
    """clang-19 treats the C library's memcpy/memset as builtins and expands them; they must not be
    reported as undefined external functions."""
    result = bpfcc.compile(LIBRARY_MEMCPY, "libmem.c")
    assert not [d for d in result.errors if "not defined" in d.message], describe(result.diagnostics)


def test_bounded_loop_compiles_without_strict_loops():
    """Kernels since 5.3 verify bounded loops: only --strict-loops rejects them."""
    source = (CASES_DIR / "loop_strict_bounded.c").read_text()
    result = bpfcc.compile(source, "bounded.c")
    assert result.ok, describe(result.diagnostics)
    assert not result.errors


FLOAT_IN_TYPES_ONLY = {
    "global_pointer": "static float *gp;\nint f(void)\n{\n\treturn gp != 0;\n}\n",
    "struct_member": "struct s { float w; int n; };\nint f(struct s *q)\n{\n\treturn q->n;\n}\n",
    "local_pointer": "int f(void)\n{\n\tfloat *p = 0;\n\n\treturn p != 0;\n}\n",
}


@pytest.mark.parametrize("name", list(FLOAT_IN_TYPES_ONLY))
def test_float_in_types_without_float_values_compiles(name: str):
    """Types may mention float (headers do) as long as no float value is computed; clang-19
    compiles these, with a float base type in the debug info / BTF."""
    result = bpfcc.compile(FLOAT_IN_TYPES_ONLY[name], f"{name}.c")
    assert result.ok, describe(result.diagnostics)


# Odd but legal-looking code found by fuzzing: clang-19 accepts these (with warnings).
NO_CRASH = {
    "void_pointer_dereference_statement": "int f(void *p)\n{\n\t*p;\n\treturn 0;\n}\n",
}


@pytest.mark.parametrize("name", list(NO_CRASH))
def test_odd_code_gets_no_internal_error(name: str):
    result = bpfcc.compile(NO_CRASH[name], f"{name}.c")
    problems = [d for d in result.errors if "internal compiler error" in d.message or d.location is None]
    assert not problems, describe(result.diagnostics)


def test_stdin_garbage_never_crashes(tmp_path: Path):
    proc = run_cli(["-x", "c", "-", "-o", str(tmp_path / "out.o")], stdin=PATHOLOGICAL["binary_garbage"])
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert proc.returncode == 1, stderr[-3000:]
    assert "<stdin>:" in stderr
