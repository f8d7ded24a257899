"""An object's BTF in a form that two compilers' objects can be compared by.

`bpftool btf dump file X -j` lists types by id, and ids depend on the order a compiler happens
to emit types in. `describe(path)` replaces every id by the structure it names, so two objects
whose BTF means the same thing give equal descriptions:

    ours, theirs = btf.describe(bpfcc_obj), btf.describe(clang_obj)
    assert ours == theirs, btf.difference(ours, theirs)

A description is a set of strings, one per type, e.g.
    var counters global: struct { type: *[2]int @0; max_entries: *[4]int @64; ... } (32 bytes)
    datasec .maps: counters 32, stats 40
Named structs, unions, enums and typedefs are spelled by name where they are used and described
in full in their own entry, so self-referencing structs stay finite. DATASEC offsets are left
out (they depend only on the order of variables in the section); sizes are kept.
"""
from __future__ import annotations

import json
import os
import subprocess
from typing import Iterable

BPFTOOL = "bpftool"


def dump(path: str | os.PathLike) -> list[dict]:
    """The BTF types of an ELF object, as bpftool's JSON lists them (index = id - 1)."""
    out = subprocess.run([BPFTOOL, "btf", "dump", "file", os.fspath(path), "-j"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return json.loads(out)["types"]


class _Describer:
    def __init__(self, types: list[dict]) -> None:
        self.by_id = {t["id"]: t for t in types}

    def ref(self, type_id: int) -> str:
        """How a type is spelled where another type refers to it."""
        if type_id == 0:
            return "void"
        t = self.by_id[type_id]
        kind, name = t["kind"], t.get("name", "(anon)")
        named = name != "(anon)"
        if kind in ("STRUCT", "UNION", "ENUM", "ENUM64", "FWD", "TYPEDEF") and named:
            return f"{kind.lower()} {name}"
        return self.body(t)

    def body(self, t: dict) -> str:
        """A type spelled in full (its members, values or target)."""
        kind = t["kind"]
        if kind == "INT":
            return f"int '{t['name']}' {t['size']}B {t['nr_bits']}b@{t['bits_offset']} {t['encoding']}"
        if kind == "FLOAT":
            return f"float '{t['name']}' {t['size']}B"
        if kind == "PTR":
            return f"*{self.ref(t['type_id'])}"
        if kind == "ARRAY":
            return f"[{t['nr_elems']}]{self.ref(t['type_id'])} (index {self.ref(t['index_type_id'])})"
        if kind in ("CONST", "VOLATILE", "RESTRICT"):
            return f"{kind.lower()} {self.ref(t['type_id'])}"
        if kind == "TYPE_TAG":
            return f"tag '{t['name']}' {self.ref(t['type_id'])}"
        if kind == "TYPEDEF":
            return f"typedef {t['name']} = {self.ref(t['type_id'])}"
        if kind in ("STRUCT", "UNION"):
            members = "; ".join(
                f"{m['name']}: {self.ref(m['type_id'])} @{m['bits_offset']}"
                + (f":{m['bitfield_size']}" if m.get("bitfield_size") else "")
                for m in t["members"])
            return f"{kind.lower()} {self.name(t)}{{ {members} }} ({t['size']} bytes)"
        if kind in ("ENUM", "ENUM64"):
            values = ", ".join(f"{v['name']}={v['val']}" for v in t["values"])
            return f"{kind.lower()} {self.name(t)}{{ {values} }} ({t['size']} bytes, {t.get('encoding', '?')})"
        if kind == "FWD":
            return f"fwd {t['fwd_kind']} {t['name']}"
        if kind == "FUNC_PROTO":
            params = ", ".join(f"{p['name']}: {self.ref(p['type_id'])}" for p in t["params"])
            return f"fn({params}) -> {self.ref(t['ret_type_id'])}"
        if kind == "FUNC":
            return f"func {t['name']} {t['linkage']}: {self.ref(t['type_id'])}"
        if kind == "VAR":
            return f"var {t['name']} {t['linkage']}: {self.ref(t['type_id'])}"
        if kind == "DATASEC":
            variables = sorted(f"{self.by_id[v['type_id']]['name']} {v['size']}" for v in t["vars"])
            return f"datasec {t['name']}: {', '.join(variables)}"
        if kind == "DECL_TAG":
            return f"decl_tag '{t['name']}' on {self.ref(t['type_id'])} #{t['component_idx']}"
        raise ValueError(f"BTF kind {kind} is not described")

    @staticmethod
    def name(t: dict) -> str:
        return "" if t.get("name", "(anon)") == "(anon)" else f"{t['name']} "


def describe(path: str | os.PathLike) -> frozenset[str]:
    """Every type of the object's BTF, spelled without ids."""
    types = dump(path)
    d = _Describer(types)
    return frozenset(d.body(t) for t in types)


def of_kind(description: Iterable[str], prefix: str) -> list[str]:
    """The entries of a description that start with `prefix` ("var ", "datasec .maps", …)."""
    return sorted(e for e in description if e.startswith(prefix))


def difference(ours: frozenset[str], theirs: frozenset[str], ours_name: str = "bpfcc",
               theirs_name: str = "clang-19") -> str:
    """A readable account of what one description has and the other lacks."""
    lines = [f"only in {ours_name}:"] + [f"  {e}" for e in sorted(ours - theirs)]
    lines += [f"only in {theirs_name}:"] + [f"  {e}" for e in sorted(theirs - ours)]
    return "\n".join(lines)
