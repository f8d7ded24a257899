"""BTF-style objects (`.maps`, global data, libbpf section names) loaded by the system's libbpf.

libbpf.so.1 (1.1.2 on the project machines) is the library `tc` and `ip` load objects with, so
an object that loads here loads the same way with `tc ... bpf da obj` and `ip link set ...
xdpgeneric obj`, including map pinning: with a bpffs, maps declared with
`__uint(pinning, LIBBPF_PIN_BY_NAME)` are pinned in <bpffs>/tc/globals, where tc pins them.

Not thread-safe: libbpf's print callback is process-global and is swapped in around open/load.
"""
from __future__ import annotations

import ctypes
import functools
import os
import platform
from typing import Iterable, Mapping

from .objects import LoadError, Map, Object, Program
from .syscall import ProgType

SONAME = "libbpf.so.1"

# enum libbpf_print_level
LIBBPF_WARN, LIBBPF_INFO, LIBBPF_DEBUG = 0, 1, 2


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


assert ctypes.sizeof(_OpenOpts) == 80

# int (*libbpf_print_fn_t)(enum libbpf_print_level, const char *fmt, va_list ap): on x86-64 a
# va_list argument arrives as a pointer, which vsnprintf accepts as is.
_PRINT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


@functools.cache
def libbpf() -> ctypes.CDLL:
    """The system libbpf with the prototypes this module uses (loaded once, lazily)."""
    lib = ctypes.CDLL(SONAME, use_errno=True)
    P, I, U32, SZ, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_char_p
    protos = {
        "libbpf_set_print": (P, [P]),
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
        "bpf_map__pin_path": (S, [P]),
        "bpf_map__set_pin_path": (I, [P, S]),
        "bpf_map__is_pinned": (ctypes.c_bool, [P]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


@functools.cache
def _vsnprintf():
    fn = ctypes.CDLL(None).vsnprintf
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    return fn


class _Messages:
    """Route libbpf's print callback into a list while open/load run, then restore the old one."""

    BUF_SIZE = 1 << 16

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []
        self._callback = _PRINT_FN(self._print)   # kept referenced while installed
        self._previous: int | None = None
        self._buf = ctypes.create_string_buffer(self.BUF_SIZE)

    def _print(self, level: int, fmt: bytes, args: int) -> int:
        if platform.machine() in ("x86_64", "AMD64"):
            n = _vsnprintf()(self._buf, self.BUF_SIZE, fmt, args)
            text = self._buf.value.decode(errors="replace")
            if n >= self.BUF_SIZE:
                text += "[message truncated]\n"
        else:  # va_list is not a plain pointer elsewhere: keep the format string
            text = fmt.decode(errors="replace")
        self.messages.append((level, text))
        return 0

    def __enter__(self) -> "_Messages":
        self._previous = libbpf().libbpf_set_print(ctypes.cast(self._callback, ctypes.c_void_p))
        return self

    def __exit__(self, *exc) -> None:
        libbpf().libbpf_set_print(self._previous)

    def text(self, max_level: int = LIBBPF_INFO) -> str:
        return "".join(msg for level, msg in self.messages if level <= max_level)


def _errno_of(rc: int) -> int:
    """libbpf 1.x returns -errno from int APIs; NULL-returning ones leave it in errno."""
    return -rc if rc < 0 else (ctypes.get_errno() or 0)


def _check(rc: int, what: str) -> None:
    if rc < 0:
        raise LoadError(f"{what} failed: {os.strerror(-rc)}", errno=-rc)


def _iterate(next_fn, handle: int):
    item = next_fn(handle, None)
    while item:
        yield item
        item = next_fn(handle, item)


def section_prog_type(section: str) -> int | None:
    """The program type libbpf derives from a section name, or None if libbpf doesn't know it."""
    prog_type, attach_type = ctypes.c_int(), ctypes.c_int()
    rc = libbpf().libbpf_prog_type_by_name(section.encode(), ctypes.byref(prog_type), ctypes.byref(attach_type))
    return prog_type.value if rc == 0 else None


def load(raw: bytes, origin: str, *, pin_root: str | None, prog_type: int | None, prog_types: Mapping[str, int],
         only: Iterable[str] | None, log_level: int, log_size: int, object_name: str) -> Object:
    """Open and load with libbpf; libbpf owns the fds until the Object is closed."""
    lib = libbpf()
    buf = ctypes.create_string_buffer(raw, len(raw))   # libbpf parses the ELF in place
    btf_log = ctypes.create_string_buffer(log_size)
    name = object_name.encode()
    root = pin_root.encode() if pin_root is not None else None
    opts = _OpenOpts(sz=ctypes.sizeof(_OpenOpts), object_name=name, pin_root_path=root,
                     kernel_log_buf=ctypes.addressof(btf_log), kernel_log_size=log_size)
    wanted = set(only) if only is not None else None
    with _Messages() as msgs:
        handle = lib.bpf_object__open_mem(buf, len(raw), ctypes.byref(opts))
        if not handle:
            err = ctypes.get_errno()
            raise LoadError(f"libbpf could not open {origin}: {os.strerror(err)}", msgs.text(), errno=err)
        logs: dict[str, ctypes.Array] = {}
        try:
            for prog in _iterate(lib.bpf_object__next_program, handle):
                pname = lib.bpf_program__name(prog).decode()
                psec = lib.bpf_program__section_name(prog).decode()
                if wanted is not None and pname not in wanted and psec not in wanted:
                    lib.bpf_program__set_autoload(prog, False)
                    continue
                forced = prog_types.get(pname, prog_types.get(psec))
                if forced is None and lib.bpf_program__type(prog) == ProgType.UNSPEC and prog_type is not None:
                    forced = prog_type
                if forced is not None:
                    _check(lib.bpf_program__set_type(prog, forced), f"bpf_program__set_type({pname})")
                log = ctypes.create_string_buffer(log_size)
                _check(lib.bpf_program__set_log_buf(prog, log, log_size), f"bpf_program__set_log_buf({pname})")
                if log_level:
                    _check(lib.bpf_program__set_log_level(prog, log_level), "bpf_program__set_log_level")
                logs[pname] = log
            if pin_root is None:   # pins only where the caller said, never libbpf's default /sys/fs/bpf
                for m in _iterate(lib.bpf_object__next_map, handle):
                    _check(lib.bpf_map__set_pin_path(m, None), "bpf_map__set_pin_path")
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
                pin = lib.bpf_map__pin_path(m) if lib.bpf_map__is_pinned(m) else None
                maps[mname] = Map(name=mname, fd=lib.bpf_map__fd(m), type=lib.bpf_map__type(m),
                                  key_size=lib.bpf_map__key_size(m), value_size=lib.bpf_map__value_size(m),
                                  max_entries=lib.bpf_map__max_entries(m), internal=lib.bpf_map__is_internal(m),
                                  pin_path=pin.decode() if pin is not None else None)
        except BaseException:
            lib.bpf_object__close(handle)
            raise
    keepalive = [buf, btf_log, name, root, logs]   # buffers libbpf holds pointers to

    def close() -> None:
        lib.bpf_object__close(handle)
        keepalive.clear()
    return Object(programs, maps, close, log=msgs.text())
