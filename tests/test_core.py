"""CO-RE: the relocations bpfcc's objects carry in `.BTF.ext` are clang-19's, and libbpf applies them.

Each tests/core/*.c program is compiled by bpfcc and by clang-19; llvm-objdump-19 lists both
objects' CO-RE relocations (kind, root type, access string and the members it names), which must
be the same.  The raw_tp programs then run with BPF_PROG_TEST_RUN after libbpf has relocated them
against /sys/kernel/btf/vmlinux: bpf_get_current_task() is then this test process's own task, so a
relocated read of its pid has a known answer, and both objects must give the same results.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

import bpfcc
from support import bpf, packets

CORE = Path(__file__).parent / "core"
OBJDUMP = "llvm-objdump-19"


def relocations(obj: Path) -> list[str]:
    """The object's CO-RE relocations as llvm-objdump spells them, without type ids (each object
    numbers its own BTF) and in a stable order."""
    assert shutil.which(OBJDUMP), f"{OBJDUMP} not found"
    text = subprocess.run([OBJDUMP, "-dr", str(obj)], capture_output=True, text=True, check=True, timeout=60).stdout
    return sorted(re.sub(r"\[\d+\] ", "", line.split("CO-RE ", 1)[1]) for line in text.splitlines() if "CO-RE " in line)


def compile_both(tmp_path, clang_compile, name: str) -> tuple[Path, Path]:
    ours = tmp_path / f"{name}.bpfcc.o"
    result = bpfcc.compile_file(CORE / f"{name}.c", out=ours)
    assert result.ok, [f"{d.line}:{d.column}: {d.message}" for d in result.diagnostics]
    return ours, clang_compile(CORE / f"{name}.c", tmp_path / f"{name}.clang.o")


def run_raw_tp(obj: bpf.BpfObject, name: str) -> int:
    """One test run of a raw_tp program that reads no context (the kernel takes no data for one)."""
    return obj.program(name).run(b"", repeat=0, data_size_out=0).retval


@pytest.mark.parametrize("name", sorted(p.stem for p in CORE.glob("*.c")))
def test_relocations_are_clangs(tmp_path, clang_compile, name):
    ours, theirs = compile_both(tmp_path, clang_compile, name)
    expected = relocations(theirs)
    assert expected, "the case relocates nothing"
    assert relocations(ours) == expected


TASK_PROGRAMS = ("read_pid", "read_parent_tgid", "read_children_offset", "read_pid_builtin", "field_exists",
                 "field_size", "field_offset", "type_exists", "type_size", "type_id")


def test_task_reads_are_relocated_to_the_running_kernel(tmp_path, clang_compile, kernel):
    ours, theirs = compile_both(tmp_path, clang_compile, "task")
    results = [{name: run_raw_tp(kernel.load(obj), name) for name in TASK_PROGRAMS} for obj in (ours, theirs)]
    assert results[0] == results[1]
    got = results[0]
    assert got["read_pid"] == os.getpid() == got["read_pid_builtin"]  # the main thread: pid == tgid
    assert got["read_parent_tgid"] == os.getppid()
    assert got["read_children_offset"] == 8  # list_head.prev after list_head.next
    assert got["field_exists"] == 0b101  # pid, not no_such_field, comm
    assert got["field_size"] == 4 | 16 << 8
    assert got["type_exists"] == 1  # task_struct, not no_such_type
    # The local struct's layout is not the kernel's: these are the kernel's numbers.
    assert got["field_offset"] != 8 and got["type_size"] > 1000 and got["type_id"] > 0


def test_enum_values_are_the_kernels(tmp_path, clang_compile, kernel):
    ours, theirs = compile_both(tmp_path, clang_compile, "enums")
    names = ("ringbuf_value", "xdp_value", "value_exists")
    results = [{name: run_raw_tp(kernel.load(obj), name) for name in names} for obj in (ours, theirs)]
    assert results[0] == results[1]
    # linux/bpf.h: BPF_MAP_TYPE_RINGBUF = 27, BPF_PROG_TYPE_XDP = 6.
    assert results[0] == {"ringbuf_value": 27, "xdp_value": 6, "value_exists": 0b101}


def test_sk_buff_through_core(tmp_path, clang_compile, kernel):
    ours, theirs = compile_both(tmp_path, clang_compile, "skb")
    frame = packets.udp_frame(payload=b"core")
    ctx = bytearray(192)  # struct __sk_buff; the kernel takes `mark` (offset 8) from it
    struct.pack_into("<I", ctx, 8, 3)
    retvals = [kernel.load(obj).program("skb_len").run(frame, ctx=bytes(ctx)).retval for obj in (ours, theirs)]
    assert retvals[0] == retvals[1] == len(frame) + (3 << 16) + 16  # __sk_buff.protocol is at 16
