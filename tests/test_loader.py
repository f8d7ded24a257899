"""bpfcc.loader: legacy iproute2 objects (maps, pinning, map-in-map, `id/key` tail calls) and
BTF-style objects through libbpf, each test object built by bpfcc and by clang-19 and required
to behave the same.

Pins go to a bpffs mounted in a private mount namespace (support.bpf.private_bpffs), so none
outlives its test.  Programs in tests/loader/*.c; legacy ones include tests/loader/bpf_elf.h.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import bpfcc
from bpfcc.loader.elf import BpfElf
from support import bpf
from support import packets as P
from support.netns import udp_probe

TESTS = Path(__file__).resolve().parent
LOADER_C = TESTS / "loader"
REPO = TESTS.parent
COMPILERS = ("bpfcc", "clang")
SAMPLE_SOURCES = sorted((REPO / "samples").glob("*/*.c"))
LANG_SOURCES = sorted((TESTS / "c").glob("lang_*.c"))
CLANG_FLAGS = re.compile(r"^//\s*clang-flags:(.*)$", re.M)   # test_language's per-file clang flags


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def as_ints(items, fmt: str = "<I") -> dict[int, int]:
    return {struct.unpack("<I", k)[0]: struct.unpack(fmt, v)[0] for k, v in items}


class BpfccFailed(Exception):
    """bpfcc did not compile a test object; its diagnostics."""


@pytest.fixture(scope="session")
def _builds(tmp_path_factory) -> dict:
    return {}


@pytest.fixture(params=COMPILERS)
def build(request, _builds, tmp_path_factory):
    """build(source, clang_flags=(), **defines) -> path of the object, compiled by the
    parametrised compiler.

    `source` is a tests/loader stem or a path (which may include "bpf_elf.h"); objects are
    built once per session."""
    compiler = request.param
    clang_compile = request.getfixturevalue("clang_compile") if compiler == "clang" else None

    def build_(source: str | Path, clang_flags: list[str] = (), **defines) -> Path:
        src = LOADER_C / f"{source}.c" if isinstance(source, str) else source
        key = (compiler, src, tuple(sorted(defines.items())), tuple(clang_flags))
        if key not in _builds:
            tag = "".join(f"-{k}={v}" for k, v in sorted(defines.items()))
            out = tmp_path_factory.mktemp("loader") / f"{src.stem}{tag}.{compiler}.o"
            if clang_compile is not None:
                flags = [f"-I{LOADER_C}", *(f"-D{k}={v}" for k, v in defines.items()), *clang_flags]
                _builds[key] = clang_compile(src, out, flags)
            else:
                result = bpfcc.compile_file(src, out=out, defines=defines or None, include_dirs=[LOADER_C])
                if not result.ok:
                    raise BpfccFailed("\n".join(f"{d.location}: {d.message}" for d in result.diagnostics))
                _builds[key] = out
        return _builds[key]
    return build_


@pytest.fixture
def bpffs(kernel, tmp_path):
    with bpf.private_bpffs(tmp_path / "bpffs") as fs:
        yield fs


# --- legacy maps ------------------------------------------------------------------------------------

def test_legacy_maps_of_several_types(kernel, build):
    obj = kernel.load(build("legacy_maps"))
    shapes = {m.name: (m.type, m.key_size, m.value_size, m.max_entries) for m in obj.maps.values()}
    assert shapes == {
        "cfg": (bpf.MapType.ARRAY, 4, 4, 1),
        "lengths": (bpf.MapType.HASH, 4, 8, 16),
        "runs": (bpf.MapType.PERCPU_ARRAY, 4, 8, 1),
        "inner": (bpf.MapType.ARRAY, 4, 4, 2),
        "outer": (bpf.MapType.ARRAY_OF_MAPS, 4, 4, 2),
    }
    prog = obj.program("account")
    assert (prog.section, prog.type) == ("classifier", bpf.ProgType.SCHED_CLS)
    assert obj.maps["lengths"].items() == [] and obj.maps["inner"][0] == u32(0)
    assert obj.maps["outer"].lookup(0) is None        # only inner_idx 1 holds the inner map
    assert obj.maps["outer"].lookup(1) is not None    # (user space reads a map id there)

    obj.maps["cfg"][0] = u32(3)
    short, long = P.udp_frame(payload=b"x"), P.udp_frame(payload=b"y" * 100)
    assert [prog.run(f).retval for f in (short, long, short)] == [3, 3, 3]
    obj.maps["cfg"][0] = u32(5)
    assert prog.run(long).retval == 5
    assert as_ints(obj.maps["lengths"].items(), "<Q") == {len(short): 2, len(long): 2}
    assert sum(struct.unpack("<Q", v)[0] for v in obj.maps["runs"][0]) == 4   # per CPU
    assert obj.maps["inner"][0] == u32(3 + 3 + 3 + 5)                        # through outer[1]


def test_pinned_map_in_map_is_shared(kernel, build, bpffs):
    path = build("legacy_maps", PINNING="PIN_GLOBAL_NS")
    first, second = (kernel.load(path, bpffs=bpffs) for _ in range(2))
    assert sorted(p.name for p in (bpffs / "tc" / "globals").iterdir()) == ["inner", "outer"]
    for obj, verdict in ((first, 4), (second, 6)):
        obj.maps["cfg"][0] = u32(verdict)
        assert obj.program("account").run(P.udp_frame()).retval == verdict
    assert first.maps["inner"][0] == second.maps["inner"][0] == u32(10)
    frame_len = len(P.udp_frame())
    assert as_ints(first.maps["lengths"].items(), "<Q") == as_ints(second.maps["lengths"].items(), "<Q") \
        == {frame_len: 1}                                         # unpinned maps stay apart


def test_legacy_calls_into_text(kernel, build):
    obj = kernel.load(build("legacy_calls"))
    assert {p.name: (p.section, p.type) for p in obj.programs.values()} == {
        "imain": ("ingress", bpf.ProgType.SCHED_CLS), "emain": ("egress", bpf.ProgType.SCHED_CLS)}
    frame = P.udp_frame()
    assert [obj.program("ingress").run(frame).sretval for _ in range(3)] == [1002, 1004, 1006]
    assert [obj.program("egress").run(frame).sretval for _ in range(2)] == [-1, -2]
    assert as_ints(obj.maps["hits"].items()) == {0: 3, 1: 2}


def test_legacy_program_type_from_the_caller(kernel, build):
    obj = kernel.load(build("legacy_calls"), prog_type="sched_act")
    assert {p.type for p in obj.programs.values()} == {bpf.ProgType.SCHED_ACT}


def test_older_smaller_struct_bpf_elf_map_is_zero_extended(kernel, build, bpffs):
    obj = kernel.load(build("legacy_old_struct"), bpffs=bpffs)
    m = obj.maps["old_style"]
    assert (m.type, m.key_size, m.value_size, m.max_entries) == (bpf.MapType.HASH, 4, 4, 8)
    assert m.pin_path == str(bpffs / "tc" / "globals" / "old_style")
    frame = P.udp_frame()
    obj.program("remember").run(frame)
    assert as_ints(m.items()) == {len(frame): 8}    # skb->protocol, ETH_P_IP in network order


def test_legacy_verifier_rejection_carries_the_log(kernel, build, tmp_path):
    src = tmp_path / "unchecked.c"
    src.write_text((LOADER_C / "legacy_writer.c").read_text().replace(
        "__u32 zero = 0, len = skb->len;", "__u32 zero = 0, len = *(__u32 *)(long)skb->data;"))
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(build(src))
    assert e.value.errno == errno.EACCES
    assert "write_len" in e.value.message and "classifier" in e.value.message
    log = e.value.verifier_logs["write_len"]
    assert "invalid access to packet" in log and "invalid access to packet" in str(e.value)
    # The object's BTF went along: the verifier names the source line.
    assert "; __u32 zero = 0, len = *(__u32 *)(long)skb->data; @ unchecked.c:" in log


def test_legacy_line_info_follows_text_functions(kernel, build):
    """The lines of the .text functions a program calls are where the loader put them."""
    obj = kernel.load(build("legacy_calls"), log_level=2)
    lines = {line for line in obj.programs["imain"].verifier_log.splitlines() if line.startswith(";")}
    assert {"; *hit += 1; @ legacy_calls.c:21", "; return count(which) * 2; @ legacy_calls.c:27"} <= lines
    assert not any("negate" in line or "-x" in line for line in lines)   # not called from imain


def test_legacy_object_with_btf_the_kernel_refuses_still_loads(kernel, build, tmp_path):
    raw = bytearray(build("legacy_calls").read_bytes())
    with open(build("legacy_calls"), "rb") as f:
        btf_at = ELFFile(f).get_section_by_name(".BTF")["sh_offset"]
    hdr_len, type_off = struct.unpack_from("<I", raw, btf_at + 4)[0], struct.unpack_from("<I", raw, btf_at + 8)[0]
    raw[btf_at + hdr_len + type_off + 7] = 0x1F          # the first type's kind: 31, which no kernel knows
    obj = kernel.load(bytes(raw))
    assert "BTF not loaded" in obj.log
    assert obj.program("ingress").run(P.udp_frame()).retval == 1002


def test_legacy_verifier_log_on_success_with_log_level(kernel, build):
    obj = kernel.load(build("legacy_writer"), log_level=1)
    assert "processed" in obj.programs["write_len"].verifier_log


def test_legacy_objects_refuse_what_iproute2_cannot_relocate(kernel, build, tmp_path):
    src = tmp_path / "global_data.c"
    src.write_text((LOADER_C / "legacy_writer.c").read_text().replace(
        "__section(\"classifier\")", "__u32 total;\n\n__section(\"classifier\")").replace(
        "return TC_ACT_OK;", "total += len;\n\treturn TC_ACT_OK;"))
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(build(src))
    assert "'total'" in e.value.message and "relocates only maps and calls" in e.value.message


def test_legacy_struct_larger_than_iproute2s_is_refused(kernel, build, tmp_path):
    header = (LOADER_C / "bpf_elf.h").read_text().replace("__u32 inner_idx;", "__u32 inner_idx;\n\t__u32 future;")
    (tmp_path / "bpf_elf.h").write_text(header)         # found before tests/loader's: same directory
    (tmp_path / "future.c").write_text((LOADER_C / "legacy_writer.c").read_text())
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(build(tmp_path / "future.c"))
    assert "struct bpf_elf_map of 40 bytes is larger than the 36 bytes iproute2 knows" in e.value.message


def test_legacy_section_with_two_functions_is_refused(kernel, build, tmp_path):
    src = tmp_path / "two.c"
    src.write_text((LOADER_C / "legacy_writer.c").read_text().replace(
        "__section(\"classifier\")\n", "__section(\"classifier\")\nint other(struct __sk_buff *skb)\n"
        "{\n\treturn TC_ACT_SHOT;\n}\n\n__section(\"classifier\")\n"))
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(build(src))
    assert "section 'classifier' holds 2 functions" in e.value.message


def test_legacy_tail_call_sections_load_with_only(kernel, build):
    obj = kernel.load(build("legacy_tailcall"), only=["entry"])
    assert set(obj.programs) == {"entry", "first", "second", "third"}
    obj = kernel.load(build("legacy_maps"), only=["nothing"])
    assert obj.programs == {} and set(obj.maps) == {"cfg", "lengths", "runs", "inner", "outer"}


# --- pinning ---------------------------------------------------------------------------------------

def test_legacy_pins_where_iproute2_pins(kernel, build, bpffs):
    path = build("legacy_pinning")
    object_dir = bpffs / "tc" / hashlib.sha1(path.read_bytes()).hexdigest()
    first = kernel.load(path, bpffs=bpffs)
    assert {m.name: m.pin_path for m in first.maps.values()} == {
        "by_object": str(object_dir / "by_object"),
        "by_name": str(bpffs / "tc" / "globals" / "by_name"),
        "unpinned": None,
    }
    assert sorted(p.name for p in object_dir.iterdir()) == ["by_object"]
    assert sorted(p.name for p in (bpffs / "tc" / "globals").iterdir()) == ["by_name"]
    assert all(os.readlink(bpffs / sub) == "tc" for sub in ("xdp", "ip"))
    first.program("count_runs").run(P.udp_frame())

    # The same object again: both pinned maps are reused, the unpinned one is new.
    second = kernel.load(path, bpffs=bpffs)
    second.program("count_runs").run(P.udp_frame())
    counts = {name: struct.unpack("<Q", m[0])[0] for name, m in second.maps.items()}
    assert counts == {"by_object": 2, "by_name": 2, "unpinned": 1}
    assert first.maps["by_name"][0] == u64(2) and first.maps["unpinned"][0] == u64(1)


def test_without_bpffs_nothing_is_pinned(kernel, build):
    path = build("legacy_pinning")
    objs = [kernel.load(path) for _ in range(2)]
    for obj in objs:
        obj.program("count_runs").run(P.udp_frame())
        assert all(m.pin_path is None and m[0] == u64(1) for m in obj.maps.values())


def test_two_objects_share_a_global_pin(kernel, build, bpffs):
    writer = kernel.load(build("legacy_writer"), bpffs=bpffs)
    reader = kernel.load(build("legacy_reader"), bpffs=bpffs)
    assert writer.maps["last_len"].pin_path == reader.maps["last_len"].pin_path
    for frame in (P.udp_frame(payload=b"a" * 10), P.tcp_frame(payload=b"b" * 300)):
        assert writer.program("write_len").run(frame).retval == bpf.TC_ACT_OK
        assert reader.program("read_len").run(P.arp_frame()).retval == len(frame)
    reader.maps["last_len"][0] = u32(77)       # user space writes through either fd
    assert writer.maps["last_len"][0] == u32(77)


def test_unpinned_objects_do_not_share(kernel, build):
    writer, reader = kernel.load(build("legacy_writer")), kernel.load(build("legacy_reader"))
    writer.program("write_len").run(P.udp_frame())
    assert reader.program("read_len").run(P.udp_frame()).retval == 0


def test_a_pin_of_another_shape_is_refused(kernel, build, bpffs):
    kernel.load(build("legacy_writer"), bpffs=bpffs)
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(build("legacy_reader", VALUE_TYPE="__u64"), bpffs=bpffs)
    assert "last_len" in e.value.message and "value size 8 (object) != 4 (pin)" in e.value.message


def test_libbpf_pins_by_name_where_tc_pins(kernel, build, bpffs):
    path = build("libbpf_pinned")
    first, second = kernel.load(path, bpffs=bpffs), kernel.load(path, bpffs=bpffs)
    pin = bpffs / "tc" / "globals" / "packets"
    assert first.maps["packets"].pin_path == second.maps["packets"].pin_path == str(pin) and pin.exists()
    first.program("count_packets").run(P.udp_frame())
    second.program("count_packets").run(P.udp_frame())
    assert first.maps["packets"][0] == u64(2)


def test_tc_shares_the_loaders_pin(kernel, build, bpffs, netns, monkeypatch):
    """tc, told where the bpffs is, reuses the map this loader pinned: same layout, same rules."""
    path = build("libbpf_pinned")
    ours = kernel.load(path, bpffs=bpffs).maps["packets"]
    ours[0] = u64(1000)
    monkeypatch.setenv("TC_BPF_MNT", str(bpffs))      # iproute2's bpffs location override
    netns.b.attach_tc(path, "tc")
    assert udp_probe(netns.a, netns.b, [9], count=5) == {9: 5}
    assert struct.unpack("<Q", ours[0])[0] >= 1005


# --- tail calls ------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["legacy_tailcall", "libbpf_tailcall"])
def test_tail_call_chain_three_deep(kernel, build, stem):
    obj = kernel.load(build(stem))
    jmp, trace, entry = obj.maps["jmp"], obj.maps["trace"], obj.program("entry")
    assert jmp.type == bpf.MapType.PROG_ARRAY
    assert sorted(k for k, _ in jmp.items()) == [u32(0), u32(1), u32(2)]   # filled in by the loader
    if stem == "legacy_tailcall":
        assert {p.name: p.section for p in obj.programs.values()} == {
            "entry": "classifier", "first": "1/0", "second": "1/1", "third": "1/2"}
    assert entry.run(P.udp_frame()).retval == bpf.TC_ACT_OK           # third's verdict, short frame
    assert entry.run(P.udp_frame(payload=b"z" * 200)).retval == bpf.TC_ACT_SHOT
    assert as_ints(trace.items()) == {0: 2, 1: 2, 2: 2, 3: 2}          # every hop ran, each time

    assert jmp.delete(1)                                              # break the chain after first
    assert entry.run(P.udp_frame()).retval == 101
    assert as_ints(trace.items()) == {0: 3, 1: 3, 2: 2, 3: 2}


# --- what the loader takes ---------------------------------------------------------------------------

def test_legacy_and_libbpf_maps_together_are_refused(kernel, build, tmp_path):
    src = tmp_path / "both.c"
    src.write_text((LOADER_C / "legacy_writer.c").read_text().replace(
        "__section(\"classifier\")",
        "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);\n"
        "         __type(value, __u32); } btf_style SEC(\".maps\");\n\n__section(\"classifier\")"))
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(build(src))
    assert "both iproute2's `maps` and libbpf's `.maps`" in e.value.message


def test_garbage_is_not_an_object(kernel, tmp_path):
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(b"\x7fELF not really")
    assert "could not open <memory>" in e.value.message
    (tmp_path / "x.o").write_bytes(b"\0" * 64)
    with pytest.raises(bpf.LoadError) as e:
        kernel.load(tmp_path / "x.o")
    assert f"could not open {tmp_path / 'x.o'}" in e.value.message


def _code_functions(path: Path) -> set[str]:
    elf = BpfElf(path.read_bytes())
    return {s.name for sec in elf.sections if sec.is_code and sec.name != ".text"
            for s in elf.symbols_in(sec, "STT_FUNC") if s.bind == "STB_GLOBAL"}


@pytest.mark.parametrize("source", SAMPLE_SOURCES + LANG_SOURCES, ids=lambda p: p.stem)
def test_loads_samples_and_language_programs(kernel, build, bpffs, source):
    """Every program of every sample and language test, whole objects, pinned maps and all.
    Whether bpfcc compiles them is test_samples' and test_language's business."""
    flags = [f for line in CLANG_FLAGS.findall(source.read_text()) for f in line.split()]
    try:
        path = build(source, clang_flags=flags)
    except BpfccFailed as e:
        pytest.skip(f"bpfcc does not compile {source.name}: {e}")
    obj = kernel.load(path, bpffs=bpffs, prog_type="sched_cls")   # tc's type for "tc/ingress" & co.
    assert set(obj.programs) == _code_functions(path) != set()
    assert all(p.fd >= 0 and p.type != bpf.ProgType.UNSPEC for p in obj.programs.values())
