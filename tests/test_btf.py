"""BTF of C declarations, compared with clang-19's: names, kinds and values of what programs declare.

Each case is a small program compiled by bpfcc and by clang-19 (-O2 -g); support/btf.py spells
both objects' BTF without type ids, and the two must be equal.  libbpf reads these types: map
properties from enumerator values (`__ulong(map_extra, N)`), global variables by their VAR names.
"""
from __future__ import annotations

import pytest

import bpfcc
from support import btf

CASES = {
    # Two statics named `s` in one function are `f.s` and `f.s.1`; a scalar static keeps its name.
    "local_statics": r"""
static int counter = 5;
__attribute__((section("tc"), used)) int f(void *ctx)
{
	int r = 0;
	{ static char s[] = "a"; r += s[0]++; }
	{ static char s[] = "b"; r += s[0]++; }
	{ static int s = 5; r += s++; }
	return r + counter++;
}
""",
    # Enumerations are ENUM types with their values, ENUM64 past 32 bits, signed when a value is
    # negative; a declared-only enum is an ENUM of size 0.
    "enums": r"""
enum e { A = 1 };
enum neg { N1 = -1, N2 = 5 };
enum big { B1 = 0x100000000ULL };
enum sbig { SB = -0x100000000LL };
enum { ANON1 = 7 } anon_var __attribute__((section(".data"), used));
struct s { enum e x; enum { B = 3 } y; enum neg n; enum big b; enum sbig sb; };
struct s g __attribute__((section(".data"), used));
typedef enum { T1, T2 } tenum;
tenum tv __attribute__((section(".data"), used));
enum fwd;
enum fwd *fp __attribute__((section(".data"), used)), *fp2 __attribute__((section(".data"), used));
__attribute__((section("tc"), used)) int f(enum neg n) { return n == N1 ? A : B; }
""",
    # A packed enum is as wide as its values need (clang's size in the ENUM), where the attribute goes.
    "packed_enums": r"""
enum __attribute__((packed)) small { S1 = 1, S2 = 200 };
enum med { M1 = -1, M2 = 300 } __attribute__((packed));
enum __attribute__((packed)) word { W = 70000 };
enum __attribute__((packed)) wide { WD = 0x100000000ULL };
enum __attribute__((packed)) neg { N1 = -128, N2 = 127 };
typedef enum __attribute__((packed)) { T1, T2 } tenum;
struct s { char c; enum small a; enum med b; enum word w; enum wide d; enum neg n; tenum t; };
struct s g __attribute__((section(".data"), used));
""",
    # Used extern variables are VARs with extern linkage in their section's DATASEC, as libbpf
    # resolves `__kconfig` ones; unused ones are not described.
    "extern_variables": r"""
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __attribute__((section(".kconfig"), weak));
extern int LINUX_KERNEL_VERSION __attribute__((section(".kconfig")));
extern int CONFIG_UNUSED __attribute__((section(".kconfig")));
__attribute__((section("kprobe/x"), used)) int f(void *ctx) { return LINUX_HAS_SYSCALL_WRAPPER ? 1 : LINUX_KERNEL_VERSION; }
""",
    # C's three character types are three BTF INTs: 'char', 'signed char', 'unsigned char'.
    "char_types": r"""
char plain __attribute__((section(".data"), used)) = 1;
signed char explicitly_signed __attribute__((section(".data"), used)) = -1;
unsigned char explicitly_unsigned __attribute__((section(".data"), used)) = 1;
struct chars { char c; signed char s; unsigned char u; __signed__ char gnu; } chars __attribute__((section(".data"), used));
""",
    # libbpf 1.4's __ulong(map_extra, N): the value travels as an enumerator of an anonymous enum.
    "map_extra": r"""
struct {
	int (*type)[30];
	int (*max_entries)[16];
	unsigned int *value;
	enum { __bpf_ulong_0 = 3 } map_extra;
} bloom __attribute__((section(".maps"), used));
struct {
	int (*type)[33];
	int (*max_entries)[1];
	enum { __bpf_ulong_1 = 0x100000000ULL } map_extra;
} arena __attribute__((section(".maps"), used));
""",
}


def compile_both(tmp_path, clang_compile, name: str):
    source = tmp_path / f"{name}.c"
    source.write_text(CASES[name])
    ours = tmp_path / f"{name}.bpfcc.o"
    result = bpfcc.compile_file(str(source), out=str(ours))
    assert result.ok, [f"{d.line}:{d.column}: {d.message}" for d in result.diagnostics]
    return btf.describe(ours), btf.describe(clang_compile(source, tmp_path / f"{name}.clang.o"))


@pytest.mark.parametrize("name", CASES)
def test_btf_means_the_same_as_clangs(tmp_path, clang_compile, bpftool, name):
    ours, theirs = compile_both(tmp_path, clang_compile, name)
    assert ours == theirs, btf.difference(ours, theirs)


def test_local_statics_are_distinct_variables(tmp_path, clang_compile, bpftool):
    ours, _ = compile_both(tmp_path, clang_compile, "local_statics")
    # GlobalOpt splits the char arrays into their one used element (`.0`), as in clang's object.
    assert [v.split(" ")[1] for v in btf.of_kind(ours, "var ")] == ["counter", "f.s.0", "f.s.1.0", "f.s.2"]
