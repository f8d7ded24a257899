"""BTF-defined maps (libbpf's `.maps`), one program per map type in tests/maps/.

Every program is compiled by bpfcc and by clang-19, and both objects go through the same
scenario: user space writes map contents, BPF_PROG_TEST_RUN runs the program, user space reads
the contents back and checks them.  The objects' BTF must say the same as clang's
(support/btf.py compares them without type ids).  Map types a test run cannot exercise fully
(perf event array, devmap, cpumap, xskmap, sockmap) are loaded, updated from user space with
the kind of fd or value they hold, and the program's use of them is checked through its verdict.
"""
from __future__ import annotations

import ctypes
import json
import mmap
import os
import re
import socket
import struct
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import bpfcc
from support import bpf, btf
from support import packets as P
from support.buffers import PerfBuffer, RingBuffer
from support.netns import in_netns, udp_probe

MAPS = Path(__file__).resolve().parent / "maps"
PROGRAMS = sorted(p.stem for p in MAPS.glob("*.c"))
COMPILERS = ("bpfcc", "clang")
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = range(5)
TC_ACT_UNSPEC = -1
A, B = P.IPV4_A, P.IPV4_B


@pytest.fixture(scope="module")
def build(tmp_path_factory, request):
    """build(name, compiler) -> path of tests/maps/<name>.c compiled by bpfcc or clang-19."""
    out_dir = tmp_path_factory.mktemp("maps")
    built: dict[tuple[str, str], Path] = {}

    def get(name: str, compiler: str = "bpfcc") -> Path:
        if (name, compiler) not in built:
            source = MAPS / f"{name}.c"
            out = out_dir / f"{name}.{compiler}.o"
            if compiler == "bpfcc":
                result = bpfcc.compile_file(str(source), out=str(out))
                assert result.ok, "\n".join(f"{d.line}:{d.column}: {d.message}" for d in result.diagnostics)
            else:
                request.getfixturevalue("clang_compile")(source, out)
            built[name, compiler] = out
        return built[name, compiler]
    return get


def flow_key(sport: int, dport: int, src: str = A, dst: str = B) -> bytes:
    """tests/maps/flow.h's struct flow: addresses in network order, ports in host order."""
    return P.ip_bytes(src) + P.ip_bytes(dst) + struct.pack("<HHB3x", sport, dport, P.IPPROTO_UDP)


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def total(per_cpu: list[bytes], fmt: str = "<Q") -> tuple[int, ...]:
    """Field-wise sum of a per-CPU value."""
    fields = [struct.unpack(fmt, v) for v in per_cpu]
    return tuple(sum(f[i] for f in fields) for i in range(len(fields[0])))


# ---- BTF ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PROGRAMS)
def test_btf_means_the_same_as_clangs(build, bpftool, name):
    ours, theirs = btf.describe(build(name)), btf.describe(build(name, "clang"))
    assert ours == theirs, btf.difference(ours, theirs)
    assert btf.of_kind(ours, "datasec .maps" if not name.startswith("global_") else "datasec .data")


# ---- one scenario per map type ---------------------------------------------------------------

@pytest.mark.parametrize("compiler", COMPILERS)
def test_array(kernel, build, compiler):
    obj = kernel.load(build("array", compiler))
    counters, prog = obj.map("counters"), obj.program("count_by_port")
    counters[1] = u64(10) + u64(100)
    counters[2] = u64(100) + u64(0)
    frame9, frame16 = P.udp_frame(dport=9), P.udp_frame(dport=16)
    assert prog.run(frame9).retval == XDP_PASS
    assert prog.run(frame16, repeat=3).retval == XDP_PASS
    assert prog.run(P.udp_frame(dport=10)).retval == XDP_DROP  # slot 2 passes 100 packets
    assert prog.run(P.arp_frame()).retval == XDP_PASS          # not UDP: no slot touched
    assert counters[1] == u64(11) + u64(100 + len(frame9))
    assert counters[0] == u64(3) + u64(3 * len(frame16))
    assert struct.unpack("<Q", counters[2][:8]) == (101,)
    assert counters[3] == bytes(16)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_hash(kernel, build, compiler):
    obj = kernel.load(build("hash", compiler))
    flows, prog = obj.map("flows"), obj.program("count_flows")
    known, fresh = flow_key(1000, 53), flow_key(2000, 80)
    flows[known] = u64(3)
    assert prog.run(P.udp_frame(sport=1000, dport=53)).retval == XDP_DROP  # 4 > 3
    assert prog.run(P.udp_frame(sport=2000, dport=80)).retval == XDP_PASS
    assert flows[known] == u64(4) and flows[fresh] == u64(1)
    assert flows.delete(known)
    assert prog.run(P.udp_frame(sport=1000, dport=53)).retval == XDP_PASS
    assert dict(flows.items()) == {known: u64(1), fresh: u64(1)}


@pytest.mark.parametrize("compiler", COMPILERS)
def test_lru_hash(kernel, build, compiler):
    obj = kernel.load(build("lru_hash", compiler))
    last, prog = obj.map("last_sport"), obj.program("remember")
    last[struct.pack("<H", 7)] = struct.pack("<H", 1000)
    assert prog.run(P.udp_frame(sport=1000, dport=7)).retval == XDP_DROP
    assert prog.run(P.udp_frame(sport=1001, dport=7)).retval == XDP_PASS
    assert last[struct.pack("<H", 7)] == struct.pack("<H", 1001)
    for dport in range(100, 100 + 3 * last.max_entries):  # more keys than fit: the LRU evicts
        prog.run(P.udp_frame(sport=5, dport=dport))
    assert len(last.keys()) <= last.max_entries
    assert last[struct.pack("<H", 99 + 3 * last.max_entries)] == struct.pack("<H", 5)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_percpu_array(kernel, build, compiler):
    obj = kernel.load(build("percpu_array", compiler))
    counts, prog = obj.map("proto_packets"), obj.program("count_protocols")
    cpus = len(counts[P.IPPROTO_UDP])
    counts[P.IPPROTO_UDP] = [u64(10 * (cpu + 1)) for cpu in range(cpus)]
    prog.run(P.udp_frame(), repeat=5)
    prog.run(P.icmp_echo_frame())
    assert total(counts[P.IPPROTO_UDP]) == (10 * cpus * (cpus + 1) // 2 + 5,)
    assert total(counts[P.IPPROTO_ICMP]) == (1,)
    assert total(counts[P.IPPROTO_TCP]) == (0,)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_percpu_hash(kernel, build, compiler):
    obj = kernel.load(build("percpu_hash", compiler))
    totals, prog = obj.map("port_totals"), obj.program("sum_ports")
    dns = struct.pack("<H", 53)
    totals[dns] = u64(1) + u64(100)  # the same value on every CPU
    cpus = len(totals[dns])
    frame9, frame53 = P.udp_frame(dport=9), P.udp_frame(dport=53)
    prog.run(frame9, repeat=3)
    prog.run(frame53)
    assert total(totals[struct.pack("<H", 9)], "<QQ") == (3, 3 * len(frame9))
    assert total(totals[dns], "<QQ") == (cpus + 1, 100 * cpus + len(frame53))
    assert len(totals.keys()) == 2


@pytest.mark.parametrize("compiler", COMPILERS)
def test_lru_percpu_hash(kernel, build, compiler):
    obj = kernel.load(build("lru_percpu_hash", compiler))
    sources, prog = obj.map("per_source"), obj.program("count_sources")
    other = P.ip_bytes("10.200.0.9")
    sources[other] = u32(7)
    prog.run(P.udp_frame(), repeat=4)
    assert total(sources[P.ip_bytes(A)], "<I") == (4,)
    assert total(sources[other], "<I") == (7 * len(sources[other]),)
    for i in range(3 * sources.max_entries):
        prog.run(P.udp_frame(src=f"10.9.{i // 200}.{i % 200 + 1}"))
    assert len(sources.keys()) <= sources.max_entries


@pytest.mark.parametrize("compiler", COMPILERS)
def test_lpm_trie(kernel, build, compiler):
    obj = kernel.load(build("lpm_trie", compiler))
    routes, prog = obj.map("routes"), obj.program("route")

    def prefix(addr: str, length: int) -> bytes:
        return u32(length) + P.ip_bytes(addr)

    routes[prefix("10.200.0.0", 16)] = u32(XDP_DROP) + u32(0)
    routes[prefix("10.200.0.2", 32)] = u32(XDP_PASS) + u32(0)
    routes[prefix("10.0.0.0", 8)] = u32(XDP_TX) + u32(0)
    assert prog.run(P.udp_frame(dst="10.200.0.2")).retval == XDP_PASS
    assert prog.run(P.udp_frame(dst="10.200.7.7")).retval == XDP_DROP
    assert prog.run(P.udp_frame(dst="10.1.2.3"), repeat=2).retval == XDP_TX
    assert prog.run(P.udp_frame(dst="192.168.1.1")).retval == XDP_PASS  # no prefix matches
    hits = {k: struct.unpack("<II", v)[1] for k, v in routes.items()}
    assert hits == {prefix("10.200.0.0", 16): 1, prefix("10.200.0.2", 32): 1, prefix("10.0.0.0", 8): 2}


@pytest.mark.parametrize("compiler", COMPILERS)
def test_ringbuf(kernel, build, compiler):
    obj = kernel.load(build("ringbuf", compiler))
    prog = obj.program("report")
    frames = [P.udp_frame(dport=10), P.udp_frame(dport=11, payload=b"longer payload")]
    with RingBuffer(obj.map("events").fd) as rb:
        assert rb.poll(0) == []
        for frame in frames:
            assert prog.run(frame).retval == XDP_PASS
        records = rb.poll()
    expected = [P.ip_bytes(B) + struct.pack("<HHQ", port, len(frame), seq)
                for seq, (port, frame) in enumerate(zip((10, 11), frames), 1)]
    assert records == expected
    assert obj.map(".bss")[0] == u64(2)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_perf_event_array(kernel, build, compiler):
    obj = kernel.load(build("perf_event_array", compiler))
    prog, samples = obj.program("sample_packets"), obj.map("samples")
    frame = P.udp_frame(sport=4000, dport=53)
    # Without a perf event for the running CPU the output fails and the program aborts.
    assert prog.run(frame).retval == XDP_ABORTED
    with PerfBuffer(samples.fd) as pb:  # stores one perf event fd per CPU into the map
        assert prog.run(frame).retval == XDP_PASS
        got = pb.poll()
        assert pb.lost == 0
    assert len(got) == 1
    cpu, raw = got[0]
    assert raw[:8] == struct.pack("<HHI", 4000, 53, len(frame))
    assert raw[8:24] == frame[:16]  # the packet bytes the kernel appended


@pytest.mark.parametrize("compiler", COMPILERS)
def test_prog_array(kernel, build, compiler):
    obj = kernel.load(build("prog_array", compiler))
    handlers, dispatch = obj.map("handlers"), obj.program("dispatch")
    assert handlers.lookup(0) is not None  # the static initialiser's program (its id)
    assert handlers.lookup(1) is None
    assert dispatch.run(P.udp_frame(dport=8)).retval == XDP_DROP     # slot 0: drop_all
    assert dispatch.run(P.udp_frame(dport=9)).retval == XDP_ABORTED  # slot 1 still empty
    handlers[1] = u32(obj.program("transmit").fd)
    assert dispatch.run(P.udp_frame(dport=9)).retval == XDP_TX
    assert handlers.delete(0)
    assert dispatch.run(P.udp_frame(dport=8)).retval == XDP_ABORTED


@pytest.mark.parametrize("compiler", COMPILERS)
def test_array_of_maps(kernel, build, compiler):
    obj = kernel.load(build("array_of_maps", compiler))
    outer, prog = obj.map("by_parity"), obj.program("count_by_parity")
    even, odd = obj.map("even_ports"), obj.map("odd_ports")
    assert outer.lookup(0) is not None and outer.lookup(1) is None
    even[1] = u64(10)
    assert prog.run(P.udp_frame(dport=2), repeat=2).retval == XDP_PASS  # even, inner slot 1
    assert prog.run(P.udp_frame(dport=5)).retval == XDP_DROP            # odd: no table yet
    outer[1] = u32(odd.fd)
    assert prog.run(P.udp_frame(dport=5)).retval == XDP_PASS            # odd, inner slot 2
    assert [even[i] for i in range(4)] == [u64(0), u64(12), u64(0), u64(0)]
    assert [odd[i] for i in range(4)] == [u64(0), u64(0), u64(1), u64(0)]


@pytest.mark.parametrize("compiler", COMPILERS)
def test_hash_of_maps(kernel, build, compiler):
    obj = kernel.load(build("hash_of_maps", compiler))
    outer, prog = obj.map("by_port"), obj.program("count_sources")
    dns, ntp = obj.map("dns_sources"), obj.map("ntp_sources")
    assert [struct.unpack("<I", k)[0] for k in outer.keys()] == [53]  # the static initialiser
    outer[123] = u32(ntp.fd)
    assert prog.run(P.udp_frame(dport=53), repeat=2).retval == XDP_PASS
    assert prog.run(P.udp_frame(dport=123, src="10.200.0.7")).retval == XDP_PASS
    assert prog.run(P.udp_frame(dport=99)).retval == XDP_DROP
    assert dict(dns.items()) == {P.ip_bytes(A): u32(2)}
    assert dict(ntp.items()) == {P.ip_bytes("10.200.0.7"): u32(1)}
    assert outer.delete(53)
    assert prog.run(P.udp_frame(dport=53)).retval == XDP_DROP


@pytest.mark.parametrize("compiler", COMPILERS)
def test_devmap(kernel, netns, build, compiler):
    obj = kernel.load(build("devmap", compiler))
    tx_ports, prog = obj.map("tx_ports"), obj.program("redirect_dev")
    # A devmap holds devices of the updating task's namespace: update from inside it.
    in_netns(netns.b.ns.name, lambda: tx_ports.update(0, u32(netns.b.ifindex) + u32(0)))
    assert tx_ports[0] == u32(netns.b.ifindex) + u32(0)
    assert prog.run(P.udp_frame(dport=8)).retval == XDP_REDIRECT
    assert prog.run(P.udp_frame(dport=9)).retval == XDP_PASS  # empty slot: the fallback verdict


@pytest.mark.parametrize("compiler", COMPILERS)
def test_cpumap(kernel, build, compiler):
    obj = kernel.load(build("cpumap", compiler))
    cpus, prog = obj.map("cpus"), obj.program("spread")
    cpus[0] = u32(192) + u32(0)  # a 192-packet queue to CPU 0, no second program
    assert struct.unpack("<I", cpus[0][:4]) == (192,)
    assert prog.run(P.udp_frame(sport=1000)).retval == XDP_REDIRECT
    assert prog.run(P.udp_frame(sport=1001)).retval == XDP_DROP


# AF_XDP (uapi/linux/if_xdp.h)
AF_XDP, SOL_XDP = 44, 283
XDP_RX_RING, XDP_UMEM_REG, XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING = 2, 4, 5, 6
XDP_COPY = 1 << 1
UMEM_FRAMES, FRAME_SIZE, RING_SIZE = 16, 4096, 8


def bound_xdp_socket(netns_name: str, ifindex: int) -> tuple[socket.socket, mmap.mmap]:
    """An AF_XDP socket on queue 0 of a device, in copy mode, with its own small UMEM."""
    sock = in_netns(netns_name, lambda: socket.socket(AF_XDP, socket.SOCK_RAW, 0))
    umem = mmap.mmap(-1, UMEM_FRAMES * FRAME_SIZE)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(umem))
    try:
        # struct xdp_umem_reg {addr, len, chunk_size, headroom, flags, tx_metadata_len}
        sock.setsockopt(SOL_XDP, XDP_UMEM_REG, struct.pack("<QQIIII", addr, len(umem), FRAME_SIZE, 0, 0, 0))
        for ring in (XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING):
            sock.setsockopt(SOL_XDP, ring, RING_SIZE)
        # struct sockaddr_xdp {family, flags, ifindex, queue_id, shared_umem_fd}; Python's bind
        # does not know AF_XDP addresses.
        sockaddr = struct.pack("<HHIII", AF_XDP, XDP_COPY, ifindex, 0, 0)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.bind(sock.fileno(), sockaddr, len(sockaddr)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"bind AF_XDP socket: {os.strerror(err)}")
    except BaseException:
        sock.close()
        umem.close()
        raise
    return sock, umem


@pytest.mark.parametrize("compiler", COMPILERS)
def test_xskmap(kernel, netns, build, compiler):
    obj = kernel.load(build("xskmap", compiler))
    xsks, prog = obj.map("xsks"), obj.program("to_socket")
    assert prog.run(P.udp_frame()).retval == XDP_PASS  # queue 0 has no socket yet
    sock, umem = bound_xdp_socket(netns.b.ns.name, netns.b.ifindex)
    try:
        xsks[0] = u32(sock.fileno())
        assert prog.run(P.udp_frame()).retval == XDP_REDIRECT
        assert prog.run(P.arp_frame()).retval == XDP_PASS
        assert xsks.delete(0)
        assert prog.run(P.udp_frame()).retval == XDP_PASS
    finally:
        sock.close()
        umem.close()


SO_COOKIE = 57


@pytest.mark.parametrize("compiler", COMPILERS)
def test_sockmap(kernel, netns, build, compiler):
    obj = kernel.load(build("sockmap", compiler), prog_type="sched_cls")
    socks, prog = obj.map("socks"), obj.program("socket_port")
    with netns.b.ns.socket(socket.AF_INET, socket.SOCK_STREAM, bind=(netns.b.ipv4, 0)) as listener:
        listener.listen()
        port = listener.getsockname()[1]
        socks[0] = u64(listener.fileno())
        cookie = listener.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8)
        assert socks[0] == cookie  # a sockmap reads back as socket cookies
        even = P.udp_frame(payload=b"ab")
        odd = even + b"x"
        assert len(even) % 2 == 0
        assert prog.run(even).sretval == port
        assert prog.run(odd).sretval == TC_ACT_UNSPEC  # slot 1 empty
        assert socks.delete(0)
        assert prog.run(even).sretval == TC_ACT_UNSPEC


# ---- -g0: maps need BTF --------------------------------------------------------------------

def test_g0_keeps_the_btf_maps_need_and_warns(kernel, tmp_path, bpftool):
    source = MAPS / "array.c"
    result = bpfcc.compile_file(str(source), out=str(tmp_path / "g0.o"), debug=False)
    assert result.ok
    [warning] = [d for d in result.diagnostics if d.severity == "warning"]
    assert "-g0 ignored: map 'counters' needs BTF" in warning.message
    assert (Path(warning.file).name, warning.line, warning.column) == ("array.c", 14, 3)
    full = bpfcc.compile_file(str(source), out=str(tmp_path / "g.o"))
    assert btf.describe(tmp_path / "g0.o") == btf.describe(tmp_path / "g.o")
    obj = kernel.load(tmp_path / "g0.o")
    assert obj.program("count_by_port").run(P.udp_frame(dport=9)).retval == XDP_PASS
    assert obj.map("counters")[1][:8] == u64(1)
    assert full.ok and not [d for d in full.diagnostics if d.severity == "warning"]


def test_g0_without_maps_drops_btf_silently(kernel, tmp_path):
    out = tmp_path / "g0.o"
    result = bpfcc.compile_file(str(MAPS / "global_data.c"), out=str(out), debug=False)
    assert result.ok and not result.diagnostics
    with open(out, "rb") as f:
        assert not [s.name for s in ELFFile(f).iter_sections() if s.name.startswith(".BTF")]
    obj = kernel.load(out)  # global data maps need no BTF
    assert obj.program("account").run(P.udp_frame(dport=9)).retval == XDP_DROP


def test_g0_with_werror_fails_with_the_warning(tmp_path):
    result = bpfcc.compile_file(str(MAPS / "array.c"), out=str(tmp_path / "g0.o"), debug=False, werror=True)
    assert not result.ok and result.output is None
    assert ["-g0 ignored" in d.message for d in result.diagnostics] == [True]


# ---- line info -----------------------------------------------------------------------------

_VERIFIER_LINE = re.compile(r"^; (.*?) @ (\S+):(\d+)$")
_XLATED_LINE = re.compile(r"^; (.*?) \[file:(\S+) line_num:(\d+) line_col:(\d+)\]$")


def program_id(fd: int) -> int:
    """The kernel's id of a loaded program (struct bpf_prog_info.id, after .type)."""
    lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
    info = ctypes.create_string_buffer(256)
    size = ctypes.c_uint32(len(info))
    assert lib.bpf_obj_get_info_by_fd(fd, info, ctypes.byref(size)) == 0
    return struct.unpack_from("<I", info.raw, 4)[0]


def source_line(path: Path, line: int) -> str:
    return path.read_text().splitlines()[line - 1].strip()


@pytest.mark.parametrize("compiler", COMPILERS)
def test_line_info_shows_the_right_source_lines(kernel, build, bpftool, compiler):
    """The verifier log and `bpftool prog dump xlated … linum` quote bpfcc's source lines."""
    obj = kernel.load(build("array", compiler), log_level=2)
    prog = obj.program("count_by_port")
    lookup_line = next(i for i, text in enumerate((MAPS / "array.c").read_text().splitlines(), 1)
                       if "bpf_map_lookup_elem(&counters" in text)

    quoted, last, lookup_at = [], None, None
    for line in prog.verifier_log.splitlines():
        m = _VERIFIER_LINE.match(line)
        if m:
            last = (m[2], int(m[3]))
            quoted.append((m[1], MAPS / m[2], int(m[3])))
        elif "call bpf_map_lookup_elem#1" in line and lookup_at is None:
            lookup_at = last
    assert quoted, prog.verifier_log[:2000]
    for text, path, line in quoted:
        assert text == source_line(path, line), f"{path.name}:{line}"
    assert {path.name for _, path, _ in quoted} == {"array.c", "flow.h"}
    assert lookup_at == ("array.c", lookup_line)

    dump = subprocess.run([bpftool, "prog", "dump", "xlated", "id", str(program_id(prog.fd)), "linum"],
                          capture_output=True, text=True, check=True).stdout
    annotations = [_XLATED_LINE.match(line) for line in dump.splitlines() if line.startswith("; ")]
    assert annotations and all(annotations), dump[:2000]
    for m in annotations:
        path, line, column = Path(m[2]), int(m[3]), int(m[4])
        assert path.resolve() in {(MAPS / "array.c").resolve(), (MAPS / "flow.h").resolve()}
        assert m[1] == source_line(path, line)
        assert column <= len(path.read_text().splitlines()[line - 1]) + 1
    header = annotations[0]
    assert Path(header[2]).name == "array.c" and header[1].startswith("int count_by_port(")


# ---- pinning -----------------------------------------------------------------------------------

@pytest.mark.parametrize("compiler", COMPILERS)
def test_pinned_by_name_map_is_shared(kernel, tmp_path, build, compiler):
    path = build("pinned", compiler)
    with bpf.private_bpffs(tmp_path / "bpffs") as fs:
        with bpf.load(path, bpffs=fs) as first, bpf.load(path, bpffs=fs) as second:
            runs1, runs2 = first.map("shared_runs"), second.map("shared_runs")
            assert runs1.pin_path and runs1.pin_path == runs2.pin_path
            assert Path(runs1.pin_path).name == "shared_runs" and Path(runs1.pin_path).exists()
            runs1[0] = u64(40)
            assert first.program("count_runs").run(P.udp_frame()).retval == XDP_PASS
            assert second.program("count_runs").run(P.udp_frame()).retval == XDP_PASS
            assert runs2[0] == u64(42)


# ---- attached with tc and ip -----------------------------------------------------------------

def map_dump(bpftool: str, prog_id: int, name: str) -> list[dict]:
    """`bpftool map dump id M -j` of the map called `name` that program `prog_id` uses."""
    show = json.loads(subprocess.run([bpftool, "prog", "show", "id", str(prog_id), "-j"],
                                     capture_output=True, text=True, check=True).stdout)
    for map_id in show.get("map_ids", []):
        info = json.loads(subprocess.run([bpftool, "map", "show", "id", str(map_id), "-j"],
                                         capture_output=True, text=True, check=True).stdout)
        if info["name"] == name:
            return json.loads(subprocess.run([bpftool, "map", "dump", "id", str(map_id), "-j"],
                                             capture_output=True, text=True, check=True).stdout)
    raise AssertionError(f"program {prog_id} uses no map named {name!r}: {show}")


def probe_bytes(port: int, count: int) -> int:
    """Frame bytes of `udp_probe`'s datagrams to `port` (its payload is b'bpfcc-probe PORT I')."""
    return sum(14 + 20 + 8 + len(b"bpfcc-probe %d %d" % (port, i)) for i in range(count))


@pytest.mark.parametrize("compiler", COMPILERS)
def test_xdp_counters_attached_with_ip(netns, build, bpftool, compiler):
    netns.b.attach_xdp(build("array", compiler), "xdp")
    shown = netns.b.ns.ip("-d", "link", "show", "dev", netns.b.dev).stdout.decode()
    prog_id = int(re.search(r"prog/xdp id (\d+)", shown)[1])
    assert udp_probe(netns.a, netns.b, [9, 16], count=3) == {9: 3, 16: 3}
    assert udp_probe(netns.a, netns.b, [17], count=2) == {17: 2}
    # bpftool prints the values through the map's BTF: struct counter's members by name.
    values = {e["formatted"]["key"]: e["formatted"]["value"] for e in map_dump(bpftool, prog_id, "counters")}
    assert values[1] == {"packets": 5, "bytes": probe_bytes(9, 3) + probe_bytes(17, 2)}  # 9 % 8 == 17 % 8
    assert values[0] == {"packets": 3, "bytes": probe_bytes(16, 3)}
    assert all(values[slot]["packets"] == 0 for slot in range(2, 8))


@pytest.mark.parametrize("compiler", COMPILERS)
def test_tc_counters_attached_with_tc(netns, build, bpftool, compiler):
    netns.b.attach_tc(build("tc_counter", compiler), "tc")
    shown = netns.b.ns.tc("filter", "show", "dev", netns.b.dev, "ingress").stdout.decode()
    prog_id = int(re.search(r"\bid (\d+)", shown)[1])
    assert udp_probe(netns.a, netns.b, [53, 123], count=4) == {53: 4, 123: 4}
    values = {e["formatted"]["key"]: e["formatted"]["value"] for e in map_dump(bpftool, prog_id, "port_totals")}
    assert values == {53: {"packets": 4, "bytes": probe_bytes(53, 4)},
                      123: {"packets": 4, "bytes": probe_bytes(123, 4)}}
