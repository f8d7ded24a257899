"""What a load gives back: programs and maps by name, usable from user space through bpf(2).

The same classes serve both loading paths (libbpf and the legacy iproute2 loader); only how an
object's file descriptors are closed differs, so `Object` takes a closing function.
"""
from __future__ import annotations

from dataclasses import dataclass
from errno import ENOENT
from typing import Callable, Iterable, Mapping

from . import syscall
from .syscall import BPF_ANY, PERCPU_MAP_TYPES, BpfError

DEFAULT_HEADROOM = 4096  # extra data_out room for programs that grow the packet


class LoadError(Exception):
    """Opening or loading an object failed; `log` holds the loader's messages and verifier logs."""

    def __init__(self, message: str, log: str = "", *, verifier_logs: Mapping[str, str] | None = None,
                 errno: int | None = None):
        super().__init__(message, log)
        self.message = message
        self.log = log
        self.verifier_logs = dict(verifier_logs or {})
        self.errno = errno

    def __str__(self) -> str:
        return f"{self.message}\n{self.log}" if self.log else self.message


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
    """A loaded program; valid until its Object is closed."""

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
        try:
            retval, out, duration, ctx_out = syscall.test_run(self.fd, data, out_size, repeat,
                                                              None if ctx is None else bytes(ctx), ctx_size_out, flags)
        except BpfError as e:
            raise BpfError(e.errno, f"{e.strerror} (program {self.name!r})") from None
        return RunResult(retval=retval, data=out, duration=duration, ctx=ctx_out)


@dataclass(eq=False)
class Map:
    """A created map; keys and values are bytes (int keys are packed little-endian to key_size)."""

    name: str
    fd: int
    type: int
    key_size: int
    value_size: int
    max_entries: int
    internal: bool = False        # .data/.bss/.rodata backing map, named "<object>.<section>"
    pin_path: str | None = None   # where the map is pinned, if it is

    @property
    def percpu(self) -> bool:
        return self.type in PERCPU_MAP_TYPES

    def _key(self, key: bytes | int) -> bytes:
        if isinstance(key, int):
            key = key.to_bytes(self.key_size, "little")
        if len(key) != self.key_size:
            raise ValueError(f"map {self.name!r}: key is {len(key)} bytes, key_size is {self.key_size}")
        return bytes(key)

    def _stride(self) -> int:
        """Per-CPU values sit in 8-byte-aligned slots, one per possible CPU."""
        return (self.value_size + 7) // 8 * 8

    def _failed(self, e: BpfError, what: str) -> BpfError:
        return BpfError(e.errno, f"{what} map {self.name!r}: {e.strerror}")

    def lookup(self, key: bytes | int) -> bytes | list[bytes] | None:
        """The value (a list with one value per possible CPU for per-CPU maps), or None if absent."""
        size = self._stride() * syscall.possible_cpus() if self.percpu else self.value_size
        try:
            raw = syscall.map_lookup(self.fd, self._key(key), size)
        except BpfError as e:
            raise self._failed(e, "lookup in") from None
        if raw is None or not self.percpu:
            return raw
        return [raw[i:i + self.value_size] for i in range(0, len(raw), self._stride())]

    def __getitem__(self, key: bytes | int) -> bytes | list[bytes]:
        value = self.lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def update(self, key: bytes | int, value: bytes | Iterable[bytes], flags: int = BPF_ANY) -> None:
        """Set a value; for per-CPU maps `value` is one value (copied to every CPU) or a list."""
        if self.percpu:
            ncpu = syscall.possible_cpus()
            values = [bytes(value)] * ncpu if isinstance(value, (bytes, bytearray)) else [bytes(x) for x in value]
            if len(values) != ncpu or any(len(x) != self.value_size for x in values):
                raise ValueError(f"map {self.name!r}: need {ncpu} values of {self.value_size} bytes")
            raw = b"".join(x.ljust(self._stride(), b"\0") for x in values)
        else:
            raw = bytes(value)
            if len(raw) != self.value_size:
                raise ValueError(f"map {self.name!r}: value is {len(raw)} bytes, value_size is {self.value_size}")
        try:
            syscall.map_update(self.fd, self._key(key), raw, flags)
        except BpfError as e:
            raise self._failed(e, "update of") from None

    def __setitem__(self, key: bytes | int, value: bytes) -> None:
        self.update(key, value)

    def delete(self, key: bytes | int) -> bool:
        """Delete a key; False if it was absent (array maps refuse deletes with EINVAL)."""
        try:
            syscall.map_delete(self.fd, self._key(key))
        except BpfError as e:
            if e.errno == ENOENT:
                return False
            raise self._failed(e, "delete from") from None
        return True

    def keys(self) -> list[bytes]:
        """All keys, by BPF_MAP_GET_NEXT_KEY from the start (bounded by max_entries)."""
        keys: list[bytes] = []
        key = None
        while len(keys) <= self.max_entries:
            try:
                key = syscall.map_next_key(self.fd, key, self.key_size)
            except BpfError as e:
                raise self._failed(e, "iterating") from None
            if key is None:
                return keys
            keys.append(key)
        raise BpfError(0, f"map {self.name!r}: more than max_entries keys while iterating (concurrent updates?)")

    def items(self) -> list[tuple[bytes, bytes | list[bytes]]]:
        out = []
        for k in self.keys():
            v = self.lookup(k)
            if v is not None:
                out.append((k, v))
        return out


class Object:
    """A loaded object: `programs` and `maps` by name; a context manager that closes its fds."""

    def __init__(self, programs: dict[str, Program], maps: dict[str, Map], close: Callable[[], None],
                 log: str = "") -> None:
        self.programs = programs
        self.maps = maps
        self.log = log          # the loader's messages (libbpf's for BTF-style objects)
        self._close: Callable[[], None] | None = close

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
        if self._close is not None:
            self._close()
            self._close = None
            for p in self.programs.values():
                p.fd = -1
            for m in self.maps.values():
                m.fd = -1

    @property
    def closed(self) -> bool:
        return self._close is None

    def __enter__(self) -> "Object":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
