#!/usr/bin/env python3
"""Compile endpoint.c once per endpoint, with the endpoint's configuration as constants.

    python samples/endpoint_template/build.py -o build/endpoints
    python samples/endpoint_template/build.py -o out --endpoints endpoints.json

An endpoints file is a JSON list of objects with the fields of `Endpoint` below; without one,
the three EXAMPLE endpoints are built.  Each endpoint gets `<name>.o`; `generic.o` is the same
source without constants (its configuration comes from the ep_config map at run time).  The
table printed at the end shows what templating buys: fewer instructions, and no configuration
read at run time.

This is what Cilium's agent does whenever it creates an endpoint, through bpfcc's Python API
(`bpfcc.compile_file(path, out=..., defines={...}, cache=...)`) instead of a clang process.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import bpfcc
from bpfcc.loader import instruction_count

SOURCE = Path(__file__).resolve().with_name("endpoint.c")
PROGRAMS = ("from-container", "to-container")
POLICIES = {"allow": "POLICY_ALLOW", "deny": "POLICY_DENY"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    id: int
    mac: str        # "02:00:00:02:00:01"
    ipv4: str       # "10.202.0.1"
    identity: int   # security identity, below 65536 (it travels in the upper half of skb->mark)
    policy: str     # "allow" (no enforcement) or "deny" (default deny)

    def defines(self) -> dict[str, str]:
        """The -D constants of this endpoint's build."""
        if self.policy not in POLICIES:
            raise ValueError(f"{self.name}: policy must be one of {sorted(POLICIES)}, not {self.policy!r}")
        if not 0 < self.identity < 1 << 16:
            raise ValueError(f"{self.name}: identity {self.identity} does not fit in 16 bits")
        octets = self.mac.split(":")
        if len(octets) != 6:
            raise ValueError(f"{self.name}: bad MAC {self.mac!r}")
        return {
            "EP_ID": str(self.id),
            "EP_MAC": "{ .addr = { %s } }" % ", ".join(f"0x{o}" for o in octets),
            "EP_IPV4": "IPV4(%s)" % ", ".join(self.ipv4.split(".")),
            "EP_IDENTITY": str(self.identity),
            "EP_POLICY": POLICIES[self.policy],
        }


EXAMPLE = [
    Endpoint("frontend", 1, "02:00:00:02:00:01", "10.202.0.1", 1001, "allow"),
    Endpoint("backend", 2, "02:00:00:02:00:02", "10.202.0.2", 1002, "deny"),
    Endpoint("batch", 3, "02:00:00:02:00:03", "10.202.0.3", 1003, "deny"),
]


class BuildError(RuntimeError):
    pass


def compile_object(out: Path, cache: bpfcc.Cache, defines: dict[str, str] | None = None) -> Path:
    result = bpfcc.compile_file(SOURCE, out=out, defines=defines, cache=cache)
    if not result.ok:
        lines = [f"{d.file}:{d.line}:{d.column}: {d.severity}: {d.message}" for d in result.diagnostics]
        raise BuildError(f"{out.name}:\n" + "\n".join(lines))
    return out


def build(endpoints: list[Endpoint], out_dir: Path) -> dict[str, Path]:
    """`generic` and one object per endpoint, by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # One cache for the build: the source's headers are preprocessed and parsed once, for every
    # endpoint whose constants they do not look at.
    cache = bpfcc.Cache()
    objects = {"generic": compile_object(out_dir / "generic.o", cache)}
    for ep in endpoints:
        if ep.name == "generic" or ep.name in objects:
            raise BuildError(f"endpoint name {ep.name!r} is taken")
        objects[ep.name] = compile_object(out_dir / f"{ep.name}.o", cache, ep.defines())
    return objects


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out-dir", type=Path, required=True)
    parser.add_argument("--endpoints", type=Path, help="JSON list of endpoints (default: the examples)")
    args = parser.parse_args(argv)
    endpoints = EXAMPLE
    if args.endpoints:
        endpoints = [Endpoint(**fields) for fields in json.loads(args.endpoints.read_text())]
    try:
        objects = build(endpoints, args.out_dir)
    except (BuildError, ValueError, TypeError) as e:
        print(f"build.py: error: {e}", file=sys.stderr)
        return 1
    print(f"{'object':<12}" + "".join(f"{p:>16}" for p in PROGRAMS))
    for name, path in objects.items():
        raw = path.read_bytes()
        print(f"{name:<12}" + "".join(f"{instruction_count(raw, p):>16}" for p in PROGRAMS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
