"""Switches at -mcpu=v4: LLVM 22's BPF back end has indirect jumps (gotox) on v4, so its
SimplifyCFG would build `.rodata` lookup tables, and its code generator jump tables, that the
kernels of today refuse (the lookup index is bounded in a 32-bit copy and used from the 64-bit
register).  bpfcc marks functions "no-jump-tables": switches stay compares, as with clang-19.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import bpfcc
from support import bpf
from support import packets as P
from support.samples import SAMPLES
from test_language import FRAME, PROGRAM_RE

SOURCE = Path(__file__).resolve().parent / "c" / "switch_v4.c"
CONNTRACK = SAMPLES / "conntrack" / "conntrack.c"
PROGRAMS = PROGRAM_RE.findall(SOURCE.read_text())


def compiled(path: Path, **kwargs) -> bytes:
    result = bpfcc.compile_file(path, mcpu="v4", **kwargs)
    assert result.ok, "\n".join(f"{d.file}:{d.line}:{d.column}: {d.message}" for d in result.diagnostics)
    return result.output


def section_names(elf: bytes) -> set[str]:
    return {s.name for s in ELFFile(io.BytesIO(elf)).iter_sections()}


def test_no_lookup_tables():
    assert len(PROGRAMS) == 2
    assert not {".rodata", ".jumptables"} & section_names(compiled(SOURCE))


@pytest.mark.parametrize("prog", PROGRAMS)
def test_switches_run(kernel, prog):
    assert kernel.load(compiled(SOURCE), only=[prog]).program(prog).run(FRAME).retval == 0


@pytest.mark.clang
@pytest.mark.parametrize("prog", PROGRAMS)
def test_switches_run_as_clang(kernel, clang_compile, tmp_path, prog):
    reference = clang_compile(SOURCE, tmp_path / "switch_v4.o", ["-mcpu=v4"])
    assert kernel.load(reference.read_bytes(), only=[prog]).program(prog).run(FRAME).retval == 0


def test_conntrack_v4_loads_and_tracks(kernel, tmp_path):
    """The sample that hit the tables: a SYN at -mcpu=v4 passes and opens an entry."""
    with bpf.private_bpffs(tmp_path / "bpffs") as fs:
        obj = kernel.load(compiled(CONNTRACK), bpffs=fs)
        syn = P.tcp_frame(sport=40000, dport=80, flags=0x02)
        assert obj.program("conntrack").run(syn).retval == bpf.TC_ACT_OK
        assert len(list(obj.map("ct4_global").keys())) == 1
