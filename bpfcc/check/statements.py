"""Statements and local declarations; loop pragmas attach to the loop that follows."""
from __future__ import annotations

import re

from pycparser import c_ast
from pycparser.c_parser import Coord, ParseError

from .. import ctype, tast
from ..ctype import Typedef
from ..diagnostics import Location
from ..parse import Asm, CaseRange, GnuCParser, LocalLabels
from .loops import is_bounded

_UNROLL = [
    (re.compile(r"^\s*(?:clang\s+loop\s+)?unroll\s*\(\s*full\s*\)\s*$"), "full"),
    (re.compile(r"^\s*clang\s+loop\s+unroll\s*\(\s*enable\s*\)\s*$"), "enable"),
    (re.compile(r"^\s*clang\s+loop\s+unroll\s*\(\s*disable\s*\)\s*$"), "disable"),
    (re.compile(r"^\s*nounroll\s*$"), "disable"),
    (re.compile(r"^\s*unroll\s*$"), "enable"),
    (re.compile(r"^\s*(?:unroll|GCC\s+unroll)\s*\((.*)\)\s*$"), "count"),
    (re.compile(r"^\s*(?:unroll|GCC\s+unroll)\s+(.*?)\s*$"), "count"),
    (re.compile(r"^\s*clang\s+loop\s+unroll_count\s*\((.*)\)\s*$"), "count"),
]
_MAX_UNROLL_COUNT = (1 << 31) - 1


class StatementChecker:
    def compound(self, node: c_ast.Compound, new_scope: bool = True) -> tast.Block:
        if new_scope:
            self.push_scope()
        try:
            return self.block_items(node.block_items or [], self.loc(node))
        finally:
            if new_scope:
                self.pop_scope()

    def block_items(self, items, loc) -> tast.Block:
        out: list[tast.Stmt] = []
        for i, item in enumerate(items):
            if isinstance(item, LocalLabels):
                if any(not isinstance(before, LocalLabels) for before in items[:i]):
                    raise self.error("local label declarations must come at the beginning of a block", item)
                self.declare_local_labels(item)
                continue
            out.extend(self.block_item(item))
        if self.pending_unroll:
            text, ploc, _ = self.pending_unroll
            self.pending_unroll = None
            raise self.error(f"expected a for, while, or do-while loop to follow '#pragma {text}'", ploc)
        return tast.Block(loc, out)

    def block_item(self, item) -> list[tast.Stmt]:
        if isinstance(item, c_ast.Pragma):
            self.loop_pragma(item)
            return []
        if self.pending_unroll and not isinstance(item, (c_ast.For, c_ast.While, c_ast.DoWhile)):
            text, _, _ = self.pending_unroll
            self.pending_unroll = None
            raise self.error(f"expected a for, while, or do-while loop to follow '#pragma {text}'", item)
        if isinstance(item, c_ast.Decl):
            return self.local_declaration(item)
        if isinstance(item, c_ast.DeclList):
            return [s for d in item.decls for s in self.local_declaration(d)]
        if isinstance(item, c_ast.Typedef):
            self.check_typedef(item)
            return []
        if isinstance(item, c_ast.StaticAssert):
            self.check_static_assert(item)
            return []
        return [self.statement(item)]

    def loop_pragma(self, node: c_ast.Pragma) -> None:
        text = node.string.strip()
        if text.startswith('"') or text.startswith("("):  # _Pragma("…") as pycparser keeps it
            text = text.strip('()').strip().strip('"')
        for pattern, kind in _UNROLL:
            m = pattern.match(text)
            if m:
                loc = self.loc(node)
                if kind == "count":
                    at = Location(loc.file, loc.line, loc.column + m.start(1)) if text == node.string else loc
                    kind = self.unroll_count(m.group(1), at)
                self.pending_unroll = (text, loc, kind)
                return
        if text.split()[:1] in (["unroll"], ["clang"], ["nounroll"]):
            raise self.error(f"unsupported loop pragma '#pragma {text}'", node,
                             "use '#pragma unroll', '#pragma unroll N' or '#pragma clang loop unroll(full|disable)'")
        # Other pragmas (e.g. GCC diagnostic) do not change code generation.

    def unroll_count(self, spelling: str, loc: Location) -> int | str:
        """The N of `#pragma unroll N`: an integer constant expression, as in clang (the
        preprocessor has expanded its macros).  0 and 1 disable unrolling."""
        try:
            value = GnuCParser().parse(f"int _ = {spelling};").ext[0].init
        except ParseError:
            raise self.error("expected an integer constant expression", loc) from None
        coord = Coord(loc.file, loc.line, loc.column)
        for node in _walk(value):
            node.coord = coord
        count = self.expression(value)
        if not (isinstance(count, tast.Const) and count.type.is_integer):
            raise self.error("expression is not an integer constant expression", loc)
        if count.value < 0:
            raise self.error(f"invalid value '{count.value}'; must be positive", loc)
        if count.value > _MAX_UNROLL_COUNT:
            raise self.error(f"value '{count.value}' is too large", loc)
        return count.value if count.value > 1 else "disable"

    def statement(self, node) -> tast.Stmt:
        method = getattr(self, f"stmt_{type(node).__name__}", None)
        if method is not None:
            return method(node)
        if self.is_expression_node(node):
            return tast.ExprStmt(self.loc(node), self.expression(node))
        raise self.error(f"unsupported statement '{type(node).__name__}'", node)

    def local_declaration(self, decl: c_ast.Decl) -> list[tast.Stmt]:
        if decl.name is None:
            self.resolve_type(decl.type)
            return []
        t, inferred_init = self.declared_type(decl)
        attrs = self.gather_attributes(decl)
        loc = self.loc(decl)
        if t.is_function:
            self.declare_function(decl, t, attrs)
            return []
        self.reject_float_object(t, decl)
        if "extern" in decl.storage:
            outer = self.program_scope().lookup(decl.name)
            if isinstance(outer, tast.Variable):
                self.declare(decl.name, outer, decl)
                self.apply_asm_label(outer, decl)
                return []
            raise self.error(f"extern variable '{decl.name}' is not defined in this file; BPF objects are not linked", decl)
        if "static" in decl.storage:
            var = tast.Variable(self.local_static_name(decl.name), t, loc, "static")
            self.scope.names[decl.name] = var
            self.apply_asm_label(var, decl)
            var.section = self.attribute_string(attrs, "section")
            if decl.init is not None:
                with self.requiring_constant():
                    var.init = self.declaration_initializer(decl, t, inferred_init)
                if t.is_array and t.length is None:
                    var.type = self.completed_array_type(t, var.init)
            var.readonly = ctype.const_object(var.type) and var.init is not None
            self.program.globals.append(var)
            return []
        label = getattr(decl, "asm_label", None)
        if label is not None and "register" not in decl.storage:  # `register … asm("r3")` names a register
            self.warn(f"ignored asm label '{label.name}' on automatic variable", label)
        var = tast.Variable(decl.name, t, loc, "local")
        var.attributes.update({k: v[0] for k, v in attrs.items()})
        if decl.init is not None:
            # The variable is in scope within its own initialiser, as in C.
            self.declare(decl.name, var, decl)
            var.init = self.declaration_initializer(decl, t, inferred_init)
            if t.is_array and t.length is None:
                var.type = self.completed_array_type(t, var.init)
        else:
            self.declare(decl.name, var, decl)
        if not var.type.complete:
            raise self.error(f"variable has incomplete type '{var.type}'", decl)
        explicit_align = self.attribute_int(attrs, "aligned", 8)
        if explicit_align:
            var.attributes["align"] = explicit_align
        if "cleanup" in attrs:
            var.attributes["cleanup"] = self.cleanup_call(var, *attrs["cleanup"])
        self.function.locals.append(var)
        return [tast.LocalDecl(loc, var)]

    def local_static_name(self, name: str) -> str:
        """A function-scope static's symbol: `f.s`, then `f.s.1`, `f.s.2` for more statics named
        `s` in `f`, as clang names them (two bpf_printk calls make two `____fmt`)."""
        base = f"{self.function.name}.{name}"
        taken = {v.name for v in self.program.globals}
        unique, n = base, 0
        while unique in taken:
            n += 1
            unique = f"{base}.{n}"
        return unique

    def cleanup_call(self, var: tast.Variable, args: str | None, node) -> tast.Call:
        """`__attribute__((cleanup(f)))`: the call `f(&var)` that lowering makes where the
        variable's scope ends (libbpf's bpf_for destroys its iterator so)."""
        name = (args or "").strip()
        func = self.scope.lookup(name)
        at = self.loc(node)  # clang points at the argument: after `cleanup(`
        at = Location(at.file, at.line, at.column + len(node.name) + 1 + len(args or "") - len((args or "").lstrip()))
        if not isinstance(func, tast.Function):
            if func is None:
                raise self.error(f"use of undeclared identifier '{name}'", at)
            raise self.error(f"'cleanup' argument '{name}' is not a function", at)
        address = self.address_of(tast.Var(var.type, var.loc, var), node)
        params = func.type.params
        if len(params) != 1:
            raise self.error(f"'cleanup' function '{name}' must take 1 parameter", at)
        if not (params[0].is_pointer and self.pointer_assignable(params[0].unqualified(), address.type)):
            raise self.error(f"'cleanup' function '{name}' parameter has type '{params[0]}' which is incompatible "
                             f"with type '{address.type}'", at)
        call = tast.Call(func.type.ret.unqualified(), var.loc, func, [self.convert(address, params[0], explicit=True)])
        self.function.calls.append(call)
        return call

    def program_scope(self):
        scope = self.scope
        while scope.parent is not None:
            scope = scope.parent
        return scope

    # ---- statements -----------------------------------------------------

    def stmt_Compound(self, node):
        return self.compound(node)

    def stmt_EmptyStatement(self, node):
        return tast.Empty(self.loc(node))

    def stmt_If(self, node):
        cond = self.condition(node.cond)
        then = self.scoped_statement(node.iftrue)
        other = self.scoped_statement(node.iffalse) if node.iffalse is not None else None
        return tast.If(self.loc(node), cond, then, other)

    def scoped_statement(self, node) -> tast.Stmt:
        """A sub-statement is a block of its own (C11 6.8.4p3, 6.8.5p5)."""
        self.push_scope()
        try:
            return tast.Block(self.loc(node), self.block_item(node)) if not isinstance(node, c_ast.Compound) \
                else self.compound(node, new_scope=False)
        finally:
            self.pop_scope()

    def take_unroll(self):
        unroll = self.pending_unroll[2] if self.pending_unroll else None
        self.pending_unroll = None
        return unroll

    def loop_body(self, node) -> tast.Stmt:
        self.loop_depth += 1
        try:
            return self.scoped_statement(node)
        finally:
            self.loop_depth -= 1

    def stmt_While(self, node):
        unroll = self.take_unroll()
        cond = self.condition(node.cond)
        return self.bounded(tast.Loop(self.loc(node), "while", None, cond, None, self.loop_body(node.stmt), unroll))

    def stmt_DoWhile(self, node):
        unroll = self.take_unroll()
        body = self.loop_body(node.stmt)
        cond = self.condition(node.cond)
        return self.bounded(tast.Loop(self.loc(node), "do", None, cond, None, body, unroll))

    def stmt_For(self, node):
        unroll = self.take_unroll()
        self.push_scope()
        try:
            init = None
            if isinstance(node.init, c_ast.DeclList):
                init = tast.Block(self.loc(node.init), [s for d in node.init.decls for s in self.local_declaration(d)])
            elif isinstance(node.init, c_ast.Decl):
                init = tast.Block(self.loc(node.init), self.local_declaration(node.init))
            elif node.init is not None:
                init = tast.ExprStmt(self.loc(node.init), self.expression(node.init))
            cond = self.condition(node.cond) if node.cond is not None else None
            step = self.expression(node.next) if node.next is not None else None
            body = self.loop_body(node.stmt)
        finally:
            self.pop_scope()
        return self.bounded(tast.Loop(self.loc(node), "for", init, cond, step, body, unroll))

    @staticmethod
    def bounded(loop: tast.Loop) -> tast.Loop:
        loop.bounded = is_bounded(loop)
        return loop

    def stmt_Return(self, node):
        loc = self.loc(node)
        ret = self.function.type.ret
        if node.expr is None:
            if not ret.is_void:
                self.warn(f"non-void function '{self.function.name}' should return a value", node, group="return-mismatch")
            return tast.Return(loc, None)
        value = self.expression(node.expr)
        if ret.is_void:
            if not value.type.is_void:
                raise self.error(f"void function '{self.function.name}' should not return a value", node)
            return tast.Return(loc, value)
        return tast.Return(loc, self.convert(value, ret, what=" returning"))

    def stmt_Break(self, node):
        if self.loop_depth == 0 and not self.switches:
            raise self.error("'break' statement not in loop or switch statement", node)
        return tast.Break(self.loc(node))

    def stmt_Continue(self, node):
        if self.loop_depth == 0:
            raise self.error("'continue' statement not in loop statement", node)
        return tast.Continue(self.loc(node))

    def declare_local_labels(self, node: LocalLabels) -> None:
        """GNU `__label__ a, b;`: labels of this block only, so a macro's statement expression
        can use its own `a:` however often it is expanded in one function."""
        for ident in node.names:
            if ident.name in self.scope.labels:
                raise self.error(f"duplicate label declaration '{ident.name}'", ident)
            self.anon_counter += 1
            unique = f"{ident.name}.{self.anon_counter}"
            self.scope.labels[ident.name] = unique
            self.local_labels[unique] = (ident.name, self.loc(ident))

    def stmt_Goto(self, node):
        goto = tast.Goto(self.loc(node), self.scope.label_name(node.name))
        self.gotos.append((goto.label, self.loc(node.label)))
        return goto

    def stmt_Label(self, node):
        name = self.scope.label_name(node.name)
        if name in self.labels:
            raise self.error(f"redefinition of label '{node.name}'", node)
        self.labels[name] = self.loc(node)
        inner = self.block_item(node.stmt) if node.stmt is not None else []
        stmt = inner[0] if len(inner) == 1 else tast.Block(self.loc(node), inner)
        return tast.Label(self.loc(node), name, stmt)

    def stmt_Switch(self, node):
        expr = self.expression(node.cond)
        if not expr.type.is_integer:
            raise self.error(f"statement requires expression of integer type ('{expr.type}' invalid)", node.cond)
        expr = self.convert(expr, ctype.promote(expr.type))
        switch = tast.Switch(self.loc(node), expr, None)
        self.switches.append(switch)
        try:
            switch.body = self.scoped_statement(node.stmt)
        finally:
            self.switches.pop()
        return switch

    def case_value(self, node, switch) -> int:
        value = self.constant_expression(node)
        if not isinstance(value, tast.Const):
            raise self.error("expression is not an integer constant expression", node)
        return switch.expr.type.wrap(value.value)

    def stmt_Case(self, node):
        return self.case(node, node.expr, node.expr)

    def stmt_CaseRange(self, node: CaseRange):
        return self.case(node, node.first, node.last)

    def case(self, node, first, last):
        if not self.switches:
            raise self.error("'case' statement not in switch statement", node)
        switch = self.switches[-1]
        low, high = self.case_value(first, switch), self.case_value(last, switch)
        for other in switch.cases:
            if other.low <= high and low <= other.high:
                raise self.error(f"duplicate case value '{low}'", node)
        stmt = self.case_body(node.stmts, node)
        case = tast.Case(self.loc(node), low, high, stmt)
        switch.cases.append(case)
        return case

    def case_body(self, stmts, node) -> tast.Stmt:
        items = [s for st in stmts for s in self.block_item(st)]
        return items[0] if len(items) == 1 else tast.Block(self.loc(node), items)

    def stmt_Default(self, node):
        if not self.switches:
            raise self.error("'default' statement not in switch statement", node)
        switch = self.switches[-1]
        if switch.default is not None:
            raise self.error("multiple default labels in one switch", node)
        case = tast.Case(self.loc(node), None, None, self.case_body(node.stmts, node))
        switch.default = case
        return case

    def stmt_AttributedStatement(self, node):
        return self.statement(node.stmt)

    def stmt_AttributeDeclaration(self, node):
        return tast.Empty(self.loc(node))  # `[[fallthrough]];`

    def stmt_Asm(self, node: Asm):
        outputs = []
        for constraint, expr in node.outputs:
            target = self.expression(expr, value=False)
            self.require_modifiable(target, expr)
            outputs.append((constraint, target))
        inputs = [(c, self.expression(e)) for c, e in node.inputs]
        for constraint, _ in outputs + inputs:
            if not re.fullmatch(r"[=+&]*[rim0-9]+", constraint):
                raise self.error(f"invalid asm constraint '{constraint}' for BPF", node,
                                 "BPF inline asm supports register ('r'), immediate ('i') and matching constraints")
        return tast.AsmStmt(self.loc(node), node.template, outputs, inputs, node.clobbers, node.volatile)

    def stmt_Typedef(self, node):
        self.check_typedef(node)
        return tast.Empty(self.loc(node))


def _walk(node: c_ast.Node):
    yield node
    for _, child in node.children():
        yield from _walk(child)


__all__ = ["StatementChecker", "Typedef"]
