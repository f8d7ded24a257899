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
    """The backward jumps of a code section that close a cycle, i.e. the loops left in the code."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    return code_loops(elf.get_section_by_name(section).data())


def code_loops(code: bytes) -> list[str]:
    """The loops of some BPF code (a section, or one function of it).

    A backward jump alone is no loop (the layout often puts a shared `return` block before the
    branches that go to it), but every loop in straight BPF code needs one: the jump at pc `j`
    to `t <= j` is a loop when `t` reaches `j` again.
    """
    insns = _decode(code)
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


UNROLLED = ("lang_unroll", "lang_unroll_nested")


@pytest.mark.parametrize("stem", UNROLLED)
def test_unrolled_loops_leave_no_loop(stem):
    elf = bpfcc_object(stem)
    sections = sorted({sec for _, sec in _programs(elf)})
    assert sections
    problems = {sec: loops(elf, sec) for sec in sections}
    assert not any(problems.values()), f"loops left in bpfcc's {stem}.o: {problems}"
    assert not bpfcc_build(stem).diagnostics, bpfcc_build(stem).diagnostics  # no "loop not unrolled"


@pytest.mark.parametrize("stem", UNROLLED)
def test_clang_unrolls_lang_unroll(clang_objects, stem):
    """The reference leaves no loop in these files either: the expectation above is fair."""
    elf = clang_objects(stem)
    problems = {sec: loops(elf, sec) for sec in {sec for _, sec in _programs(elf)}}
    assert not any(problems.values()), f"the test itself is wrong: clang-19 leaves loops: {problems}"


def test_loop_detector_sees_bounded_loops():
    """lang_loops.c keeps its loops, so `loops` must find them there (the check above is not vacuous)."""
    elf = bpfcc_object("lang_loops")
    assert any(loops(elf, sec) for sec in {sec for _, sec in _programs(elf)})


# --- packet pointers are compared in 64 bits -------------------------------------------------------

BPF_X = 0x08


def narrow_register_compares(elf_bytes: bytes, section: str) -> list[str]:
    """The JMP32 jumps that compare two registers (`if w1 < w2`)."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    return [f"insn {pc}: opcode {opcode:#04x}" for pc, (opcode, _, _) in _decode(elf.get_section_by_name(section).data()).items()
            if opcode & 0x07 == BPF_JMP32 and opcode & BPF_X and opcode & 0xF0 not in (BPF_JA, BPF_CALL, BPF_EXIT)]


@pytest.mark.parametrize("compiler", ["bpfcc", "clang-19"])
def test_packet_pointers_compared_in_64_bits(clang_objects, compiler):
    """lang_packet_compare.c compares registers only to bound packet pointers: none of those
    compares may be a 32-bit one, which the verifier learns nothing from."""
    elf = bpfcc_object("lang_packet_compare") if compiler == "bpfcc" else clang_objects("lang_packet_compare")
    problems = {sec: narrow_register_compares(elf, sec) for sec in {sec for _, sec in _programs(elf)}}
    assert not any(problems.values()), f"32-bit compares of packet pointers in {compiler}'s object: {problems}"


# --- -mcpu=v1 and v2 have one atomic: add, its result unused ------------------------------------

BPF_STX_ATOMIC_W, BPF_STX_ATOMIC_DW = 0xC3, 0xDB
BPF_ADD, BPF_FETCH = 0x00, 0x01


@pytest.mark.parametrize("mcpu", ["v1", "v2"])
def test_unused_atomic_adds_on_old_cpus(kernel, mcpu):
    path = LANG_FILES["lang_atomic_add_unused"]
    result = bpfcc.compile(path.read_text(), str(path), mcpu=mcpu)
    assert result.output is not None, "\n".join(_format(d) for d in result.diagnostics)
    for prog in programs_of("lang_atomic_add_unused"):
        retval = run(kernel, result.output, prog).retval
        assert retval == 0, f"bpfcc -mcpu={mcpu}: {prog} returned {describe('lang_atomic_add_unused', retval)}"
    code = ELFFile(io.BytesIO(result.output)).get_section_by_name("tc").data()
    atomics = [(opcode, imm) for opcode, _, imm in _decode(code).values() if opcode in (BPF_STX_ATOMIC_W, BPF_STX_ATOMIC_DW)]
    assert len(atomics) == 6 and all(imm == BPF_ADD for _, imm in atomics), atomics


# --- unroll counts from macros and constant expressions ---------------------------------------------

def _function_code(elf_bytes: bytes, name: str) -> bytes:
    elf = ELFFile(io.BytesIO(elf_bytes))
    for sym in elf.get_section_by_name(".symtab").iter_symbols():
        if sym.name == name and sym["st_info"]["type"] == "STT_FUNC":
            data = elf.get_section(sym["st_shndx"]).data()
            return data[sym["st_value"]:sym["st_value"] + sym["st_size"]]
    raise KeyError(name)


UNROLL_MACRO_CALLS = {"check_unroll_full_by_macro": 16, "check_unroll_count_by_macro": 4,
                      "check_unroll_count_by_expression": 2, "check_gcc_unroll_by_enum": 8}


@pytest.mark.parametrize("compiler", ["bpfcc", "clang-19"])
def test_unroll_counts_from_macros(clang_objects, compiler):
    """Each loop of lang_unroll_macro.c calls a helper once per iteration: the calls left in the
    code are the copies its unroll count asked for (all 16 for the full unroll)."""
    elf = bpfcc_object("lang_unroll_macro") if compiler == "bpfcc" else clang_objects("lang_unroll_macro")
    calls = {name: sum(opcode == BPF_JMP | BPF_CALL for opcode, _, _ in _decode(_function_code(elf, name)).values())
             for name in UNROLL_MACRO_CALLS}
    assert calls == UNROLL_MACRO_CALLS


# --- byte order of constants is fixed at compile time -------------------------------------------------

BPF_ALU, BPF_ALU64, BPF_END = 0x04, 0x07, 0xD0


def byte_swaps(code: bytes) -> int:
    """The be16/be32/be64 (and -mcpu=v4 bswap) instructions of some code."""
    return sum(opcode & 0xF0 == BPF_END and opcode & 0x07 in (BPF_ALU, BPF_ALU64) for opcode, _, _ in _decode(code).values())


@pytest.mark.parametrize("compiler", ["bpfcc", "clang-19"])
def test_constant_byte_order_folds(clang_objects, compiler):
    """bpf_htons(ETH_P_IP) and the other <bpf/bpf_endian.h> macros give constants for constant
    arguments: check_endian_constants swaps no byte at run time; check_endian_runtime does (so
    the count is not vacuous)."""
    elf = bpfcc_object("lang_builtins") if compiler == "bpfcc" else clang_objects("lang_builtins")
    assert byte_swaps(_function_code(elf, "check_endian_constants")) == 0
    assert byte_swaps(_function_code(elf, "check_endian_runtime")) > 0


# --- --strict-loops: the loop-free dialect of kernels before 5.3 ---------------------------------------

def strict_build(stem: str) -> bpfcc.Result:
    path = LANG_FILES[stem]
    return bpfcc.compile(path.read_text(), str(path), strict_loops=True)


def test_strict_loops_unrolled_programs_run(kernel):
    """Unrolled loops are no loops: with --strict-loops lang_unroll.c compiles, no loop is left
    in it, and each of its programs still checks out in the kernel."""
    result = strict_build("lang_unroll")
    assert result.output is not None and not result.diagnostics, "\n".join(_format(d) for d in result.diagnostics)
    assert not any(loops(result.output, sec) for _, sec in _programs(result.output))
    for prog in programs_of("lang_unroll"):
        retval = run(kernel, result.output, prog).retval
        assert retval == 0, f"bpfcc --strict-loops: {prog} returned {describe('lang_unroll', retval)}"


LOOP_STATEMENT = re.compile(r"\s*(for|while|do)\b")


def test_strict_loops_rejects_kept_loops():
    """lang_loops.c keeps loops (the kernel verifies them): --strict-loops rejects each program
    that keeps one in the default object, with an error at a loop statement of that program."""
    path = LANG_FILES["lang_loops"]
    text = path.read_text()
    lines = text.splitlines()
    result = strict_build("lang_loops")
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert result.output is None and errors
    for d in errors:
        assert d.file == str(path) and LOOP_STATEMENT.match(lines[d.line - 1]), f"{d.location}: not at a loop"
        assert "--strict-loops" in d.message and d.hint
    starts = {m.group(1): text.count("\n", 0, m.start()) + 1 for m in PROGRAM_RE.finditer(text)}
    ends = dict(zip(starts, [*sorted(starts.values())[1:], len(lines) + 1]))
    kept = [prog for prog in starts if code_loops(_function_code(bpfcc_object("lang_loops"), prog))]
    assert len(kept) >= 5
    for prog in kept:
        assert any(starts[prog] <= d.line < ends[prog] for d in errors), f"no error in {prog}, which keeps a loop"


# --- atomic loads and stores: -mcpu=v4, and beyond clang-19 ---------------------------------------------

ATOMIC_ACCESS = C_DIR / "atomic_access_v4.c"
BPF_LOAD_ACQ, BPF_STORE_REL = 0x100, 0x110


def test_atomic_access_v4(kernel):
    """atomic_access_v4.c (see its comment: clang-19 cannot compile it) with -mcpu=v4: every
    program checks out in the kernel, and the object uses load-acquire and store-release."""
    text = ATOMIC_ACCESS.read_text()
    result = bpfcc.compile(text, str(ATOMIC_ACCESS), mcpu="v4")
    assert result.output is not None and not result.diagnostics, "\n".join(_format(d) for d in result.diagnostics)
    programs = PROGRAM_RE.findall(text)
    assert len(programs) == 3
    for prog in programs:
        retval = run(kernel, result.output, prog).retval
        where = text.splitlines()[retval - 1].strip() if 0 < retval <= text.count("\n") else ""
        assert retval == 0, f"{prog} returned {retval}: {where}"
    imms = {imm for _, sec in _programs(result.output) for opcode, _, imm in _decode(
        ELFFile(io.BytesIO(result.output)).get_section_by_name(sec).data()).values()
        if opcode in (BPF_STX_ATOMIC_W, BPF_STX_ATOMIC_DW)}
    assert {BPF_LOAD_ACQ, BPF_STORE_REL} <= imms, sorted(map(hex, imms))


# --- signed division: emulated on -mcpu=v3, an instruction on v4 ----------------------------------------

BPF_DIV, BPF_MOD = 0x30, 0x90


def signed_divisions(elf_bytes: bytes) -> int:
    """The sdiv/smod instructions (-mcpu=v4: BPF_DIV or BPF_MOD with offset 1) of the programs."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    return sum(opcode & 0x07 in (BPF_ALU, BPF_ALU64) and opcode & 0xF0 in (BPF_DIV, BPF_MOD) and off == 1
               for _, sec in _programs(elf_bytes) for opcode, off, _ in _decode(elf.get_section_by_name(sec).data()).values())


@pytest.mark.parametrize("stem", ["lang_division", "lang_division_by_zero"])
def test_signed_division_v4(kernel, stem):
    """The same programs with -mcpu=v4 use the signed instructions and give the same results as
    bpfcc's default v3, which has none and emulates them (test_bpfcc runs that one)."""
    path = LANG_FILES[stem]
    result = bpfcc.compile(path.read_text(), str(path), mcpu="v4")
    assert result.output is not None, "\n".join(_format(d) for d in result.diagnostics)
    assert signed_divisions(result.output) > 0
    assert signed_divisions(bpfcc_object(stem)) == 0
    for prog in programs_of(stem):
        retval = run(kernel, result.output, prog).retval
        assert retval == 0, f"bpfcc -mcpu=v4: {prog} returned {describe(stem, retval)}"


@pytest.mark.parametrize("op", ["/", "%"])
def test_division_by_constant_zero_warns(op):
    """Undefined in C, so not in lang_division_by_zero.c: both compilers warn where it is."""
    result = bpfcc.compile(f"int f(int x)\n{{\n\treturn x {op} 0;\n}}\n", "zero.c")
    what = "division" if op == "/" else "remainder"
    # at the operator, as clang's caret
    assert [(d.severity, d.line, d.column, d.message) for d in result.diagnostics] == \
        [("warning", 3, 11, f"{what} by zero is undefined")]
    assert result.ok


# --- the verifier's alignment rules: packet data may be misaligned, the stack may not --------------------

MISALIGNED_STACK = """\
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int misaligned_stack(struct __sk_buff *skb)
{
	unsigned char buf[16];

	bpf_skb_load_bytes(skb, 0, buf, sizeof(buf));
	return *(__u32 *)(buf + 1);
}

char _license[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize("compiler", ["bpfcc", "clang-19"])
def test_misaligned_stack_access_is_refused(kernel, clang_compile, tmp_path, compiler):
    """What lang_packet_access.c does on the packet, the verifier refuses on the stack, whoever
    compiled it: a 4-byte load at an odd stack offset."""
    src = tmp_path / "misaligned.c"
    src.write_text(MISALIGNED_STACK)
    if compiler == "bpfcc":
        result = bpfcc.compile(MISALIGNED_STACK, str(src))
        assert result.output is not None, "\n".join(_format(d) for d in result.diagnostics)
        elf = result.output
    else:
        elf = clang_compile(src, tmp_path / "misaligned.o").read_bytes()
    with pytest.raises(bpf.LoadError, match="misaligned stack access"):
        kernel.load(elf)


# Files the tests without a `stem` parameter compile (for the parallel pre-build).
STEMS_OF_TEST = {
    "test_unrolled_loops_leave_no_loop": UNROLLED,
    "test_loop_detector_sees_bounded_loops": ("lang_loops",),
    "test_packet_pointers_compared_in_64_bits": ("lang_packet_compare",),
    "test_unroll_counts_from_macros": ("lang_unroll_macro",),
    "test_constant_byte_order_folds": ("lang_builtins",),
    "test_strict_loops_rejects_kept_loops": ("lang_loops",),
}
