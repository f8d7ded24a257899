"""The C language, chibicc style: tests/c/lang_*.c are tc and XDP programs that check themselves.

Every program named `check_*` ASSERTs facts about the language (see tests/c/lang.h) and returns
0 when all hold, or the line of the first failed ASSERT.  Each one is compiled with bpfcc,
loaded into the kernel on its own and run once with BPF_PROG_TEST_RUN on FRAME (the frame the
FRAME_* macros of lang.h describe).  The same source compiled by clang-19 must return the same
value (differential), and must return 0: that checks the test programs themselves.

A file may ask for extra clang-19 flags with a line `// clang-flags: ...` (lang_division.c needs
-mcpu=v4: clang-19's default cpu has no signed division; bpfcc emulates it on its default v3).
Programs bpfcc cannot handle yet wait in tests/c/pending/ (not collected; see its README).
"""
from __future__ import annotations

import io
import multiprocessing
import os
import re
import struct
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

import bpfcc
from support import bpf, packets

C_DIR = Path(__file__).resolve().parent / "c"
LANG_FILES = {p.stem: p for p in sorted(C_DIR.glob("lang_*.c"))}

# The frame every program gets; lang.h's FRAME_* macros describe it.
FRAME = packets.udp_frame(sport=0x1234, dport=0x5678, payload=bytes(range(64)))
assert len(FRAME) == 14 + 20 + 8 + 64

PROGRAM_RE = re.compile(r"\b(check_\w+)\s*\(\s*struct\s+(?:__sk_buff|xdp_md)\s*\*")
CLANG_FLAGS_RE = re.compile(r"^//\s*clang-flags:(.*)$", re.M)

# Files whose features belong to the next issue (structs, unions, arrays, bit-fields, enums,
# switch, goto, designated initialisers): expected failures there are bugs of the next slice.
NEXT_ISSUE = {"lang_aggregates", "lang_switch_goto"}


def programs_of(stem: str) -> list[str]:
    return PROGRAM_RE.findall(LANG_FILES[stem].read_text())


def clang_flags_of(stem: str) -> list[str]:
    return [flag for line in CLANG_FLAGS_RE.findall(LANG_FILES[stem].read_text()) for flag in line.split()]


CASES = [pytest.param(stem, prog, id=f"{stem}::{prog}") for stem in LANG_FILES for prog in programs_of(stem)]


class Build(NamedTuple):
    output: bytes | None
    diagnostics: list[str]


def _format(d) -> str:
    where = f"{d.location}: " if d.location else ""
    return f"{where}{d.severity}: {d.message}" + (f" (hint: {d.hint})" if d.hint else "")


def _compile(stem: str) -> Build:
    path = LANG_FILES[stem]
    result = bpfcc.compile(path.read_text(), str(path))
    return Build(result.output, [_format(d) for d in result.diagnostics])


_BUILDS: dict[str, Build] = {}


def compile_in_parallel(stems) -> None:
    """bpfcc's compile time dominates this file: build the files the session needs at once."""
    todo = sorted(set(stems) - set(_BUILDS))
    if len(todo) < 2 or (os.cpu_count() or 1) < 2:
        return
    try:
        with ProcessPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            _BUILDS.update(zip(todo, pool.map(_compile, todo)))
    except Exception:  # a crashed worker: bpfcc_build compiles in-process and reports it there
        pass


@pytest.fixture(scope="session", autouse=True)
def _prebuild(request):
    stems = set()
    for item in request.session.items:
        if getattr(item, "module", None) is not sys.modules[__name__]:
            continue
        stem = getattr(item, "callspec", None) and item.callspec.params.get("stem")
        stems.update([stem] if stem else STEMS_OF_TEST.get(item.originalname, ()))
    compile_in_parallel(stems)


def bpfcc_build(stem: str) -> Build:
    if stem not in _BUILDS:
        _BUILDS[stem] = _compile(stem)
    return _BUILDS[stem]


def scope(stem: str) -> str:
    return " [a next-issue feature]" if stem in NEXT_ISSUE else ""


def bpfcc_object(stem: str) -> bytes:
    build = bpfcc_build(stem)
    if build.output is None:
        pytest.fail(f"bpfcc cannot compile {stem}.c{scope(stem)}:\n" + "\n".join(build.diagnostics), pytrace=False)
    return build.output


@pytest.fixture(scope="session")
def clang_objects(clang_compile, tmp_path_factory):
    """clang-19 objects by file stem, compiled on first use."""
    out_dir = tmp_path_factory.mktemp("lang-clang")
    cache: dict[str, bytes] = {}

    def get(stem: str) -> bytes:
        if stem not in cache:
            out = clang_compile(LANG_FILES[stem], out_dir / f"{stem}.o", clang_flags_of(stem))
            cache[stem] = out.read_bytes()
        return cache[stem]
    return get


def describe(stem: str, retval: int) -> str:
    if retval == 0:
        return "0 (all ASSERTs hold)"
    lines = LANG_FILES[stem].read_text().splitlines()
    if 0 < retval <= len(lines):
        return f"{retval}: failed at {stem}.c:{retval}: {lines[retval - 1].strip()}"
    return f"{retval} (not a line of {stem}.c)"


def run(kernel, elf: bytes, prog: str) -> bpf.RunResult:
    obj = kernel.load(elf, only=[prog])
    return obj.program(prog).run(FRAME)


@pytest.mark.parametrize("stem, prog", CASES)
def test_bpfcc(kernel, stem, prog):
    res = run(kernel, bpfcc_object(stem), prog)
    assert res.retval == 0, f"bpfcc's {prog} returned {describe(stem, res.retval)}{scope(stem)}"


@pytest.mark.parametrize("stem, prog", CASES)
def test_differential(kernel, clang_objects, stem, prog):
    reference = run(kernel, clang_objects(stem), prog)
    assert reference.retval == 0, f"the test itself is wrong: clang-19's {prog} returned {describe(stem, reference.retval)}"
    ours = run(kernel, bpfcc_object(stem), prog)
    assert (ours.retval, ours.data) == (reference.retval, reference.data), (
        f"bpfcc's {prog} returned {describe(stem, ours.retval)}, clang-19's {describe(stem, reference.retval)}"
        + scope(stem)
        + ("" if ours.data == reference.data else "; and the output packets differ"))


@pytest.mark.parametrize("stem", list(LANG_FILES))
def test_same_programs_as_clang(clang_objects, stem):
    """bpfcc's object has the programs (function -> section) clang-19's has, and the same
    subprograms in .text: __noinline functions stay BPF-to-BPF calls, inline ones disappear."""
    assert sorted(programs_of(stem)) == sorted(p for p, _ in _programs(clang_objects(stem))), "programs_of() misses some"
    ours, theirs = bpfcc_object(stem), clang_objects(stem)
    assert sorted(_programs(ours)) == sorted(_programs(theirs))
    assert sorted(_functions(ours, ".text")) == sorted(_functions(theirs, ".text"))


def _functions(elf_bytes: bytes, section: str | None = None) -> list[tuple[str, str, str]]:
    """(name, binding, section) of every function symbol defined in the object."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    symtab = elf.get_section_by_name(".symtab")
    assert isinstance(symtab, SymbolTableSection)
    out = []
    for sym in symtab.iter_symbols():
        if sym["st_info"]["type"] != "STT_FUNC" or not isinstance(sym["st_shndx"], int):
            continue
        sec = elf.get_section(sym["st_shndx"]).name
        if section is None or sec == section:
            out.append((sym.name, sym["st_info"]["bind"], sec))
    return out


def _programs(elf_bytes: bytes) -> list[tuple[str, str]]:
    """(function, section) of the programs: global functions outside .text."""
    return [(name, sec) for name, bind, sec in _functions(elf_bytes) if bind == "STB_GLOBAL" and sec != ".text"]


# --- unrolled loops leave no back-edge -------------------------------------------------------------

BPF_JMP, BPF_JMP32 = 0x05, 0x06
BPF_JA, BPF_CALL, BPF_EXIT = 0x00, 0x80, 0x90
BPF_LD_IMM64 = 0x18


def _decode(code: bytes) -> dict[int, tuple[int, int, int]]:
    """Slot index -> (opcode, off, imm) of every instruction; ld_imm64 takes two slots."""
    insns, i = {}, 0
    while i * 8 < len(code):
        opcode = code[i * 8]
        off, imm = struct.unpack_from("<hi", code, i * 8 + 2)
        insns[i] = (opcode, off, imm)
        i += 2 if opcode == BPF_LD_IMM64 else 1
    return insns


def _successors(pc: int, insn: tuple[int, int, int]) -> list[int]:
    opcode, off, imm = insn
    cls, op = opcode & 0x07, opcode & 0xF0
    nxt = pc + (2 if opcode == BPF_LD_IMM64 else 1)
    if cls not in (BPF_JMP, BPF_JMP32) or op == BPF_CALL:
        return [nxt]
    if op == BPF_EXIT:
        return []
    target = pc + 1 + (imm if (cls == BPF_JMP32 and op == BPF_JA) else off)  # gotol keeps it in imm
    return [target] if op == BPF_JA else [target, nxt]


def loops(elf_bytes: bytes, section: str) -> list[str]:
    """The backward jumps of a code section that close a cycle, i.e. the loops left in the code.

    A backward jump alone is no loop (the layout often puts a shared `return` block before the
    branches that go to it), but every loop in straight BPF code needs one: the jump at pc `j`
    to `t <= j` is a loop when `t` reaches `j` again.
    """
    elf = ELFFile(io.BytesIO(elf_bytes))
    insns = _decode(elf.get_section_by_name(section).data())
    succ = {pc: _successors(pc, insn) for pc, insn in insns.items()}
    found = []
    for pc, insn in insns.items():
        for target in succ[pc]:
            if target > pc:
                continue
            seen, todo = set(), [target]
            while todo:
                n = todo.pop()
                if n == pc:
                    found.append(f"insn {pc}: opcode {insn[0]:#04x} jumps back to {target}")
                    break
                if n in seen or n not in succ:
                    continue
                seen.add(n)
                todo.extend(succ[n])
    return found


def test_unrolled_loops_leave_no_loop():
    elf = bpfcc_object("lang_unroll")
    sections = sorted({sec for _, sec in _programs(elf)})
    assert sections
    problems = {sec: loops(elf, sec) for sec in sections}
    assert not any(problems.values()), f"loops left in bpfcc's lang_unroll.o: {problems}"


def test_clang_unrolls_lang_unroll(clang_objects):
    """The reference leaves no loop in lang_unroll.c either: the expectation above is fair."""
    elf = clang_objects("lang_unroll")
    problems = {sec: loops(elf, sec) for sec in {sec for _, sec in _programs(elf)}}
    assert not any(problems.values()), f"the test itself is wrong: clang-19 leaves loops: {problems}"


def test_loop_detector_sees_bounded_loops():
    """lang_loops.c keeps its loops, so `loops` must find them there (the check above is not vacuous)."""
    elf = bpfcc_object("lang_loops")
    assert any(loops(elf, sec) for sec in {sec for _, sec in _programs(elf)})


# Files the tests without a `stem` parameter compile (for the parallel pre-build).
STEMS_OF_TEST = {
    "test_unrolled_loops_leave_no_loop": ("lang_unroll",),
    "test_loop_detector_sees_bounded_loops": ("lang_loops",),
}
