"""Declarations: specifiers and declarators → types; typedefs, structs, enums,
globals, functions and BPF helper declarations."""
from __future__ import annotations

import re
from dataclasses import replace

from pycparser import c_ast

from .. import ctype, literals, tast
from ..ctype import ArrayType, FunctionType, IntType, PointerType, StructDef, StructType, Type, Typedef
from ..diagnostics import CompileError, Location
from ..parse import KernelTypesPragma


# `#pragma clang attribute push (<attributes>, apply_to = <subjects>)` and `… pop`, as the parser
# keeps them: the GNU `__attribute__((a))` already reads `[[a]]`.
_ATTRIBUTE_PRAGMA = re.compile(r"clang\s+attribute\s+(?P<op>push|pop)\b\s*(?P<args>.*)$", re.S)
# The attributes bpfcc applies from such a region: BPF's CO-RE marker, on structs and unions.
_PRAGMA_RECORD_ATTRIBUTES = ("preserve_access_index",)
_PUSHED = re.compile(r"\(\s*\[\[(?P<attrs>.*)\]\]\s*,\s*apply_to\s*=(?P<subjects>.*)\)\s*$", re.S)


# The LLVM intrinsics an asm label may name (iproute2's bpf_api.h declares its LD_ABS loads so),
# with the C type whose lowering is the intrinsic's IR type `i64 (ptr, i64)`: LLVM checks no
# signature, its BPF back end exits the process on a wrong one.
_LD_ABS = "unsigned long long (void *, unsigned long long)"
LLVM_INTRINSICS = {"llvm.bpf.load.byte": _LD_ABS, "llvm.bpf.load.half": _LD_ABS, "llvm.bpf.load.word": _LD_ABS}


def _is_ld_abs_type(t: FunctionType) -> bool:
    return (t.prototyped and not t.variadic and t.ret.is_integer and t.ret.size == 8 and len(t.params) == 2
            and t.params[0].is_pointer and t.params[1].is_integer and t.params[1].size == 8)


def attribute_name(name: str) -> str:
    """GNU lets every attribute be spelled `__name__`; both mean the same."""
    if name.startswith("__") and name.endswith("__") and len(name) > 4:
        return name[2:-2]
    return name


class DeclarationChecker:
    # ---- attributes --------------------------------------------------------

    def gather_attributes(self, *nodes) -> dict[str, tuple[str | None, object]]:
        """Attributes written anywhere on a declaration: name → (raw arguments, node)."""
        found: dict[str, tuple[str | None, object]] = {}

        def add(specs):
            for spec in specs or ():
                for attr in spec.attributes:
                    found[attribute_name(attr.name)] = (attr.arguments, attr)

        for node in nodes:
            while node is not None:
                add(getattr(node, "attributes", None))
                node = getattr(node, "type", None) if isinstance(
                    node, (c_ast.Decl, c_ast.Typedef, c_ast.TypeDecl, c_ast.PtrDecl, c_ast.ArrayDecl,
                           c_ast.FuncDecl, c_ast.AttributedType, c_ast.Typename)) else None
        return found

    def attribute_string(self, attrs, name: str) -> str | None:
        if name not in attrs:
            return None
        args, node = attrs[name]
        if not args or '"' not in args:
            raise self.error(f"'{name}' attribute requires a string", node)
        return literals.string_bytes(args).decode("utf-8", "surrogateescape")

    def attribute_int(self, attrs, name: str, default: int | None = None) -> int | None:
        if name not in attrs:
            return None
        args, node = attrs[name]
        if not args:
            return default
        value = self.constant_from_text(args, node)
        if value is None:
            raise self.error(f"'{name}' attribute requires an integer constant", node)
        return value

    def constant_from_text(self, text: str, node) -> int | None:
        """Evaluate an attribute argument such as `8` or `sizeof(long)` in the current scope."""
        from ..parse import GnuCParser

        # The parser must know which words name types (`aligned(sizeof(u64))`): declarations tell
        # it.  Their types do not matter; the checker looks the names up in its own scope.
        words = set(re.findall(r"[A-Za-z_$][\w$]*", text))
        typedefs = "".join(f"typedef int {w};" for w in sorted(words) if isinstance(self.scope.lookup(w), Typedef))
        try:
            unit = GnuCParser().parse(f"{typedefs}int __bpfcc_attr_value = ({text});", "<attribute>")
        except Exception:
            return None
        expr = unit.ext[-1].init
        _fix_coords(expr, node.coord)
        checked = self.constant_expression(expr)
        return checked.value if isinstance(checked, tast.Const) else None

    def check_file_scope_pragma(self, pragma: c_ast.Pragma) -> None:
        """`#pragma clang attribute push/pop` (vmlinux.h wraps its types in one that gives every
        struct and union preserve_access_index), and the pragma that stands for vmlinux.h made
        from BTF; other pragmas at file scope change no code."""
        if isinstance(pragma, KernelTypesPragma):
            self.use_kernel_types(pragma.types)
            return
        m = _ATTRIBUTE_PRAGMA.match(pragma.string)
        if m is None:
            return
        loc = self.loc(pragma)
        loc = Location(loc.file, loc.line, loc.column + pragma.string.index("attribute"))
        if m["op"] == "pop":
            if not self.pushed_attributes:
                raise self.error("'#pragma clang attribute pop' with no matching '#pragma clang attribute push'", loc)
            self.pushed_attributes.pop()
            return
        pushed = _PUSHED.match(m["args"])
        if pushed is None:
            raise self.error("expected '(__attribute__((…)), apply_to = …)' after '#pragma clang attribute push'", loc)
        names = [attribute_name(n) for n in re.findall(r"(?:^|,)\s*(\w+)", _without_arguments(pushed["attrs"]))]
        for name in names:
            if name not in _PRAGMA_RECORD_ATTRIBUTES:
                raise self.error(f"attribute '{name}' is not supported by '#pragma clang attribute'", loc)
        subjects = pushed["subjects"].strip()
        if re.search(r"\brecord\b", subjects) is None:
            raise self.error(f"attribute '{names[0]}' can't be applied to '{subjects}'", loc)
        self.pushed_attributes.append((tuple(names), loc))

    def check_attribute_pragmas_closed(self) -> None:
        if self.pushed_attributes:
            self.diags.error("unterminated '#pragma clang attribute push' at end of file", self.pushed_attributes[-1][1])

    def record_attributes(self) -> tuple[str, ...]:
        """What the open `#pragma clang attribute push` regions give a struct or union defined now."""
        return tuple(name for names, _ in self.pushed_attributes for name in names)

    # ---- types from specifiers and declarators -----------------------------

    def resolve_type(self, node) -> Type:
        """A declarator chain (TypeDecl/PtrDecl/ArrayDecl/FuncDecl/…) → a C type."""
        if isinstance(node, c_ast.TypeDecl):
            base = self.base_type(node.type)
            return base.qualified(const="const" in node.quals, volatile="volatile" in node.quals)
        if isinstance(node, c_ast.Typename):
            t = self.resolve_type(node.type)
            return t.qualified(const="const" in (node.quals or ()), volatile="volatile" in (node.quals or ()))
        if isinstance(node, c_ast.PtrDecl):
            target = self.resolve_type(node.type)
            return ctype.pointer(target).qualified(const="const" in node.quals, volatile="volatile" in node.quals)
        if isinstance(node, c_ast.ArrayDecl):
            elem = self.resolve_type(node.type)
            if elem.is_function:
                raise self.error("array of functions is not allowed", node)
            length = None
            if node.dim is not None:
                dim = self.constant_expression(node.dim)
                if not isinstance(dim, tast.Const):
                    if self.map_being_defined is not None:
                        raise self.map_field_not_constant(node)
                    raise self.error("variable-length arrays are not supported by BPF", node.dim,
                                     "BPF stack frames have a fixed size; use a constant array size")
                if dim.value < 0:
                    raise self.error("array has negative size", node.dim)
                length = dim.value
            if elem.is_array and not elem.complete:
                raise self.error("array has incomplete element type", node)
            return ArrayType(elem=elem, length=length).qualified(
                const="const" in (node.dim_quals or ()))
        if isinstance(node, c_ast.FuncDecl):
            ret = self.resolve_type(node.type)
            if ret.is_array or ret.is_function:
                raise self.error("function cannot return an array or a function", node)
            params, variadic, prototyped = self.parameter_types(node.args)
            return FunctionType(ret=ret, params=tuple(params), variadic=variadic, prototyped=prototyped)
        return self.base_type(node)

    def parameter_types(self, params) -> tuple[list[Type], bool, bool]:
        if params is None:
            return [], False, False  # `int f()`: no prototype
        types: list[Type] = []
        variadic = False
        for p in params.params:
            if isinstance(p, c_ast.EllipsisParam):
                variadic = True
                continue
            if isinstance(p, c_ast.ID):
                types.append(ctype.INT)  # K&R identifier list
                continue
            t = self.resolve_type(p.type)
            if t.is_void:
                if getattr(p, "name", None):
                    raise self.error("argument may not have 'void' type", p)
                if len(params.params) != 1:
                    # The parser gives an unnamed parameter the place its name would have had, as clang reports.
                    raise self.error("'void' must be the first and only parameter if specified", p.type)
                return [], False, True
            types.append(self.adjust_parameter(t))
        return types, variadic, True

    @staticmethod
    def adjust_parameter(t: Type) -> Type:
        if t.is_array:
            return ctype.pointer(t.elem)
        if t.is_function:
            return ctype.pointer(t)
        return t

    def base_type(self, node, extra_attrs=None) -> Type:
        if isinstance(node, c_ast.IdentifierType):
            return self.identifier_type(node)
        if isinstance(node, (c_ast.Struct, c_ast.Union)):
            return self.struct_type(node, extra_attrs or {})
        if isinstance(node, c_ast.Enum):
            return self.enum_type(node, extra_attrs or {})
        if isinstance(node, c_ast.TypeOf):
            return self.typeof_type(node)
        if isinstance(node, c_ast.AttributedType):
            attrs = dict(extra_attrs or {})
            attrs.update(self.gather_attributes(node))
            return self.base_type(node.type, attrs)
        if isinstance(node, (c_ast.TypeDecl, c_ast.PtrDecl, c_ast.ArrayDecl, c_ast.FuncDecl, c_ast.Typename)):
            return self.resolve_type(node)
        if isinstance(node, c_ast.BitIntType):
            raise self.error("_BitInt is not supported by BPF", node)
        raise self.error(f"unsupported type specifier '{type(node).__name__}'", node)

    def identifier_type(self, node: c_ast.IdentifierType) -> Type:
        names = list(node.names)
        if len(names) == 1 and names[0] not in ctype.TYPE_KEYWORDS:
            found = self.scope.lookup(names[0])
            if isinstance(found, Typedef):
                return found.type.aliased(found)
            raise self.error(f"unknown type name '{names[0]}'", node)
        return ctype.from_specifiers(names)

    def typeof_type(self, node: c_ast.TypeOf) -> Type:
        if isinstance(node.expr, c_ast.Typename):
            t = self.resolve_type(node.expr)
        else:
            t = self.expression(node.expr, value=False).type
        return t.unqualified() if node.op == "typeof_unqual" else t

    def struct_type(self, node, attrs) -> StructType:
        is_union = isinstance(node, c_ast.Union)
        kind = "union" if is_union else "struct"
        if id(node) in self.struct_bodies:  # `struct s {…} a, b;`: every declarator shares one body
            return StructType(defn=self.struct_bodies[id(node)][1])
        defn = None
        if node.name:
            existing = self.scope.lookup_tag(node.name) if node.decls is None else self.scope.tags.get(node.name)
            if isinstance(existing, StructDef):
                if existing.is_union != is_union:
                    raise self.error(f"use of '{node.name}' with tag type that does not match previous declaration", node)
                defn = existing
            elif existing is not None:
                raise self.error(f"use of '{node.name}' with tag type that does not match previous declaration", node)
        if defn is None:
            defn = StructDef(node.name, is_union)
            if node.name:
                self.scope.tags[node.name] = defn
        if node.decls is not None:
            if defn.members is not None:
                raise self.error(f"redefinition of '{kind} {node.name}'", node)
            self.struct_bodies[id(node)] = (node, defn)
            attrs = {**self.gather_attributes(node), **attrs}
            defn.packed = "packed" in attrs
            defn.attributes = tuple(dict.fromkeys((*attrs, *self.record_attributes())))
            members = []
            flexible = None  # the member before, if a flexible array member
            for decl in node.decls:
                if isinstance(decl, c_ast.StaticAssert):
                    self.check_static_assert(decl)
                    continue
                if isinstance(decl, c_ast.Pragma):
                    continue
                mtype = self.resolve_type(decl.type)
                if mtype.is_function:
                    raise self.error(f"field '{decl.name}' declared as a function", decl)
                if flexible is not None and not is_union:  # reported; the struct is laid out all the same
                    fdecl, ftype = flexible
                    self.diags.error(f"flexible array member '{fdecl.name}' with type '{ftype}' is not at the end of struct",
                                     self.declarator_loc(fdecl))
                    # clang points at the name, or where an unnamed bit-field's type begins.
                    next_at = self.declarator_loc(decl) if decl.name else self.loc(decl.type.type)
                    self.diags.note("next field declaration is here", next_at)
                flexible = (decl, mtype) if mtype.is_array and mtype.length is None else None
                width = None
                if decl.bitsize is not None:
                    w = self.constant_expression(decl.bitsize)
                    if not isinstance(w, tast.Const) or not mtype.is_integer:
                        raise self.error("bit-field width must be an integer constant", decl.bitsize)
                    if w.value > mtype.size * 8 or w.value < 0:
                        raise self.error(f"width of bit-field '{decl.name}' ({w.value} bits) exceeds the width of its type ({mtype.size * 8} bits)", decl.bitsize)
                    width = w.value
                mattrs = self.gather_attributes(decl)
                explicit_align = self.attribute_int(mattrs, "aligned", 8)
                if decl.align:
                    explicit_align = max(explicit_align or 1, self.alignas_value(decl.align))
                members.append((decl.name, mtype, width, explicit_align))
            if "preserve_access_index" in defn.attributes:
                self.preserve_nested_access(node)
            for problem in ctype.layout_struct(defn, members):
                raise self.error(problem, node)
            struct_align = self.attribute_int(attrs, "aligned", 8)
            if struct_align:
                defn.align = max(defn.align, struct_align)
                defn.size = -(-defn.size // defn.align) * defn.align
        return StructType(defn=defn)

    def preserve_nested_access(self, node) -> None:
        """As clang does, a preserve_access_index record gives its attribute to the records defined
        in its body (named or not), so CO-RE goes on through `p->inner.x`."""
        pending = list(node.decls)
        while pending:
            child = pending.pop()
            if isinstance(child, (c_ast.Struct, c_ast.Union)) and id(child) in self.struct_bodies:
                inner = self.struct_bodies[id(child)][1]
                if "preserve_access_index" not in inner.attributes:
                    inner.attributes = (*inner.attributes, "preserve_access_index")
            pending.extend(grandchild for _, grandchild in child.children())

    def alignas_value(self, aligns) -> int:
        best = 1
        for a in aligns:
            node = a.alignment
            if isinstance(node, c_ast.Typename):
                best = max(best, self.resolve_type(node).align)
            else:
                v = self.constant_expression(node)
                if not isinstance(v, tast.Const):
                    raise self.error("alignment must be an integer constant", node)
                best = max(best, v.value)
        return best

    def enum_type(self, node: c_ast.Enum, attrs) -> Type:
        if node.values is None:
            found = self.scope.lookup_tag(node.name) if node.name else None
            if isinstance(found, IntType):
                return found
            # A forward reference to an enum declared later: GNU treats it as unsigned int; debug
            # info declares it (BTF: an ENUM of size 0), as clang's.
            if not node.name:
                return ctype.UINT
            declared = replace(ctype.UINT, enum=ctype.EnumDef(node.name, None))
            self.scope.tags[node.name] = declared
            return declared
        values = []
        names = []
        next_value = 0
        for e in node.values.enumerators:
            if e.value is not None:
                v = self.constant_expression(e.value)
                if not isinstance(v, tast.Const):
                    raise self.error(f"enumerator value for '{e.name}' is not an integer constant", e.value)
                next_value = v.value
            # Visible at once: later enumerators may be defined from earlier ones.
            const_type = ctype.INT if ctype.INT.min <= next_value <= ctype.INT.max else ctype.LONG
            self.declare(e.name, tast.Const(const_type, self.loc(e), next_value), e)
            values.append(next_value)
            names.append(e.name)
            next_value += 1
        lo, hi = min(values, default=0), max(values, default=0)
        # clang's choice: the smallest of these that holds every value; a packed enum may be a
        # character or a short.
        if "packed" in {**self.gather_attributes(node), **attrs}:
            candidates = (ctype.UCHAR, ctype.USHORT, ctype.UINT) if lo >= 0 else (ctype.SCHAR, ctype.SHORT, ctype.INT)
        else:
            candidates = (ctype.UINT,) if lo >= 0 else (ctype.INT,)
        wide = ctype.ULONG if lo >= 0 else ctype.LONG
        etype = next((t for t in candidates if t.min <= lo and hi <= t.max), wide)
        etype = replace(etype, enum=ctype.EnumDef(node.name, tuple(zip(names, values))))
        if node.name:
            self.scope.tags[node.name] = etype
        return etype

    # ---- declarations ----------------------------------------------------

    def declare(self, name: str, symbol, node) -> None:
        previous = self.scope.names.get(name)
        if previous is not None and not self.compatible_redeclaration(previous, symbol):
            raise self.error(f"redefinition of '{name}'", node)
        if previous is None or not isinstance(previous, (tast.Function, tast.Variable)):
            self.scope.names[name] = symbol

    def compatible_redeclaration(self, previous, symbol) -> bool:
        if isinstance(previous, Typedef) and isinstance(symbol, Typedef):
            return previous.type == symbol.type
        if isinstance(previous, tast.Function) and isinstance(symbol, tast.Function):
            return previous.type == symbol.type or not symbol.type.prototyped or not previous.type.prototyped
        if isinstance(previous, tast.Variable) and isinstance(symbol, tast.Variable):
            return previous.is_global and symbol.is_global
        return False

    def check_file_scope_declaration(self, decl) -> None:
        if isinstance(decl, c_ast.Typedef):
            self.check_typedef(decl)
            return
        if decl.name is None:
            self.resolve_type(decl.type)  # struct/union/enum definition
            return
        t, inferred_init = self.declared_type(decl)
        attrs = self.gather_attributes(decl)
        if t.is_function:
            self.declare_function(decl, t, attrs)
            return
        helper = self.helper_declaration(decl, t)
        if helper is not None:
            self.declare(decl.name, helper, decl)
            self.program.helpers.append(helper)
            return
        self.declare_global_variable(decl, t, attrs, inferred_init)

    def declared_type(self, decl: c_ast.Decl) -> tuple[Type, tast.Expr | None]:
        """The type `decl` declares.  `__auto_type x = e;` (C23 `auto`) gives x the type of e after
        array and function decay, so e is checked here and returned: it is x's initialiser."""
        node = decl.type
        if isinstance(node, c_ast.TypeDecl) and isinstance(node.type, c_ast.InferredType):
            init = self.expression(decl.init)
            if init.type.is_void:
                raise self.error("variable has incomplete type 'void'", self.declarator_loc(decl))
            quals = node.quals or ()
            return init.type.unqualified().qualified(const="const" in quals, volatile="volatile" in quals), init
        return self.resolve_type(node), None

    def declaration_initializer(self, decl: c_ast.Decl, t: Type, inferred_init: tast.Expr | None) -> tast.Init:
        """The initialiser of `decl`; clang reports a conversion it rejects at the declared name."""
        if inferred_init is not None:
            return inferred_init
        return self.initializer(t, decl.init, at=self.declarator_loc(decl))

    def declarator_loc(self, decl: c_ast.Decl) -> tast.Location:
        """Where the declared name is (a Decl's own place is its declarator's first token, e.g. `*`)."""
        node = decl.type
        while not isinstance(node, c_ast.TypeDecl) and isinstance(getattr(node, "type", None), c_ast.Node):
            node = node.type
        return self.loc(node if getattr(node, "coord", None) is not None else decl)

    def apply_asm_label(self, symbol: tast.Function | tast.Variable, decl) -> None:
        """GNU `asm("name")` on `decl`: the symbol's name in the object, or the LLVM intrinsic a
        function stands for.  Every declaration that gives a label must give the same one."""
        label = getattr(decl, "asm_label", None)
        if label is None:
            return
        previous = symbol.asm_label
        if previous is not None and previous.name != label.name:
            self.diags.error("conflicting asm label", self.declarator_loc(decl))
            self.diags.note("previous declaration is here", previous.loc)
            raise CompileError("conflicting asm label")
        symbol.asm_label = tast.AsmLabel(label.name, self.loc(label))
        if isinstance(symbol, tast.Function) and symbol.is_intrinsic:
            self.check_intrinsic(symbol)

    def check_intrinsic(self, func: tast.Function) -> None:
        """An `llvm.*` label must name an intrinsic bpfcc knows, declared with its type."""
        label = func.asm_label
        expected = LLVM_INTRINSICS.get(label.name)
        if expected is None:
            raise self.error(f"asm label '{label.name}' names no LLVM intrinsic bpfcc supports", label.loc,
                             "supported: " + ", ".join(LLVM_INTRINSICS) + " (BPF's LD_ABS loads)")
        if not _is_ld_abs_type(func.type):
            raise self.error(f"LLVM intrinsic '{label.name}' declared with type '{func.type}'", label.loc,
                             f"it takes and returns 64-bit values: declare it '{expected}'")
        if func.body is not None:
            raise self.error(f"LLVM intrinsic '{label.name}' cannot be defined", func.loc)

    def check_typedef(self, decl: c_ast.Typedef) -> None:
        t = self.resolve_type(decl.type)
        self.declare(decl.name, Typedef(decl.name, t), decl)

    def helper_declaration(self, decl, t: Type) -> tast.Helper | None:
        """libbpf's `static long (* const bpf_x)(…) = (void *) N;` names helper N."""
        if not (isinstance(t, PointerType) and t.target.is_function and decl.init is not None):
            return None
        init = self.expression(decl.init)
        while isinstance(init, tast.Cast):
            init = init.operand
        if not isinstance(init, tast.Const):
            return None
        return tast.Helper(decl.name, init.value, t.target, self.loc(decl))

    def check_section_name(self, name: str, section: str | None, node) -> None:
        """LLVM ends the process when a global symbol is named like the section it lives in."""
        if section is not None and name == section:
            raise self.error(f"'{name}' cannot be placed in a section of the same name '{section}'", node,
                             "the symbol would collide with the section symbol; rename it (e.g. '_license' for the license string)")

    def reject_float_object(self, t: Type, node) -> None:
        if t.is_float or (t.is_array and t.elem.is_float):
            raise self.error("floating point is not supported by BPF", node,
                             "the BPF instruction set has no floating-point registers or instructions")

    def declare_global_variable(self, decl, t: Type, attrs, inferred_init: tast.Expr | None) -> None:
        self.reject_float_object(t, decl)
        storage = "extern" if "extern" in decl.storage else "static" if "static" in decl.storage else "global"
        previous = self.scope.names.get(decl.name)
        var = previous if isinstance(previous, tast.Variable) else tast.Variable(decl.name, t, self.loc(decl), storage)
        if isinstance(previous, tast.Variable):
            if previous.type != t and not (previous.type.is_array and t.is_array and previous.type.elem == t.elem):
                raise self.error(f"redefinition of '{decl.name}' with a different type: '{t}' vs '{previous.type}'", decl)
            if storage != "extern":
                var.storage = storage if var.storage != "static" else "static"
        self.declare(decl.name, var, decl)
        self.apply_asm_label(var, decl)
        section = self.attribute_string(attrs, "section")
        if section is not None:
            var.section = section
        var.attributes.update({k: v[0] for k, v in attrs.items()})
        if decl.init is not None:
            if var.init is not None:
                raise self.error(f"redefinition of '{decl.name}'", decl)
            with self.requiring_constant():
                var.init = self.declaration_initializer(decl, t, inferred_init)
            if t.is_array and t.length is None:
                var.type = self.completed_array_type(t, var.init)
            if var.storage == "extern":
                var.storage = "global"
        elif t.is_array and t.length is None and storage != "extern":
            var.type = ArrayType(elem=t.elem, length=1).qualified(const=t.const)
        if ctype.const_object(var.type) and var.init is not None:
            var.readonly = True
        if not previous:
            self.program.globals.append(var)
        self.check_section_name(var.symbol, var.section, decl)

    def declare_function(self, decl, t: FunctionType, attrs, definition: bool = False) -> tast.Function:
        if decl.init is not None:
            raise self.error("illegal initializer (only variables can be initialized)", decl)
        previous = self.scope.lookup(decl.name)
        if isinstance(previous, tast.Function):
            func = previous
            if func.type != t and t.prototyped and func.type.prototyped:
                raise self.error(f"conflicting types for '{decl.name}'", decl)
            if t.prototyped:
                func.type = t
        elif previous is not None and not isinstance(previous, tast.Function):
            raise self.error(f"redefinition of '{decl.name}' as a different kind of symbol", decl)
        else:
            func = tast.Function(decl.name, t, self.loc(decl))
            self.scope.names[decl.name] = func
            self.program.functions.append(func)
        self.apply_asm_label(func, decl)
        if "static" in decl.storage:
            func.static = True
        if "inline" in decl.funcspec and func.inline is None:
            func.inline = "hint"
        if "always_inline" in attrs:
            func.inline = "always"
        if "noinline" in attrs:
            func.inline = "never"
        section = self.attribute_string(attrs, "section")
        if section is not None:
            func.section = section
            self.check_section_name(func.symbol, section, decl)
        func.attributes.update({k: v[0] for k, v in attrs.items()})
        if definition:
            func.loc = self.loc(decl)
            if func.is_intrinsic:
                raise self.error(f"LLVM intrinsic '{func.symbol}' cannot be defined", decl)
            # Keep functions in definition order: diagnostics that walk them read top-down.
            self.program.functions.remove(func)
            self.program.functions.append(func)
        return func

    def check_function_definition(self, fdef: c_ast.FuncDef) -> None:
        decl = fdef.decl
        t = self.resolve_type(decl.type)
        if not t.is_function:
            raise self.error("expected a function", decl)
        attrs = self.gather_attributes(decl)
        func = self.declare_function(decl, t, attrs, definition=True)
        if func.body is not None:
            raise self.error(f"redefinition of '{decl.name}'", decl)
        self.function = func
        self.labels, self.gotos, self.local_labels = {}, [], {}
        self.push_scope()
        try:
            func.params = []
            param_nodes = decl.type.args.params if decl.type.args else []
            for p, ptype in zip([p for p in param_nodes if not isinstance(p, c_ast.EllipsisParam)], t.params):
                if isinstance(p, c_ast.ID) or not getattr(p, "name", None):
                    name = p.name if isinstance(p, c_ast.ID) else f"__arg{len(func.params)}"
                else:
                    name = p.name
                var = tast.Variable(name, ptype, self.loc(p), "param")
                func.params.append(var)
                if not name.startswith("__arg"):
                    self.declare(name, var, p)
            func.body = self.compound(fdef.body, new_scope=False)
            func.end_loc = self.end_location(fdef.body)
            for label, (name, loc) in self.local_labels.items():
                if label not in self.labels:  # as clang: even when no goto uses it
                    raise self.error(f"use of undeclared label '{name}'", loc)
            for label, loc in self.gotos:
                if label not in self.labels:
                    raise self.error(f"use of undeclared label '{label}'", loc)
        finally:
            self.pop_scope()
            self.function = None

    def end_location(self, body) -> tast.Location:
        last = body.block_items[-1] if body.block_items else body
        return self.loc(last)

    def check_static_assert(self, node: c_ast.StaticAssert) -> None:
        cond = self.constant_expression(node.cond)
        if not isinstance(cond, tast.Const):
            raise self.error("static assertion expression is not an integral constant expression", node.cond)
        if not cond.value:
            message = literals.string_bytes(node.message.value).decode() if node.message is not None else ""
            raise self.error(f"static assertion failed{': ' + message if message else ''}", node)

    def completed_array_type(self, t: ArrayType, init) -> ArrayType:
        if isinstance(init, tast.StringLit):
            length = len(init.data) + 1
        elif isinstance(init, tast.InitList):
            length = max(init.items, default=-1) + 1
        else:
            length = 1
        return ArrayType(elem=t.elem, length=length).qualified(const=t.const, volatile=t.volatile)


def _without_arguments(attributes: str) -> str:
    """`a, b(x, (y))` → `a, b`: the names of an attribute list."""
    previous = None
    while previous != attributes:
        previous, attributes = attributes, re.sub(r"\([^()]*\)", "", attributes)
    return attributes


def _fix_coords(node, coord) -> None:
    """Give a re-parsed attribute argument the location of the attribute it came from."""
    node.coord = coord
    for _, child in node.children():
        _fix_coords(child, coord)
