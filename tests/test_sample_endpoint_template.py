"""samples/endpoint_template: one source, one object per endpoint, the configuration folded in.

build.py compiles endpoint.c with each endpoint's MAC, address, identity and policy mode as
-D constants.  The objects must read no configuration at run time (no relocation against the
ep_config map or any global data), be smaller than the generic object that does, and enforce
what their constants say on real traffic between endpoint namespaces.  The same defines go to
clang-19, whose objects must pass the same tests.
"""
from __future__ import annotations

import importlib.util
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from support import packets as P
from support.netns import send_frames
from support.samples import COMPILERS, SAMPLES, build
from support.topology import BpftoolMap, Node, attached_maps, node_with_endpoints, tc_prog_ids

SAMPLE = SAMPLES / "endpoint_template"
SOURCE = SAMPLE / "endpoint.c"
PROGRAMS = ("from-container", "to-container")
MARK_MAGIC_IDENTITY = 0x0F00
POLICY_DENY = 1
METRIC_SENT, METRIC_SPOOFED_MAC, METRIC_SPOOFED_IP, METRIC_UNSUPPORTED = range(4)
METRIC_DELIVERED, METRIC_POLICY_DENIED, METRIC_NOT_OURS = range(4, 7)


def load_build_script():
    """samples/endpoint_template/build.py as a module (its dataclasses need it in sys.modules)."""
    spec = importlib.util.spec_from_file_location("endpoint_template_build", SAMPLE / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BUILD = load_build_script()
EXAMPLE = {ep.name: ep for ep in BUILD.EXAMPLE}


def build_all(compiler: str, out_dir: Path) -> dict[str, Path]:
    """generic + every example endpoint, with build.py's defines, by `compiler`."""
    if compiler == "bpfcc":
        return BUILD.build(list(EXAMPLE.values()), out_dir)
    objects = {"generic": build(compiler, SOURCE, out_dir / "generic")}
    for name, ep in EXAMPLE.items():
        objects[name] = build(compiler, SOURCE, out_dir / name, ep.defines())
    return objects


@pytest.fixture(params=COMPILERS)
def objects(request, tmp_path) -> dict[str, Path]:
    for sub in ("generic", *EXAMPLE):
        (tmp_path / sub).mkdir()
    return build_all(request.param, tmp_path)


# --- the objects --------------------------------------------------------------------------------------

def relocation_targets(path: Path, section: str) -> set[str]:
    """What the code of `section` refers to: symbol names, or section names for section symbols."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        rel = elf.get_section_by_name(f".rel{section}")
        if rel is None:
            return set()
        symtab = elf.get_section(rel["sh_link"])
        targets = set()
        for r in rel.iter_relocations():
            sym = symtab.get_symbol(r["r_info_sym"])
            targets.add(elf.get_section(sym["st_shndx"]).name if sym["st_info"]["type"] == "STT_SECTION"
                        else sym.name)
        return targets


def immediates(path: Path, section: str) -> set[int]:
    """The 32-bit immediates of a code section's instructions, unsigned."""
    with open(path, "rb") as f:
        code = ELFFile(f).get_section_by_name(section).data()
    return {int.from_bytes(code[i + 4:i + 8], "little") for i in range(0, len(code), 8)}


def count(path: Path, section: str) -> int:
    with open(path, "rb") as f:
        return ELFFile(f).get_section_by_name(section).data_size // 8


def test_build_script_compiles_one_object_per_endpoint(tmp_path):
    out = subprocess.run([sys.executable, SAMPLE / "build.py", "-o", tmp_path], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: [int(n) for n in line.split()[1:]] for line in out.stdout.splitlines()[1:]}
    assert set(rows) == {"generic", *EXAMPLE}
    for name, counts in rows.items():
        path = tmp_path / f"{name}.o"
        assert counts == [count(path, p) for p in PROGRAMS]


def test_build_script_reports_bad_endpoints(tmp_path):
    endpoints = tmp_path / "eps.json"
    endpoints.write_text('[{"name": "x", "id": 9, "mac": "02:00:00:00:00:09", "ipv4": "10.0.0.9",'
                         ' "identity": 70000, "policy": "deny"}]')
    out = subprocess.run([sys.executable, SAMPLE / "build.py", "-o", tmp_path, "--endpoints", endpoints],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 1 and "identity 70000 does not fit" in out.stderr


def test_templated_objects_read_no_configuration(objects):
    generic = objects["generic"]
    for program in PROGRAMS:
        assert "ep_config" in relocation_targets(generic, program)
    for name, ep in EXAMPLE.items():
        path = objects[name]
        for program in PROGRAMS:
            targets = relocation_targets(path, program)
            # Only the maps that hold state: no config map, no .rodata/.data holding constants.
            assert targets <= {"ep_metrics", "ep_policy"}, f"{name} {program} reads {targets}"
            assert count(path, program) < count(generic, program), f"{name} {program} is not smaller"
        # The constants are in the code: the mark with the identity, the address as compared.
        assert (ep.identity << 16 | MARK_MAGIC_IDENTITY) in immediates(path, "from-container")
        assert int.from_bytes(P.ip_bytes(ep.ipv4), "little") in immediates(path, "to-container")
    # An allow-all endpoint has no policy lookup left at all.
    assert "ep_policy" not in relocation_targets(objects["frontend"], "to-container")
    assert count(objects["frontend"], "to-container") < count(objects["backend"], "to-container")
    # Endpoints that differ only in values differ only in immediates.
    for program in PROGRAMS:
        assert count(objects["backend"], program) == count(objects["batch"], program)


# --- on real traffic ------------------------------------------------------------------------------------

def policy_key(identity: int, port: int, proto: int) -> bytes:
    return struct.pack("<I", identity) + struct.pack("!H", port) + bytes([proto, 0])


def metric(maps: dict[str, BpftoolMap], index: int) -> int:
    return sum(struct.unpack("<Q", v)[0] for v in maps["ep_metrics"].lookup(struct.pack("<I", index)))


@dataclass
class Deployment:
    node: Node
    maps: dict[str, dict[str, dict[str, BpftoolMap]]]   # endpoint -> "from"/"to" -> that program's maps

    @property
    def endpoints(self):
        return self.node.endpoints


@pytest.fixture
def deployment(objects):
    """frontend and backend run their templated objects, batch the generic one configured by map."""
    with node_with_endpoints(list(EXAMPLE)) as node:
        maps = {}
        for name, ep in EXAMPLE.items():
            endpoint, lxc = node.endpoints[name], node.lxc[name]
            assert (endpoint.mac, endpoint.ipv4) == (ep.mac, ep.ipv4), "topology and build.py disagree"
            obj = objects["generic" if name == "batch" else name]
            lxc.attach_tc(obj, "from-container", "ingress")
            lxc.attach_tc(obj, "to-container", "egress")
            (ingress,), (egress,) = tc_prog_ids(lxc, "ingress"), tc_prog_ids(lxc, "egress")
            maps[name] = {"from": attached_maps(ingress), "to": attached_maps(egress)}
        batch = EXAMPLE["batch"]
        config = P.mac(batch.mac) + bytes(2) + P.ip_bytes(batch.ipv4) + struct.pack("<II", batch.identity,
                                                                                      POLICY_DENY)
        for direction in ("from", "to"):
            maps["batch"][direction]["ep_config"].update(struct.pack("<I", 0), config)
        backend_policy = maps["backend"]["to"]["ep_policy"]
        frontend = EXAMPLE["frontend"].identity
        for key in (policy_key(frontend, 80, P.IPPROTO_TCP), policy_key(frontend, 0, P.IPPROTO_UDP),
                    policy_key(frontend, 0, P.IPPROTO_ICMP)):
            backend_policy.update(key, bytes(8))
        maps["batch"]["to"]["ep_policy"].update(policy_key(EXAMPLE["backend"].identity, 7, P.IPPROTO_UDP), bytes(8))
        yield Deployment(node, maps)


def tcp_connects(d: Deployment, src: str, dst: str, port: int) -> bool:
    client, server = d.endpoints[src], d.endpoints[dst]
    with server.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as listener, \
            client.ns.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # earlier tries linger in TIME_WAIT
        listener.bind((server.ipv4, port))
        listener.listen(1)
        sock.settimeout(1)
        try:
            sock.connect((server.ipv4, port))
        except TimeoutError:
            return False
        conn, _ = listener.accept()
        with conn:
            sock.sendall(b"through the policy")
            return conn.recv(100) == b"through the policy"


def udp_arrives(sender_ns, receiver, port: int) -> bool:
    with receiver.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(receiver.ipv4, port)) as sock, \
            sender_ns.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sock.settimeout(1)
        sender.sendto(b"datagram", (receiver.ipv4, port))
        try:
            return sock.recv(100) == b"datagram"
        except TimeoutError:
            return False


def pings(d: Deployment, src: str, dst: str) -> bool:
    with d.endpoints[src].ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(1)
        sock.sendto(P.icmp_echo(0xE9, 1, b"hello"), (d.endpoints[dst].ipv4, 0))
        try:
            while True:
                packet = sock.recv(2048)
                if packet[20] == P.ICMP_ECHO_REPLY:
                    return True
        except TimeoutError:
            return False


def test_policy_follows_the_compiled_in_identities(deployment):
    d, e = deployment, deployment.endpoints
    assert tcp_connects(d, "frontend", "backend", 80)
    assert not tcp_connects(d, "frontend", "backend", 81), "no rule for port 81"
    assert not tcp_connects(d, "batch", "backend", 80), "batch's identity is not allowed"
    assert udp_arrives(e["frontend"].ns, e["backend"], 53) and udp_arrives(e["frontend"].ns, e["backend"], 54)
    assert pings(d, "frontend", "backend") and not pings(d, "batch", "backend")
    # frontend enforces nothing; the node's own traffic is "world", which backend does not allow.
    # (The policy is stateless: a reply needs a rule too, so only frontend can open TCP here.)
    assert udp_arrives(e["batch"].ns, e["frontend"], 8080) and udp_arrives(e["backend"].ns, e["frontend"], 8080)
    assert udp_arrives(d.node.ns, e["frontend"], 9) and not udp_arrives(d.node.ns, e["backend"], 9)
    # The generic object, configured through ep_config, enforces batch's policy the same way.
    assert udp_arrives(e["backend"].ns, e["batch"], 7) and not udp_arrives(e["frontend"].ns, e["batch"], 7)

    policy = d.maps["backend"]["to"]["ep_policy"]
    hits = {key: struct.unpack("<Q", value)[0] for key, value in policy.dump().items()}
    frontend = EXAMPLE["frontend"].identity
    assert hits[policy_key(frontend, 80, P.IPPROTO_TCP)] >= 3   # handshake and data
    assert hits[policy_key(frontend, 0, P.IPPROTO_UDP)] == 2
    assert hits[policy_key(frontend, 0, P.IPPROTO_ICMP)] == 1
    assert metric(d.maps["backend"]["to"], METRIC_POLICY_DENIED) >= 4   # port 81, batch's SYN and ping, world
    assert metric(d.maps["frontend"]["to"], METRIC_POLICY_DENIED) == 0


def test_spoofed_sources_are_dropped(deployment):
    e, lxc = deployment.endpoints, deployment.node.lxc
    batch, frontend = e["batch"], e["frontend"]
    from_batch = deployment.maps["batch"]["from"]
    udp = lambda src_ip, src_mac: P.udp_frame(40000, 9, b"spoofed", src=src_ip, dst=frontend.ipv4,  # noqa: E731
                                              eth_src=src_mac, eth_dst=lxc["batch"].mac)
    with frontend.ns.socket(socket.AF_INET, socket.SOCK_DGRAM, bind=(frontend.ipv4, 9)) as sock:
        sock.settimeout(0.5)
        send_frames(batch, [udp(e["backend"].ipv4, batch.mac), udp(batch.ipv4, "02:00:00:00:66:66")])
        with pytest.raises(TimeoutError):
            sock.recv(100)
        send_frames(batch, [udp(batch.ipv4, batch.mac)])   # the honest one arrives
        assert sock.recv(100) == b"spoofed"
    assert metric(from_batch, METRIC_SPOOFED_IP) == 1
    assert metric(from_batch, METRIC_SPOOFED_MAC) == 1
    # ARP claiming another endpoint's address is spoofing too.
    claim = P.ethernet(P.arp(sender_mac=batch.mac, sender_ip=e["backend"].ipv4, target_ip=deployment.node.gateway),
                       ethertype=P.ETH_P_ARP, src=batch.mac, dst="ff:ff:ff:ff:ff:ff")
    send_frames(batch, [claim])
    assert metric(from_batch, METRIC_SPOOFED_IP) == 2
