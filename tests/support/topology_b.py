"""Attach samples with tc so that their attachments share pinned maps, and read and write those
maps with bpftool, as an operator of a Cilium-style datapath does.

    with veth_pair() as pair, bpffs_namespace() as fs:
        fs.attach_tc(pair.b, obj, "tc", "ingress")
        fs.attach_tc(pair.b, obj, "tc", "egress")   # reuses the maps the first load pinned
        entries = fs.map_dump("ct4_global")         # /sys/fs/bpf/tc/globals/ct4_global

Why a mount namespace: tc pins maps declared with LIBBPF_PIN_BY_NAME under the first bpffs it
finds (/sys/fs/bpf, which it mounts itself if nothing is there) in tc/globals/.  `tc -n NS` and
`ip netns exec` first remount /sys in a private mount namespace, so pins made through them
vanish with that tc process and two attachments never share a map.  bpffs_namespace() owns a
private mount namespace with its own bpffs on /sys/fs/bpf, kept alive by a sleeping child; tc
and bpftool run inside it through nsenter, which joins the network namespace without remounting
/sys.  Killing the child ends the mount namespace and with it the bpffs and every pin, so nothing
outlives the test and the host's /sys/fs/bpf is never touched.  The child also dies with the
test process (parent-death signal), should that be killed.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .netns import COMMAND_TIMEOUT, NETNS_DIR, CommandError, Endpoint, in_netns, run

BPFFS = "/sys/fs/bpf"
TC_GLOBALS = f"{BPFFS}/tc/globals"     # iproute2's pin root for LIBBPF_PIN_BY_NAME maps


@dataclass
class MapEntry:
    key: bytes
    value: bytes | list[bytes]   # a list with one value per CPU for per-CPU maps

    def percpu_sum(self, fmt: str = "<Q") -> int:
        """The sum over CPUs of a per-CPU integer value."""
        return sum(struct.unpack(fmt, v)[0] for v in self.value)


def _hex_bytes(items: list[str]) -> bytes:
    return bytes(int(x, 16) for x in items)


def _hex_args(data: bytes) -> list[str]:
    return [f"0x{b:02x}" for b in data]


def _entry(item: dict) -> MapEntry:
    """One entry of bpftool's JSON dump or lookup."""
    if "values" in item:
        value = [_hex_bytes(v["value"]) for v in item["values"]]
    else:
        value = _hex_bytes(item["value"])
    return MapEntry(_hex_bytes(item["key"]), value)


class Bpffs:
    """A private mount namespace with its own bpffs on /sys/fs/bpf; see the module docstring."""

    def __init__(self, holder: subprocess.Popen):
        self._holder = holder

    @property
    def pid(self) -> int:
        return self._holder.pid

    def run(self, argv: list[str], netns: str | None = None, **kw) -> subprocess.CompletedProcess:
        """Run a command in the mount namespace (and in network namespace `netns`, if given)."""
        enter = ["nsenter", f"--mount=/proc/{self.pid}/ns/mnt"]
        if netns is not None:
            enter.append(f"--net={os.path.join(NETNS_DIR, netns)}")
        return run([*enter, "--", *argv], **kw)

    def tc(self, ep: Endpoint, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run(["tc", *args], netns=ep.ns.name, **kw)

    def attach_tc(self, ep: Endpoint, obj: str | os.PathLike, section: str, direction: str = "ingress") -> int:
        """`tc qdisc replace dev D clsact; tc filter add dev D <direction> bpf da obj O sec S`;
        returns the attached program's id."""
        return self._attach(ep, direction, ["obj", os.fspath(obj), "sec", section])

    def attach_tc_pinned(self, ep: Endpoint, prog: str, direction: str = "ingress") -> int:
        """`tc filter add dev D <direction> bpf da pinned P`: attach a program already loaded and
        pinned (by `load_all`); returns its id."""
        return self._attach(ep, direction, ["pinned", prog])

    def _attach(self, ep: Endpoint, direction: str, source: list[str]) -> int:
        if direction not in ("ingress", "egress"):
            raise ValueError(f"direction must be ingress or egress, not {direction!r}")
        self.tc(ep, "qdisc", "replace", "dev", ep.dev, "clsact")
        self.tc(ep, "filter", "add", "dev", ep.dev, direction, "bpf", "da", *source)
        shown = json.loads(self.tc(ep, "-j", "filter", "show", "dev", ep.dev, direction).stdout or b"[]")
        ids = [f["options"]["prog"]["id"] for f in shown if f.get("options", {}).get("direct-action")]
        if not ids:
            raise CommandError(["tc", "filter", "show", "dev", ep.dev, direction], 0, json.dumps(shown),
                               "no bpf da filter attached")
        return ids[-1]

    def load_all(self, obj: str | os.PathLike, pin_dir: str) -> None:
        """`bpftool prog loadall OBJ DIR`: libbpf loads every program of the object (filling
        statically initialised prog arrays) and pins each one as DIR/<program name>; maps
        declared LIBBPF_PIN_BY_NAME are pinned as /sys/fs/bpf/<map name>."""
        self.run(["bpftool", "prog", "loadall", os.fspath(obj), pin_dir])

    def bpftool(self, *args: str) -> object:
        """bpftool's JSON answer (`bpftool -j ARGS`)."""
        out = self.run(["bpftool", "-j", *args]).stdout
        return json.loads(out) if out.strip() else None

    def pin(self, name: str) -> str:
        return name if name.startswith("/") else f"{TC_GLOBALS}/{name}"

    def _map(self, map_: str | int) -> list[str]:
        """bpftool's MAP argument: an int is a map id, a str a pin (a name under tc/globals, or a path)."""
        return ["id", str(map_)] if isinstance(map_, int) else ["pinned", self.pin(map_)]

    def map_dump(self, map_: str | int) -> list[MapEntry]:
        return [_entry(item) for item in self.bpftool("map", "dump", *self._map(map_)) or []]

    def map_lookup(self, map_: str | int, key: bytes) -> MapEntry | None:
        proc = self.run(["bpftool", "-j", "map", "lookup", *self._map(map_), "key", *_hex_args(key)], check=False)
        if proc.returncode != 0:
            if b"No such file or directory" in proc.stderr + proc.stdout:
                return None
            raise CommandError(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
        return _entry(json.loads(proc.stdout))

    def map_update(self, map_: str | int, key: bytes, value: bytes) -> None:
        self.run(["bpftool", "map", "update", *self._map(map_), "key", *_hex_args(key), "value", *_hex_args(value)])

    def map_delete(self, map_: str | int, key: bytes) -> None:
        self.run(["bpftool", "map", "delete", *self._map(map_), "key", *_hex_args(key)])

    def prog_maps(self, prog_id: int) -> dict[str, int]:
        """{map name: map id} of the maps a loaded program uses, pinned or not."""
        ids = self.bpftool("prog", "show", "id", str(prog_id)).get("map_ids", [])
        return {self.bpftool("map", "show", "id", str(i))["name"]: i for i in ids}

    def pins(self) -> list[str]:
        """Paths of everything pinned under tc/globals."""
        out = self.run(["find", TC_GLOBALS, "-mindepth", "1"], check=False).stdout.decode()
        return sorted(out.split())


@contextlib.contextmanager
def bpffs_namespace() -> Iterator[Bpffs]:
    """A private mount namespace with a fresh bpffs on /sys/fs/bpf, removed on exit."""
    holder = subprocess.Popen(
        ["setpriv", "--pdeathsig", "KILL", "unshare", "--mount", "--propagation", "private",
         "sh", "-c", f"mount -t bpf bpf {BPFFS} && echo ready && exec sleep infinity"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if holder.stdout.readline() != b"ready\n":
            holder.wait(timeout=COMMAND_TIMEOUT)
            raise CommandError(holder.args, holder.returncode, "", holder.stderr.read().decode())
        yield Bpffs(holder)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=COMMAND_TIMEOUT)
        holder.stdout.close()
        holder.stderr.close()


def snmp(ep: Endpoint) -> dict[str, int]:
    """The namespace's /proc/net/snmp and snmp6 counters as {"Udp.InCsumErrors": n, ...}."""
    def read() -> dict[str, int]:
        counters = {}
        lines = Path("/proc/thread-self/net/snmp").read_text().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            proto, *fields = names.split()
            counters.update({f"{proto[:-1]}.{f}": int(v) for f, v in zip(fields, values.split()[1:])})
        for line in Path("/proc/thread-self/net/snmp6").read_text().splitlines():
            name, value = line.split()
            counters[name] = int(value)
        return counters
    return in_netns(ep.ns.name, read)


def run_frame(prog, frame: bytes):
    """BPF_PROG_TEST_RUN of a loaded program on a frame: its RunResult, or None when the kernel
    refuses to build an skb from the frame (EINVAL before the program runs: too short for the
    headers its ethertype announces)."""
    try:
        return prog.run(frame)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        return None
