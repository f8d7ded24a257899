"""Read what BPF programs write into ring buffers and perf event arrays, with libbpf's readers.

    with RingBuffer(obj.map("events").fd) as rb:
        obj.program("report").run(frame)
        records = rb.poll()                 # [bytes, ...] in submission order

    with PerfBuffer(obj.map("samples").fd) as pb:   # puts a perf event per CPU into the map
        obj.program("sample").run(frame)
        samples = pb.poll()                 # [(cpu, bytes), ...]

Both go through the system's libbpf.so.1 (ring_buffer__new, perf_buffer__new), the readers
real user-space programs use; they take a map fd, so they work with any loader.
"""
from __future__ import annotations

import ctypes
import functools
import os

LIBBPF_SONAME = "libbpf.so.1"

_RING_SAMPLE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_PERF_SAMPLE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32)
_PERF_LOST = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64)


@functools.cache
def _lib() -> ctypes.CDLL:
    lib = ctypes.CDLL(LIBBPF_SONAME, use_errno=True)
    P, I = ctypes.c_void_p, ctypes.c_int
    protos = {
        "ring_buffer__new": (P, [I, _RING_SAMPLE, P, P]),
        "ring_buffer__poll": (I, [P, I]),
        "ring_buffer__free": (None, [P]),
        # perf_buffer__new@@LIBBPF_0.6.0: (map_fd, page_cnt, sample_cb, lost_cb, ctx, opts)
        "perf_buffer__new": (P, [I, ctypes.c_size_t, _PERF_SAMPLE, _PERF_LOST, P, P]),
        "perf_buffer__poll": (I, [P, I]),
        "perf_buffer__free": (None, [P]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def _check_handle(handle: int | None, what: str) -> int:
    if not handle:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return handle


class RingBuffer:
    """A BPF_MAP_TYPE_RINGBUF's consumer; poll() returns the records submitted since the last poll."""

    def __init__(self, map_fd: int) -> None:
        self._records: list[bytes] = []
        self._callback = _RING_SAMPLE(self._sample)  # referenced while libbpf may call it
        self._handle: int | None = _check_handle(
            _lib().ring_buffer__new(map_fd, self._callback, None, None), "ring_buffer__new")

    def _sample(self, ctx, data, size) -> int:
        self._records.append(ctypes.string_at(data, size))
        return 0

    def poll(self, timeout_ms: int = 100) -> list[bytes]:
        rc = _lib().ring_buffer__poll(self._handle, timeout_ms)
        if rc < 0:
            raise OSError(-rc, f"ring_buffer__poll: {os.strerror(-rc)}")
        records, self._records = self._records, []
        return records

    def close(self) -> None:
        if self._handle is not None:
            _lib().ring_buffer__free(self._handle)
            self._handle = None

    def __enter__(self) -> "RingBuffer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PerfBuffer:
    """A BPF_MAP_TYPE_PERF_EVENT_ARRAY's reader: one perf event per CPU, stored into the map.

    poll() returns (cpu, raw sample) pairs; a raw sample is padded by the kernel so that its
    size field and data end on an 8-byte boundary.  `lost` counts samples the kernel dropped.
    """

    def __init__(self, map_fd: int, page_count: int = 8) -> None:
        self._samples: list[tuple[int, bytes]] = []
        self.lost = 0
        self._on_sample = _PERF_SAMPLE(self._sample)
        self._on_lost = _PERF_LOST(self._lost)
        self._handle: int | None = _check_handle(
            _lib().perf_buffer__new(map_fd, page_count, self._on_sample, self._on_lost, None, None),
            "perf_buffer__new")

    def _sample(self, ctx, cpu, data, size) -> None:
        self._samples.append((cpu, ctypes.string_at(data, size)))

    def _lost(self, ctx, cpu, count) -> None:
        self.lost += count

    def poll(self, timeout_ms: int = 100) -> list[tuple[int, bytes]]:
        rc = _lib().perf_buffer__poll(self._handle, timeout_ms)
        if rc < 0:
            raise OSError(-rc, f"perf_buffer__poll: {os.strerror(-rc)}")
        samples, self._samples = self._samples, []
        return samples

    def close(self) -> None:
        if self._handle is not None:
            _lib().perf_buffer__free(self._handle)
            self._handle = None

    def __enter__(self) -> "PerfBuffer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
