"""Debug metadata from which LLVM's BPF backend writes `.BTF` and `.BTF.ext`.

`DebugInfo` describes C types, globals, functions and source locations in
DWARF-style metadata; `NullDebugInfo` has the same interface and emits nothing
(-g0), so the lowering never tests a flag.
"""
from __future__ import annotations

import os
from dataclasses import replace

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

    def string_literal(self, length: int, loc: Location, llglobal) -> None:
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
        # Structs reached through a pointer inside a member, as LLVM's BTF writer prunes them (see
        # `pointee`): each placeholder's tag, the derived types pointing at one, and the structs
        # described in full by tag, which finish() points those derived types at.
        self.placeholders: dict[int, str] = {}
        self.fixups: list[ir.DIValue] = []
        self.structs: dict[str, ir.DIValue] = {}
        self.globals: list = []
        self.retained: list = []  # (subprogram, its arguments), linked in finish()
        self.locations: dict[tuple[int, int, int], ir.DIValue] = {}
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

    def type(self, t: ctype.Type, in_member: bool = False, behind_pointer: bool = False):
        """The DI type for a C type; typedef names and qualifiers are kept, as BTF shows them.

        const wraps volatile, as in clang's debug info: `const volatile int` is CONST → VOLATILE → int.
        A qualifier that came with a typedef (`typedef const int cint;`) is the typedef's own.
        `in_member`, `behind_pointer`: where LLVM's BTF writer stands when it meets `t` (`pointee`).
        """
        key = _spelling_key(t)
        if key in self.types:
            self.revisit(t, in_member, behind_pointer)
            return self.types[key]
        if (isinstance(t, ctype.StructType) and t.defn.tag and t.complete and not _spelled(t)
                and (behind_pointer or id(t.defn) in self.in_progress)):
            return self.pointee(t)
        own = t.typedef.type if t.typedef is not None else None
        if t.const and not (own is not None and own.const):
            di = self.derived("DW_TAG_const_type", self.type(_drop(t, const=True), in_member, behind_pointer))
        elif t.volatile and not (own is not None and own.volatile):
            di = self.derived("DW_TAG_volatile_type", self.type(_drop(t, volatile=True), in_member, behind_pointer))
        elif t.typedef is not None:
            di = self.derived("DW_TAG_typedef", self.type(t.typedef.type, in_member, behind_pointer),
                              name=t.typedef.name, file=self.main_file)
        elif isinstance(t, ctype.PointerType):
            di = self.derived("DW_TAG_pointer_type", self.type(t.target, in_member, in_member), size=64)
        else:
            di = self.build_type(t)
        self.types[key] = di
        return di

    def derived(self, tag: str, base, **fields) -> ir.DIValue:
        node = self.module.add_debug_info("DIDerivedType", {"tag": ir.DIToken(tag), "baseType": base, **fields})
        if id(base) in self.placeholders:
            self.fixups.append(node)
        return node

    def pointee(self, t: ctype.StructType):
        """A named struct or union reached through a pointer in a member's type (a pointer or what a
        pointer leads to through typedefs and qualifiers).  LLVM's BTF writer does not follow
        those: it points such a pointer at the struct of that name that something else brought
        in, or else at a forward declaration (BTF FWD).  That keeps the BTF of a program using
        one kernel struct from growing into the kernel's whole type graph.  Described the same way
        here: a forward declaration, which finish() replaces by the struct if it was described."""
        key = ("pointee", t.defn.tag, t.is_union)
        if key not in self.types:
            self.types[key] = self.forward(t)
            self.placeholders[id(self.types[key])] = t.defn.tag
        return self.types[key]

    def revisit(self, t: ctype.Type, in_member: bool, behind_pointer: bool) -> None:
        """What LLVM's BTF writer does on meeting a type again, outside a member's pointer: it walks
        the chain of pointers, typedefs and qualifiers down to the first type it has not visited
        and visits that, counting the chain as behind a pointer only if the last link is one.  So
        a struct behind `const struct cred *` in two members is described in full: clang's BTF
        has it, and bpfcc's must too."""
        if in_member and behind_pointer:
            return
        node = t
        while (base := _base(node)) is not None:
            if base.is_void or _spelling_key(base) in self.types or (
                    isinstance(base, ctype.StructType) and id(base.defn) in self.in_progress):
                node = base
                continue
            if in_member and isinstance(node, ctype.PointerType) and not _spelled(node):
                behind_pointer = True
                if isinstance(base, ctype.StructType) and base.defn.tag and base.complete and not _spelled(base):
                    return
            self.type(base, in_member, behind_pointer)
            return

    def map_definition(self, t: ctype.Type) -> None:
        """How LLVM's BTF writer first visits a `.maps` variable's type: each member's type from
        outside any member, so that the key and value types behind `__type`'s pointers are
        described in full; members that are records or arrays (maps of maps) the same way."""
        if _spelling_key(t) in self.types:
            return
        base = _base(t) if _spelled(t) or isinstance(t, ctype.PointerType) else None
        if base is not None:
            if not base.is_void:
                self.map_definition(base)
        elif isinstance(t, ctype.ArrayType):
            self.map_definition(_innermost(t))
        elif isinstance(t, ctype.StructType) and t.complete:
            for member in _described(t.defn):
                composite = not _spelled(member.type) and (
                    isinstance(member.type, (ctype.StructType, ctype.ArrayType))
                    or (isinstance(member.type, ctype.IntType) and member.type.enum is not None))
                if composite:
                    self.map_definition(member.type)
                else:
                    self.type(member.type)
        self.type(t)

    def build_type(self, t: ctype.Type):
        m = self.module
        if t.is_void:
            return None
        if isinstance(t, ctype.IntType) and t.enum is not None:
            return self.enumeration(t)
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
        if isinstance(t, ctype.ArrayType):
            counts, elem = [], t  # a subrange per dimension down to `_innermost`
            while elem is not _innermost(t):
                counts.append(elem.length if elem.length is not None else -1)
                elem = elem.elem
            return m.add_debug_info("DICompositeType", {
                "tag": ir.DIToken("DW_TAG_array_type"), "baseType": self.type(elem),
                "size": t.size * 8,
                "elements": m.add_metadata([m.add_debug_info("DISubrange", {"count": c}) for c in counts])})
        if isinstance(t, ctype.FunctionType):
            return self.subroutine(t)
        if isinstance(t, ctype.StructType):
            return self.struct(t)
        raise AssertionError(f"no debug type for {t}")

    def enumeration(self, t: ctype.IntType):
        m = self.module
        if t.enum.enumerators is None:
            return m.add_debug_info("DICompositeType", {
                "tag": ir.DIToken("DW_TAG_enumeration_type"), "name": t.enum.tag, "file": self.main_file,
                "flags": ir.DIToken("DIFlagFwdDecl")})
        enumerators = [m.add_debug_info("DIEnumerator", {"name": name, "value": value, "isUnsigned": not t.signed})
                       for name, value in t.enum.enumerators]
        return m.add_debug_info("DICompositeType", {
            "tag": ir.DIToken("DW_TAG_enumeration_type"), "name": t.enum.tag or "", "file": self.main_file,
            "baseType": self.type(replace(t, enum=None)), "size": t.size * 8,
            "elements": m.add_metadata(enumerators)})

    def subroutine(self, t: ctype.FunctionType):
        types = [self.type(t.ret) if not t.ret.is_void else None] + [self.type(p) for p in t.params]
        return self.module.add_debug_info("DISubroutineType", {"types": self.module.add_metadata(types)})

    @staticmethod
    def member_index(defn: ctype.StructDef, member: ctype.Member) -> int:
        """The place of `member` among its record's debug-type elements (CO-RE's access index)."""
        return next(i for i, m in enumerate(_described(defn)) if m is member)

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
            for member in _described(defn):
                fields = {"tag": ir.DIToken("DW_TAG_member"), "name": member.name or "",
                          "baseType": self.type(member.type, in_member=True), "file": self.main_file}
                if member.bit_width is not None:
                    fields.update(size=member.bit_width, offset=member.offset * 8 + member.bit_offset,
                                  flags=ir.DIToken("DIFlagBitField"),
                                  extraData=ir.IntType(64)(member.offset * 8))
                else:
                    fields.update(size=member.type.size * 8, offset=member.offset * 8)
                elements.append(self.module.add_debug_info("DIDerivedType", fields))
        finally:
            self.in_progress.discard(id(defn))
        di = self.module.add_debug_info("DICompositeType", {
            "tag": ir.DIToken("DW_TAG_union_type" if defn.is_union else "DW_TAG_structure_type"),
            "name": defn.tag or "", "file": self.main_file, "size": defn.size * 8,
            "elements": self.module.add_metadata(elements)})
        if defn.tag:
            self.structs.setdefault(defn.tag, di)
        return di

    # ---- symbols -----------------------------------------------------------

    def function(self, func, llfunc: ir.Function):
        file = self.file(func.loc.file)
        flags = "DISPFlagDefinition | DISPFlagOptimized" + (" | DISPFlagLocalToUnit" if func.static else "")
        sp = self.module.add_debug_info("DISubprogram", {
            "name": func.name, **_linkage_name(func), "file": file, "line": func.loc.line,
            "type": self.subroutine(func.type), "scopeLine": func.loc.line, "unit": self.unit,
            "spFlags": ir.DIToken(flags), "flags": ir.DIToken("DIFlagPrototyped"),
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
            "name": func.name, **_linkage_name(func), "file": self.file(func.loc.file), "line": func.loc.line,
            "type": self.subroutine(func.type), "spFlags": ir.DIToken("DISPFlagOptimized"),
            "flags": ir.DIToken("DIFlagPrototyped"),
        })
        llfunc.set_metadata("dbg", sp)

    def global_variable(self, var, llglobal: ir.GlobalVariable) -> None:
        file = self.file(var.loc.file)
        if var.section == ".maps":
            self.map_definition(var.type)
        gv = self.module.add_debug_info("DIGlobalVariable", {
            "name": _source_name(var.name), **_linkage_name(var), "scope": self.unit, "file": file, "line": var.loc.line,
            "type": self.type(var.type), "isLocal": var.storage == "static",
            "isDefinition": var.storage != "extern" or var.init is not None})
        expr = self.module.add_debug_info("DIGlobalVariableExpression", {
            "var": gv, "expr": self.module.add_debug_info("DIExpression", {})})
        llglobal.set_metadata("dbg", expr)
        self.globals.append(expr)

    def string_literal(self, length: int, loc: Location, llglobal: ir.GlobalVariable) -> None:
        """clang describes a string literal as a nameless local variable of type char[length]: BTF
        gets no VAR for it, but gets its array type."""
        t = ctype.ArrayType(elem=ctype.CHAR, length=length)
        gv = self.module.add_debug_info("DIGlobalVariable", {
            "scope": None, "file": self.file(loc.file), "line": loc.line, "type": self.type(t),
            "isLocal": True, "isDefinition": True}, is_distinct=True)
        expr = self.module.add_debug_info("DIGlobalVariableExpression", {
            "var": gv, "expr": self.module.add_debug_info("DIExpression", {})})
        llglobal.set_metadata("dbg", expr)
        self.globals.append(expr)

    def location(self, loc: Location, scope):
        if scope is None:
            return None
        # Deduplicated here, by the scope's identity: add_debug_info would hash the scope's whole
        # operand tree (subprogram, types, unit) for every location, most of lowering's time.
        key = (loc.line, loc.column, id(scope))
        if key not in self.locations:
            self.locations[key] = ir.DIValue(self.module, False, "DILocation",
                                             (("column", loc.column), ("line", loc.line), ("scope", scope)),
                                             name=str(len(self.module.metadata)))
        return self.locations[key]

    def finish(self) -> None:
        if self.globals:
            self.unit.operands = tuple((k, self.module.add_metadata(self.globals) if k == "globals" else v)
                                       for k, v in self.unit.operands)
        # Cycles are closed last, when no node is made any more: llvmlite hashes metadata whenever
        # it makes a node, and cannot hash a cycle.  The subprogram ↔ argument links, and the
        # pointers to structs described in full (`pointee`), which may lead back to their own.
        for sp, params in self.retained:
            sp.operands = tuple(sorted(sp.operands + (("retainedNodes", params),)))
        for node in self.fixups:
            full = self.structs.get(self.placeholders[id(dict(node.operands)["baseType"])])
            if full is not None:
                node.operands = tuple((k, full if k == "baseType" else v) for k, v in node.operands)


def _described(defn: ctype.StructDef) -> list[ctype.Member]:
    """Unnamed bit-fields are padding: no member in DWARF or BTF, as with clang."""
    return [m for m in defn.members if not (m.name is None and m.bit_width is not None)]


def _spelling_key(t: ctype.Type) -> tuple:
    """Type identity as debug info sees it: nested qualifiers and typedef names count.

    `char[6]` and `const char[6]` are one C type for bpfcc's checks, but BTF tells them apart.
    """
    spelled = (t.const, t.volatile, t.typedef.name if t.typedef is not None else None)
    if isinstance(t, ctype.ArrayType):
        return spelled + ("array", _spelling_key(t.elem), t.length)
    if isinstance(t, ctype.PointerType):
        return spelled + ("ptr", _spelling_key(t.target))
    if isinstance(t, ctype.FunctionType):
        return spelled + ("fn", _spelling_key(t.ret), tuple(_spelling_key(p) for p in t.params), t.variadic)
    if isinstance(t, ctype.IntType):
        return spelled + t.key() + (t.signed_spelled, id(t.enum) if t.enum is not None else None)
    return spelled + t.key()


def _spelled(t: ctype.Type) -> bool:
    """Whether debug info describes `t` as a typedef or qualifier of another type."""
    return t.const or t.volatile or t.typedef is not None


def _base(t: ctype.Type) -> ctype.Type | None:
    """The type a derived debug type (qualifier, typedef, pointer) is made from, as type() builds it."""
    own = t.typedef.type if t.typedef is not None else None
    if t.const and not (own is not None and own.const):
        return _drop(t, const=True)
    if t.volatile and not (own is not None and own.volatile):
        return _drop(t, volatile=True)
    if t.typedef is not None:
        return t.typedef.type
    if isinstance(t, ctype.PointerType):
        return t.target
    return None


def _innermost(t: ctype.ArrayType) -> ctype.Type:
    """The element type of a debug array type: `int[4][2]` is one array of int with two subranges,
    as clang describes it (CO-RE checks that a subscript of its `int[2]` rows indexes the same
    element type); an element array spelled through a typedef or qualified is a type of its own."""
    elem = t.elem
    while isinstance(elem, ctype.ArrayType) and not _spelled(elem):
        elem = elem.elem
    return elem


def _drop(t: ctype.Type, const: bool = False, volatile: bool = False) -> ctype.Type:
    return replace(t, const=t.const and not const, volatile=t.volatile and not volatile)


def _linkage_name(symbol) -> dict:
    """clang names an asm label as the linkage name; BTF calls a variable by it, a function not."""
    return {"linkageName": symbol.asm_label.name} if symbol.asm_label is not None else {}


def _source_name(symbol: str) -> str:
    """A variable's name as written: a function-scope static's symbol is `f.s` or `f.s.1`."""
    parts = symbol.split(".")
    return parts[1] if len(parts) > 1 else symbol
