"""Global variables as libbpf sees them: every data section becomes an array map of one value.

`.bss`, `.data`, `.rodata`, `.rodata.str1.1` (string literals) and named `.data.*`/`.rodata.*`
sections each become a map; `.rodata` ones are frozen at load, and a `const volatile` setting is
patched by user space between open and load.  tests/maps/global_*.c are compiled by bpfcc and by
clang-19, and both objects must behave the same in the kernel.  Variables are found in a map's
value at their ELF symbol's offset, so the test does not depend on either compiler's layout.
(The objects' BTF is compared with clang's in test_maps.py.)
"""
from __future__ import annotations

import ctypes
import io
import os
import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import bpfcc
from support import bpf
from support import packets as P

MAPS = Path(__file__).resolve().parent / "maps"
COMPILERS = ("bpfcc", "clang")
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX = range(4)


@pytest.fixture(scope="module")
def build(tmp_path_factory, request):
    out_dir = tmp_path_factory.mktemp("global_data")
    built: dict[tuple[str, str], Path] = {}

    def get(name: str, compiler: str = "bpfcc", **options) -> Path:
        key = (name, compiler + "".join(f",{k}={v}" for k, v in sorted(options.items())))
        if key not in built:
            out = out_dir / f"{name}.{len(built)}.o"
            if compiler == "bpfcc":
                result = bpfcc.compile_file(str(MAPS / f"{name}.c"), out=str(out), **options)
                assert result.ok, "\n".join(f"{d.line}:{d.column}: {d.message}" for d in result.diagnostics)
            else:
                request.getfixturevalue("clang_compile")(MAPS / f"{name}.c", out)
            built[key] = out
        return built[key]
    return get


def symbols(path: Path) -> dict[str, tuple[str, int, int]]:
    """Data symbols of an object: name -> (section, offset, size)."""
    elf = ELFFile(io.BytesIO(path.read_bytes()))
    found = {}
    for sym in elf.get_section_by_name(".symtab").iter_symbols():
        if sym["st_info"]["type"] == "STT_OBJECT" and isinstance(sym["st_shndx"], int):
            found[sym.name] = (elf.get_section(sym["st_shndx"]).name, sym["st_value"], sym["st_size"])
    return found


class Globals:
    """Read and write a loaded object's global variables by name, through their section's map."""

    def __init__(self, obj: bpf.BpfObject, path: Path) -> None:
        self.obj, self.symbols = obj, symbols(path)

    def _where(self, name: str):
        section, offset, size = self.symbols[name]
        return self.obj.map(section), offset, size

    def __getitem__(self, name: str) -> bytes:
        m, offset, size = self._where(name)
        return m[0][offset:offset + size]

    def __setitem__(self, name: str, value: bytes) -> None:
        m, offset, size = self._where(name)
        assert len(value) == size
        whole = m[0]
        m[0] = whole[:offset] + value + whole[offset + size:]

    def int(self, name: str) -> int:
        return int.from_bytes(self[name], "little")


@pytest.mark.parametrize("compiler", COMPILERS)
def test_every_data_section_becomes_a_map(kernel, build, compiler):
    path = build("global_data", compiler)
    obj = kernel.load(path)
    internal = {m.name for m in obj.maps.values() if m.internal}
    sections = {s for s, _, _ in symbols(path).values()} - {"license"}
    # The 8-byte const table goes to a mergeable-constant section, with clang as with bpfcc.
    assert sections == {".bss", ".data", ".rodata", ".rodata.cst8", ".data.classes", ".rodata.limits"}
    assert symbols(path)["port_class"][0] == ".rodata.cst8"
    for section in sections:
        m = obj.map(section)
        assert m.internal and m.name in internal
        assert (m.type, m.key_size, m.max_entries) == (bpf.MapType.ARRAY, 4, 1)
    sizes = {name: size for name, (_, _, size) in symbols(path).items()}
    assert sizes["packets"] == sizes["weighted"] == 8 and sizes["weight"] == 4 and sizes["per_class"] == 32


@pytest.mark.parametrize("compiler", COMPILERS)
def test_globals_read_and_written_around_test_runs(kernel, build, compiler):
    path = build("global_data", compiler)
    obj = kernel.load(path)
    g, prog = Globals(obj, path), obj.program("account")
    assert g.int("weight") == 3 and g.int("udp_verdict") == XDP_PASS and g.int("blocked_port") == 9
    assert g.int("class_limit") == 3 and g.int("packets") == 0
    frame = P.udp_frame(dport=1)                    # port class 1
    assert prog.run(frame, repeat=2).retval == XDP_PASS
    g["weight"] = struct.pack("<I", 10)             # .data is writable while the program runs
    assert prog.run(P.arp_frame()).retval == XDP_PASS
    assert prog.run(P.udp_frame(dport=9)).retval == XDP_DROP   # blocked_port
    assert g.int("packets") == 4
    assert g.int("bytes") == 2 * len(frame) + len(P.arp_frame()) + len(P.udp_frame(dport=9))
    assert g.int("weighted") == 2 * 3 + 2 * 10
    assert prog.run(frame).retval == XDP_PASS       # the third packet of class 1
    assert prog.run(frame).retval == XDP_DROP       # over class_limit
    assert struct.unpack("<4Q", g["per_class"]) == (0, 4, 0, 0)
    g["per_class"] = bytes(32)
    assert prog.run(P.udp_frame(dport=6)).retval == XDP_PASS   # class 3
    assert struct.unpack("<4Q", g["per_class"]) == (0, 0, 0, 1)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_rodata_is_frozen_after_load(kernel, build, compiler):
    path = build("global_data", compiler)
    obj = kernel.load(path)
    for section in (".rodata", ".rodata.limits"):
        m = obj.map(section)
        with pytest.raises(bpf.BpfError):
            m[0] = m[0]


class _Libbpf:
    """The part of libbpf's API between open and load (tests only: bpf.load does both at once)."""

    def __init__(self) -> None:
        lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
        P_, I_, S_ = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
        for name, restype, argtypes in [
                ("bpf_object__open_mem", P_, [P_, ctypes.c_size_t, P_]),
                ("bpf_object__find_map_by_name", P_, [P_, S_]),
                ("bpf_map__initial_value", P_, [P_, ctypes.POINTER(ctypes.c_size_t)]),
                ("bpf_map__set_initial_value", I_, [P_, P_, ctypes.c_size_t]),
                ("bpf_object__load", I_, [P_]),
                ("bpf_object__find_program_by_name", P_, [P_, S_]),
                ("bpf_program__fd", I_, [P_]),
                ("bpf_program__type", I_, [P_]),
                ("bpf_object__close", None, [P_])]:
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        self.lib = lib


def load_patched(path: Path, patch: dict[str, int]) -> tuple[_Libbpf, int, ctypes.Array]:
    """Open `path` with libbpf, write `patch` (variable -> new value) into the data sections'
    initial values, then load: libbpf's skeleton-less way to set `const volatile` variables.

    .rodata is written in place through bpf_map__initial_value's pointer; named sections are
    replaced whole with bpf_map__set_initial_value, so both ways are exercised.
    """
    api = _Libbpf()
    raw = path.read_bytes()
    buf = ctypes.create_string_buffer(raw, len(raw))
    handle = api.lib.bpf_object__open_mem(buf, len(raw), None)
    assert handle, os.strerror(ctypes.get_errno())
    try:
        syms = symbols(path)
        for name, value in patch.items():
            section, offset, size = syms[name]
            m = api.lib.bpf_object__find_map_by_name(handle, section.encode())
            assert m, f"no map for {section}"
            length = ctypes.c_size_t()
            data = api.lib.bpf_map__initial_value(m, ctypes.byref(length))
            assert data and offset + size <= length.value
            if section == ".rodata":
                ctypes.memmove(data + offset, value.to_bytes(size, "little"), size)
            else:
                whole = bytearray(ctypes.string_at(data, length.value))
                whole[offset:offset + size] = value.to_bytes(size, "little")
                new = ctypes.create_string_buffer(bytes(whole), len(whole))
                assert api.lib.bpf_map__set_initial_value(m, new, len(whole)) == 0
        rc = api.lib.bpf_object__load(handle)
        assert rc == 0, os.strerror(-rc)
    except BaseException:
        api.lib.bpf_object__close(handle)
        raise
    return api, handle, buf


@pytest.mark.parametrize("compiler", COMPILERS)
def test_const_volatile_patched_before_load_changes_the_result(kernel, build, compiler):
    path = build("global_data", compiler)
    plain = kernel.load(path).program("account")
    frame53, frame9 = P.udp_frame(dport=53), P.udp_frame(dport=9)
    assert (plain.run(frame53).retval, plain.run(frame9).retval) == (XDP_PASS, XDP_DROP)

    api, handle, keep = load_patched(path, {"udp_verdict": XDP_TX, "blocked_port": 53, "class_limit": 0})
    try:
        prog = api.lib.bpf_object__find_program_by_name(handle, b"account")
        patched = bpf.Program("account", "xdp", api.lib.bpf_program__fd(prog), api.lib.bpf_program__type(prog))
        assert patched.run(frame53).retval == XDP_DROP        # blocked_port is now 53
        assert patched.run(P.udp_frame(dport=1)).retval == XDP_DROP   # class_limit 0
        assert patched.run(P.arp_frame()).retval == XDP_PASS  # not UDP: verdict never read
    finally:
        api.lib.bpf_object__close(handle)

    api, handle, keep = load_patched(path, {"udp_verdict": XDP_TX})
    try:
        prog = api.lib.bpf_object__find_program_by_name(handle, b"account")
        patched = bpf.Program("account", "xdp", api.lib.bpf_program__fd(prog), api.lib.bpf_program__type(prog))
        assert patched.run(frame53).retval == XDP_TX
        assert patched.run(frame9).retval == XDP_DROP
    finally:
        api.lib.bpf_object__close(handle)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_string_literals_and_char_arrays(kernel, build, compiler):
    path = build("global_strings", compiler)
    obj = kernel.load(path)
    g, prog = Globals(obj, path), obj.program("pick")
    assert symbols(path)["motto"][0] == ".rodata.str1.1"   # a static const string merges like a literal
    strings = obj.map(".rodata.str1.1")
    assert b"compiler\0" in strings[0] and b"bpf!\0" in strings[0]
    arp = P.arp_frame()
    assert prog.run(arp).retval == ord("compiler"[len(arp) & 7])
    assert prog.run(P.udp_frame(sport=1, dport=1)).retval == ord("e")       # greeting[1]
    assert prog.run(P.udp_frame(sport=2, dport=2)).retval == ord("f")       # motto[2]
    g["greeting"] = b"HELLO\0\0\0"
    assert prog.run(P.udp_frame(sport=4, dport=1)).retval == ord("O")
