"""vmlinux.h: programs on the kernel's own types, from bpftool's header or straight from BTF.

`bpftool btf dump file /sys/kernel/btf/vmlinux format c` writes vmlinux.h, every type of the
running kernel in C (135,000 lines here).  bpfcc compiles programs that include it (the header
route); when no vmlinux.h is on the include path, it takes the same types from the kernel's BTF
instead (the BTF route, bpfcc.kernel_btf; `--btf FILE` names another BTF).  The programs in
tests/vmlinux/ are compiled three ways: clang-19 with the generated header, bpfcc with it, bpfcc
from BTF.  The three objects must run alike in the kernel (a tc classifier under
BPF_PROG_TEST_RUN; raw, BTF and syscall tracepoints attached and triggered by getpgid(2)) and
carry the same BTF, CO-RE relocations and, for bpfcc's two, the same code.
"""
from __future__ import annotations

import ctypes
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import bpfcc
from bpfcc import ctype, kernel_btf, parse, preprocess, reachable
from bpfcc.diagnostics import Diagnostics
from bpfcc.options import Options
from support import bpf, btf, tracing
from support import packets as P

HERE = Path(__file__).resolve().parent / "vmlinux"
ROUTES = ("clang", "header", "btf")
TRACING = {"__TARGET_ARCH_x86": None}  # <bpf/bpf_tracing.h>'s register names
PROGRAMS = {"tc": ("classify",), "trace": ("on_raw_sys_enter", "on_btf_sys_enter", "on_tp_getpgid", "on_getpgid")}
NR_GETPGID = 121  # x86-64


@pytest.fixture(scope="module")
def vmlinux_dir(tmp_path_factory, bpftool) -> Path:
    """A directory holding the running kernel's vmlinux.h, as bpftool writes it."""
    if not os.path.isfile(kernel_btf.DEFAULT_PATH):
        pytest.skip(f"this kernel has no {kernel_btf.DEFAULT_PATH}")
    directory = tmp_path_factory.mktemp("vmlinux")
    header = subprocess.run([bpftool, "btf", "dump", "file", kernel_btf.DEFAULT_PATH, "format", "c"],
                            capture_output=True, check=True, timeout=300).stdout
    (directory / "vmlinux.h").write_bytes(header)
    return directory


@pytest.fixture(scope="module")
def built(vmlinux_dir, clang_compile, tmp_path_factory):
    """build(program, route, **defines) → the object's path; each compiled once per module."""
    out = tmp_path_factory.mktemp("objects")
    objects: dict[tuple, Path] = {}

    def build(program: str, route: str, **defines) -> Path:
        defines = {**(TRACING if program == "trace" else {}), **defines}
        key = (program, route, tuple(sorted(defines)))
        if key not in objects:
            source = HERE / f"{program}.c"
            path = out / f"{program}.{route}{''.join('.' + d for d in sorted(defines))}.o"
            if route == "clang":
                clang_compile(source, path, ["-I", str(vmlinux_dir), *(f"-D{d}" for d in defines)])
            else:
                include_dirs = [vmlinux_dir] if route == "header" else []
                result = bpfcc.compile_file(source, out=path, include_dirs=include_dirs, defines=defines)
                assert result.ok, result.errors
            objects[key] = path
        return objects[key]
    return build


def core_relocations(path: Path) -> int:
    """How many CO-RE relocations the object's .BTF.ext carries (struct btf_ext_header, libbpf)."""
    with open(path, "rb") as f:
        ext = ELFFile(f).get_section_by_name(".BTF.ext").data()
    hdr_len = struct.unpack_from("<I", ext, 4)[0]
    if hdr_len < 32:
        return 0
    core_off, core_len = struct.unpack_from("<II", ext, 24)
    if not core_len:
        return 0
    start = hdr_len + core_off
    record_size = struct.unpack_from("<I", ext, start)[0]
    count, at = 0, start + 4
    while at < start + core_len:  # per section: name offset, number of records, the records
        records = struct.unpack_from("<I", ext, at + 4)[0]
        count += records
        at += 8 + records * record_size
    return count


# ---- the same object, whichever way the types came -----------------------------------------

@pytest.mark.parametrize("program", PROGRAMS)
def test_same_btf_three_ways(built, program):
    clang, header, from_btf = (btf.describe(built(program, route)) for route in ROUTES)
    assert from_btf == header, btf.difference(from_btf, header, "BTF route", "header route")
    assert header == clang, btf.difference(header, clang)


@pytest.mark.parametrize("program", PROGRAMS)
def test_same_code_from_header_and_from_btf(built, program):
    for function in PROGRAMS[program]:
        header = bpf.instruction_count(built(program, "header"), function)
        assert bpf.instruction_count(built(program, "btf"), function) == header, function


@pytest.mark.parametrize("program", PROGRAMS)
def test_same_core_relocations(built, program):
    counts = {route: core_relocations(built(program, route)) for route in ROUTES}
    assert counts["clang"] > 0 and len(set(counts.values())) == 1, counts


def test_no_preserve_access_index(built):
    """vmlinux.h marks its records preserve_access_index unless BPF_NO_PRESERVE_ACCESS_INDEX is
    defined where it is included; so do the types from BTF."""
    for route in ROUTES:
        assert core_relocations(built("tc", route, BPF_NO_PRESERVE_ACCESS_INDEX=None)) == 0, route


# ---- in the kernel ----------------------------------------------------------------------------

def test_tc_classifier(kernel, built):
    frames = [P.udp_frame(dport=4242), P.tcp_frame(dport=80), P.arp_frame(), P.with_ipv4_fields(P.udp_frame(), ihl=15),
              P.with_ipv4_fields(P.udp_frame(dport=53), flags_frag=0x2001)]
    seen = {}
    for route in ROUTES:
        obj = kernel.load(built("tc", route))
        retvals = [obj.program("classify").run(frame).retval for frame in frames]
        seen[route] = (retvals, obj.map("summaries").lookup(0))
    assert seen["header"] == seen["clang"] and seen["btf"] == seen["clang"], seen
    retvals, summary = seen["clang"]
    assert retvals == [bpf.TC_ACT_SHOT, bpf.TC_ACT_OK, bpf.TC_ACT_OK, bpf.TC_ACT_OK, bpf.TC_ACT_SHOT]
    packets, _, ihl, version, protocol, fragment, _, dport, txn = struct.unpack("<IIBBB?IH6xQ", summary)
    assert (packets, ihl, version, protocol, fragment, dport, txn) == (3, 5, 4, 17, True, 53, 0xFFFFFFFF00000000)


def test_tracing(kernel, built, tmp_path):
    """Each tracepoint program records this process's getpgid(2) calls: three calls, the last
    argument, and from its task_struct its tgid, its parent's and its name."""
    libc = ctypes.CDLL(None, use_errno=True)
    comm = Path("/proc/self/comm").read_bytes().strip()[:15]
    key = struct.pack("<I", os.getpid())
    expected = struct.pack("<Qqii", 3, 424242 + 2, os.getpid(), os.getppid()) + comm.ljust(16, b"\0")
    with tracing.tracefs(tmp_path / "tracefs") as fs:
        for route in ROUTES:
            obj = kernel.load(built("trace", route))   # the kprobe program loads too
            programs = {name: obj.program(name).fd for name in PROGRAMS["trace"]}
            with (tracing.raw_tracepoint(programs["on_raw_sys_enter"], "sys_enter"),
                  tracing.raw_tracepoint(programs["on_btf_sys_enter"], None),
                  tracing.tracepoint(programs["on_tp_getpgid"], fs, "syscalls", "sys_enter_getpgid")):
                for i in range(3):
                    libc.syscall(NR_GETPGID, 424242 + i)
            for table in ("raw_seen", "btf_seen", "tp_seen"):
                assert obj.map(table).lookup(key) == expected, (route, table)


def test_layout_from_a_btf_file(kernel, clang_compile, tmp_path):
    """`--btf` with BTF of types that are not the kernel's: clang-19's .BTF of layout_btf.c.  The
    types bpfcc makes from it lay out as clang-19 lays out the C they came from."""
    types = clang_compile(HERE / "layout_btf.c", tmp_path / "types.o")
    with open(types, "rb") as f:
        (tmp_path / "types.btf").write_bytes(ELFFile(f).get_section_by_name(".BTF").data())
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "vmlinux.h").write_bytes((HERE / "layout_types.h").read_bytes())
    theirs = clang_compile(HERE / "layout.c", tmp_path / "clang.o", ["-I", str(tmp_path / "include")])
    ours = tmp_path / "bpfcc.o"
    # The types are not the kernel's: no CO-RE relocations for libbpf to resolve against it.
    result = bpfcc.compile_file(HERE / "layout.c", out=ours, btf=tmp_path / "types.btf",
                                defines={"BPF_NO_PRESERVE_ACCESS_INDEX": None})
    assert result.ok, result.errors
    values = []
    for path in (theirs, ours):
        obj = kernel.load(path)
        assert obj.program("layout").run(P.udp_frame()).retval == 0
        values.append([obj.map("results").lookup(i) for i in range(32)])
    assert values[0] == values[1]
    assert btf.describe(ours) == btf.describe(theirs), btf.difference(btf.describe(ours), btf.describe(theirs))


# ---- where the types come from ----------------------------------------------------------------

SIZE_OF_TASK = """\
#include "vmlinux.h"
int size = sizeof(struct task_struct);
"""


def global_int(result, name: str = "size") -> int:
    """An `int` global's initial value in the object's .data."""
    import io
    elf = ELFFile(io.BytesIO(result.output))
    return struct.unpack_from("<i", elf.get_section_by_name(".data").data())[0]


def test_a_vmlinux_h_file_wins(tmp_path):
    (tmp_path / "vmlinux.h").write_text("struct task_struct { int only; };\n")
    assert global_int(bpfcc.compile(SIZE_OF_TASK, "prog.c", include_dirs=[tmp_path])) == 4


def test_kernel_types_from_btf():
    types = kernel_btf.KernelTypes.read(kernel_btf.DEFAULT_PATH)
    result = bpfcc.compile(SIZE_OF_TASK, "prog.c")
    assert result.ok, result.errors
    assert global_int(result) == types.tag("task_struct").size > 1000
    assert global_int(bpfcc.compile(SIZE_OF_TASK, "prog.c", btf=kernel_btf.DEFAULT_PATH)) == types.tag("task_struct").size


def test_declared_before_vmlinux_h():
    """A struct declared before vmlinux.h (<bpf/bpf_helper_defs.h> declares a few) is the kernel's."""
    source = "struct task_struct;\nstruct task_struct *current;\n" + SIZE_OF_TASK + \
             "int pid(void) { return current->pid; }\n"
    result = bpfcc.compile(source, "prog.c")
    assert result.ok, result.errors


def test_has_include():
    source = "#if __has_include(<vmlinux.h>) && __has_include(\"vmlinux.h\")\nint size = 1;\n#endif\n"
    assert global_int(bpfcc.compile(source, "prog.c")) == 1


def test_names_are_known_after_the_include_only():
    result = bpfcc.compile('u32 early;\n#include "vmlinux.h"\nu32 late;\n', "prog.c")
    assert [(e.line, e.column, e.message) for e in result.errors] == [(1, 1, "unknown type name 'u32'")]


def test_redefining_a_kernel_struct():
    result = bpfcc.compile('#include <vmlinux.h>\nstruct task_struct { int x; };\n', "prog.c")
    assert [(e.line, e.message) for e in result.errors] == [(2, "redefinition of 'struct task_struct'")]


def test_preprocessing_refuses_kernel_types_from_btf(tmp_path):
    """-E writes C other compilers read: types taken from BTF have none, so -E says so at the
    #include and names the way out; with a vmlinux.h file, -E expands it."""
    result = bpfcc.compile(SIZE_OF_TASK, "prog.c", output="preprocessed")
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (1, 10, f"-E cannot expand <vmlinux.h>: the kernel's types come from the BTF in "
                f"'{kernel_btf.DEFAULT_PATH}', not from a header")]
    assert "bpftool btf dump file" in result.errors[0].hint and not result.output
    (tmp_path / "prog.c").write_text(SIZE_OF_TASK)
    proc = subprocess.run([sys.executable, "-m", "bpfcc", "-E", "prog.c", "-o", "prog.i"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and not (tmp_path / "prog.i").exists()
    assert "prog.c:1:10: error: -E cannot expand <vmlinux.h>" in proc.stderr


def test_preprocessed_vmlinux_h_compiles_with_clang(vmlinux_dir, clang, tmp_path):
    source = tmp_path / "prog.c"
    source.write_text(SIZE_OF_TASK)
    result = bpfcc.compile_file(source, output="preprocessed", include_dirs=[vmlinux_dir])
    assert result.ok, result.errors
    (tmp_path / "prog.i").write_bytes(result.output)
    subprocess.run([clang, "-O2", "-target", "bpf", "-c", "prog.i", "-o", "prog.o"], cwd=tmp_path, check=True, timeout=120)
    assert (tmp_path / "prog.o").exists()


def test_btf_file_missing(tmp_path):
    missing = tmp_path / "missing.btf"
    result = bpfcc.compile(SIZE_OF_TASK, "prog.c", btf=missing)
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (1, 10, f"cannot read BTF from '{missing}': No such file or directory")]


def test_not_btf(tmp_path):
    junk = tmp_path / "junk.btf"
    junk.write_bytes(b"not BTF at all, just some bytes")
    result = bpfcc.compile(SIZE_OF_TASK, "prog.c", btf=junk)
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (1, 10, f"cannot read BTF from '{junk}': no BTF magic number (0xeb9f) at the start")]


def test_cli_btf_flag(tmp_path):
    (tmp_path / "prog.c").write_text(SIZE_OF_TASK)
    for flags in (["--btf", kernel_btf.DEFAULT_PATH], [f"--btf={kernel_btf.DEFAULT_PATH}"]):
        proc = subprocess.run([sys.executable, "-m", "bpfcc", *flags, "-c", "prog.c", "-o", "prog.o"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and (tmp_path / "prog.o").exists(), proc.stderr
    proc = subprocess.run([sys.executable, "-m", "bpfcc", "--btf", "missing.btf", "-c", "prog.c", "-o", "prog.o"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and not (tmp_path / "prog.o").exists()
    assert "prog.c:1:10: error: cannot read BTF from 'missing.btf': No such file or directory" in proc.stderr
    assert '#include "vmlinux.h"\n         ^' in proc.stderr


# ---- big headers: what makes them quick changes nothing ---------------------------------------

def big_header(lines: int) -> str:
    """A header of `lines` lines: plain declarations, and among them what a run of plain lines
    must not take in (macros, one's arguments across lines, comments, strings, directives)."""
    out = ["#ifndef BIG_H", "#define BIG_H", "#define WIDTH 4", "#define ADD(a, b) ((a) + (b))",
           "#define TYPE unsigned long", "#define EMPTY"]
    i = 0
    while len(out) < lines:
        out += {
            0: [f"struct s{i} {{", "\tint a;", "\tlong b;", "\tunsigned char c[3];", "};", ""],
            1: [f"struct m{i} {{", "\tint w[WIDTH];", "\tTYPE t;", "};"],
            2: [f"enum e{i} {{ A{i} = ADD(1,", f"  2) + 0, B{i} }};"],
            3: ["/* a comment", f"   struct fake{i} {{ int x; }};", "*/", f"typedef int t{i};"],
            4: [f'static const char str{i}[] = "/* not a comment */ {i}";', f"typedef t{i - 1} u{i};",
                f"static const int line{i} = __LINE__;"],
            5: ["#if 0", f"struct hidden{i} {{ int x; }};", "#endif", f"struct after{i} {{ int y; }} EMPTY;"],
            6: [f"int f{i}(int a,", "      int b);", f"#define LATE{i} {i}", f"int g{i} = LATE{i};"],
            7: [f"struct q{i} {{ int a; // a comment", "\tint b; };", f"typedef struct q{i} q{i}_t;"],
            8: [f"union u{i}_{j} {{ int a; char b; }};" for j in range(3)] + ["", "", f"struct z{i} {{ union u{i}_0 u; }};"],
        }[i % 9]
        if i == 50:
            out.append('#line 90000 "renamed.h"')
        i += 1
    return "\n".join(out + ["#endif", ""])


BIG_PROGRAM = """\
#include "big.h"
SEC("tc")
int use(struct __sk_buff *skb)
{
	struct s9 s = { .a = A11 + g15 };
	q16_t q = { .b = WIDTH };
	return s.a + q.b + sizeof(struct z8);
}
"""


def nodes(node) -> list:
    """Every node under `node`: its kind, its attributes and where it is."""
    found = []

    def walk(n):
        coord = getattr(n, "coord", None)
        found.append((type(n).__name__, tuple(repr(getattr(n, a)) for a in n.attr_names),
                      (coord.file, coord.line, coord.column) if coord else None))
        for _, child in n.children():
            walk(child)
    walk(node)
    return found


def test_plain_runs_parse_as_tokens(tmp_path, monkeypatch):
    """A big header's runs of plain lines skip macro expansion: the parser sees the same."""
    (tmp_path / "big.h").write_text(big_header(6000))
    (tmp_path / "prog.c").write_text(BIG_PROGRAM.replace("SEC(\"tc\")", ""))
    options = Options()
    texts = []
    for file_lines in (preprocess._PLAIN_FILE_LINES, 10**9):
        monkeypatch.setattr(preprocess, "_PLAIN_FILE_LINES", file_lines)
        diags = Diagnostics()
        texts.append(preprocess.preprocess((tmp_path / "prog.c").read_text(), str(tmp_path / "prog.c"), options, diags).text)
        assert not diags.items
    assert texts[0] != texts[1]  # the runs were taken
    assert nodes(parse.parse(texts[0], Diagnostics(), "prog.c")) == nodes(parse.parse(texts[1], Diagnostics(), "prog.c"))


def test_unreachable_declarations_change_nothing(tmp_path, monkeypatch):
    (tmp_path / "big.h").write_text(big_header(reachable.MIN_LINES + 1000))
    programs = {"ok": BIG_PROGRAM, "bad": BIG_PROGRAM.replace("q16_t q", "q16 q")}
    for name, source in programs.items():
        (tmp_path / f"{name}.c").write_text("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n" + source)
    results = {}
    for min_lines in (reachable.MIN_LINES, 10**9):
        monkeypatch.setattr(reachable, "MIN_LINES", min_lines)
        for name in programs:
            result = bpfcc.compile_file(tmp_path / f"{name}.c", include_dirs=[tmp_path])
            results[name, min_lines] = (result.output, [(d.severity, d.line, d.column, d.message) for d in result.diagnostics])
    assert results["ok", reachable.MIN_LINES] == results["ok", 10**9]
    assert results["ok", 10**9][0] is not None
    assert results["bad", reachable.MIN_LINES] == results["bad", 10**9]
    assert results["bad", 10**9][1] == [("error", 8, 2, "unknown type name 'q16'")]


def test_reachable_vmlinux_declarations_keep_their_places(vmlinux_dir):
    """vmlinux.h without what tc.c cannot reach: a fifth of it, every node where it was."""
    source = HERE / "tc.c"
    pre = preprocess.preprocess(source.read_text(), str(source), Options(include_dirs=[str(vmlinux_dir)]), Diagnostics())
    reached = reachable.reachable(pre.text, str(source))
    assert reached is not None and len(reached) < len(pre.text) / 3
    full = parse.parse(pre.text, Diagnostics(), str(source)).ext
    kept = parse.parse(reached, Diagnostics(), str(source)).ext
    assert len(kept) < len(full) / 3
    wanted = {tuple(nodes(node)) for node in full}
    assert all(tuple(nodes(node)) in wanted for node in kept)



def test_attribute_arguments_name_types():
    """`aligned(sizeof(u64))`: an attribute's argument is parsed knowing the typedef names in
    scope, the kernel's (from BTF) too."""
    source = "struct x { int a; } __attribute__((aligned(sizeof(u64))));\nint size = _Alignof(struct x);\n"
    assert global_int(bpfcc.compile('#include "vmlinux.h"\n' + source, "prog.c")) == 8
    assert global_int(bpfcc.compile("typedef unsigned long long u64;\n" + source, "prog.c")) == 8


# ---- every kernel type, from the header and from BTF --------------------------------------------

def spelled(t, depth: int = 0) -> str:
    """A type with what matters to the program: named records by name, anonymous ones in full."""
    qualifiers = "const " * t.const + "volatile " * t.volatile
    if t.typedef is not None:
        return qualifiers + t.typedef.name
    if t.is_struct and t.defn.tag is None and depth < 8:
        return qualifiers + members(t.defn, depth + 1)
    if t.is_pointer:
        return spelled(t.target, depth + 1) + " *" + qualifiers
    if t.is_array:
        return spelled(t.elem, depth + 1) + f"[{t.length}]" + qualifiers
    if t.is_function:
        return f"{spelled(t.ret, depth + 1)}({', '.join(spelled(p, depth + 1) for p in t.params)}{', ...' * t.variadic})"
    return str(t)


def members(defn, depth: int = 0) -> str:
    laid = "; ".join(f"{m.name} {spelled(m.type, depth)} @{m.offset}.{m.bit_offset}:{m.bit_width}"
                     for m in defn.members or () if not (m.name is None and m.bit_width is not None))
    return f"{'union' if defn.is_union else 'struct'} {{{laid}}} {defn.size}/{defn.align} {defn.attributes}"


def says_more(t, seen=None) -> bool:
    """Whether BTF knows more of `t`'s layout than bpftool's C can say: an enum not of 4 bytes,
    the kernel's va_list, a union BTF gives a size but no members."""
    seen = set() if seen is None else seen
    if t.typedef is not None and t.typedef.name in ("va_list", "__builtin_va_list"):
        return True
    if t.is_integer and t.enum is not None:
        return t.size != 4
    if t.is_array:
        return says_more(t.elem, seen)
    if t.is_function:
        return any(says_more(p, seen) for p in (t.ret, *t.params))
    if t.is_pointer:
        return says_more(t.target, seen) if t.target.is_function else False
    if t.is_struct and id(t.defn) not in seen and t.defn.members is not None:
        seen.add(id(t.defn))
        return (not t.defn.members and t.size > 0) or any(says_more(m.type, seen) for m in t.defn.members)
    return False


def test_every_kernel_type_from_btf_is_the_headers(vmlinux_dir):
    """Each struct, union, enum and typedef of vmlinux.h, as the checker makes it of bpftool's C,
    is what kernel_btf makes of the BTF: same members at the same places, same sizes, alignment,
    attributes and enumerators; except where BTF says more than the C can."""
    from bpfcc.check import Checker

    options = Options(include_dirs=[str(vmlinux_dir)])
    diags = Diagnostics()
    text = preprocess.preprocess('#include "vmlinux.h"\n', "prog.c", options, diags).text
    checker = Checker(options, diags, "prog.c")
    checker.check_unit(parse.parse(text, diags, "prog.c"))
    assert not diags.items
    types = kernel_btf.KernelTypes.read(kernel_btf.DEFAULT_PATH)
    differ = []
    for name, header in checker.scope.tags.items():
        ours = types.tag(name)
        if isinstance(header, ctype.StructDef):
            same = members(header) == members(ours) and header.is_union == ours.is_union
            more = says_more(ctype.StructType(defn=ours))
        else:
            same = (str(header), header.size, header.enum.enumerators) == (str(ours), ours.size, ours.enum.enumerators)
            more = ours.size != 4
        if not same and not more:
            differ.append(f"{name}: {members(header) if isinstance(header, ctype.StructDef) else header}")
    for name, symbol in checker.scope.names.items():
        if isinstance(symbol, ctype.Typedef) and name != "__builtin_va_list":
            ours = types.typedef(name)
            if spelled(symbol.type) != spelled(ours.type) and not says_more(ours.type):
                differ.append(f"typedef {name}: {spelled(symbol.type)} / {spelled(ours.type)}")
        elif hasattr(symbol, "value") and types.enumerator(name) != symbol.value:
            differ.append(f"{name} = {symbol.value} / {types.enumerator(name)}")
    assert not differ, differ[:10]
    assert len(checker.scope.tags) > 10000
