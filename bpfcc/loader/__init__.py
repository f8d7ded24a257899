"""bpfcc's loader: open a BPF ELF object, create its maps, load its programs, hand back their fds.

    with bpfcc.loader.load("prog.o", bpffs="/sys/fs/bpf") as obj:
        res = obj.program("xdp_prog").run(frame)     # BPF_PROG_TEST_RUN
        assert res.retval == XDP_PASS
        obj.maps["counts"].lookup(0)

Two kinds of objects, two paths (ARCHITECTURE.md says why):
- BTF-style objects (`.maps`, `.BTF`, global data) go through the system's libbpf.so.1, the
  library `tc` and `ip` load them with (`libbpf.py`);
- objects with iproute2's legacy `maps` section, which libbpf 1.x refuses, are loaded by
  `legacy.py` with the semantics of iproute2's own ELF loader: pinning, map-in-map, `id/key`
  tail-call sections.
Either way the result is an `Object` whose programs and maps are used through bpf(2)
(`syscall.py`), compiler-agnostic: bytes or a path from bpfcc or from clang.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from . import legacy, libbpf, syscall
from .elf import BpfElf, NotBpfObject, instruction_count
from .libbpf import section_prog_type
from .objects import DEFAULT_HEADROOM, LoadError, Map, Object, Program, RunResult
from .syscall import (BPF_ANY, BPF_EXIST, BPF_NOEXIST, PERCPU_MAP_TYPES, BpfError, MapType, ProgType,
                      possible_cpus)

__all__ = [
    "load", "Object", "Program", "Map", "RunResult", "LoadError", "BpfError", "ProgType", "MapType",
    "PERCPU_MAP_TYPES", "BPF_ANY", "BPF_NOEXIST", "BPF_EXIST", "DEFAULT_HEADROOM", "DEFAULT_LOG_SIZE",
    "kernel_support", "possible_cpus", "section_prog_type", "instruction_count",
    "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
    "TC_ACT_UNSPEC", "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN",
    "TC_ACT_REDIRECT",
]

# Return codes, for readable assertions.
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = range(5)
TC_ACT_UNSPEC, TC_ACT_OK, TC_ACT_RECLASSIFY, TC_ACT_SHOT, TC_ACT_PIPE = -1, 0, 1, 2, 3
TC_ACT_STOLEN, TC_ACT_REDIRECT = 4, 7

DEFAULT_LOG_SIZE = 1 << 20   # per program; the kernel keeps the log's tail if it overflows

_RETURN_ZERO = bytes.fromhex("b700000000000000" "9500000000000000")   # r0 = 0; exit


def _prog_type(value: int | str) -> int:
    return ProgType[value.upper()] if isinstance(value, str) else int(value)


def load(data_or_path: bytes | bytearray | memoryview | str | os.PathLike, *,
         bpffs: str | os.PathLike | None = None, prog_type: int | str | None = None,
         prog_types: Mapping[str, int | str] | None = None, only: Iterable[str] | None = None,
         log_level: int = 0, log_size: int = DEFAULT_LOG_SIZE, object_name: str = "bpfcc") -> Object:
    """Open and load an ELF object (bytes or a path).

    bpffs: a mounted bpf filesystem to pin maps in (iproute2's layout: <bpffs>/tc/globals/...);
      without one, nothing is pinned.
    prog_type: type for programs whose section does not say one (e.g. "sched_cls"); legacy
      objects load every program with one type, this one or the one their sections say.
    prog_types: explicit types by program name or section name; wins over the section's.
    only: load just these programs (names or sections); legacy tail-call sections always load.
    log_level: 0 = verifier log only on failure; 1/2 = always (in Program.verifier_log).
    object_name: prefix of libbpf's internal map names ("bpfcc.bss").
    Raises LoadError with the loader's messages and the verifier log.
    """
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        raw, origin = bytes(data_or_path), "<memory>"
    else:
        raw, origin = Path(data_or_path).read_bytes(), os.fspath(data_or_path)
    try:
        elf = BpfElf(raw)
    except NotBpfObject as e:
        raise LoadError(f"could not open {origin}: {e}") from None
    ptype = _prog_type(prog_type) if prog_type is not None else None
    ptypes = {k: _prog_type(v) for k, v in (prog_types or {}).items()}
    if legacy.is_legacy(elf):
        if elf.section(".maps") is not None:
            raise LoadError(f"{origin}: both iproute2's `maps` and libbpf's `.maps` sections; no loader takes both")
        return legacy.load(raw, elf, origin, bpffs=bpffs, prog_type=ptype, prog_types=ptypes, only=only,
                           log_level=log_level, log_size=log_size)
    pin_root = str(legacy.bpffs_tc_dir(bpffs) / legacy.GLOBALS_DIR) if bpffs is not None else None
    return libbpf.load(raw, origin, pin_root=pin_root, prog_type=ptype, prog_types=ptypes, only=only,
                       log_level=log_level, log_size=log_size, object_name=object_name)


def kernel_support() -> str | None:
    """None if this process can load and test-run XDP and tc programs, else the reason why not."""
    if os.geteuid() != 0:
        return "not root (BPF_PROG_LOAD of XDP/tc programs needs CAP_BPF+CAP_NET_ADMIN)"
    try:
        libbpf.libbpf()
    except OSError as e:
        return f"cannot load {libbpf.SONAME}: {e}"
    for ptype in (ProgType.XDP, ProgType.SCHED_CLS):
        try:
            os.close(syscall.prog_load("probe", ptype, _RETURN_ZERO, "GPL"))
        except OSError as e:
            return f"kernel cannot load BPF_PROG_TYPE_{ptype.name}: {e.strerror or e}"
    return None
