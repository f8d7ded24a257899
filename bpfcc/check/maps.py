"""BTF-defined maps: what libbpf requires of a variable in section `.maps`.

libbpf reads a map from the BTF of its variable, a struct written with the macros of
<bpf/bpf_helpers.h>: `__uint(name, N)` is a member `int (*name)[N]` whose array length is the
value, `__type(name, T)` is a member `T *name`, and `__array(values, T)` is a last member
`T *values[]` naming inner maps or tail-called programs.  Mistakes there are otherwise found
by the loader, at load time and far from the source; here each gets an error at the member
(or the variable) it is about.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from pycparser import c_ast

from .. import ctype, literals
from ..diagnostics import CompileError, Location

MAPS_SECTION = ".maps"

# enum bpf_map_type (uapi/linux/bpf.h, Linux 6.18), without BPF_MAP_TYPE_UNSPEC.
MAP_TYPES = {
    1: "HASH", 2: "ARRAY", 3: "PROG_ARRAY", 4: "PERF_EVENT_ARRAY", 5: "PERCPU_HASH", 6: "PERCPU_ARRAY",
    7: "STACK_TRACE", 8: "CGROUP_ARRAY", 9: "LRU_HASH", 10: "LRU_PERCPU_HASH", 11: "LPM_TRIE",
    12: "ARRAY_OF_MAPS", 13: "HASH_OF_MAPS", 14: "DEVMAP", 15: "SOCKMAP", 16: "CPUMAP", 17: "XSKMAP",
    18: "SOCKHASH", 19: "CGROUP_STORAGE", 20: "REUSEPORT_SOCKARRAY", 21: "PERCPU_CGROUP_STORAGE",
    22: "QUEUE", 23: "STACK", 24: "SK_STORAGE", 25: "DEVMAP_HASH", 26: "STRUCT_OPS", 27: "RINGBUF",
    28: "INODE_STORAGE", 29: "TASK_STORAGE", 30: "BLOOM_FILTER", 31: "USER_RINGBUF", 32: "CGRP_STORAGE",
    33: "ARENA",
}
PROG_ARRAY, HASH_OF_MAPS = 3, 13
MAP_IN_MAP = {12, HASH_OF_MAPS}
# The kernel wants key_size 0 for these, and value_size 0 as well for the second set.
KEYLESS = {22, 23, 27, 30, 31, 33}
VALUELESS = {27, 31, 33}

INTEGER_FIELDS = ("type", "max_entries", "map_flags", "numa_node", "key_size", "value_size", "pinning", "map_extra")
TYPE_FIELDS = ("key", "value")
LIBBPF_PIN_NONE, LIBBPF_PIN_BY_NAME = 0, 1


@dataclass
class MapField:
    value: int | ctype.Type  # an integer attribute's value, or the key/value/values type
    loc: Location


class MapChecker:
    # ---- while a `.maps` declaration is resolved ----------------------------------------

    @contextlib.contextmanager
    def map_definition(self, ext):
        """Name the map a file-scope declaration defines while its type is resolved, so that a
        non-constant `__uint()` can say which map and field it is."""
        previous = self.map_being_defined
        if isinstance(ext, c_ast.Decl) and ext.name and _section_of(self.gather_attributes(ext)) == MAPS_SECTION:
            self.map_being_defined = ext.name
        try:
            yield
        finally:
            self.map_being_defined = previous

    def map_field_not_constant(self, array: c_ast.ArrayDecl) -> CompileError:
        """`__uint(max_entries, n)` with a non-constant n: an array dimension that must be constant."""
        node = array.type
        while not isinstance(node, c_ast.TypeDecl) and getattr(node, "type", None) is not None:
            node = node.type
        field = getattr(node, "declname", None) or "?"
        return self.error(f"map '{self.map_being_defined}': '{field}' is not an integer constant", array.dim,
                          f"__uint({field}, …) needs an integer constant expression: libbpf reads the value from BTF")

    # ---- after the translation unit ------------------------------------------------------

    def check_maps(self) -> None:
        for var in self.program.globals:
            if var.section == MAPS_SECTION and var.storage != "extern":
                try:
                    self.check_map(var.name.split(".")[-1], var.type, var.loc, inner=False,
                                   initialised=var.init is not None)
                except CompileError:
                    continue  # reported; check the other maps
                if var.storage == "static":
                    self.warn(f"map '{var.name}' is static: libbpf v1.1 and older refuse maps with static linkage",
                              var.loc, "tc and ip of iproute2 6.1 load objects with libbpf v1.1; drop 'static'")

    def check_map(self, name: str, t: ctype.Type, loc: Location, inner: bool, initialised: bool = False) -> None:
        if not t.is_struct or t.defn.is_union:
            raise self.error(f"map '{name}' must be a struct of __uint/__type fields, not '{t}'", loc)
        if not t.complete:
            raise self.error(f"map '{name}' has incomplete type '{t}'", loc)
        fields = self.map_fields(name, t.defn, loc, inner)
        if "type" not in fields:
            raise self.error(f"map '{name}': map type is not specified", loc,
                             "add __uint(type, BPF_MAP_TYPE_…) to the map's definition")
        map_type = fields["type"].value
        if map_type not in MAP_TYPES:
            raise self.error(f"map '{name}': unknown map type {map_type}", fields["type"].loc)
        kind = f"BPF_MAP_TYPE_{MAP_TYPES[map_type]}"
        key_size = self.map_size(name, fields, "key")
        value_size = self.map_size(name, fields, "value")
        if map_type in KEYLESS:
            if key_size and key_size[0]:
                raise self.error(f"map '{name}': {kind} maps have no key", key_size[1])
        elif key_size is not None and key_size[0] == 0:
            raise self.error(f"map '{name}': key size is 0", key_size[1])
        if map_type in VALUELESS:
            if value_size and value_size[0]:
                raise self.error(f"map '{name}': {kind} maps have no value", value_size[1])
        elif value_size is not None and value_size[0] == 0:
            raise self.error(f"map '{name}': value size is 0", value_size[1])
        if "pinning" in fields and fields["pinning"].value not in (LIBBPF_PIN_NONE, LIBBPF_PIN_BY_NAME):
            raise self.error(f"map '{name}': invalid pinning value {fields['pinning'].value}", fields["pinning"].loc,
                             "use LIBBPF_PIN_NONE or LIBBPF_PIN_BY_NAME")
        if "values" in fields:
            self.check_map_values(name, map_type, kind, fields["values"])
            if initialised and map_type == HASH_OF_MAPS and (key_size is None or key_size[0] != 4):
                # libbpf stores each initialised slot under its index, an int.
                raise self.error(f"map '{name}': a {kind} with initialised values needs 4-byte keys",
                                 key_size[1] if key_size else fields["values"].loc)

    def map_fields(self, name: str, defn: ctype.StructDef, loc: Location, inner: bool) -> dict[str, MapField]:
        """The definition's members, each checked for the shape its macro gives it."""
        places = self.member_locations(defn)
        fields: dict[str, MapField] = {}
        for member in defn.members:
            field, t, at = member.name, member.type, places.get(member.name, loc)
            if field == "map_extra" and t.is_integer:
                continue  # newer libbpf's __ulong(map_extra, …): an enum constant BTF carries
            if field in INTEGER_FIELDS:
                if not (t.is_pointer and t.target.is_array and t.target.length is not None):
                    raise self.error(f"map '{name}': '{field}' must be declared with __uint({field}, …)", at)
                fields[field] = MapField(t.target.length, at)
            elif field in TYPE_FIELDS:
                if not t.is_pointer:
                    raise self.error(f"map '{name}': '{field}' must be declared with __type({field}, …)", at)
                if not t.target.complete or t.target.is_function:
                    raise self.error(f"map '{name}': {field} type '{t.target}' is incomplete", at)
                fields[field] = MapField(t.target, at)
            elif field == "values":
                if not (t.is_array and not t.length and t.elem.is_pointer):
                    raise self.error(f"map '{name}': 'values' must be declared with __array(values, …)", at)
                if inner:
                    raise self.error(f"map '{name}': an inner map cannot hold maps itself", at)
                fields[field] = MapField(t.elem.target, at)
            else:
                raise self.error(f"map '{name}': unknown field '{field or '(anonymous)'}'", at)
            if field == "pinning" and inner:
                raise self.error(f"map '{name}': an inner map cannot be pinned", at)
        return fields

    def map_size(self, name: str, fields: dict[str, MapField], which: str) -> tuple[int, Location] | None:
        """The key's or value's size, from `<which>_size` and/or `<which>`, which must agree."""
        size_field, type_field = fields.get(f"{which}_size"), fields.get(which)
        if type_field is not None:
            size = type_field.value.size
            if size_field is not None and size_field.value != size:
                later = max(size_field.loc, type_field.loc, key=lambda l: (l.line, l.column))
                raise self.error(f"map '{name}': conflicting {which} size {size_field.value} != {size}", later)
            return size, type_field.loc
        if size_field is not None:
            return size_field.value, size_field.loc
        return None

    def check_map_values(self, name: str, map_type: int, kind: str, values: MapField) -> None:
        """`__array(values, …)`: inner map definitions for map-in-map, programs for a program array."""
        target = values.value
        if map_type in MAP_IN_MAP:
            if not target.is_struct:
                raise self.error(f"map '{name}': the inner map of a {kind} must be a map definition struct", values.loc)
            self.check_map(f"{name}.inner", target, values.loc, inner=True)
        elif map_type == PROG_ARRAY:
            if not target.is_function:
                raise self.error(f"map '{name}': the values of a {kind} must be programs (a function type)", values.loc)
        else:
            raise self.error(f"map '{name}': {kind} maps cannot be initialised with __array(values, …)", values.loc,
                             "only map-in-map and program array maps hold other maps or programs")

    def member_locations(self, defn: ctype.StructDef) -> dict[str, Location]:
        """Where each member of a struct body is declared, by name."""
        for node, body in self.struct_bodies.values():
            if body is defn:
                return {d.name: self.declarator_loc(d) for d in node.decls or () if isinstance(d, c_ast.Decl) and d.name}
        return {}


def _section_of(attrs) -> str | None:
    """The string of a `section("…")` attribute, or None (a malformed one is reported elsewhere)."""
    args = attrs.get("section", (None, None))[0]
    if not args or '"' not in args:
        return None
    try:
        return literals.string_bytes(args).decode("utf-8", "surrogateescape")
    except (ValueError, IndexError):
        return None

