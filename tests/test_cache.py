"""The compile cache (bpfcc/cache.py): a hit returns what compiling would, and nothing stale is served.

Each staleness case changes one input between two compiles through the same cache and checks
the second compile is a miss whose program, run in the kernel, returns the new value.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import bpfcc
from bpfcc import cli
from bpfcc.cache import Cache
from support import packets as P

REPO = Path(__file__).resolve().parent.parent

PROGRAM = """\
#include "answer.h"
__attribute__((section("xdp"), used)) int answer(void *ctx) { return ANSWER; }
char _license[] __attribute__((section("license"), used)) = "GPL";
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """prog.c including answer.h from inc/, compiled from inside the project directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "answer.h").write_text("#define ANSWER 1\n")
    (tmp_path / "prog.c").write_text(PROGRAM)
    return tmp_path


def answer(kernel, result) -> int:
    assert result.ok, [str(d.message) for d in result.diagnostics]
    return kernel.load(result.output).program("answer").run(P.udp_frame()).retval


def compile_prog(cache, **settings):
    return bpfcc.compile_file("prog.c", cache=cache, include_dirs=settings.pop("include_dirs", ["inc"]), **settings)


def test_a_hit_returns_the_same_object(project):
    cache = Cache()
    first = compile_prog(cache)
    second = compile_prog(cache)
    assert (cache.hits, cache.misses) == (1, 1)
    assert second.output == first.output and second.ok


def test_editing_a_header_misses(project, kernel):
    cache = Cache()
    assert answer(kernel, compile_prog(cache)) == 1
    (project / "inc" / "answer.h").write_text("#define ANSWER 2\n")
    assert answer(kernel, compile_prog(cache)) == 2
    assert cache.hits == 0
    (project / "inc" / "answer.h").write_text("#define ANSWER 1\n")
    assert answer(kernel, compile_prog(cache)) == 1
    assert cache.hits == 1  # the first entry is still good for the first header's contents


def test_changing_a_define_misses(project, kernel):
    cache = Cache()
    (project / "inc" / "answer.h").write_text("#ifndef ANSWER\n#define ANSWER 1\n#endif\n")
    assert answer(kernel, compile_prog(cache)) == 1
    assert answer(kernel, compile_prog(cache, defines={"ANSWER": 3})) == 3
    assert answer(kernel, compile_prog(cache, defines={"ANSWER": 4})) == 4
    assert cache.hits == 0


def test_changing_the_include_path_misses(project, kernel):
    cache = Cache()
    (project / "other").mkdir()
    (project / "other" / "answer.h").write_text("#define ANSWER 5\n")
    assert answer(kernel, compile_prog(cache)) == 1
    assert answer(kernel, compile_prog(cache, include_dirs=["other", "inc"])) == 5
    assert answer(kernel, compile_prog(cache, include_dirs=["inc", "other"])) == 1
    assert cache.hits == 0
    assert answer(kernel, compile_prog(cache, include_dirs=["other", "inc"])) == 5
    assert cache.hits == 1


def test_a_header_appearing_earlier_on_the_path_misses(project, kernel):
    """Same options, same files read: but `"answer.h"` now resolves next to prog.c first."""
    cache = Cache()
    assert answer(kernel, compile_prog(cache)) == 1
    (project / "answer.h").write_text("#define ANSWER 6\n")
    assert answer(kernel, compile_prog(cache)) == 6
    (project / "answer.h").unlink()
    assert answer(kernel, compile_prog(cache)) == 1
    assert cache.hits == 1


def test_a_directory_appearing_on_the_path_misses(project, kernel):
    """-I of a directory that did not exist is dropped; once it exists, its headers come first."""
    cache = Cache()
    assert answer(kernel, compile_prog(cache, include_dirs=["later", "inc"])) == 1
    (project / "later").mkdir()
    (project / "later" / "answer.h").write_text("#define ANSWER 7\n")
    assert answer(kernel, compile_prog(cache, include_dirs=["later", "inc"])) == 7
    assert cache.hits == 0


def test_editing_the_source_misses(project, kernel):
    cache = Cache()
    assert answer(kernel, compile_prog(cache)) == 1
    (project / "prog.c").write_text(PROGRAM.replace("return ANSWER;", "return ANSWER + 10;"))
    assert answer(kernel, compile_prog(cache)) == 11
    assert cache.hits == 0


def test_other_options_and_outputs_are_other_keys(project):
    cache = Cache()
    compile_prog(cache)
    assert compile_prog(cache, mcpu="v4").ok
    assert compile_prog(cache, debug=False).ok
    asm = bpfcc.compile_file("prog.c", cache=cache, include_dirs=["inc"], output="asm")
    assert asm.ok and b"w0 = 1" in asm.output
    assert cache.hits == 0


def test_date_and_time_are_never_kept(project):
    cache = Cache()
    (project / "inc" / "answer.h").write_text('#define ANSWER 1\nstatic const char built[] = __TIME__;\n')
    compile_prog(cache)
    compile_prog(cache)
    assert (cache.hits, cache.misses) == (0, 2)


def test_failed_compiles_are_not_kept(project, kernel):
    cache = Cache()
    (project / "inc" / "answer.h").write_text("#define ANSWER undeclared\n")
    assert not compile_prog(cache).ok
    (project / "inc" / "answer.h").write_text("#define ANSWER 8\n")
    assert answer(kernel, compile_prog(cache)) == 8


def test_warnings_come_back_with_a_hit(project):
    cache = Cache()
    (project / "inc" / "answer.h").write_text("#define ANSWER 1\n#warning from the header\n")
    first = compile_prog(cache)
    second = compile_prog(cache)
    assert cache.hits == 1
    assert second.diagnostics == first.diagnostics
    assert [d.message for d in second.diagnostics] == ["from the header"]
    warned = second.diagnostics[0].location.file
    assert second.sources[warned] == ["#define ANSWER 1", "#warning from the header", ""]


def test_editing_the_compiler_misses(project, tmp_path):
    cache = Cache()
    compile_prog(cache)
    options = Path(bpfcc.__file__).with_name("options.py")
    st = options.stat()
    try:
        os.utime(options, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        fresh = Cache()
        assert fresh.fingerprint() != cache.fingerprint()
    finally:
        os.utime(options, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert Cache().fingerprint() == cache.fingerprint()


# ---- the CLI's cache on disk -----------------------------------------------------------------

def run(capsys, *argv: str) -> tuple[int, str]:
    status = cli.main(list(argv))
    return status, capsys.readouterr().err


def test_cli_keeps_objects_on_disk(project, capsys, monkeypatch, kernel):
    monkeypatch.setenv("BPFCC_CACHE_DIR", str(project / "cache"))
    (project / "inc" / "answer.h").write_text("#define ANSWER 1\n#warning from the header\n")
    first = run(capsys, "-Iinc", "-c", "prog.c", "-o", "first.o")
    second = run(capsys, "-Iinc", "-c", "prog.c", "-o", "second.o")
    assert first == second and first[0] == 0
    assert "inc/answer.h:2:2: warning: from the header [-W#warnings]\n#warning from the header\n ^\n" in first[1]
    assert (project / "first.o").read_bytes() == (project / "second.o").read_bytes()
    entries = list((project / "cache").rglob("*"))
    assert len([e for e in entries if e.is_file()]) == 1
    (project / "inc" / "answer.h").write_text("#define ANSWER 9\n")
    assert run(capsys, "-Iinc", "-c", "prog.c", "-o", "third.o") == (0, "")
    assert kernel.load(project / "third.o").program("answer").run(P.udp_frame()).retval == 9


def test_cli_survives_a_corrupt_cache_entry(project, capsys, monkeypatch):
    monkeypatch.setenv("BPFCC_CACHE_DIR", str(project / "cache"))
    assert run(capsys, "-Iinc", "-c", "prog.c", "-o", "first.o")[0] == 0
    [entry] = [e for e in (project / "cache").rglob("*") if e.is_file()]
    entry.write_bytes(b"not a pickle")
    assert run(capsys, "-Iinc", "-c", "prog.c", "-o", "second.o") == (0, "")
    assert (project / "first.o").read_bytes() == (project / "second.o").read_bytes()
    assert pickle.loads(entry.read_bytes())  # rewritten by the compile that missed


def test_cli_cache_can_be_turned_off(project, capsys, monkeypatch):
    monkeypatch.setenv("BPFCC_CACHE_DIR", str(project / "cache"))
    monkeypatch.setenv("BPFCC_CACHE", "off")
    assert run(capsys, "-Iinc", "-c", "prog.c", "-o", "first.o")[0] == 0
    assert not (project / "cache").exists()


def test_cli_hit_does_not_import_the_compiler(project):
    """What makes a hit fast: no parser, checker or LLVM is imported (python -X importtime)."""
    env = {**os.environ, "BPFCC_CACHE_DIR": str(project / "cache"), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-X", "importtime", "-m", "bpfcc", "-Iinc", "-c", "prog.c", "-o", "prog.o"]
    miss = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    hit = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert miss.returncode == hit.returncode == 0
    heavy = ("pycparser", "llvmlite", "bpfcc.check", "bpfcc.lower", "bpfcc.preprocess")
    assert all(f" {name}\n" in miss.stderr for name in heavy)
    assert not any(f" {name}\n" in hit.stderr for name in heavy), hit.stderr


# ---- the headers a source begins with, preprocessed and parsed once (preprocess.Prefix) --------

def compile_source(cache, source: str, **settings):
    return bpfcc.compile(source, "prog.c", cache=cache, include_dirs=["inc"], **settings)


def test_a_prefix_serves_other_defines_it_never_looked_at(project, kernel):
    cache = Cache()
    source = PROGRAM.replace("return ANSWER;", "return ANSWER + EXTRA;")
    assert answer(kernel, compile_source(cache, source, defines={"EXTRA": 1})) == 2
    assert answer(kernel, compile_source(cache, source, defines={"EXTRA": 5})) == 6
    assert (cache.prefix_hits, cache.prefix_misses) == (1, 1)
    uncached = bpfcc.compile(source, "prog.c", include_dirs=["inc"], defines={"EXTRA": 5})
    assert compile_source(cache, source, defines={"EXTRA": 5}).output == uncached.output


def test_a_prefix_misses_when_a_header_looks_at_the_define(project, kernel):
    cache = Cache()
    (project / "inc" / "answer.h").write_text("#ifdef BIG\n#define ANSWER 100\n#else\n#define ANSWER 1\n#endif\n")
    assert answer(kernel, compile_source(cache, PROGRAM)) == 1
    assert answer(kernel, compile_source(cache, PROGRAM, defines={"BIG": 1})) == 100
    assert (cache.prefix_hits, cache.prefix_misses) == (0, 2)
    assert answer(kernel, compile_source(cache, PROGRAM, defines={"OTHER": 1})) == 1
    assert answer(kernel, compile_source(cache, PROGRAM, defines={"OTHER": 1, "BIG": 1})) == 100
    assert (cache.prefix_hits, cache.prefix_misses) == (2, 2)


def test_a_prefix_notes_names_in_plain_lines_of_big_headers(project, kernel):
    """Big headers' plain lines skip macro expansion when they name no macro: the names in them
    were still looked at, and a -D of one of them must not reuse the prefix."""
    padding = "".join(f"struct pad_{i} {{ int a; }};\n" for i in range(6000))
    (project / "inc" / "big.h").write_text(padding + "struct big_s { char WIDEN; };\n" + padding.replace("pad_", "more_"))
    source = ('#include "big.h"\n__attribute__((section("xdp"), used)) int answer(void *ctx) '
              '{ return sizeof(struct big_s); }\nchar _license[] __attribute__((section("license"), used)) = "GPL";\n')
    cache = Cache()
    assert answer(kernel, compile_source(cache, source)) == 1
    assert answer(kernel, compile_source(cache, source, defines={"WIDEN": "w[9]"})) == 9
    assert cache.prefix_hits == 0


def test_a_prefix_misses_after_a_header_edit(project, kernel):
    cache = Cache()
    source = PROGRAM.replace("return ANSWER;", "return ANSWER + EXTRA;")
    assert answer(kernel, compile_source(cache, source, defines={"EXTRA": 0})) == 1
    (project / "inc" / "answer.h").write_text("#define ANSWER 40\n")
    assert answer(kernel, compile_source(cache, source, defines={"EXTRA": 2})) == 42
    assert cache.prefix_hits == 0


def test_a_prefix_keeps_its_warnings_types_and_pragma_regions(project, kernel):
    """A prefix hit reports the headers' warnings again, and the body sees the headers' typedefs
    and the diagnostic pragma regions they opened."""
    (project / "inc" / "answer.h").write_text(
        "#warning from the header\n"
        "typedef unsigned int answer_t;\n"
        + "".join(f"typedef int pad_{i};\n" for i in range(100)) +  # the pragma's offset is past the body's
        "#define ANSWER 1\n"
        '#pragma clang diagnostic ignored "-Wincompatible-pointer-types"\n')
    source = PROGRAM.replace("return ANSWER;", "long *l = 0; int *i = l; answer_t a = ANSWER + EXTRA; return a + (i != 0);")
    cache = Cache()
    first = compile_source(cache, source, defines={"EXTRA": 1})
    second = compile_source(cache, source, defines={"EXTRA": 2})
    assert cache.prefix_hits == 1
    for result in (first, second):
        assert [(d.severity, d.message) for d in result.diagnostics] == [("warning", "from the header")]
    assert (answer(kernel, first), answer(kernel, second)) == (2, 3)
    uncached = bpfcc.compile(source, "prog.c", include_dirs=["inc"], defines={"EXTRA": 2})
    assert uncached.diagnostics == second.diagnostics and uncached.output == second.output


def test_a_prefix_with_an_error_gives_the_whole_sources_errors(project):
    (project / "inc" / "answer.h").write_text("#error header says no\n")
    source = PROGRAM.replace("return ANSWER;", "return undeclared;")
    result = compile_source(Cache(), source)
    uncached = bpfcc.compile(source, "prog.c", include_dirs=["inc"])
    assert result.diagnostics == uncached.diagnostics
    assert [d.message for d in result.errors] == ["header says no"]


@pytest.mark.parametrize("source, lines", [
    ('#include "a.h"\nint x;\n', 1),
    ('// first\n#include "a.h"\n/* one\n two */\n#define A 1\n\nint x;\n', 6),
    ('#ifdef A\n#include "a.h"\n#endif\n#if B\nint y;\n#endif\n', 3),
    ('#define A 1\nint x;\n', 0),             # no header: nothing worth keeping
    ('#line 5\n#include "a.h"\nint x;\n', 0),  # renumbered lines
    ('#include "a.h"\n#include "b.h"\n', 0),   # nothing after the headers
    ('#include \\\n "a.h"\nint x;\n', 2),
])
def test_leading_directives(source, lines):
    from bpfcc.preprocess import leading_directives

    assert leading_directives(source) == lines
