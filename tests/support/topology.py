"""Topologies beyond one veth pair, device settings, and the maps of attached programs.

    with lan(["client", "lb", "backend"]) as net:      # three namespaces on one switched segment
        net["lb"].attach_xdp(obj_path, "xdp")           # hosts are netns.Endpoints (device eth0)
        maps = attached_maps(xdp_prog_id(net["lb"]))    # {map name: BpftoolMap}, by program id
        maps["lb_services"].update(key_bytes, value_bytes)
        with capture(net.port("backend"), "out") as cap:   # what the switch sends to the backend
            ...

A LAN is a `bpfcc-…-switch` namespace holding a bridge, and one namespace per host, each
with an `eth0` whose peer is a bridge port in the switch namespace.  node_with_endpoints() wires
endpoint namespaces to a routing node namespace the way Cilium wires pods.  Everything lives in
namespaces from netns.namespace(), so it is deleted on exit (also when the body raises) and
swept after a crash like the veth pairs are.

Maps are reached through `bpftool` by id, from the program a device has attached: ids are
unique where names are not (two tests, or two samples, may both have a map called `stats`).
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import ipaddress
import json
import socket
import struct
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from .netns import Endpoint, Namespace, in_netns, namespace, run

SIOCETHTOOL = 0x8946
# Legacy ethtool "set" commands (uapi/linux/ethtool.h), one per offload.
ETHTOOL_SET = {"tx_checksum": 0x17, "sg": 0x19, "tso": 0x1F, "gso": 0x24, "gro": 0x2C}
BRIDGE = "br0"
HOST_DEV = "eth0"


def set_offloads(ns: Namespace, dev: str, **features: bool) -> None:
    """Turn offloads on or off: tx_checksum, sg, tso, gso, gro (ethtool's legacy ioctls).

    With them off, what crosses a veth is what a real wire carries: complete checksums and
    segments no larger than the MTU, one packet per frame.
    """
    unknown = set(features) - set(ETHTOOL_SET)
    if unknown:
        raise ValueError(f"unknown offloads {sorted(unknown)}; known: {sorted(ETHTOOL_SET)}")

    def ioctls() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for name, enabled in features.items():
                value = (ctypes.c_uint32 * 2)(ETHTOOL_SET[name], int(enabled))
                ifreq = struct.pack("16sP", dev.encode(), ctypes.addressof(value)).ljust(40, b"\0")
                fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    in_netns(ns.name, ioctls)


def sysctl(ns: Namespace, name: str, value: str | int) -> None:
    """Set a sysctl (`net.ipv4.conf.all.rp_filter`) inside a namespace."""
    ns.exec(["sysctl", "-qw", f"{name}={value}"])


@dataclass
class Lan:
    """Hosts on one switched Ethernet segment; `net["name"]` is that host's Endpoint."""

    switch: Namespace
    hosts: dict[str, Endpoint] = field(default_factory=dict)
    ports: dict[str, str] = field(default_factory=dict)   # host name -> its bridge port device

    def __getitem__(self, name: str) -> Endpoint:
        return self.hosts[name]

    def port(self, name: str) -> Endpoint:
        """The bridge port facing host `name`, as an Endpoint without addresses (for captures):
        its "out" direction is what the switch delivers to the host."""
        dev = self.ports[name]
        return Endpoint(self.switch, dev, "", "", "", in_netns(self.switch.name, lambda: socket.if_nametoindex(dev)))


def host_mac(index: int) -> str:
    return f"02:00:00:01:00:{index:02x}"


@contextlib.contextmanager
def lan(names: Sequence[str], *, subnet4: str = "10.201.0.0/24", subnet6: str = "fd00:bfcd::/64",
        static_neighbours: bool = True) -> Iterator[Lan]:
    """A LAN of len(names) hosts: host i (from 0) is .i+1 in both subnets, MAC 02:00:00:01:00:<i+1>.

    Offloads are off on every host (see set_offloads).  IPv6 addresses are `nodad` and no
    link-local addresses are generated.  With static_neighbours every host holds permanent
    neighbour entries for every other host; without, hosts resolve each other with ARP and ND.
    """
    if len(set(names)) != len(names) or not 1 <= len(names) <= 200:
        raise ValueError("need 1..200 distinct host names")
    net4, net6 = ipaddress.ip_network(subnet4), ipaddress.ip_network(subnet6)
    plan = [(name, host_mac(i + 1), str(net4[i + 1]), str(net6[i + 1])) for i, name in enumerate(names)]
    with contextlib.ExitStack() as stack:
        switch = stack.enter_context(namespace("switch"))
        switch.ip("link", "add", BRIDGE, "type", "bridge")
        switch.ip("link", "set", "dev", BRIDGE, "up")
        net = Lan(switch)
        for i, (name, mac, v4, v6) in enumerate(plan):
            ns = stack.enter_context(namespace(f"h{i}"))
            port = f"p{i}"
            switch.ip("link", "add", port, "type", "veth", "peer", "name", HOST_DEV, "address", mac,
                      "netns", ns.name)
            switch.ip("link", "set", "dev", port, "master", BRIDGE, "up")
            batch = [f"link set dev {HOST_DEV} addrgenmode none",
                     f"addr add {v4}/{net4.prefixlen} dev {HOST_DEV}",
                     f"addr add {v6}/{net6.prefixlen} dev {HOST_DEV} nodad",
                     f"link set dev {HOST_DEV} up"]
            if static_neighbours:
                for other, other_mac, other_v4, other_v6 in plan:
                    if other != name:
                        batch += [f"neigh replace {other_v4} lladdr {other_mac} dev {HOST_DEV} nud permanent",
                                  f"neigh replace {other_v6} lladdr {other_mac} dev {HOST_DEV} nud permanent"]
            run(["ip", "-n", ns.name, "-batch", "-"], input=("\n".join(batch) + "\n").encode())
            set_offloads(ns, HOST_DEV, tx_checksum=False, tso=False, gso=False, gro=False)
            ifindex = in_netns(ns.name, lambda: socket.if_nametoindex(HOST_DEV))
            net.hosts[name] = Endpoint(ns, HOST_DEV, mac, v4, v6, ifindex)
            net.ports[name] = port
        yield net


@dataclass
class Node:
    """A node namespace and its endpoints: `endpoints[name]` is the endpoint's eth0, `lxc[name]`
    the node's side of that endpoint's veth (where a per-endpoint datapath attaches)."""

    ns: Namespace
    gateway: str
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    lxc: dict[str, Endpoint] = field(default_factory=dict)


@contextlib.contextmanager
def node_with_endpoints(names: Sequence[str], *, subnet4: str = "10.202.0.0/24") -> Iterator[Node]:
    """Endpoints wired to a node as Cilium wires pods: endpoint i (from 0) holds .i+1/32 on its
    eth0 (MAC 02:00:00:02:00:<i+1>) and routes everything via the gateway, the subnet's last
    host address, which the node holds on lo and so answers ARP for on every lxc device.  The
    node routes each endpoint's /32 to its lxc<i> (MAC 02:00:00:02:01:<i+1>) and forwards
    between them.  Neighbours are resolved with ARP; offloads are off on every device.
    """
    net4 = ipaddress.ip_network(subnet4)
    gateway = str(net4[-2])
    if len(set(names)) != len(names) or not 1 <= len(names) < net4.num_addresses - 3:
        raise ValueError("need distinct endpoint names, fewer than the subnet holds")
    with contextlib.ExitStack() as stack:
        node_ns = stack.enter_context(namespace("node"))
        node_ns.ip("addr", "add", f"{gateway}/32", "dev", "lo")
        sysctl(node_ns, "net.ipv4.conf.all.forwarding", 1)
        node = Node(node_ns, gateway)
        for i, name in enumerate(names):
            ns = stack.enter_context(namespace(f"ep{i}"))
            addr, mac, lxc, lxc_mac = str(net4[i + 1]), f"02:00:00:02:00:{i + 1:02x}", f"lxc{i}", \
                f"02:00:00:02:01:{i + 1:02x}"
            node_ns.ip("link", "add", lxc, "address", lxc_mac, "type", "veth", "peer", "name", HOST_DEV,
                       "address", mac, "netns", ns.name)
            run(["ip", "-n", node_ns.name, "-batch", "-"], input=(
                f"link set dev {lxc} addrgenmode none\n"
                f"link set dev {lxc} up\n"
                f"route add {addr}/32 dev {lxc}\n").encode())
            run(["ip", "-n", ns.name, "-batch", "-"], input=(
                f"link set dev {HOST_DEV} addrgenmode none\n"
                f"addr add {addr}/32 dev {HOST_DEV}\n"
                f"link set dev {HOST_DEV} up\n"
                f"route add {gateway}/32 dev {HOST_DEV} scope link\n"
                f"route add default via {gateway} dev {HOST_DEV}\n").encode())
            set_offloads(ns, HOST_DEV, tx_checksum=False, tso=False, gso=False, gro=False)
            set_offloads(node_ns, lxc, tx_checksum=False, tso=False, gso=False, gro=False)
            index = lambda n, d: in_netns(n.name, lambda: socket.if_nametoindex(d))  # noqa: E731
            node.endpoints[name] = Endpoint(ns, HOST_DEV, mac, addr, "", index(ns, HOST_DEV))
            node.lxc[name] = Endpoint(node_ns, lxc, lxc_mac, gateway, "", index(node_ns, lxc))
        yield node


# --- attached programs and their maps ---------------------------------------------------------------

def xdp_prog_id(ep: Endpoint) -> int:
    """The id of the XDP program attached to ep's device."""
    (link,) = json.loads(ep.ns.ip("-j", "-d", "link", "show", "dev", ep.dev).stdout)
    try:
        return link["xdp"]["prog"]["id"]
    except KeyError:
        raise LookupError(f"no XDP program on {ep.dev} in {ep.ns.name}") from None


def tc_prog_ids(ep: Endpoint, direction: str = "ingress") -> list[int]:
    """The ids of the tc bpf filters on ep's device in `direction`, in filter order."""
    filters = json.loads(ep.ns.tc("-j", "filter", "show", "dev", ep.dev, direction).stdout or "[]")
    return [f["options"]["prog"]["id"] for f in filters if "prog" in f.get("options", {})]


def bpftool(*args: str) -> object:
    """Run `bpftool -j ARGS` and return its JSON output (None when it prints nothing)."""
    out = run(["bpftool", "-j", *args]).stdout
    return json.loads(out) if out.strip() else None


def _hex(data: bytes) -> list[str]:
    return [f"{b:02x}" for b in data]


def _bytes(words: list[str]) -> bytes:
    return bytes(int(w, 16) for w in words)


@dataclass(frozen=True)
class BpftoolMap:
    """One kernel map, read and written with bpftool by id.  Keys and values are raw bytes;
    per-CPU maps give a list of values, one per possible CPU."""

    id: int
    name: str
    type: str

    @property
    def percpu(self) -> bool:
        return self.type.startswith("percpu") or self.type.startswith("lru_percpu")

    def dump(self) -> dict[bytes, bytes | list[bytes]]:
        entries = bpftool("map", "dump", "id", str(self.id)) or []
        if self.percpu:
            return {_bytes(e["key"]): [_bytes(v["value"]) for v in e["values"]] for e in entries}
        return {_bytes(e["key"]): _bytes(e["value"]) for e in entries}

    def lookup(self, key: bytes) -> bytes | list[bytes] | None:
        return self.dump().get(bytes(key))

    def update(self, key: bytes, value: bytes) -> None:
        """Set key to value (on every CPU for per-CPU maps)."""
        run(["bpftool", "map", "update", "id", str(self.id), "key", "hex", *_hex(key), "value", "hex", *_hex(value)])


def attached_maps(prog_id: int) -> dict[str, BpftoolMap]:
    """The maps a loaded program uses, by their kernel names (cut to 15 characters)."""
    info = bpftool("prog", "show", "id", str(prog_id))
    maps = {}
    for map_id in info.get("map_ids", []):
        m = bpftool("map", "show", "id", str(map_id))
        maps[m["name"]] = BpftoolMap(map_id, m["name"], m["type"])
    return maps

