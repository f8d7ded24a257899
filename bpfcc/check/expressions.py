"""Expressions: pycparser nodes → typed `tast` expressions with explicit conversions.

Integer constant expressions are folded as they are built (C semantics, in the
operands' type), so array sizes, case labels and enum values come out as `Const`.
"""
from __future__ import annotations

import contextlib

from pycparser import c_ast

from .. import ctype, literals, tast
from ..ctype import ArrayType, IntType, PointerType, StructType, Type
from ..parse import Assignment, BinaryOp
from .builtins import NO_BPF_LIBRARY, BuiltinChecker

_ARITH = {"+", "-", "*", "/", "%"}
_BITWISE = {"&", "|", "^"}
_SHIFT = {"<<", ">>"}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
_NO_FLOAT = "the BPF instruction set has no floating-point registers or instructions: compute in integers (fixed point)"
_LIBRARY_BUILTINS = {n: f"__builtin_{n}" for n in ("memcpy", "memset", "memmove", "memcmp")} \
    | {n: n for n in NO_BPF_LIBRARY}


def fold_binary(op: str, a: int, b: int, t: IntType) -> int | None:
    """Fold `a op b` computed in type t; None where C leaves it undefined (÷0, bad shift)."""
    if op == "+":
        r = a + b
    elif op == "-":
        r = a - b
    elif op == "*":
        r = a * b
    elif op in ("/", "%"):
        if b == 0:
            return None
        q = abs(a) // abs(b)
        if (a < 0) != (b < 0):
            q = -q
        r = q if op == "/" else a - q * b
    elif op == "&":
        r = a & b
    elif op == "|":
        r = a | b
    elif op == "^":
        r = a ^ b
    elif op == "<<":
        if b < 0 or b >= t.bits:
            return None
        r = a << b
    elif op == ">>":
        if b < 0 or b >= t.bits:
            return None
        r = a >> b
    else:
        raise AssertionError(op)
    return t.wrap(r)


def fold_compare(op: str, a: int, b: int) -> int:
    return int({"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


class ExpressionChecker(BuiltinChecker):
    # ---- entry points --------------------------------------------------------

    def expression(self, node, value: bool = True) -> tast.Expr:
        """Check an expression; with value=True arrays and functions decay to pointers."""
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise self.error(f"unsupported expression '{type(node).__name__}'", node)
        expr = method(node)
        return self.rvalue(expr) if value else expr

    def constant_expression(self, node) -> tast.Expr:
        """Check an expression C requires to be an integer constant (array size, case label,
        enumerator, _Static_assert, bit-field width…), where __builtin_constant_p folds."""
        with self.requiring_constant():
            return self.expression(node)

    @contextlib.contextmanager
    def requiring_constant(self):
        """While checking what must be a constant (also a static initialiser)."""
        self.constant_required += 1
        try:
            yield
        finally:
            self.constant_required -= 1

    def rvalue(self, expr: tast.Expr) -> tast.Expr:
        t = expr.type
        if isinstance(t, ArrayType):
            return tast.AddrOf(ctype.pointer(t.elem), expr.loc, expr)
        if t.is_function:
            if isinstance(expr, tast.FuncRef):
                self.function_refs.append(expr)
            return tast.AddrOf(ctype.pointer(t), expr.loc, expr)
        return expr

    def condition(self, node) -> tast.Expr:
        expr = self.expression(node)
        if not expr.type.is_scalar:
            raise self.error(f"statement requires expression of scalar type ('{expr.type}' invalid)", node)
        return expr

    # ---- conversions -------------------------------------------------------

    def convert(self, expr: tast.Expr, to: Type, explicit: bool = False, what: str = "",
                at: tast.Location | None = None) -> tast.Expr:
        """Convert an rvalue to `to`, as assignment (or a cast, when explicit) does.

        A conversion C rejects is reported at `at` when given (clang: the declared name of an
        initialisation, the operator of an assignment), else at the expression."""
        where = at or expr.loc
        src = expr.type
        to_u = to.unqualified()
        if to_u.is_void:
            return tast.Cast(ctype.VOID, expr.loc, expr)
        if src.is_float or to_u.is_float:
            raise self.error("floating point is not supported by BPF", expr.loc, _NO_FLOAT)
        if src == to_u:
            return expr if not src.typedef or src == to_u else expr
        if isinstance(to_u, IntType):
            if isinstance(src, IntType):
                if isinstance(expr, tast.Const):
                    return tast.Const(to_u, expr.loc, to_u.wrap(expr.value))
                return tast.Cast(to_u, expr.loc, expr)
            if src.is_pointer:
                if not explicit and to_u.name != "_Bool":
                    # An error by default since clang 15 (C99 forbids it), but libbpf's BPF_PROG turns
                    # it off with a pragma; as in clang, checking goes on.
                    fix = "; dereference with *" if _same_unqualified(src.target, to_u) else ""
                    self.warn(_conversion_message("incompatible pointer to integer conversion", what, src, to) + fix,
                              where, "add an explicit cast if the conversion is intended", "int-conversion")
                return tast.Cast(to_u, expr.loc, expr)
        if isinstance(to_u, PointerType):
            if src.is_pointer:
                if not explicit and not self.pointer_assignable(to_u, src):
                    self.warn(_conversion_message("incompatible pointer types", what, src, to), where,
                              group="incompatible-pointer-types")
                elif not explicit and _differ_in_sign(to_u.target, src.target):
                    plain = "char" in (to_u.target.name, src.target.name)
                    between = ("where one is of the unique plain 'char' type and the other is not" if plain
                               else "with different sign")
                    self.warn(f"{_conversion_message('', what, src, to).strip()} converts between pointers to integer "
                              f"types {between}", where, group="pointer-sign")
                return tast.Cast(to_u, expr.loc, expr)
            if isinstance(src, IntType):
                if not explicit and not (isinstance(expr, tast.Const) and expr.value == 0):
                    fix = "; take the address with &" if _same_unqualified(to_u.target, src) else ""
                    self.warn(_conversion_message("incompatible integer to pointer conversion", what, src, to) + fix,
                              where, "add an explicit cast if the conversion is intended", "int-conversion")
                if isinstance(expr, tast.Const):
                    return tast.Const(to_u, expr.loc, expr.value & 0xFFFFFFFFFFFFFFFF)
                return tast.Cast(to_u, expr.loc, self.convert(expr, ctype.ULONG, True))
        if isinstance(to_u, StructType) and src == to_u:
            return expr
        verb = "cast" if explicit else "convert"
        raise self.error(f"cannot {verb} '{src}' to '{to}'{what}", where)

    @staticmethod
    def pointer_assignable(to: PointerType, src: PointerType) -> bool:
        a, b = to.target, src.target
        if a.is_void or b.is_void:
            return True
        # Integer types that differ only in sign (plain char, signed char, unsigned char are three)
        # draw a -Wpointer-sign warning, not an incompatible-pointer-types one.
        return a.unqualified() == b.unqualified() or _differ_in_sign(a, b)

    def is_null_constant(self, expr: tast.Expr) -> bool:
        inner = expr
        while isinstance(inner, tast.Cast) and (inner.type.is_pointer and inner.type.target.is_void or inner.type.is_integer):
            inner = inner.operand
        return isinstance(inner, tast.Const) and inner.value == 0 and (inner.type.is_integer or inner.type.is_pointer)

    def arith(self, expr: tast.Expr, node) -> tast.Expr:
        if not expr.type.is_arithmetic:
            raise self.error(f"invalid operand of type '{expr.type}'", node)
        return expr

    # ---- primary -------------------------------------------------------------

    def expr_Constant(self, node: c_ast.Constant) -> tast.Expr:
        loc = self.loc(node)
        kind = node.type
        if kind == "string" or node.value.startswith(('"', 'u8"', 'L"', 'u"', 'U"')):
            data = literals.string_bytes(node.value)
            return tast.StringLit(ArrayType(elem=ctype.CHAR, length=len(data) + 1), loc, data)
        if kind == "char" or node.value.startswith("'"):
            return tast.Const(ctype.INT, loc, literals.char_value(node.value))
        if kind in ("bool",) or node.value in ("true", "false"):
            return tast.Const(ctype.BOOL, loc, int(node.value == "true"))
        if node.value == "nullptr":
            return tast.Const(ctype.pointer(ctype.VOID), loc, 0)
        try:
            value, unsigned, longs, decimal = literals.integer_value(node.value)
        except ValueError:
            raise self.error("floating-point constants are not supported by BPF", node, _NO_FLOAT) from None
        return tast.Const(self.integer_constant_type(value, unsigned, longs, decimal, node), loc, value)

    def integer_constant_type(self, value, unsigned, longs, decimal, node) -> IntType:
        if longs == 0:
            candidates = [ctype.INT, ctype.LONG, ctype.LLONG] if decimal else [ctype.INT, ctype.UINT, ctype.LONG, ctype.ULONG, ctype.LLONG, ctype.ULLONG]
        elif longs == 1:
            candidates = [ctype.LONG, ctype.LLONG] if decimal else [ctype.LONG, ctype.ULONG, ctype.LLONG, ctype.ULLONG]
        else:
            candidates = [ctype.LLONG] if decimal else [ctype.LLONG, ctype.ULLONG]
        if unsigned:
            candidates = [[ctype.UINT, ctype.ULONG, ctype.ULLONG], [ctype.ULONG, ctype.ULLONG], [ctype.ULLONG]][min(longs, 2)]
        for t in candidates:
            if t.min <= value <= t.max:
                return t
        if value <= ctype.ULLONG.max:
            return ctype.ULLONG
        raise self.error("integer literal is too large to be represented in any integer type", node)

    def expr_ID(self, node: c_ast.ID) -> tast.Expr:
        loc = self.loc(node)
        sym = self.scope.lookup(node.name)
        if sym is None and node.name in ("__func__", "__FUNCTION__", "__PRETTY_FUNCTION__") and self.function:
            name = self.function.name.encode()
            return tast.StringLit(ArrayType(elem=ctype.CHAR.qualified(const=True), length=len(name) + 1), loc, name)
        if isinstance(sym, tast.Variable):
            sym.used = True
            return tast.Var(sym.type, loc, sym)
        if isinstance(sym, tast.Const):
            return tast.Const(sym.type, loc, sym.value)
        if isinstance(sym, tast.Function):
            return tast.FuncRef(sym.type, loc, sym)
        if isinstance(sym, tast.Helper):
            raise self.error(f"BPF helper '{node.name}' can only be called, not used as a value", node,
                             "helpers have no address in a BPF program; call it directly")
        if sym is not None:
            raise self.error(f"unexpected type name '{node.name}': expected expression", node)
        raise self.error(f"use of undeclared identifier '{node.name}'", node)

    # ---- operators -----------------------------------------------------------

    def expr_UnaryOp(self, node: c_ast.UnaryOp) -> tast.Expr:
        op = node.op
        loc = self.loc(node)
        if op in ("sizeof", "_Alignof", "alignof"):
            if isinstance(node.expr, c_ast.Typename):
                t = self.resolve_type(node.expr)
            else:
                t = self.expression(node.expr, value=False).type
            if t.is_function or (not t.complete and not t.is_void):
                raise self.error(f"invalid application of '{op}' to an incomplete type '{t}'", node)
            return tast.Const(ctype.ULONG, loc, t.size if op == "sizeof" else t.align)
        if op == "&":
            target = self.expression(node.expr, value=False)
            return self.address_of(target, node)
        if op == "*":
            ptr = self.expression(node.expr)
            if not ptr.type.is_pointer:
                raise self.error(f"indirection requires pointer operand ('{ptr.type}' invalid)", node)
            return tast.Deref(ptr.type.target, loc, ptr)
        if op in ("++", "--", "p++", "p--"):
            target = self.expression(node.expr, value=False)
            self.require_modifiable(target, node)
            if not (target.type.is_arithmetic or target.type.is_pointer):
                raise self.error(f"cannot increment value of type '{target.type}'", node)
            return tast.IncDec(target.type.unqualified(), loc, target, 1 if "+" in op else -1, not op.startswith("p"))
        operand = self.expression(node.expr)
        if op == "!":
            if not operand.type.is_scalar:
                raise self.error(f"invalid argument type '{operand.type}' to unary expression", node)
            if isinstance(operand, tast.Const):
                return tast.Const(ctype.INT, loc, int(not operand.value))
            return tast.Unary(ctype.INT, loc, "!", operand)
        self.arith(operand, node)
        t = ctype.promote(operand.type)
        operand = self.convert(operand, t)
        if op == "+":
            return operand
        if op == "~" and not t.is_integer:
            raise self.error(f"invalid argument type '{operand.type}' to unary expression", node)
        if isinstance(operand, tast.Const):
            return tast.Const(t, loc, t.wrap(-operand.value if op == "-" else ~operand.value))
        return tast.Unary(t, loc, op, operand)

    def address_of(self, target: tast.Expr, node) -> tast.Expr:
        loc = self.loc(node)
        if isinstance(target, tast.Deref):
            return self.convert(target.ptr, ctype.pointer(target.type), True) if target.ptr.type.target != target.type else target.ptr
        if isinstance(target, tast.Member) and target.bit_width is not None:
            raise self.error("address of bit-field requested", node)
        if isinstance(target, (tast.Var, tast.Member, tast.StringLit, tast.FuncRef, tast.CompoundLiteral)):
            if isinstance(target, tast.Var):
                target.var.attributes["address_taken"] = True
            if isinstance(target, tast.FuncRef):
                self.function_refs.append(target)
            return tast.AddrOf(ctype.pointer(target.type), loc, target)
        raise self.error("cannot take the address of an rvalue", node)

    def require_modifiable(self, target: tast.Expr, node) -> None:
        if not isinstance(target, (tast.Var, tast.Deref, tast.Member, tast.CompoundLiteral)):
            raise self.error("expression is not assignable", node)
        if target.type.is_array:
            raise self.error(f"array type '{target.type}' is not assignable", node)
        if target.type.const:
            name = f" '{target.var.name}'" if isinstance(target, tast.Var) else ""
            raise self.error(f"cannot assign to variable{name} with const-qualified type '{target.type}'", node)

    def expr_BinaryOp(self, node: c_ast.BinaryOp) -> tast.Expr:
        op = node.op
        if op in ("&&", "||"):
            lhs, rhs = self.condition(node.left), self.condition(node.right)
            loc = self.loc(node)
            if isinstance(lhs, tast.Const):
                if (op == "&&") != bool(lhs.value):
                    return tast.Const(ctype.INT, loc, int(bool(lhs.value)))
                if isinstance(rhs, tast.Const):
                    return tast.Const(ctype.INT, loc, int(bool(rhs.value)))
            return tast.Logical(ctype.INT, loc, op, lhs, rhs)
        lhs, rhs = self.expression(node.left), self.expression(node.right)
        return self.binary(op, lhs, rhs, node)

    def operator_loc(self, node) -> tast.Location:
        """Where clang reports about an operator itself: at a binary operator, else at the node."""
        return self.loc(node.op_coord if isinstance(node, BinaryOp) else node)

    def binary(self, op: str, lhs: tast.Expr, rhs: tast.Expr, node) -> tast.Expr:
        at = self.operator_loc(node)
        loc = self.loc(node)
        lt, rt = lhs.type, rhs.type
        if op in ("+", "-") and (lt.is_pointer or rt.is_pointer):
            return self.pointer_arithmetic(op, lhs, rhs, node)
        if op in _COMPARE and (lt.is_pointer or rt.is_pointer):
            ordered = op not in ("==", "!=")
            if lt.is_integer or rt.is_integer:
                if not self.is_null_constant(rhs if rt.is_integer else lhs):
                    self.warn(f"{'ordered ' if ordered else ''}comparison between pointer and integer ('{lt}' and '{rt}')",
                              at, group=None if ordered else "pointer-integer-compare")
                if rt.is_integer:
                    rhs = self.convert(rhs, lt, True)
                else:
                    lhs = self.convert(lhs, rt, True)
            elif not (lt.is_pointer and rt.is_pointer):
                raise self.error(f"invalid operands to binary expression ('{lt}' and '{rt}')", at)
            elif lt.target.unqualified() != rt.target.unqualified() and (ordered or not (lt.target.is_void or rt.target.is_void)):
                self.warn(f"comparison of distinct pointer types ('{lt}' and '{rt}')", at, group="compare-distinct-pointer-types")
            if isinstance(lhs, tast.Const) and isinstance(rhs, tast.Const):
                return tast.Const(ctype.INT, loc, fold_compare(op, lhs.value, rhs.value))
            return tast.Binary(ctype.INT, loc, op, lhs, self.convert(rhs, lhs.type, True))
        if not (lt.is_arithmetic and rt.is_arithmetic):
            raise self.error(f"invalid operands to binary expression ('{lt}' and '{rt}')", at)
        if lt.is_float or rt.is_float:
            raise self.error("floating point is not supported by BPF", node, _NO_FLOAT)
        if op in _SHIFT:
            t = ctype.promote(lt)
            lhs, rhs = self.convert(lhs, t), self.convert(rhs, ctype.promote(rt))
            if isinstance(rhs, tast.Const) and not 0 <= rhs.value < t.bits:
                negative = rhs.value < 0
                self.warn(f"shift count {'is negative' if negative else '>= width of type'}", at,
                          group="shift-count-negative" if negative else "shift-count-overflow")
        else:
            t = ctype.usual_arithmetic(lt, rt)
            lhs, rhs = self.convert(lhs, t), self.convert(rhs, t)
        if isinstance(lhs, tast.Const) and isinstance(rhs, tast.Const):
            if op in _COMPARE:
                return tast.Const(ctype.INT, loc, fold_compare(op, lhs.value, rhs.value))
            folded = fold_binary(op, lhs.value, rhs.value, t)
            if folded is not None:
                return tast.Const(t, loc, folded)
            if op in ("/", "%"):
                self.warn(f"{'division' if op == '/' else 'remainder'} by zero is undefined", at, group="division-by-zero")
        elif op in ("/", "%") and isinstance(rhs, tast.Const) and rhs.value == 0:
            self.warn(f"{'division' if op == '/' else 'remainder'} by zero is undefined", at, group="division-by-zero")
        if op in _COMPARE:
            return tast.Binary(ctype.INT, loc, op, lhs, rhs)
        if op not in _ARITH | _BITWISE | _SHIFT:
            raise self.error(f"unsupported operator '{op}'", node)
        return tast.Binary(t, loc, op, lhs, rhs)

    def pointer_arithmetic(self, op: str, lhs: tast.Expr, rhs: tast.Expr, node) -> tast.Expr:
        at = self.operator_loc(node)
        loc = self.loc(node)
        lt, rt = lhs.type, rhs.type
        if lt.is_pointer and rt.is_pointer:
            if op != "-":
                raise self.error(f"invalid operands to binary expression ('{lt}' and '{rt}')", at)
            if lt.target.unqualified() != rt.target.unqualified():
                raise self.error(f"'{lt}' and '{rt}' are not pointers to compatible types", at)
            return tast.PtrDiff(ctype.LONG, loc, lhs, rhs, self.element_size(lt, at))
        if rt.is_pointer:
            if op == "-":
                raise self.error(f"invalid operands to binary expression ('{lt}' and '{rt}')", at)
            lhs, rhs = rhs, lhs
        if not rhs.type.is_integer:
            raise self.error(f"invalid operands to binary expression ('{lt}' and '{rt}')", at)
        self.element_size(lhs.type, at)
        index = self.convert(rhs, ctype.LONG)
        if op == "-":
            index = tast.Const(ctype.LONG, index.loc, ctype.LONG.wrap(-index.value)) if isinstance(index, tast.Const) \
                else tast.Unary(ctype.LONG, index.loc, "-", index)
        return tast.PtrAdd(lhs.type.unqualified(), loc, lhs, index)

    def element_size(self, ptr_type: PointerType, node) -> int:
        target = ptr_type.target
        if target.is_void or target.is_function:
            return 1  # GNU C: arithmetic on void * steps bytes
        if not target.complete:
            raise self.error(f"arithmetic on a pointer to an incomplete type '{target}'", node)
        return target.size

    def expr_Assignment(self, node: Assignment) -> tast.Expr:
        loc = self.loc(node.op_coord)  # as clang: diagnostics and debug location at the operator
        target = self.expression(node.lvalue, value=False)
        self.require_modifiable(target, loc)
        value = self.expression(node.rvalue)
        result_type = target.type.unqualified()
        if node.op == "=":
            if result_type.is_struct:
                if value.type != result_type:
                    raise self.error(f"assigning to '{result_type}' from incompatible type '{value.type}'", loc)
                return tast.Assign(result_type, loc, target, value)
            return tast.Assign(result_type, loc, target, self.convert(value, result_type, what=" assigning", at=loc))
        op = node.op[:-1]
        if result_type.is_pointer:
            if op not in ("+", "-") or not value.type.is_integer:
                raise self.error(f"invalid operands to compound assignment ('{target.type}' and '{value.type}')", loc)
            self.element_size(result_type, loc)
            index = self.convert(value, ctype.LONG)
            return tast.CompoundAssign(result_type, loc, op, target, index, ctype.LONG, pointer=True)
        if not (result_type.is_arithmetic and value.type.is_arithmetic):
            raise self.error(f"invalid operands to compound assignment ('{target.type}' and '{value.type}')", loc)
        if op in _SHIFT:
            op_type = ctype.promote(result_type)
            value = self.convert(value, ctype.promote(value.type))
        else:
            op_type = ctype.usual_arithmetic(result_type, value.type)
            value = self.convert(value, op_type)
        return tast.CompoundAssign(result_type, loc, op, target, value, op_type)

    def expr_TernaryOp(self, node: c_ast.TernaryOp) -> tast.Expr:
        cond = self.condition(node.cond)
        a = cond if node.iftrue is None else self.expression(node.iftrue)
        b = self.expression(node.iffalse)
        loc = self.loc(node)
        at, bt = a.type, b.type
        if at.is_arithmetic and bt.is_arithmetic:
            t = ctype.usual_arithmetic(at, bt)
        elif at.is_void and bt.is_void:
            t = ctype.VOID
        elif at.is_pointer and bt.is_pointer:
            if at.target.is_void or bt.target.is_void:
                t = ctype.pointer(ctype.VOID)
            else:
                t = at.unqualified()
        elif at.is_pointer and self.is_null_constant(b):
            t = at.unqualified()
        elif bt.is_pointer and self.is_null_constant(a):
            t = bt.unqualified()
        elif at.is_struct and at == bt:
            t = at.unqualified()
        else:
            raise self.error(f"incompatible operand types ('{at}' and '{bt}')", node)
        a = self.convert(a, t, explicit=True) if not t.is_struct else a
        b = self.convert(b, t, explicit=True) if not t.is_struct else b
        if isinstance(cond, tast.Const):
            return a if cond.value else b
        if node.iftrue is None:
            # `x ?: y`: x once, converted to the result type, is both the test and the value.
            return tast.Cond(t, loc, a, None, b)
        return tast.Cond(t, loc, cond, a, b)

    def expr_Cast(self, node: c_ast.Cast) -> tast.Expr:
        to = self.resolve_type(node.to_type)
        operand = self.expression(node.expr)
        if to.is_struct or to.is_array:
            raise self.error(f"used type '{to}' where arithmetic or pointer type is required", node)
        result = self.convert(operand, to, explicit=True)
        if result is operand and not to.is_void:
            return tast.Cast(to.unqualified(), self.loc(node), operand) if to.unqualified() != operand.type else operand
        return result

    def expr_ExprList(self, node: c_ast.ExprList) -> tast.Expr:
        exprs = [self.expression(e) for e in node.exprs]
        result = exprs[-1]
        for e in reversed(exprs[:-1]):
            result = tast.Comma(result.type, e.loc, e, result)
        return result

    def expr_ArrayRef(self, node: c_ast.ArrayRef) -> tast.Expr:
        base, index = self.expression(node.name), self.expression(node.subscript)
        if index.type.is_pointer and base.type.is_integer:
            base, index = index, base
        if not base.type.is_pointer:
            raise self.error("subscripted value is not an array or pointer", node)
        if not index.type.is_integer:
            raise self.error("array subscript is not an integer", node.subscript)
        ptr = self.pointer_arithmetic("+", base, index, node)
        ptr = tast.PtrAdd(ptr.type, ptr.loc, ptr.ptr, ptr.index, subscript=True)
        return tast.Deref(base.type.target, self.loc(node), ptr)

    def expr_StructRef(self, node: c_ast.StructRef) -> tast.Expr:
        base = self.expression(node.name, value=node.type == "->")
        if node.type == "->":
            if not (base.type.is_pointer and base.type.target.is_struct):
                raise self.error(f"member reference type '{base.type}' is not a pointer to a struct or union", node)
            base = tast.Deref(base.type.target, base.loc, base)
        elif not base.type.is_struct:
            raise self.error(f"member reference base type '{base.type}' is not a structure or union", node)
        return self.member(base, node.field.name, node.field)

    def member(self, base: tast.Expr, name: str, node) -> tast.Expr:
        st = base.type
        if not st.complete:
            raise self.error(f"incomplete definition of type '{st}'", node)
        path = st.defn.find(name)
        if path is None:
            raise self.error(f"no member named '{name}' in '{st}'", node)
        offset = sum(m.offset for m in path)
        last = path[-1]
        t = last.type.qualified(const=base.type.const, volatile=base.type.volatile)
        return tast.Member(t, self.loc(node), base, offset, last.bit_offset, last.bit_width, tuple(path))

    def expr_Compound(self, node: c_ast.Compound) -> tast.Expr:
        """GNU statement expression `({ …; value; })`; the value may be labelled (`out: value;`)."""
        loc = self.loc(node)
        self.push_scope()
        try:
            items = list(node.block_items or [])
            last = items[-1] if items else None
            labels = []
            while isinstance(last, c_ast.Label) and last.stmt is not None:
                labels.append(last)
                last = last.stmt
            value = None
            if isinstance(last, c_ast.Node) and self.is_expression_node(last):
                # The labels are placed just before the value is computed.
                items[-1:] = [c_ast.Label(label.name, c_ast.EmptyStatement(label.coord), label.coord) for label in labels]
                body = self.block_items(items, loc)
                value = self.expression(last)
            else:
                body = self.block_items(items, loc)
        finally:
            self.pop_scope()
        return tast.StmtExpr(value.type if value is not None else ctype.VOID, loc, body, value)

    @staticmethod
    def is_expression_node(node) -> bool:
        return not isinstance(node, (c_ast.Decl, c_ast.Compound, c_ast.If, c_ast.For, c_ast.While, c_ast.DoWhile,
                                     c_ast.Return, c_ast.Break, c_ast.Continue, c_ast.Goto, c_ast.Label,
                                     c_ast.Switch, c_ast.Case, c_ast.Default, c_ast.EmptyStatement, c_ast.Pragma,
                                     c_ast.StaticAssert, c_ast.DeclList, c_ast.Typedef)) and \
            type(node).__name__ not in ("Asm", "CaseRange", "LocalLabels")

    def expr_CompoundLiteral(self, node: c_ast.CompoundLiteral) -> tast.Expr:
        t = self.resolve_type(node.type)
        loc = self.loc(node)
        init = self.initializer(t, node.init)
        if t.is_array and t.length is None:
            t = self.completed_array_type(t, init)
        self.anon_counter += 1
        storage = "local" if self.function is not None else "static"
        var = tast.Variable(f"__compound_literal.{self.anon_counter}", t, loc, storage, init=init)
        if self.function is not None:
            self.function.locals.append(var)
        else:
            self.program.globals.append(var)
        return tast.CompoundLiteral(t, loc, var)

    def expr_FuncCall(self, node: c_ast.FuncCall) -> tast.Expr:
        loc = self.loc(node)
        args = list(node.args.exprs) if node.args is not None else []
        if isinstance(node.name, c_ast.ID):
            name = node.name.name
            sym = self.scope.lookup(name)
            if sym is None and self.is_builtin(name):
                return self.builtin_call(name, args, node)
            if name in _LIBRARY_BUILTINS and (sym is None or isinstance(sym, tast.Function) and sym.body is None):
                # As in clang, the C library's memory functions (and alloca, setjmp…) are
                # builtins unless defined here.
                return self.builtin_call(_LIBRARY_BUILTINS[name], args, node)
            if sym is None:
                raise self.error(f"call to undeclared function '{name}'; ISO C99 and later do not support implicit function declarations", node.name)
            if isinstance(sym, tast.Helper):
                checked = self.call_arguments(sym.type, args, node, name, helper=True)
                return tast.HelperCall(sym.type.ret.unqualified(), loc, sym, checked)
            if isinstance(sym, tast.Function):
                checked = self.call_arguments(sym.type, args, node, name)
                call = tast.Call(sym.type.ret.unqualified(), loc, sym, checked)
                if self.function is not None:
                    self.function.calls.append(call)
                return call
        callee = self.expression(node.name)
        if callee.type.is_pointer and callee.type.target.is_function:
            if isinstance(callee, tast.AddrOf) and isinstance(callee.operand, tast.FuncRef):
                self.function_refs.remove(callee.operand)  # `(&f)(x)` is a call, checked as one
                func = callee.operand.func
                checked = self.call_arguments(func.type, args, node, func.name)
                call = tast.Call(func.type.ret.unqualified(), loc, func, checked)
                if self.function is not None:
                    self.function.calls.append(call)
                return call
            raise self.error("calls through function pointers are not supported by BPF", node,
                             "call the function directly, dispatch with a switch, or use bpf_tail_call()")
        raise self.error(f"called object type '{callee.type}' is not a function or function pointer", node)

    def call_arguments(self, ftype, args, node, name: str, helper: bool = False) -> list[tast.Expr]:
        params = ftype.params
        if ftype.prototyped and (len(args) < len(params) or (len(args) > len(params) and not ftype.variadic)):
            few = "few" if len(args) < len(params) else "many"
            raise self.error(f"too {few} arguments to function call, expected {len(params)}, have {len(args)}", node)
        checked = []
        for i, a in enumerate(args):
            arg = self.expression(a)
            if arg.type.is_struct and helper:  # functions take structs as clang's BPF convention passes them
                raise self.error(f"passing a struct by value to '{name}'; BPF helpers take arguments in registers", a,
                                 "pass a pointer to the struct instead")
            if i < len(params):
                arg = self.convert(arg, params[i], what=f" passing argument {i + 1} of '{name}'")
            else:
                arg = self.convert(arg, ctype.promote(arg.type))
            checked.append(arg)
        return checked


def _conversion_message(problem: str, what: str, src: Type, to: Type) -> str:
    """clang's wording for an implicit conversion it warns about: `what` (" initializing",
    " passing argument 2 of 'f'"…) says where it happens, and so which type is named how."""
    context = what.split()[0] if what.strip() else ""
    if context == "initializing":
        return f"{problem} initializing '{to}' with an expression of type '{src}'"
    if context == "assigning":
        return f"{problem} assigning to '{to}' from '{src}'"
    if context == "returning":
        return f"{problem} returning '{src}' from a function with result type '{to}'"
    if context == "passing":
        return f"{problem} passing '{src}' to parameter of type '{to}'"
    return f"{problem}{what} ('{src}' to '{to}')"


def _same_unqualified(a: Type, b: Type) -> bool:
    """`a` is `b` without qualifiers (clang's hint to dereference or take the address)."""
    return a == b and not (a.const or a.volatile)


def _differ_in_sign(a: Type, b: Type) -> bool:
    """Two integer types of one rank but not one type: `int`/`unsigned int`, `char`/`signed char`."""
    return isinstance(a, IntType) and isinstance(b, IntType) and a.name == b.name and a.unqualified() != b.unqualified()
