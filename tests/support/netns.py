"""Real traffic through BPF programs: two network namespaces joined by a veth pair.

    with veth_pair() as pair:                      # pair.a in one namespace, pair.b in the other
        pair.b.attach_xdp(obj_path, "xdp")          # = attach_xdp(pair.b.ns, "veth1", obj_path, "xdp")
        got = udp_probe(pair.a, pair.b, [9, 10])    # {9: 0, 10: 1}: datagrams that arrived
        with capture(pair.b) as cap:
            send_frames(pair.a, [frame])
            seen = cap.wait(lambda f: f[12:14] == b"\\x08\\x00")

Everything happens inside namespaces named `bpfcc-<pid>-<random>-{a,b}`: the host's own
interfaces and the default namespace's links are never touched, and the test addresses
(10.200.0.0/24, fd00:bfcc::/64, see packets.py) exist only there.  Namespaces are deleted on
exit, also when the body raises; `sweep_stale_namespaces()` removes ones whose creating process
died without cleaning up.

Sockets are created inside a namespace by a short-lived thread that setns()es into it (Python
3.11 has no os.setns): a socket stays in the namespace it was created in, so the rest of the
test uses it from the main thread, with no subprocess per packet.

Where to look for rewrites: on a receiving device, an AF_PACKET capture sees frames after XDP
(generic XDP runs before the packet taps) but before tc ingress.  To see what a tc program wrote,
attach it at egress of the sending device (`direction="egress"`): egress tc runs before the taps,
so a capture on either end of the veth sees the rewritten frame.
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import os
import re
import secrets
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, TypeVar

from . import packets

PREFIX = "bpfcc-"
NETNS_DIR = "/run/netns"
_STALE_NAME = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")
CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x00000017
COMMAND_TIMEOUT = 30
MAX_PROBE_COUNT = 200    # datagrams per port: all are sent before any is read, and a default
                         # receive buffer (212992 bytes) holds ~270 small ones
MAX_PROBE_PORTS = 512

T = TypeVar("T")


class CommandError(RuntimeError):
    """An `ip`/`tc` command failed; carries its stderr (e.g. libbpf's and the verifier's log)."""

    def __init__(self, argv: list[str], returncode: int, stdout: str, stderr: str):
        self.argv, self.returncode, self.stdout, self.stderr = argv, returncode, stdout, stderr
        super().__init__(f"`{' '.join(argv)}` exited with {returncode}:\n{stderr.strip() or stdout.strip()}")


def missing_tools() -> list[str]:
    return [tool for tool in ("ip", "tc") if shutil.which(tool) is None]


def run(argv: list[str], *, check: bool = True, input: bytes | None = None,
        timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
    """Run a command with captured output; CommandError (with stderr) if it fails and check."""
    proc = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise CommandError(argv, proc.returncode, proc.stdout.decode(errors="replace"),
                           proc.stderr.decode(errors="replace"))
    return proc


@functools.cache
def _setns():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.setns.argtypes, libc.setns.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return libc.setns


def in_netns(name: str, fn: Callable[[], T]) -> T:
    """Call fn() in a fresh thread that has joined namespace `name`; return its result.

    Only the helper thread changes namespace, and it exits afterwards, so the caller's
    namespace never changes.  Sockets fn() creates stay in `name`.
    """
    result: list = []

    def body() -> None:
        try:
            fd = os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _setns()(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns into {name}: {os.strerror(err)}")
            finally:
                os.close(fd)
            result.append((True, fn()))
        except BaseException as e:  # handed to the caller
            result.append((False, e))

    thread = threading.Thread(target=body, name=f"netns-{name}")
    thread.start()
    thread.join()
    ok, value = result[0]
    if not ok:
        raise value
    return value


@dataclass(frozen=True)
class Namespace:
    name: str

    def exec(self, argv: list[str], **kw) -> subprocess.CompletedProcess:
        """Run any command inside the namespace (`ip netns exec`)."""
        return run(["ip", "netns", "exec", self.name, *argv], **kw)

    def ip(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return run(["ip", "-n", self.name, *args], **kw)

    def tc(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return run(["tc", "-n", self.name, *args], **kw)

    def socket(self, family: int, type: int, proto: int = 0, bind: tuple | None = None) -> socket.socket:
        """A socket created (and bound, if `bind` is given) inside the namespace."""
        def make() -> socket.socket:
            sock = socket.socket(family, type, proto)
            try:
                if bind is not None:
                    sock.bind(bind)
            except BaseException:
                sock.close()
                raise
            return sock
        return in_netns(self.name, make)


@contextlib.contextmanager
def namespace(tag: str = "ns") -> Iterator[Namespace]:
    """A fresh, empty network namespace (with lo up), deleted on exit."""
    name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(3)}-{tag}"
    run(["ip", "netns", "add", name])
    try:
        ns = Namespace(name)
        ns.ip("link", "set", "dev", "lo", "up")
        yield ns
    except BaseException:
        run(["ip", "netns", "del", name], check=False)  # don't mask the body's error
        raise
    run(["ip", "netns", "del", name])


def sweep_stale_namespaces() -> list[str]:
    """Delete our namespaces (prefix `bpfcc-<pid>-`) whose creating process no longer exists."""
    removed = []
    try:
        names = os.listdir(NETNS_DIR)
    except FileNotFoundError:
        return removed
    for name in names:
        m = _STALE_NAME.match(name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        if run(["ip", "netns", "del", name], check=False).returncode == 0:
            removed.append(name)
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Endpoint:
    """One end of the veth pair: its namespace, device and addresses."""

    ns: Namespace
    dev: str
    mac: str
    ipv4: str
    ipv6: str
    ifindex: int

    def addr(self, family: int = 4) -> str:
        return self.ipv6 if family == 6 else self.ipv4

    def attach_tc(self, obj_path: str | os.PathLike, section: str, direction: str = "ingress") -> None:
        attach_tc(self.ns, self.dev, obj_path, section, direction)

    def detach_tc(self) -> None:
        detach_tc(self.ns, self.dev)

    def attach_xdp(self, obj_path: str | os.PathLike, section: str, mode: str = "xdpgeneric") -> None:
        attach_xdp(self.ns, self.dev, obj_path, section, mode)

    def detach_xdp(self, mode: str = "xdpgeneric") -> None:
        detach_xdp(self.ns, self.dev, mode)


@dataclass(frozen=True)
class VethPair:
    a: Endpoint
    b: Endpoint


def _set_tx_checksum(ns: Namespace, dev: str, enabled: bool) -> None:
    """ETHTOOL_STXCSUM through the legacy ioctl (no ethtool binary needed)."""
    value = (ctypes.c_uint32 * 2)(ETHTOOL_STXCSUM, int(enabled))
    ifreq = struct.pack("16sP", dev.encode(), ctypes.addressof(value)).ljust(40, b"\0")

    def ioctl() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    in_netns(ns.name, ioctl)


def _ifindex(ns: Namespace, dev: str) -> int:
    return in_netns(ns.name, lambda: socket.if_nametoindex(dev))


@contextlib.contextmanager
def veth_pair(*, tx_checksum_offload: bool = False) -> Iterator[VethPair]:
    """Two namespaces joined by veth0 (in a) <-> veth1 (in b), up and addressed.

    a: 10.200.0.1/24, fd00:bfcc::1/64, 02:00:00:00:00:0a; b: .2, ::2, ...:0b (packets.py's
    defaults, so built frames fit).  IPv6 addresses are added `nodad` and no link-local address
    is generated (fewer stray frames on the wire); neighbours are static on both sides, so
    no ARP/ND is needed and a program that drops ARP cannot break the path.
    TX checksum offload is off by default so frames on the wire carry complete L4 checksums
    (with it on, a veth forwards the unfinished CHECKSUM_PARTIAL sum).
    """
    with namespace("a") as ns_a, namespace("b") as ns_b:
        a = (ns_a, "veth0", packets.MAC_A, packets.IPV4_A, packets.IPV6_A)
        b = (ns_b, "veth1", packets.MAC_B, packets.IPV4_B, packets.IPV6_B)
        ns_a.ip("link", "add", "veth0", "address", packets.MAC_A, "type", "veth",
                "peer", "name", "veth1", "address", packets.MAC_B, "netns", ns_b.name)
        for (ns, dev, _, v4, v6), (_, _, peer_mac, peer_v4, peer_v6) in ((a, b), (b, a)):
            batch = "\n".join([
                f"link set dev {dev} addrgenmode none",
                f"addr add {v4}/24 dev {dev}",
                f"addr add {v6}/64 dev {dev} nodad",
                f"link set dev {dev} up",
                f"neigh replace {peer_v4} lladdr {peer_mac} dev {dev} nud permanent",
                f"neigh replace {peer_v6} lladdr {peer_mac} dev {dev} nud permanent",
            ]) + "\n"
            run(["ip", "-n", ns.name, "-batch", "-"], input=batch.encode())
            if not tx_checksum_offload:
                _set_tx_checksum(ns, dev, False)
        yield VethPair(*(Endpoint(ns, dev, mac, v4, v6, _ifindex(ns, dev)) for ns, dev, mac, v4, v6 in (a, b)))


# --- attaching programs ---------------------------------------------------------------------------

def attach_tc(ns: Namespace | str, dev: str, obj_path: str | os.PathLike, section: str,
              direction: str = "ingress") -> None:
    """`tc qdisc replace dev D clsact` + `tc filter add dev D <direction> bpf da obj O sec S`.

    Direct-action classifier: this kernel has no act_bpf.  Raises CommandError with tc's stderr
    (libbpf's messages and the verifier log) if tc refuses the object.
    """
    ns = _namespace(ns)
    if direction not in ("ingress", "egress"):
        raise ValueError(f"direction must be ingress or egress, not {direction!r}")
    ns.tc("qdisc", "replace", "dev", dev, "clsact")
    ns.tc("filter", "add", "dev", dev, direction, "bpf", "da", "obj", os.fspath(obj_path), "sec", section)
    shown = ns.tc("filter", "show", "dev", dev, direction).stdout.decode()
    if "direct-action" not in shown:  # tc said yes; make sure the filter really is there
        raise CommandError(["tc", "filter", "show", "dev", dev, direction], 0, shown, "no bpf da filter attached")


def detach_tc(ns: Namespace | str, dev: str) -> None:
    """Remove the clsact qdisc (and with it every tc filter, both directions) from the device."""
    _namespace(ns).tc("qdisc", "del", "dev", dev, "clsact", check=False)


def attach_xdp(ns: Namespace | str, dev: str, obj_path: str | os.PathLike, section: str,
               mode: str = "xdpgeneric") -> None:
    """`ip link set dev D xdpgeneric obj O sec S`; CommandError with ip's stderr on failure."""
    ns = _namespace(ns)
    ns.ip("link", "set", "dev", dev, mode, "obj", os.fspath(obj_path), "sec", section)
    shown = ns.ip("-d", "link", "show", "dev", dev).stdout.decode()
    if "prog/xdp" not in shown:  # ip said yes; make sure a program really is attached
        raise CommandError(["ip", "-d", "link", "show", "dev", dev], 0, shown, "no XDP program attached")


def detach_xdp(ns: Namespace | str, dev: str, mode: str = "xdpgeneric") -> None:
    _namespace(ns).ip("link", "set", "dev", dev, mode, "off")


def _namespace(ns: Namespace | str) -> Namespace:
    return ns if isinstance(ns, Namespace) else Namespace(ns)


# --- traffic ------------------------------------------------------------------------------------------

def udp_probe(src: Endpoint, dst: Endpoint, ports: Iterable[int], *, family: int = 4, count: int = 1,
              payload: bytes = b"bpfcc-probe", timeout: float = 2.0, quiet: float = 0.25) -> dict[int, int]:
    """Send `count` UDP datagrams from src to each port of dst's address; {port: datagrams received}.

    Returns as soon as everything arrived; otherwise once nothing new came for `quiet` seconds
    (delivery over a veth takes microseconds), or after `timeout` at most.
    """
    ports = list(dict.fromkeys(ports))
    if not (1 <= len(ports) <= MAX_PROBE_PORTS and 1 <= count <= MAX_PROBE_COUNT):
        raise ValueError(f"need 1..{MAX_PROBE_PORTS} ports and count 1..{MAX_PROBE_COUNT}")
    fam = socket.AF_INET6 if family == 6 else socket.AF_INET
    receivers: dict[socket.socket, int] = {}
    got = {port: 0 for port in ports}
    with contextlib.ExitStack() as stack:
        def make_receivers() -> list[socket.socket]:
            socks = []
            for port in ports:
                sock = stack.enter_context(socket.socket(fam, socket.SOCK_DGRAM))
                sock.bind((dst.addr(family), port))
                sock.setblocking(False)
                socks.append(sock)
            return socks
        for sock, port in zip(in_netns(dst.ns.name, make_receivers), ports):
            receivers[sock] = port
        sender = stack.enter_context(src.ns.socket(fam, socket.SOCK_DGRAM))
        for i in range(count):
            for port in ports:
                sender.sendto(payload + b" %d %d" % (port, i), (dst.addr(family), port))
        start = last = time.monotonic()
        while sum(got.values()) < count * len(ports):
            now = time.monotonic()
            wait = min(start + timeout, last + quiet) - now
            if wait <= 0:
                break
            ready, _, _ = select.select(list(receivers), [], [], wait)
            for sock in ready:
                while True:
                    try:
                        data = sock.recv(65536)
                    except BlockingIOError:
                        break
                    if data.startswith(payload):
                        got[receivers[sock]] += 1
                        last = time.monotonic()
    return got


def send_frames(src: Endpoint, frames: Iterable[bytes]) -> int:
    """Transmit raw Ethernet frames on src's device (AF_PACKET); returns how many were sent."""
    n = 0
    with src.ns.socket(socket.AF_PACKET, socket.SOCK_RAW, 0, bind=(src.dev, 0)) as sock:
        for frame in frames:
            sock.send(bytes(frame))
            n += 1
    return n


@dataclass(frozen=True)
class Captured:
    frame: bytes
    outgoing: bool   # sent by this device rather than received


# ICMPv6 the kernel sends on its own: MLD reports/queries/done and router solicitations.  They
# show up about a second after a link comes up (linkwatch), whatever a test is doing.
_BACKGROUND_ICMPV6 = frozenset({130, 131, 132, 133, 143})


def is_background(frame: bytes) -> bool:
    """A frame the kernel emits by itself (IPv6 multicast housekeeping), not test traffic."""
    if frame[:2] != b"\x33\x33":
        return False
    try:
        f = packets.parse(frame, strict=False)
    except packets.ParseError:
        return False
    return f.proto == packets.IPPROTO_ICMPV6 and f.icmp_type in _BACKGROUND_ICMPV6


@dataclass
class Capture:
    """Frames seen on a device (AF_PACKET, ETH_P_ALL) while the `capture` block is open."""

    sock: socket.socket
    direction: str = "in"          # "in", "out" or "both"
    ignore: Callable[[bytes], bool] | None = is_background
    seen: list[Captured] = field(default_factory=list)

    def _drain(self, wait: float) -> bool:
        """Read what is queued, waiting up to `wait` for the first frame; True if anything came."""
        ready, _, _ = select.select([self.sock], [], [], max(wait, 0))
        if not ready:
            return False
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except BlockingIOError:
                return True
            outgoing = addr[2] == PACKET_OUTGOING
            if self.direction != "both" and outgoing != (self.direction == "out"):
                continue
            if self.ignore is None or not self.ignore(data):
                self.seen.append(Captured(data, outgoing))

    def wait(self, match: Callable[[bytes], bool] = lambda f: True, count: int = 1,
             timeout: float = 1.0) -> list[bytes]:
        """Frames seen so far that satisfy `match`, waiting until there are `count` or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            hits = [c.frame for c in self.seen if match(c.frame)]
            remaining = deadline - time.monotonic()
            if len(hits) >= count or remaining <= 0:
                return hits
            self._drain(remaining)

    def settle(self, quiet: float = 0.1, timeout: float = 1.0) -> list[bytes]:
        """Every frame seen once nothing new came for `quiet` seconds (or after `timeout`)."""
        deadline = time.monotonic() + timeout
        while self._drain(min(quiet, deadline - time.monotonic())):
            pass
        return [c.frame for c in self.seen]


@contextlib.contextmanager
def capture(ep: Endpoint, direction: str = "in",
            ignore: Callable[[bytes], bool] | None = is_background) -> Iterator[Capture]:
    """Capture frames on ep's device: "in" = received (after XDP, before tc ingress).

    Frames for which `ignore` is true are not recorded (default: the kernel's own MLD/RS
    chatter; pass None to record everything).
    """
    if direction not in ("in", "out", "both"):
        raise ValueError(f"direction must be in, out or both, not {direction!r}")
    sock = ep.ns.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL),
                        bind=(ep.dev, ETH_P_ALL))
    try:
        sock.setblocking(False)
        yield Capture(sock, direction, ignore)
    finally:
        sock.close()


def transmit(src: Endpoint, dst: Endpoint, frames: Iterable[bytes], *,
             match: Callable[[bytes], bool] | None = None, count: int | None = None,
             timeout: float = 1.0) -> list[bytes]:
    """Send raw frames from src and return those that arrive at dst (as dst's device got them).

    `match` selects the frames of interest (default: frames from src's MAC or with the source
    MAC of a sent frame); waits for `count` of them (default: as many as were sent) or timeout.
    """
    frames = [bytes(f) for f in frames]
    if match is None:
        macs = {f[6:12] for f in frames} | {packets.mac(src.mac)}
        match = lambda f: f[6:12] in macs  # noqa: E731
    with capture(dst) as cap:
        send_frames(src, frames)
        return cap.wait(match, len(frames) if count is None else count, timeout)
