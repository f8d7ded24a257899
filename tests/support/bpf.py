"""Tests load objects with bpfcc.loader; this module re-exports it and adds what only tests need.

    with bpf.load(elf_bytes) as obj:                 # = bpfcc.loader.load
        res = obj.program("xdp_prog").run(frame)
        assert res.retval == bpf.XDP_PASS
    with bpf.private_bpffs(tmp_path / "bpffs") as fs:   # fs: /proc/<pid>/root/<tmp_path>/bpffs
        obj = bpf.load(path, bpffs=fs)               # pins vanish with the namespace

`instruction_count` takes a path as well as bytes.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
from pathlib import Path
from typing import Iterator

from bpfcc import loader
from bpfcc.loader import (BPF_ANY, BPF_EXIST, BPF_NOEXIST, DEFAULT_HEADROOM, DEFAULT_LOG_SIZE,  # noqa: F401
                          PERCPU_MAP_TYPES, TC_ACT_OK, TC_ACT_PIPE, TC_ACT_RECLASSIFY, TC_ACT_REDIRECT,
                          TC_ACT_SHOT, TC_ACT_STOLEN, TC_ACT_UNSPEC, XDP_ABORTED, XDP_DROP, XDP_PASS,
                          XDP_REDIRECT, XDP_TX, BpfError, LoadError, Map, MapType, Object, Program, ProgType,
                          RunResult, kernel_support, load, possible_cpus, section_prog_type)

BpfObject = Object   # what tests call a loaded object

PR_SET_PDEATHSIG = 1


def instruction_count(data_or_path: bytes | str | os.PathLike, name: str, *, wide_as_one: bool = False) -> int:
    """loader.instruction_count of an object given as bytes or as a path."""
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        return loader.instruction_count(bytes(data_or_path), name, wide_as_one=wide_as_one)
    return loader.instruction_count(Path(data_or_path).read_bytes(), name, wide_as_one=wide_as_one,
                                    origin=os.fspath(data_or_path))


@contextlib.contextmanager
def private_bpffs(path: str | os.PathLike) -> Iterator[Path]:
    """A bpffs mounted on `path` inside a private mount namespace, reached from this one as
    /proc/<holder>/root/<path>; the namespace, the mount and every pin in it end with the block."""
    with private_mount("bpf", path, "mode=0700") as fs:
        yield fs


@contextlib.contextmanager
def private_mount(fstype: str, path: str | os.PathLike, options: str = "") -> Iterator[Path]:
    """A filesystem of `fstype` mounted on `path` inside a private mount namespace, reached from
    this one as /proc/<holder>/root/<path>; the namespace and the mount end with the block.

    A sleeping child holds the namespace (and dies with this process).  Paths work through
    /proc/<pid>/root, and so do subprocesses such as tc given that path; entering the namespace
    with setns instead would fail once any thread (bpfcc's, pytest's) shares this one's fs state.
    """
    mountpoint = Path(path).resolve()
    mountpoint.mkdir(parents=True, exist_ok=True)
    flags = f"-o {options} " if options else ""
    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f'mount -t {fstype} {flags}{fstype} "$0" && echo mounted && exec sleep infinity', str(mountpoint)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
    try:
        if holder.stdout.readline() != b"mounted\n":
            raise OSError(f"mounting a {fstype} on {mountpoint} in a new mount namespace failed: "
                          f"{holder.stderr.read().decode(errors='replace').strip()}")
        yield Path(f"/proc/{holder.pid}/root") / mountpoint.relative_to("/")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
        holder.stderr.close()


def _die_with_parent() -> None:
    """In the child: SIGKILL when the test process dies, so a crash leaves no namespace behind."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
