"""Attach loaded programs where tc and ip do not: perf events (tracepoints, uprobes and kprobes,
CPU-clock sampling), raw tracepoints and BTF tracepoints, BPF iterators, cgroups, network
namespaces and sockets; and read what they leave behind (ring buffers, global variables).

    with tracing.tracefs(tmp_path / "tracefs") as fs:              # private tracefs mount
        with tracing.tracepoint(prog.fd, fs, "syscalls", "sys_enter_getpid"):
            os.getpid()
    with tracing.uprobe(prog.fd, libc, tracing.symbol_offset(libc, "kill")):
        os.kill(os.getpid(), 0)
    with tracing.cgroup("meter") as cg, tracing.cgroup_attached(prog.fd, cg.fd, tracing.CGROUP_INET_EGRESS):
        cg.run(["python3", "-c", ...], netns="bpfcc-...")        # a process inside the cgroup
    events = tracing.RingBuffer(obj.map("rb")).records()

Every attachment is a context manager that detaches (closes its fd) on exit, so nothing
outlives a test.  Everything here goes through bpf(2), perf_event_open(2), ioctl(2) and
setsockopt(2) directly; libbpf only loaded the programs (bpfcc.loader).
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import mmap
import os
import platform
import secrets
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from elftools.elf.elffile import ELFFile

from bpfcc.loader import Map, Object, syscall

from . import bpf

# perf_event_open(2)
_NR_PERF_EVENT_OPEN = {"x86_64": 298, "aarch64": 241}
PERF_TYPE_SOFTWARE, PERF_TYPE_TRACEPOINT = 1, 2
PERF_COUNT_SW_CPU_CLOCK = 0
PERF_FLAG_FD_CLOEXEC = 8
PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_SET_BPF = 0x2400, 0x40042408
EVENT_SOURCES = Path("/sys/bus/event_source/devices")

# bpf(2) commands and attach types (enum bpf_cmd, enum bpf_attach_type)
BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_RAW_TRACEPOINT_OPEN, BPF_LINK_CREATE, BPF_ITER_CREATE = 8, 9, 17, 28, 33
CGROUP_INET_INGRESS, CGROUP_INET_EGRESS, CGROUP_INET4_CONNECT = 0, 1, 10
TRACE_ITER, SK_LOOKUP = 28, 36

SO_ATTACH_BPF, SO_COOKIE = 50, 57

CGROUP2_FSTYPE = "cgroup2"
NETNS_DIR = "/run/netns"

U32, U64 = ctypes.c_uint32, ctypes.c_uint64


class PerfEventAttr(ctypes.Structure):
    """The leading part of struct perf_event_attr (PERF_ATTR_SIZE_VER1, 72 bytes)."""

    _fields_ = [("type", U32), ("size", U32), ("config", U64), ("sample_period", U64), ("sample_type", U64),
                ("read_format", U64), ("flags", U64), ("wakeup_events", U32), ("bp_type", U32),
                ("config1", U64), ("config2", U64)]


assert ctypes.sizeof(PerfEventAttr) == 72


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> int:
    if rc < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return rc


def perf_event_open(attr: PerfEventAttr, pid: int, cpu: int) -> int:
    attr.size = ctypes.sizeof(attr)
    fn = _libc().syscall
    fn.restype = ctypes.c_long
    nr = _NR_PERF_EVENT_OPEN[platform.machine()]
    return _check(fn(ctypes.c_long(nr), ctypes.byref(attr), ctypes.c_int(pid), ctypes.c_int(cpu),
                     ctypes.c_int(-1), ctypes.c_ulong(PERF_FLAG_FD_CLOEXEC)),
                  f"perf_event_open(type {attr.type}, config {attr.config:#x})")


def _ioctl(fd: int, request: int, arg: int, what: str) -> None:
    fn = _libc().ioctl
    fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
    _check(fn(fd, request, arg), what)


@contextlib.contextmanager
def _perf_attached(prog_fd: int, pfd: int) -> Iterator[int]:
    """Run prog_fd on every firing of perf event pfd while the block runs."""
    try:
        _ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd, "PERF_EVENT_IOC_SET_BPF")
        _ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0, "PERF_EVENT_IOC_ENABLE")
        yield pfd
    finally:
        os.close(pfd)


# --- tracefs, tracepoints ---------------------------------------------------------------------

def tracefs(path: str | os.PathLike) -> contextlib.AbstractContextManager[Path]:
    """tracefs mounted on `path` in a private mount namespace, reached as /proc/<holder>/root/<path>.

    The host has no tracefs mounted; a private mount leaves it so."""
    return bpf.private_mount("tracefs", path)


def tracepoint(prog_fd: int, fs: Path, category: str, name: str) -> contextlib.AbstractContextManager[int]:
    """A BPF_PROG_TYPE_TRACEPOINT program on tracepoint category:name (as libbpf does: pid -1, cpu 0)."""
    tp_id = int((fs / "events" / category / name / "id").read_text())
    attr = PerfEventAttr(type=PERF_TYPE_TRACEPOINT, config=tp_id, sample_period=1, wakeup_events=1)
    return _perf_attached(prog_fd, perf_event_open(attr, -1, 0))


# --- uprobes and kprobes ------------------------------------------------------------------------

def pmu_available(name: str) -> bool:
    return (EVENT_SOURCES / name / "type").exists()


def _probe(prog_fd: int, pmu: str, config1: bytes, config2: int, retprobe: bool):
    pmu_dir = EVENT_SOURCES / pmu
    attr = PerfEventAttr(type=int((pmu_dir / "type").read_text()), sample_period=1, wakeup_events=1)
    if retprobe:   # format/retprobe reads "config:<bit>"
        attr.config |= 1 << int((pmu_dir / "format" / "retprobe").read_text().split(":")[1])
    target = ctypes.create_string_buffer(config1)
    attr.config1, attr.config2 = ctypes.addressof(target), config2
    return _perf_attached(prog_fd, perf_event_open(attr, -1, 0))


def uprobe(prog_fd: int, binary: str | os.PathLike, offset: int, *, retprobe: bool = False):
    """A kprobe-type program on the instruction at file offset `offset` of `binary`, in every process."""
    return _probe(prog_fd, "uprobe", os.fsencode(binary), offset, retprobe)


def kprobe(prog_fd: int, function: str, *, retprobe: bool = False):
    """A kprobe-type program on kernel function `function` (needs CONFIG_KPROBES: pmu_available("kprobe"))."""
    return _probe(prog_fd, "kprobe", function.encode(), 0, retprobe)


def symbol_offset(binary: str | os.PathLike, name: str) -> int:
    """The file offset of dynamic symbol `name` in an ELF shared object or executable."""
    with open(binary, "rb") as f:
        elf = ELFFile(f)
        symbols = elf.get_section_by_name(".dynsym")
        hits = symbols.get_symbol_by_name(name) if symbols is not None else None
        if not hits or hits[0]["st_value"] == 0:
            raise KeyError(f"{binary}: no defined dynamic symbol {name!r}")
        vaddr = hits[0]["st_value"]
        for seg in elf.iter_segments(type="PT_LOAD"):
            if seg["p_vaddr"] <= vaddr < seg["p_vaddr"] + seg["p_memsz"]:
                return vaddr - seg["p_vaddr"] + seg["p_offset"]
    raise KeyError(f"{binary}: symbol {name!r} at {vaddr:#x} is in no loadable segment")


def mapped_library(prefix: str) -> Path:
    """The file of a shared library this process has mapped, e.g. mapped_library("libc.so")."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and os.path.basename(parts[5]).startswith(prefix):
            return Path(parts[5])
    raise FileNotFoundError(f"no mapped library named {prefix}*")


# --- CPU-clock sampling --------------------------------------------------------------------------

def cpu_clock_sampling(prog_fd: int, pid: int, period_ns: int):
    """A perf_event program run every `period_ns` of CPU time that process `pid` uses."""
    attr = PerfEventAttr(type=PERF_TYPE_SOFTWARE, config=PERF_COUNT_SW_CPU_CLOCK, sample_period=period_ns)
    return _perf_attached(prog_fd, perf_event_open(attr, pid, -1))


# --- bpf(2) attachments ----------------------------------------------------------------------------

class _RawTracepointAttr(ctypes.Structure):
    _fields_ = [("name", U64), ("prog_fd", U32)]


class _LinkCreateAttr(ctypes.Structure):
    _fields_ = [("prog_fd", U32), ("target_fd", U32), ("attach_type", U32), ("flags", U32),
                ("iter_info", U64), ("iter_info_len", U32)]


class _ProgAttachAttr(ctypes.Structure):
    _fields_ = [("target_fd", U32), ("attach_bpf_fd", U32), ("attach_type", U32), ("attach_flags", U32)]


class _IterCreateAttr(ctypes.Structure):
    _fields_ = [("link_fd", U32), ("flags", U32)]


@contextlib.contextmanager
def _fd(fd: int) -> Iterator[int]:
    try:
        yield fd
    finally:
        os.close(fd)


def raw_tracepoint(prog_fd: int, name: str | None):
    """BPF_RAW_TRACEPOINT_OPEN: a raw_tp program on tracepoint `name`, or (name None) a tp_btf
    program on the tracepoint its BTF id names."""
    buf = ctypes.create_string_buffer(name.encode()) if name is not None else None
    attr = _RawTracepointAttr(name=ctypes.addressof(buf) if buf is not None else 0, prog_fd=prog_fd)
    return _fd(syscall.bpf(BPF_RAW_TRACEPOINT_OPEN, attr, f"BPF_RAW_TRACEPOINT_OPEN({name})"))


def link(prog_fd: int, target_fd: int, attach_type: int):
    """BPF_LINK_CREATE; the link (and the attachment) ends when the block does."""
    attr = _LinkCreateAttr(prog_fd=prog_fd, target_fd=target_fd, attach_type=attach_type)
    return _fd(syscall.bpf(BPF_LINK_CREATE, attr, f"BPF_LINK_CREATE(attach type {attach_type})"))


def read_iterator(prog_fd: int) -> str:
    """Everything a BPF iterator program (iter/...) prints, read once to the end."""
    with link(prog_fd, 0, TRACE_ITER) as link_fd:
        fd = syscall.bpf(BPF_ITER_CREATE, _IterCreateAttr(link_fd=link_fd), "BPF_ITER_CREATE")
        with os.fdopen(fd, "rb") as f:
            return f.read().decode(errors="replace")


@contextlib.contextmanager
def cgroup_attached(prog_fd: int, cgroup_fd: int, attach_type: int) -> Iterator[None]:
    """BPF_PROG_ATTACH to a cgroup, BPF_PROG_DETACH at the end."""
    attr = _ProgAttachAttr(target_fd=cgroup_fd, attach_bpf_fd=prog_fd, attach_type=attach_type)
    syscall.bpf(BPF_PROG_ATTACH, attr, f"BPF_PROG_ATTACH(attach type {attach_type})")
    try:
        yield
    finally:
        syscall.bpf(BPF_PROG_DETACH, attr, f"BPF_PROG_DETACH(attach type {attach_type})")


def attach_socket_filter(sock, prog_fd: int) -> None:
    """SO_ATTACH_BPF: run a socket filter program on what `sock` receives."""
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_BPF, prog_fd)


def socket_cookie(sock) -> int:
    return struct.unpack("<Q", sock.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]


@contextlib.contextmanager
def netns_fd(name: str) -> Iterator[int]:
    """An fd of network namespace `name` (for BPF_LINK_CREATE targets)."""
    with _fd(os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY | os.O_CLOEXEC)) as fd:
        yield fd


# --- cgroups ---------------------------------------------------------------------------------------

def cgroup2_root() -> Path:
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _, mountpoint, fstype, *_ = line.split()
        if fstype == CGROUP2_FSTYPE:
            return Path(mountpoint)
    raise FileNotFoundError("no cgroup2 filesystem mounted")


@dataclass(frozen=True)
class Cgroup:
    path: Path
    fd: int

    def run(self, argv: Sequence[str], *, netns: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run argv as a process of this cgroup (inside network namespace `netns`, if given)."""
        inner = ["ip", "netns", "exec", netns, *argv] if netns is not None else list(argv)
        return subprocess.run(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path), *inner],
                              capture_output=True, timeout=timeout, check=True)


@contextlib.contextmanager
def cgroup(tag: str) -> Iterator[Cgroup]:
    """A new cgroup v2 `bpfcc-<pid>-<random>-<tag>`, removed (its processes killed) at the end."""
    path = cgroup2_root() / f"bpfcc-{os.getpid()}-{secrets.token_hex(3)}-{tag}"
    path.mkdir()
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield Cgroup(path, fd)
    finally:
        os.close(fd)
        _remove_cgroup(path)


def _remove_cgroup(path: Path) -> None:
    for _ in range(100):
        for pid in (path / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        try:
            path.rmdir()
            return
        except OSError:   # EBUSY until the killed processes are gone
            time.sleep(0.01)
    path.rmdir()


# --- what programs leave behind ---------------------------------------------------------------------

_RINGBUF_BUSY, _RINGBUF_DISCARD, _RINGBUF_HDR = 1 << 31, 1 << 30, 8


class RingBuffer:
    """A BPF_MAP_TYPE_RINGBUF read from user space as libbpf's ring_buffer__consume does: the
    consumer position page is mapped writable, the producer page and the (double-mapped) data
    read-only."""

    def __init__(self, ringbuf: Map) -> None:
        page = mmap.PAGESIZE
        self.size = ringbuf.max_entries
        self._consumer = mmap.mmap(ringbuf.fd, page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self._producer = mmap.mmap(ringbuf.fd, page + 2 * self.size, mmap.MAP_SHARED, mmap.PROT_READ,
                                   offset=page)
        self._data = page

    def records(self) -> list[bytes]:
        """Every committed record not read yet, oldest first."""
        out = []
        cons = struct.unpack_from("<Q", self._consumer, 0)[0]
        prod = struct.unpack_from("<Q", self._producer, 0)[0]
        while cons < prod:
            start = self._data + (cons & (self.size - 1))
            length = struct.unpack_from("<I", self._producer, start)[0]
            if length & _RINGBUF_BUSY:
                break
            size = length & ~(_RINGBUF_BUSY | _RINGBUF_DISCARD)
            if not length & _RINGBUF_DISCARD:
                out.append(bytes(self._producer[start + _RINGBUF_HDR:start + _RINGBUF_HDR + size]))
            cons += (size + _RINGBUF_HDR + 7) // 8 * 8
            struct.pack_into("<Q", self._consumer, 0, cons)
        return out

    def close(self) -> None:
        self._consumer.close()
        self._producer.close()


def global_variable(elf: bytes, name: str) -> tuple[str, int, int]:
    """(section, offset, size) of global variable `name` in a BPF object."""
    with _elf(elf) as f:
        symtab = f.get_section_by_name(".symtab")
        for sym in symtab.get_symbol_by_name(name) or ():
            if sym["st_info"]["type"] == "STT_OBJECT":
                return f.get_section(sym["st_shndx"]).name, sym["st_value"], sym["st_size"]
    raise KeyError(f"no global variable {name!r}")


def with_rodata(elf: bytes, **values: int) -> bytes:
    """The object with `const volatile` globals given initial values, as a skeleton sets them
    between open and load (ints of the variable's size, little-endian)."""
    out = bytearray(elf)
    with _elf(elf) as f:
        for name, value in values.items():
            section, offset, size = global_variable(elf, name)
            if section != ".rodata":
                raise ValueError(f"{name} is in {section}, not .rodata")
            start = f.get_section_by_name(".rodata")["sh_offset"] + offset
            out[start:start + size] = value.to_bytes(size, "little", signed=value < 0)
    return bytes(out)


def set_global(obj: Object, elf: bytes, name: str, value: int) -> None:
    """Set a global in a loaded object's .bss/.data map (what skel->bss->name = value does)."""
    section, offset, size = global_variable(elf, name)
    internal = obj.map(section)
    image = bytearray(internal.lookup(0))
    image[offset:offset + size] = value.to_bytes(size, "little", signed=value < 0)
    internal.update(0, bytes(image))


def global_bytes(obj: Object, elf: bytes, name: str) -> bytes:
    """The current value of a global in a loaded object's .bss/.data map."""
    section, offset, size = global_variable(elf, name)
    return obj.map(section).lookup(0)[offset:offset + size]


# --- test runs the loader's Program.run cannot make ----------------------------------------------------

class _TestRunAttr(ctypes.Structure):
    _fields_ = [("prog_fd", U32), ("retval", U32), ("data_size_in", U32), ("data_size_out", U32),
                ("data_in", U64), ("data_out", U64), ("repeat", U32), ("duration", U32),
                ("ctx_size_in", U32), ("ctx_size_out", U32), ("ctx_in", U64), ("ctx_out", U64),
                ("flags", U32), ("cpu", U32), ("batch_size", U32)]


def run_with_args(prog_fd: int, args: Sequence[int]) -> int:
    """BPF_PROG_TEST_RUN of a raw_tp program with `args` as its u64 arguments; the return value.

    Raw tracepoint test runs take only an input context: no data, no output context, no repeat
    count (the kernel refuses each with EINVAL), which Program.run always passes.
    """
    ctx = ctypes.create_string_buffer(struct.pack(f"<{len(args)}Q", *args), 8 * len(args))
    attr = _TestRunAttr(prog_fd=prog_fd, ctx_in=ctypes.addressof(ctx), ctx_size_in=8 * len(args))
    syscall.bpf(syscall.Cmd.PROG_TEST_RUN, attr, "BPF_PROG_TEST_RUN (raw_tp)")
    return attr.retval


@contextlib.contextmanager
def _elf(elf: bytes) -> Iterator[ELFFile]:
    yield ELFFile(io.BytesIO(elf))
