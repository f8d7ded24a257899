"""Debug metadata from which LLVM's BPF backend writes `.BTF` and `.BTF.ext`.

`DebugInfo` describes C types, globals, functions and source locations in
DWARF-style metadata; `NullDebugInfo` has the same interface and emits nothing
(-g0), so the lowering never tests a flag.
"""
from __future__ import annotations

import os

from llvmlite import ir

from .. import ctype
from ..diagnostics import Location


class NullDebugInfo:
    def function(self, func, llfunc) -> None:
        return None

    def global_variable(self, var, llglobal) -> None:
        return None

    def declaration(self, func, llfunc) -> None:
        return None

    def location(self, loc: Location, scope):
        return None

    def finish(self) -> None:
        return None


class DebugInfo(NullDebugInfo):
    def __init__(self, module: ir.Module, filename: str, producer: str) -> None:
        self.module = module
        self.files: dict[str, ir.DIValue] = {}
        self.types: dict[tuple, ir.DIValue] = {}
        self.in_progress: set[int] = set()
        self.globals: list = []
        self.retained: list = []  # (subprogram, its arguments), linked in finish()
        self.main_file = self.file(filename)
        self.unit = module.add_debug_info("DICompileUnit", {
            "language": ir.DIToken("DW_LANG_C11"),
            "file": self.main_file,
            "producer": producer,
            "isOptimized": True,
            "runtimeVersion": 0,
            "emissionKind": ir.DIToken("FullDebug"),
            "globals": None,
        }, is_distinct=True)
        module.add_named_metadata("llvm.dbg.cu", self.unit)
        i32 = ir.IntType(32)
        module.add_named_metadata("llvm.module.flags", module.add_metadata([i32(7), "Dwarf Version", i32(5)]))
        module.add_named_metadata("llvm.module.flags", module.add_metadata([i32(2), "Debug Info Version", i32(3)]))

    def file(self, path: str) -> ir.DIValue:
        if path not in self.files:
            directory, name = os.path.split(os.path.abspath(path)) if not path.startswith("<") else (os.getcwd(), path)
            self.files[path] = self.module.add_debug_info("DIFile", {"filename": name, "directory": directory})
        return self.files[path]

    # ---- types -------------------------------------------------------------

    def type(self, t: ctype.Type):
        """The DI type for a C type; typedef names and qualifiers are kept, as BTF shows them."""
        if t.volatile:
            return self.derived("DW_TAG_volatile_type", self.type(_drop(t, volatile=True)))
        if t.const:
            return self.derived("DW_TAG_const_type", self.type(_drop(t, const=True)))
        if t.typedef is not None:
            key = ("typedef", t.typedef.name, t.unqualified().key())
            if key not in self.types:
                self.types[key] = self.module.add_debug_info("DIDerivedType", {
                    "tag": ir.DIToken("DW_TAG_typedef"), "name": t.typedef.name,
                    "baseType": self.type(t.typedef.type), "file": self.main_file})
            return self.types[key]
        key = t.key()
        if key in self.types:
            return self.types[key]
        if isinstance(t, ctype.StructType) and id(t.defn) in self.in_progress:
            return self.forward(t)
        di = self.build_type(t)
        self.types[key] = di
        return di

    def derived(self, tag: str, base):
        key = (tag, id(base))
        if key not in self.types:
            self.types[key] = self.module.add_debug_info("DIDerivedType", {"tag": ir.DIToken(tag), "baseType": base})
        return self.types[key]

    def build_type(self, t: ctype.Type):
        m = self.module
        if t.is_void:
            return None
        if isinstance(t, ctype.IntType):
            if t.name == "_Bool":
                encoding = "DW_ATE_boolean"
            elif t.name == "char":
                encoding = "DW_ATE_signed_char" if t.signed else "DW_ATE_unsigned_char"
            else:
                encoding = "DW_ATE_signed" if t.signed else "DW_ATE_unsigned"
            return m.add_debug_info("DIBasicType", {"name": str(t), "size": t.size * 8, "encoding": ir.DIToken(encoding)})
        if isinstance(t, ctype.FloatType):
            return m.add_debug_info("DIBasicType", {"name": t.name, "size": t.size * 8, "encoding": ir.DIToken("DW_ATE_float")})
        if isinstance(t, ctype.PointerType):
            return m.add_debug_info("DIDerivedType", {"tag": ir.DIToken("DW_TAG_pointer_type"),
                                                      "baseType": self.type(t.target), "size": 64})
        if isinstance(t, ctype.ArrayType):
            count = t.length if t.length is not None else -1
            return m.add_debug_info("DICompositeType", {
                "tag": ir.DIToken("DW_TAG_array_type"), "baseType": self.type(t.elem),
                "size": t.size * 8,
                "elements": m.add_metadata([m.add_debug_info("DISubrange", {"count": count})])})
        if isinstance(t, ctype.FunctionType):
            return self.subroutine(t)
        if isinstance(t, ctype.StructType):
            return self.struct(t)
        raise AssertionError(f"no debug type for {t}")

    def subroutine(self, t: ctype.FunctionType):
        types = [self.type(t.ret) if not t.ret.is_void else None] + [self.type(p) for p in t.params]
        return self.module.add_debug_info("DISubroutineType", {"types": self.module.add_metadata(types)})

    def forward(self, t: ctype.StructType):
        return self.module.add_debug_info("DICompositeType", {
            "tag": ir.DIToken("DW_TAG_union_type" if t.is_union else "DW_TAG_structure_type"),
            "name": t.defn.tag or "", "flags": ir.DIToken("DIFlagFwdDecl")})

    def struct(self, t: ctype.StructType):
        defn = t.defn
        if defn.members is None:
            return self.forward(t)
        self.in_progress.add(id(defn))
        try:
            elements = []
            for member in defn.members:
                fields = {"tag": ir.DIToken("DW_TAG_member"), "name": member.name or "",
                          "baseType": self.type(member.type), "file": self.main_file}
                if member.bit_width is not None:
                    fields.update(size=member.bit_width, offset=member.offset * 8 + member.bit_offset,
                                  flags=ir.DIToken("DIFlagBitField"),
                                  extraData=ir.IntType(64)(member.offset * 8))
                else:
                    fields.update(size=member.type.size * 8, offset=member.offset * 8)
                elements.append(self.module.add_debug_info("DIDerivedType", fields))
        finally:
            self.in_progress.discard(id(defn))
        return self.module.add_debug_info("DICompositeType", {
            "tag": ir.DIToken("DW_TAG_union_type" if defn.is_union else "DW_TAG_structure_type"),
            "name": defn.tag or "", "file": self.main_file, "size": defn.size * 8,
            "elements": self.module.add_metadata(elements)})

    # ---- symbols -----------------------------------------------------------

    def function(self, func, llfunc: ir.Function):
        file = self.file(func.loc.file)
        flags = "DISPFlagDefinition | DISPFlagOptimized" + (" | DISPFlagLocalToUnit" if func.static else "")
        sp = self.module.add_debug_info("DISubprogram", {
            "name": func.name, "file": file, "line": func.loc.line, "type": self.subroutine(func.type),
            "scopeLine": func.loc.line, "unit": self.unit, "spFlags": ir.DIToken(flags),
            "flags": ir.DIToken("DIFlagPrototyped"),
        }, is_distinct=True)
        # BTF takes parameter names from the arguments the subprogram retains.
        params = [self.module.add_debug_info("DILocalVariable", {
            "name": p.name, "arg": i + 1, "scope": sp, "file": file, "line": p.loc.line, "type": self.type(p.type)})
            for i, p in enumerate(func.params)]
        self.retained.append((sp, self.module.add_metadata(params)))
        llfunc.set_metadata("dbg", sp)
        return sp

    def declaration(self, func, llfunc: ir.Function) -> None:
        """BTF describes an extern kernel function from its declaration's subprogram."""
        sp = self.module.add_debug_info("DISubprogram", {
            "name": func.name, "file": self.file(func.loc.file), "line": func.loc.line,
            "type": self.subroutine(func.type), "spFlags": ir.DIToken("DISPFlagOptimized"),
            "flags": ir.DIToken("DIFlagPrototyped"),
        })
        llfunc.set_metadata("dbg", sp)

    def global_variable(self, var, llglobal: ir.GlobalVariable) -> None:
        file = self.file(var.loc.file)
        gv = self.module.add_debug_info("DIGlobalVariable", {
            "name": var.name.split(".")[-1], "scope": self.unit, "file": file, "line": var.loc.line,
            "type": self.type(var.type), "isLocal": var.storage == "static", "isDefinition": True})
        expr = self.module.add_debug_info("DIGlobalVariableExpression", {
            "var": gv, "expr": self.module.add_debug_info("DIExpression", {})})
        llglobal.set_metadata("dbg", expr)
        self.globals.append(expr)

    def location(self, loc: Location, scope):
        if scope is None:
            return None
        return self.module.add_debug_info("DILocation", {"line": loc.line, "column": loc.column, "scope": scope})

    def finish(self) -> None:
        # The subprogram ↔ argument cycle is closed last: llvmlite hashes
        # metadata whenever it creates a node, and cannot hash a cycle.
        for sp, params in self.retained:
            sp.operands = tuple(sorted(sp.operands + (("retainedNodes", params),)))
        if self.globals:
            self.unit.operands = tuple((k, self.module.add_metadata(self.globals) if k == "globals" else v)
                                       for k, v in self.unit.operands)


def _drop(t: ctype.Type, const: bool = False, volatile: bool = False) -> ctype.Type:
    from dataclasses import replace

    return replace(t, const=t.const and not const, volatile=t.volatile and not volatile)
