"""The bpf(2) system call through ctypes: the commands the loader and its users need.

Each command has its own `union bpf_attr` member as a ctypes structure, laid out as in
<linux/bpf.h>, and is passed with its own size: the kernel zero-extends a shorter attr, so
only the fields used here need declaring.  Failures raise `BpfError` (an OSError with errno).
"""
from __future__ import annotations

import ctypes
import enum
import functools
import os
import platform
from dataclasses import dataclass
from errno import ENOENT
from pathlib import Path

U32, U64 = ctypes.c_uint32, ctypes.c_uint64

# __NR_bpf per architecture (asm/unistd*.h).
_NR_BPF = {"x86_64": 321, "AMD64": 321, "aarch64": 280, "arm64": 280, "armv7l": 386, "ppc64le": 361,
           "s390x": 351, "riscv64": 280, "i686": 357, "i386": 357}


class Cmd(enum.IntEnum):
    """enum bpf_cmd, the part used here."""

    MAP_CREATE = 0
    MAP_LOOKUP_ELEM = 1
    MAP_UPDATE_ELEM = 2
    MAP_DELETE_ELEM = 3
    MAP_GET_NEXT_KEY = 4
    PROG_LOAD = 5
    OBJ_PIN = 6
    OBJ_GET = 7
    PROG_TEST_RUN = 10
    OBJ_GET_INFO_BY_FD = 15
    BTF_LOAD = 18


class ProgType(enum.IntEnum):
    """enum bpf_prog_type, the packet-related part."""

    UNSPEC = 0
    SOCKET_FILTER = 1
    SCHED_CLS = 3
    SCHED_ACT = 4
    XDP = 6
    CGROUP_SKB = 8
    LWT_IN = 10
    LWT_OUT = 11
    LWT_XMIT = 12
    SK_SKB = 14
    FLOW_DISSECTOR = 22


class MapType(enum.IntEnum):
    """enum bpf_map_type, the common part."""

    UNSPEC = 0
    HASH = 1
    ARRAY = 2
    PROG_ARRAY = 3
    PERF_EVENT_ARRAY = 4
    PERCPU_HASH = 5
    PERCPU_ARRAY = 6
    STACK_TRACE = 7
    CGROUP_ARRAY = 8
    LRU_HASH = 9
    LRU_PERCPU_HASH = 10
    LPM_TRIE = 11
    ARRAY_OF_MAPS = 12
    HASH_OF_MAPS = 13
    DEVMAP = 14
    SOCKMAP = 15
    CPUMAP = 16
    XSKMAP = 17
    SOCKHASH = 18
    CGROUP_STORAGE = 19
    REUSEPORT_SOCKARRAY = 20
    PERCPU_CGROUP_STORAGE = 21
    QUEUE = 22
    STACK = 23
    SK_STORAGE = 24
    DEVMAP_HASH = 25
    STRUCT_OPS = 26
    RINGBUF = 27


PERCPU_MAP_TYPES = frozenset({MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH,
                              MapType.PERCPU_CGROUP_STORAGE})
MAP_IN_MAP_TYPES = frozenset({MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS})

# Map update flags.
BPF_ANY, BPF_NOEXIST, BPF_EXIST = 0, 1, 2

OBJ_NAME_LEN = 16  # BPF_OBJ_NAME_LEN, with the terminating NUL


class BpfError(OSError):
    """A bpf() command failed; `errno` says why."""


class _MapCreateAttr(ctypes.Structure):
    _fields_ = [("map_type", U32), ("key_size", U32), ("value_size", U32), ("max_entries", U32),
                ("map_flags", U32), ("inner_map_fd", U32), ("numa_node", U32),
                ("map_name", ctypes.c_char * OBJ_NAME_LEN)]


class _MapElemAttr(ctypes.Structure):
    _fields_ = [("map_fd", U32), ("key", U64), ("value", U64), ("flags", U64)]  # value is also next_key


class _ProgLoadAttr(ctypes.Structure):
    _fields_ = [("prog_type", U32), ("insn_cnt", U32), ("insns", U64), ("license", U64),
                ("log_level", U32), ("log_size", U32), ("log_buf", U64), ("kern_version", U32),
                ("prog_flags", U32), ("prog_name", ctypes.c_char * OBJ_NAME_LEN), ("prog_ifindex", U32),
                ("expected_attach_type", U32), ("prog_btf_fd", U32), ("func_info_rec_size", U32),
                ("func_info", U64), ("func_info_cnt", U32), ("line_info_rec_size", U32), ("line_info", U64),
                ("line_info_cnt", U32)]


class _BtfLoadAttr(ctypes.Structure):
    _fields_ = [("btf", U64), ("btf_log_buf", U64), ("btf_size", U32), ("btf_log_size", U32),
                ("btf_log_level", U32)]


class _ObjAttr(ctypes.Structure):
    _fields_ = [("pathname", U64), ("bpf_fd", U32), ("file_flags", U32)]


class _TestRunAttr(ctypes.Structure):
    _fields_ = [("prog_fd", U32), ("retval", U32), ("data_size_in", U32), ("data_size_out", U32),
                ("data_in", U64), ("data_out", U64), ("repeat", U32), ("duration", U32),
                ("ctx_size_in", U32), ("ctx_size_out", U32), ("ctx_in", U64), ("ctx_out", U64),
                ("flags", U32), ("cpu", U32), ("batch_size", U32)]


class _InfoAttr(ctypes.Structure):
    _fields_ = [("bpf_fd", U32), ("info_len", U32), ("info", U64)]


class MapInfo(ctypes.Structure):
    """The leading part of struct bpf_map_info: what a map was created with."""

    _fields_ = [("type", U32), ("id", U32), ("key_size", U32), ("value_size", U32), ("max_entries", U32),
                ("map_flags", U32), ("name", ctypes.c_char * OBJ_NAME_LEN)]


assert ctypes.sizeof(_ProgLoadAttr) == 112 and ctypes.sizeof(_TestRunAttr) == 80


@functools.cache
def _syscall():
    """libc's syscall(2) and this machine's __NR_bpf."""
    nr = _NR_BPF.get(platform.machine())
    if nr is None:
        raise OSError(f"bpf(2): unknown system call number on {platform.machine()}")
    fn = ctypes.CDLL(None, use_errno=True).syscall
    fn.restype = ctypes.c_long
    return fn, nr


def bpf(cmd: Cmd, attr: ctypes.Structure, what: str) -> int:
    """Run one bpf() command; `what` names it in the error."""
    fn, nr = _syscall()
    rc = fn(ctypes.c_long(nr), ctypes.c_long(cmd), ctypes.byref(attr), ctypes.c_long(ctypes.sizeof(attr)))
    if rc < 0:
        err = ctypes.get_errno()
        raise BpfError(err, f"{what}: {os.strerror(err)}")
    return rc


def _address(buf: ctypes.Array | None) -> int:
    return ctypes.addressof(buf) if buf is not None else 0


def _object_name(name: str) -> bytes:
    """The kernel's object names allow [A-Za-z0-9_.] and 15 characters."""
    clean = "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in name)
    return clean[:OBJ_NAME_LEN - 1].encode()


# --- maps -------------------------------------------------------------------------------------------

def map_create(name: str, map_type: int, key_size: int, value_size: int, max_entries: int,
               flags: int = 0, inner_map_fd: int = 0) -> int:
    attr = _MapCreateAttr(map_type=map_type, key_size=key_size, value_size=value_size,
                          max_entries=max_entries, map_flags=flags, inner_map_fd=inner_map_fd,
                          map_name=_object_name(name))
    return bpf(Cmd.MAP_CREATE, attr, f"creating map {name!r}")


def map_lookup(fd: int, key: bytes, value_size: int) -> bytes | None:
    """The value at `key`, or None if there is none (ENOENT)."""
    k = ctypes.create_string_buffer(key, len(key))
    v = ctypes.create_string_buffer(value_size)
    try:
        bpf(Cmd.MAP_LOOKUP_ELEM, _MapElemAttr(map_fd=fd, key=_address(k), value=_address(v)), "map lookup")
    except BpfError as e:
        if e.errno == ENOENT:
            return None
        raise
    return v.raw


def map_update(fd: int, key: bytes, value: bytes, flags: int = BPF_ANY) -> None:
    k = ctypes.create_string_buffer(key, len(key))
    v = ctypes.create_string_buffer(value, len(value))
    bpf(Cmd.MAP_UPDATE_ELEM, _MapElemAttr(map_fd=fd, key=_address(k), value=_address(v), flags=flags),
        "map update")


def map_delete(fd: int, key: bytes) -> None:
    k = ctypes.create_string_buffer(key, len(key))
    bpf(Cmd.MAP_DELETE_ELEM, _MapElemAttr(map_fd=fd, key=_address(k)), "map delete")


def map_next_key(fd: int, key: bytes | None, key_size: int) -> bytes | None:
    """The key after `key` (the first key if None), or None past the last one."""
    k = ctypes.create_string_buffer(key, len(key)) if key is not None else None
    nxt = ctypes.create_string_buffer(key_size)
    try:
        bpf(Cmd.MAP_GET_NEXT_KEY, _MapElemAttr(map_fd=fd, key=_address(k), value=_address(nxt)), "map iteration")
    except BpfError as e:
        if e.errno == ENOENT:  # past the last key
            return None
        raise
    return nxt.raw


def map_info(fd: int) -> MapInfo:
    info = MapInfo()
    bpf(Cmd.OBJ_GET_INFO_BY_FD, _InfoAttr(bpf_fd=fd, info_len=ctypes.sizeof(info), info=ctypes.addressof(info)),
        "map info")
    return info


# --- programs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgBtf:
    """A program's BTF: the object's loaded .BTF and the program's func_info and line_info
    records (each starting with its instruction index)."""

    btf_fd: int
    func_info_rec_size: int
    func_info: bytes
    line_info_rec_size: int
    line_info: bytes


def prog_load(name: str, prog_type: int, insns: bytes, license: str, log_level: int = 0,
              log_buf: ctypes.Array | None = None, btf: ProgBtf | None = None) -> int:
    code = ctypes.create_string_buffer(insns, len(insns))
    lic = ctypes.create_string_buffer(license.encode())
    attr = _ProgLoadAttr(prog_type=prog_type, insn_cnt=len(insns) // 8, insns=_address(code),
                         license=_address(lic), log_level=log_level if log_buf is not None else 0,
                         log_size=len(log_buf) if log_buf is not None else 0, log_buf=_address(log_buf),
                         prog_name=_object_name(name))
    if btf is not None:
        funcs = ctypes.create_string_buffer(btf.func_info, len(btf.func_info))
        lines = ctypes.create_string_buffer(btf.line_info, len(btf.line_info))
        attr.prog_btf_fd = btf.btf_fd
        if btf.func_info:
            attr.func_info_rec_size, attr.func_info = btf.func_info_rec_size, _address(funcs)
            attr.func_info_cnt = len(btf.func_info) // btf.func_info_rec_size
        if btf.line_info:
            attr.line_info_rec_size, attr.line_info = btf.line_info_rec_size, _address(lines)
            attr.line_info_cnt = len(btf.line_info) // btf.line_info_rec_size
    return bpf(Cmd.PROG_LOAD, attr, f"loading program {name!r}")


def btf_load(data: bytes, log_buf: ctypes.Array | None = None) -> int:
    raw = ctypes.create_string_buffer(data, len(data))
    attr = _BtfLoadAttr(btf=_address(raw), btf_size=len(data), btf_log_buf=_address(log_buf),
                        btf_log_size=len(log_buf) if log_buf is not None else 0,
                        btf_log_level=1 if log_buf is not None else 0)
    return bpf(Cmd.BTF_LOAD, attr, "loading BTF")


@functools.cache
def possible_cpus() -> int:
    """How many per-CPU slots a per-CPU map value has (like libbpf_num_possible_cpus)."""
    count = 0
    for part in Path("/sys/devices/system/cpu/possible").read_text().strip().split(","):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count


def test_run(prog_fd: int, data: bytes, data_size_out: int, repeat: int = 1, ctx: bytes | None = None,
             ctx_size_out: int | None = None, flags: int = 0) -> tuple[int, bytes, int, bytes | None]:
    """BPF_PROG_TEST_RUN: (retval, data out, duration in ns, ctx out)."""
    data_in = ctypes.create_string_buffer(data, len(data)) if data else None
    data_out = ctypes.create_string_buffer(data_size_out) if data_size_out else None
    attr = _TestRunAttr(prog_fd=prog_fd, data_size_in=len(data), data_in=_address(data_in),
                        data_size_out=data_size_out, data_out=_address(data_out), repeat=repeat, flags=flags)
    ctx_out = None
    if ctx is not None:
        ctx_in = ctypes.create_string_buffer(ctx, len(ctx))
        cap = len(ctx) if ctx_size_out is None else ctx_size_out
        ctx_out = ctypes.create_string_buffer(cap)
        attr.ctx_in, attr.ctx_size_in = _address(ctx_in), len(ctx)
        attr.ctx_out, attr.ctx_size_out = _address(ctx_out), cap
    bpf(Cmd.PROG_TEST_RUN, attr, f"BPF_PROG_TEST_RUN (data {len(data)} bytes, data_size_out {data_size_out})")
    out = data_out.raw[:attr.data_size_out] if data_out is not None else b""
    return attr.retval, out, attr.duration, ctx_out.raw[:attr.ctx_size_out] if ctx_out is not None else None


# --- pinning ----------------------------------------------------------------------------------------

def obj_pin(fd: int, path: str | os.PathLike) -> None:
    p = ctypes.create_string_buffer(os.fsencode(path))
    bpf(Cmd.OBJ_PIN, _ObjAttr(pathname=_address(p), bpf_fd=fd), f"pinning at {os.fspath(path)}")


def obj_get(path: str | os.PathLike) -> int:
    p = ctypes.create_string_buffer(os.fsencode(path))
    return bpf(Cmd.OBJ_GET, _ObjAttr(pathname=_address(p)), f"opening pin {os.fspath(path)}")
