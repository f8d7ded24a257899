"""Code size of shapes where bpfcc once emitted far more than clang-19: both compilers at -O2
-mcpu=v3 (bpfcc's default) must give the same number of instructions.

Struct copies go through llvm.memcpy; with the types' alignment on it (as clang gives it) LLVM
copies in words, without it byte by byte (4x the instructions, and byte-sized packet accesses the
verifier has to track).  Members of packed structs are the exception: there the copy and every
scalar access must be byte-wise, as clang's are, or the verifier refuses a misaligned stack access.  `__builtin_memcpy`/`memset` assume their arguments'
pointee alignment, looking through the conversion to `void *`.
"""
from __future__ import annotations

import pytest

import bpfcc
from support import bpf

CASES = {
    "struct_copy": (r"""
struct addr { unsigned int w[4]; };
struct pair { struct addr a, b; };

__attribute__((section("tc"), used)) int prog(struct pair *p)
{
	p->b = p->a;
	return 0;
}
""", 10),
    "struct_initialised_from_a_struct": (r"""
struct addr { unsigned long w[2]; };

__attribute__((section("tc"), used)) int prog(struct addr *p)
{
	struct addr copy = *p;
	p[1] = copy;
	return 0;
}
""", 6),
    "packed_members": (r"""
struct in { int a; int b; };
struct __attribute__((packed)) p { char c; int x; struct in s; };

__attribute__((section("tc"), used)) int prog(struct p *q)
{
	struct in t = q->s;
	q->s = t;
	return q->x + t.a;
}
""", 22),
    "memory_builtins_on_typed_pointers": (r"""
struct ev { unsigned int pid; int sig; unsigned long long ts; char comm[16]; };
struct ev g1, g2;

__attribute__((section("tc"), used)) int prog(void *ctx)
{
	struct ev *a = &g1, *b = &g2;
	__builtin_memcpy(b, a, sizeof(*a));
	__builtin_memset(&g1, 0, sizeof(g1));
	return 0;
}
""", 19),
}


@pytest.mark.parametrize("name", CASES)
def test_as_small_as_clang(tmp_path, clang_compile, name):
    source, expected = CASES[name]
    path = tmp_path / f"{name}.c"
    path.write_text(source)
    result = bpfcc.compile(source, str(path))
    assert result.ok, [d.message for d in result.diagnostics]
    theirs = bpf.instruction_count(clang_compile(path, tmp_path / f"{name}.clang.o", ["-mcpu=v3"]), "prog")
    ours = bpf.instruction_count(result.output, "prog")
    assert (ours, theirs) == (expected, expected)
