"""Load BPF ELF objects into the running kernel and run them with BPF_PROG_TEST_RUN.

Goes through the system's libbpf (libbpf.so.1, version 1.1.2 on the project machines: the one
iproute2's `tc` and `ip` use), called with ctypes, so an object that loads here loads the same
way with `tc ... bpf da obj` and `ip link set ... xdpgeneric obj`.  Compiler-agnostic: takes ELF
bytes or a path.

    with BpfObject.load(elf_bytes) as obj:
        res = obj.program("xdp_prog").run(frame)
        assert res.retval == XDP_PASS

Section names libbpf 1.1.2 types by itself (exact names, no `/suffix`): `xdp`, `xdp.frags`,
`tc` and `classifier` (both SCHED_CLS), `action` (SCHED_ACT), `socket`, `sk_skb`, ... Any other
section (`tc/ingress`, `xdp/foo`, `prog`) is left untyped and fails to load unless the caller
passes a type: `BpfObject.load(data, prog_type="sched_cls")`.

Not thread-safe: libbpf's print callback is process-global and is swapped in around open/load.
"""
from __future__ import annotations

import ctypes
import enum
import functools
import io
import os
import platform
from dataclasses import dataclass
from errno import ENOENT
from pathlib import Path
from typing import Iterable, Mapping

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

LIBBPF_SONAME = "libbpf.so.1"

# enum libbpf_print_level
LIBBPF_WARN, LIBBPF_INFO, LIBBPF_DEBUG = 0, 1, 2

# Return codes, for readable assertions.
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = range(5)
TC_ACT_UNSPEC, TC_ACT_OK, TC_ACT_RECLASSIFY, TC_ACT_SHOT, TC_ACT_PIPE = -1, 0, 1, 2, 3
TC_ACT_STOLEN, TC_ACT_REDIRECT = 4, 7

DEFAULT_LOG_SIZE = 1 << 20   # per program; the kernel keeps the log's tail if it overflows
DEFAULT_HEADROOM = 4096      # extra data_out room for programs that grow the packet


class ProgType(enum.IntEnum):
    """enum bpf_prog_type (uapi/linux/bpf.h), the packet-related part."""

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

# Map update flags (BPF_ANY etc.)
BPF_ANY, BPF_NOEXIST, BPF_EXIST = 0, 1, 2


class LoadError(Exception):
    """Opening or loading an object failed; `log` holds libbpf's messages and verifier logs."""

    def __init__(self, message: str, log: str = "", *, verifier_logs: Mapping[str, str] | None = None,
                 errno: int | None = None):
        super().__init__(message, log)
        self.message = message
        self.log = log
        self.verifier_logs = dict(verifier_logs or {})
        self.errno = errno

    def __str__(self) -> str:
        return f"{self.message}\n{self.log}" if self.log else self.message


class BpfError(OSError):
    """A bpf() operation on a loaded object failed (test run, map access)."""


# --- ctypes structures, laid out as in libbpf 1.1.2's headers -------------------------------

class _OpenOpts(ctypes.Structure):
    """struct bpf_object_open_opts (libbpf.h, 1.1.2): 80 bytes on LP64."""

    _fields_ = [
        ("sz", ctypes.c_size_t),
        ("object_name", ctypes.c_char_p),
        ("relaxed_maps", ctypes.c_bool),
        ("pin_root_path", ctypes.c_char_p),
        ("_removed_attach_prog_fd", ctypes.c_uint32),   # `__u32 :32`
        ("kconfig", ctypes.c_char_p),
        ("btf_custom_path", ctypes.c_char_p),
        ("kernel_log_buf", ctypes.c_void_p),
        ("kernel_log_size", ctypes.c_size_t),
        ("kernel_log_level", ctypes.c_uint32),
    ]


class _TestRunOpts(ctypes.Structure):
    """struct bpf_test_run_opts (bpf.h, 1.1.2): 80 bytes on LP64."""

    _fields_ = [
        ("sz", ctypes.c_size_t),
        ("data_in", ctypes.c_void_p),
        ("data_out", ctypes.c_void_p),
        ("data_size_in", ctypes.c_uint32),
        ("data_size_out", ctypes.c_uint32),
        ("ctx_in", ctypes.c_void_p),
        ("ctx_out", ctypes.c_void_p),
        ("ctx_size_in", ctypes.c_uint32),
        ("ctx_size_out", ctypes.c_uint32),
        ("retval", ctypes.c_uint32),
        ("repeat", ctypes.c_int),
        ("duration", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("cpu", ctypes.c_uint32),
        ("batch_size", ctypes.c_uint32),
    ]


assert ctypes.sizeof(_OpenOpts) == 80 and ctypes.sizeof(_TestRunOpts) == 80

# int (*libbpf_print_fn_t)(enum libbpf_print_level, const char *fmt, va_list ap): on x86-64 a
# va_list argument arrives as a pointer, which vsnprintf accepts as is.
_PRINT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


@functools.cache
def libbpf() -> ctypes.CDLL:
    """The system libbpf with the prototypes this module uses (loaded once, lazily)."""
    lib = ctypes.CDLL(LIBBPF_SONAME, use_errno=True)
    P, I, U32, SZ, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_char_p
    protos = {
        "libbpf_set_print": (P, [P]),
        "libbpf_num_possible_cpus": (I, []),
        "libbpf_probe_bpf_prog_type": (I, [I, P]),
        "libbpf_prog_type_by_name": (I, [S, ctypes.POINTER(I), ctypes.POINTER(I)]),
        "bpf_object__open_mem": (P, [P, SZ, ctypes.POINTER(_OpenOpts)]),
        "bpf_object__load": (I, [P]),
        "bpf_object__close": (None, [P]),
        "bpf_object__next_program": (P, [P, P]),
        "bpf_object__next_map": (P, [P, P]),
        "bpf_program__name": (S, [P]),
        "bpf_program__section_name": (S, [P]),
        "bpf_program__fd": (I, [P]),
        "bpf_program__type": (I, [P]),
        "bpf_program__set_type": (I, [P, I]),
        "bpf_program__set_log_buf": (I, [P, P, SZ]),
        "bpf_program__set_log_level": (I, [P, U32]),
        "bpf_program__set_autoload": (I, [P, ctypes.c_bool]),
        "bpf_map__name": (S, [P]),
        "bpf_map__fd": (I, [P]),
        "bpf_map__type": (I, [P]),
        "bpf_map__key_size": (U32, [P]),
        "bpf_map__value_size": (U32, [P]),
        "bpf_map__max_entries": (U32, [P]),
        "bpf_map__is_internal": (ctypes.c_bool, [P]),
        "bpf_map_lookup_elem": (I, [I, P, P]),
        "bpf_map_update_elem": (I, [I, P, P, ctypes.c_uint64]),
        "bpf_map_delete_elem": (I, [I, P]),
        "bpf_map_get_next_key": (I, [I, P, P]),
        "bpf_prog_test_run_opts": (I, [I, ctypes.POINTER(_TestRunOpts)]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.vsnprintf.restype = ctypes.c_int
    libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    return libc


class _LibbpfMessages:
    """Route libbpf's print callback into a list while open/load run, then restore the old one."""

    BUF_SIZE = 1 << 16

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []
        self._callback = _PRINT_FN(self._print)   # kept referenced while installed
        self._previous: int | None = None
        self._buf = ctypes.create_string_buffer(self.BUF_SIZE)

    def _print(self, level: int, fmt: bytes, args: int) -> int:
        if platform.machine() in ("x86_64", "AMD64"):
            n = _libc().vsnprintf(self._buf, self.BUF_SIZE, fmt, args)
            text = self._buf.value.decode(errors="replace")
            if n >= self.BUF_SIZE:
                text += "[message truncated]\n"
        else:  # va_list is not a plain pointer elsewhere: keep the format string
            text = fmt.decode(errors="replace")
        self.messages.append((level, text))
        return 0

    def __enter__(self) -> "_LibbpfMessages":
        lib = libbpf()
        self._previous = lib.libbpf_set_print(ctypes.cast(self._callback, ctypes.c_void_p))
        return self

    def __exit__(self, *exc) -> None:
        libbpf().libbpf_set_print(self._previous)

    def text(self, max_level: int = LIBBPF_INFO) -> str:
        return "".join(msg for level, msg in self.messages if level <= max_level)


def _errno_of(rc: int) -> int:
    """libbpf 1.x returns -errno from int APIs; NULL-returning ones leave it in errno."""
    return -rc if rc < 0 else (ctypes.get_errno() or 0)


def _prog_type(value: int | str | ProgType) -> int:
    if isinstance(value, str):
        return ProgType[value.upper()]
    return int(value)


def section_prog_type(section: str) -> int | None:
    """The program type libbpf derives from a section name, or None if libbpf doesn't know it."""
    prog_type, attach_type = ctypes.c_int(), ctypes.c_int()
    rc = libbpf().libbpf_prog_type_by_name(section.encode(), ctypes.byref(prog_type), ctypes.byref(attach_type))
    return prog_type.value if rc == 0 else None


def kernel_support() -> str | None:
    """None if this process can load and test-run XDP and tc programs, else the reason why not."""
    if os.geteuid() != 0:
        return "not root (BPF_PROG_LOAD of XDP/tc programs needs CAP_BPF+CAP_NET_ADMIN)"
    try:
        lib = libbpf()
    except OSError as e:
        return f"cannot load {LIBBPF_SONAME}: {e}"
    for ptype in (ProgType.XDP, ProgType.SCHED_CLS):
        rc = lib.libbpf_probe_bpf_prog_type(ptype, None)
        if rc != 1:
            why = os.strerror(-rc) if rc < 0 else "not supported"
            return f"kernel cannot load BPF_PROG_TYPE_{ptype.name}: {why}"
    return None


def _read_object(data_or_path: bytes | bytearray | memoryview | str | os.PathLike) -> tuple[bytes, str]:
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        return bytes(data_or_path), "<memory>"
    path = Path(data_or_path)
    return path.read_bytes(), str(path)


# --- loaded objects -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    """What BPF_PROG_TEST_RUN gave back: return value, output packet, ns per run, output context."""

    retval: int
    data: bytes
    duration: int
    ctx: bytes | None = None

    @property
    def sretval(self) -> int:
        """retval as a signed 32-bit value (TC_ACT_UNSPEC is -1)."""
        return self.retval - (1 << 32) if self.retval & 0x80000000 else self.retval


@dataclass(eq=False)
class Program:
    """A loaded program; valid until its BpfObject is closed."""

    name: str
    section: str
    fd: int
    type: int
    verifier_log: str = ""

    def run(self, data: bytes = b"", repeat: int = 1, ctx: bytes | None = None,
            data_size_out: int | None = None, ctx_size_out: int | None = None, flags: int = 0) -> RunResult:
        """Run once (or `repeat` times) on `data` with BPF_PROG_TEST_RUN.

        XDP and skb programs need data of at least 14 bytes (an Ethernet header) and at most
        about a page.  `data_size_out` defaults to len(data) + DEFAULT_HEADROOM; the kernel fails
        with ENOSPC if the output packet does not fit.  `ctx` is an input context (e.g. a
        struct __sk_buff for tc programs); when given, the output context comes back in `ctx`.
        """
        data = bytes(data)
        out_size = len(data) + DEFAULT_HEADROOM if data_size_out is None else data_size_out
        data_in = ctypes.create_string_buffer(data, len(data)) if data else None
        data_out = ctypes.create_string_buffer(out_size) if out_size else None
        opts = _TestRunOpts(sz=ctypes.sizeof(_TestRunOpts), repeat=repeat, flags=flags)
        if data_in is not None:
            opts.data_in, opts.data_size_in = ctypes.addressof(data_in), len(data)
        if data_out is not None:
            opts.data_out, opts.data_size_out = ctypes.addressof(data_out), out_size
        ctx_in = ctx_out = None
        if ctx is not None:
            ctx_in = ctypes.create_string_buffer(bytes(ctx), len(ctx))
            opts.ctx_in, opts.ctx_size_in = ctypes.addressof(ctx_in), len(ctx)
            ctx_cap = len(ctx) if ctx_size_out is None else ctx_size_out
            ctx_out = ctypes.create_string_buffer(ctx_cap)
            opts.ctx_out, opts.ctx_size_out = ctypes.addressof(ctx_out), ctx_cap
        rc = libbpf().bpf_prog_test_run_opts(self.fd, ctypes.byref(opts))
        if rc < 0:
            err = _errno_of(rc)
            raise BpfError(err, f"BPF_PROG_TEST_RUN of {self.name!r} failed: {os.strerror(err)}"
                           f" (data {len(data)} bytes, data_size_out {out_size})")
        out = data_out.raw[:opts.data_size_out] if data_out is not None else b""
        ctx_bytes = ctx_out.raw[:opts.ctx_size_out] if ctx_out is not None else None
        return RunResult(retval=opts.retval, data=out, duration=opts.duration, ctx=ctx_bytes)


@dataclass(eq=False)
class Map:
    """A created map; keys and values are bytes (int keys are packed little-endian to key_size)."""

    name: str
    fd: int
    type: int
    key_size: int
    value_size: int
    max_entries: int
    internal: bool   # .data/.bss/.rodata backing map, named "<object>.<section>"

    @property
    def percpu(self) -> bool:
        return self.type in PERCPU_MAP_TYPES

    def _key(self, key: bytes | int) -> ctypes.Array:
        if isinstance(key, int):
            key = key.to_bytes(self.key_size, "little")
        if len(key) != self.key_size:
            raise ValueError(f"map {self.name!r}: key is {len(key)} bytes, key_size is {self.key_size}")
        return ctypes.create_string_buffer(bytes(key), self.key_size)

    def _value_cap(self) -> int:
        if self.percpu:  # one 8-byte-aligned slot per possible CPU
            return (self.value_size + 7) // 8 * 8 * libbpf().libbpf_num_possible_cpus()
        return self.value_size

    def lookup(self, key: bytes | int) -> bytes | list[bytes] | None:
        """The value (a list with one value per possible CPU for per-CPU maps), or None if absent."""
        k = self._key(key)
        v = ctypes.create_string_buffer(self._value_cap())
        rc = libbpf().bpf_map_lookup_elem(self.fd, k, v)
        if rc < 0:
            err = _errno_of(rc)
            if err == ENOENT:
                return None
            raise BpfError(err, f"lookup in map {self.name!r}: {os.strerror(err)}")
        if self.percpu:
            stride = (self.value_size + 7) // 8 * 8
            return [v.raw[i:i + self.value_size] for i in range(0, len(v.raw), stride)]
        return v.raw

    def __getitem__(self, key: bytes | int) -> bytes | list[bytes]:
        value = self.lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def update(self, key: bytes | int, value: bytes | Iterable[bytes], flags: int = BPF_ANY) -> None:
        """Set a value; for per-CPU maps `value` is one value (copied to every CPU) or a list."""
        if self.percpu:
            stride = (self.value_size + 7) // 8 * 8
            ncpu = libbpf().libbpf_num_possible_cpus()
            values = [bytes(value)] * ncpu if isinstance(value, (bytes, bytearray)) else [bytes(x) for x in value]
            if len(values) != ncpu or any(len(x) != self.value_size for x in values):
                raise ValueError(f"map {self.name!r}: need {ncpu} values of {self.value_size} bytes")
            raw = b"".join(x.ljust(stride, b"\0") for x in values)
        else:
            raw = bytes(value)
            if len(raw) != self.value_size:
                raise ValueError(f"map {self.name!r}: value is {len(raw)} bytes, value_size is {self.value_size}")
        v = ctypes.create_string_buffer(raw, len(raw))
        rc = libbpf().bpf_map_update_elem(self.fd, self._key(key), v, flags)
        if rc < 0:
            err = _errno_of(rc)
            raise BpfError(err, f"update of map {self.name!r}: {os.strerror(err)}")

    def __setitem__(self, key: bytes | int, value: bytes) -> None:
        self.update(key, value)

    def delete(self, key: bytes | int) -> bool:
        """Delete a key; False if it was absent (array maps refuse deletes with EINVAL)."""
        rc = libbpf().bpf_map_delete_elem(self.fd, self._key(key))
        if rc < 0:
            err = _errno_of(rc)
            if err == ENOENT:
                return False
            raise BpfError(err, f"delete from map {self.name!r}: {os.strerror(err)}")
        return True

    def keys(self) -> list[bytes]:
        """All keys, by BPF_MAP_GET_NEXT_KEY from the start (bounded by max_entries)."""
        lib = libbpf()
        keys: list[bytes] = []
        prev = None
        nxt = ctypes.create_string_buffer(self.key_size)
        while len(keys) <= self.max_entries:
            rc = lib.bpf_map_get_next_key(self.fd, prev, nxt)
            if rc < 0:
                err = _errno_of(rc)
                if err == ENOENT:  # past the last key
                    return keys
                raise BpfError(err, f"iterating map {self.name!r}: {os.strerror(err)}")
            keys.append(nxt.raw)
            prev = ctypes.create_string_buffer(nxt.raw, self.key_size)
        raise BpfError(0, f"map {self.name!r}: more than max_entries keys while iterating (concurrent updates?)")

    def items(self) -> list[tuple[bytes, bytes | list[bytes]]]:
        out = []
        for k in self.keys():
            v = self.lookup(k)
            if v is not None:
                out.append((k, v))
        return out


class BpfObject:
    """An object opened and loaded by libbpf; a context manager that closes it (fds and all)."""

    def __init__(self, handle: int, data: ctypes.Array, programs: dict[str, Program], maps: dict[str, Map],
                 libbpf_log: str, btf_log: str, keepalive: list) -> None:
        self._handle: int | None = handle
        self._data = data            # libbpf parses the ELF in place
        self._keepalive = keepalive  # log buffers libbpf holds pointers to
        self.programs = programs
        self.maps = maps
        self.libbpf_log = libbpf_log
        self.btf_log = btf_log

    @classmethod
    def load(cls, data_or_path: bytes | str | os.PathLike, *, prog_type: int | str | None = None,
             prog_types: Mapping[str, int | str] | None = None, only: Iterable[str] | None = None,
             log_level: int = 0, log_size: int = DEFAULT_LOG_SIZE, object_name: str = "bpfcc") -> "BpfObject":
        """Open and load an ELF object (bytes or path).

        prog_type: type for programs whose section libbpf does not recognise (e.g. "sched_cls").
        prog_types: explicit types by program name or section name; wins over libbpf's own choice.
        only: load just these programs (names or sections); the others get autoload off.
        log_level: 0 = verifier log only on failure; 1/2 = always (stored in Program.verifier_log).
        object_name: prefix of internal map names ("bpfcc.bss").
        Raises LoadError with libbpf's messages and the verifier log.
        """
        raw, origin = _read_object(data_or_path)
        lib = libbpf()
        buf = ctypes.create_string_buffer(raw, len(raw))
        btf_log = ctypes.create_string_buffer(log_size)
        name = object_name.encode()
        opts = _OpenOpts(sz=ctypes.sizeof(_OpenOpts), object_name=name,
                         kernel_log_buf=ctypes.addressof(btf_log), kernel_log_size=log_size)
        explicit = {k: _prog_type(v) for k, v in (prog_types or {}).items()}
        wanted = set(only) if only is not None else None
        with _LibbpfMessages() as msgs:
            handle = lib.bpf_object__open_mem(buf, len(raw), ctypes.byref(opts))
            if not handle:
                err = ctypes.get_errno()
                raise LoadError(f"libbpf could not open {origin}: {os.strerror(err)}", msgs.text(), errno=err)
            keepalive: list = [name, btf_log]
            logs: dict[str, ctypes.Array] = {}
            try:
                for prog in _iterate(lib.bpf_object__next_program, handle):
                    pname = lib.bpf_program__name(prog).decode()
                    psec = lib.bpf_program__section_name(prog).decode()
                    if wanted is not None and pname not in wanted and psec not in wanted:
                        lib.bpf_program__set_autoload(prog, False)
                        continue
                    forced = explicit.get(pname, explicit.get(psec))
                    if forced is None and lib.bpf_program__type(prog) == ProgType.UNSPEC and prog_type is not None:
                        forced = _prog_type(prog_type)
                    if forced is not None:
                        _check(lib.bpf_program__set_type(prog, forced), f"bpf_program__set_type({pname})")
                    log = ctypes.create_string_buffer(log_size)
                    _check(lib.bpf_program__set_log_buf(prog, log, log_size), f"bpf_program__set_log_buf({pname})")
                    if log_level:
                        _check(lib.bpf_program__set_log_level(prog, log_level), "bpf_program__set_log_level")
                    logs[pname] = log
                keepalive.extend(logs.values())
                rc = lib.bpf_object__load(handle)
                if rc < 0:
                    err = _errno_of(rc)
                    vlogs = {p: b.value.decode(errors="replace") for p, b in logs.items() if b.value}
                    text = msgs.text()
                    for p, vlog in vlogs.items():
                        text += f"--- verifier log of {p} ---\n{vlog}"
                    if btf_log.value:
                        text += f"--- BTF log ---\n{btf_log.value.decode(errors='replace')}"
                    raise LoadError(f"libbpf could not load {origin}: {os.strerror(err)}", text,
                                    verifier_logs=vlogs, errno=err)
                programs = {}
                for prog in _iterate(lib.bpf_object__next_program, handle):
                    pname = lib.bpf_program__name(prog).decode()
                    fd = lib.bpf_program__fd(prog)
                    if fd < 0:  # autoload off
                        continue
                    programs[pname] = Program(
                        name=pname, section=lib.bpf_program__section_name(prog).decode(), fd=fd,
                        type=lib.bpf_program__type(prog),
                        verifier_log=logs[pname].value.decode(errors="replace") if pname in logs else "")
                maps = {}
                for m in _iterate(lib.bpf_object__next_map, handle):
                    mname = lib.bpf_map__name(m).decode()
                    maps[mname] = Map(name=mname, fd=lib.bpf_map__fd(m), type=lib.bpf_map__type(m),
                                      key_size=lib.bpf_map__key_size(m), value_size=lib.bpf_map__value_size(m),
                                      max_entries=lib.bpf_map__max_entries(m), internal=lib.bpf_map__is_internal(m))
            except BaseException:
                lib.bpf_object__close(handle)
                raise
        return cls(handle, buf, programs, maps, msgs.text(), btf_log.value.decode(errors="replace"), keepalive)

    def program(self, name_or_section: str) -> Program:
        """A program by function name, or by section name if exactly one program has it."""
        if name_or_section in self.programs:
            return self.programs[name_or_section]
        hits = [p for p in self.programs.values() if p.section == name_or_section]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise KeyError(f"section {name_or_section!r} holds several programs: {[p.name for p in hits]}")
        known = [f"{p.name} ({p.section})" for p in self.programs.values()]
        raise KeyError(f"no program or section {name_or_section!r}; loaded: {known}")

    def map(self, name: str) -> Map:
        """A map by name; internal maps also by their section (".bss", ".data", ".rodata")."""
        if name in self.maps:
            return self.maps[name]
        hits = [m for m in self.maps.values() if m.internal and m.name.endswith(name)]
        if len(hits) == 1:
            return hits[0]
        raise KeyError(f"no map {name!r}; maps: {sorted(self.maps)}")

    def close(self) -> None:
        if self._handle is not None:
            libbpf().bpf_object__close(self._handle)
            self._handle = None
            for p in self.programs.values():
                p.fd = -1
            for m in self.maps.values():
                m.fd = -1

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "BpfObject":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _iterate(next_fn, handle: int):
    item = next_fn(handle, None)
    while item:
        yield item
        item = next_fn(handle, item)


def _check(rc: int, what: str) -> None:
    if rc < 0:
        err = -rc
        raise LoadError(f"{what} failed: {os.strerror(err)}", errno=err)


# --- static inspection --------------------------------------------------------------------------

BPF_INSN_SIZE = 8
_LD_IMM64 = 0x18  # BPF_LD | BPF_IMM | BPF_DW: one instruction in two 8-byte slots


def instruction_count(data_or_path: bytes | str | os.PathLike, name: str, *, wide_as_one: bool = False) -> int:
    """Instructions of a code section, or of one function (a FUNC symbol) if no section has `name`.

    Counts 8-byte slots by default, so a 16-byte ld_imm64 counts 2: the unit of the kernel's
    instruction count, of llvm-objdump's offsets and of jump offsets.  wide_as_one=True counts
    each ld_imm64 once (what a reader of the disassembly would count).
    """
    raw, origin = _read_object(data_or_path)
    elf = ELFFile(io.BytesIO(raw))
    section = elf.get_section_by_name(name)
    if section is not None:
        code = section.data()
    else:
        code = None
        symtab = elf.get_section_by_name(".symtab")
        if isinstance(symtab, SymbolTableSection):
            for sym in symtab.iter_symbols():
                if sym.name == name and sym["st_info"]["type"] == "STT_FUNC":
                    sec = elf.get_section(sym["st_shndx"])
                    code = sec.data()[sym["st_value"]:sym["st_value"] + sym["st_size"]]
                    break
        if code is None:
            raise KeyError(f"{origin}: no section or function named {name!r}")
    if len(code) % BPF_INSN_SIZE:
        raise ValueError(f"{origin}: {name!r} is {len(code)} bytes, not a multiple of {BPF_INSN_SIZE}")
    slots = len(code) // BPF_INSN_SIZE
    if not wide_as_one:
        return slots
    count, i = 0, 0
    while i < slots:
        i += 2 if code[i * BPF_INSN_SIZE] == _LD_IMM64 else 1
        count += 1
    return count
