"""Expressions → LLVM values.

`value(e)` gives a scalar's value, or for a struct the address of its storage;
`address(e)` gives an lvalue's address; `truth(e)` gives an i1 for conditions.
"""
from __future__ import annotations

from llvmlite import ir

from .. import ctype, tast
from .debuginfo import DebugInfo
from .types import (I1, I8, I64, PTR, REGISTER_PAIR, core_bitfield_unit, core_element, core_record, lltype,
                    passed_as)

_ATOMIC_ACCESS = ("atomic_load", "atomic_store")  # the other atomic_* builtins read, modify and write
# BPF_FIELD_BYTE_OFFSET, _BYTE_SIZE, _LSHIFT_U64, _RSHIFT_U64: the backend works these out from a
# bit-field's storage unit.
_BITFIELD_UNIT_KINDS = (0, 1, 4, 5)
_SIGNED_PRED = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}


class ExpressionLowerer:
    # ---- entry points --------------------------------------------------------

    def value(self, e: tast.Expr) -> ir.Value:
        with self.at(e.loc):
            return getattr(self, f"v_{type(e).__name__}")(e)

    def address(self, e: tast.Expr) -> ir.Value:
        with self.at(e.loc):
            return getattr(self, f"a_{type(e).__name__}")(e)

    def truth(self, e: tast.Expr) -> ir.Value:
        """An i1 that is true when the scalar `e` is non-zero."""
        with self.at(e.loc):
            if isinstance(e, tast.Binary) and e.op in _SIGNED_PRED:
                return self.compare(e)
            if isinstance(e, tast.Unary) and e.op == "!":
                return self.builder.not_(self.truth(e.operand))
            if isinstance(e, tast.Logical):
                return self.logical(e)
            v = self.value(e)
            return self.builder.icmp_unsigned("!=", v, ir.Constant(v.type, None))

    def effect(self, e: tast.Expr) -> None:
        """Evaluate `e` for its side effects only, its value unused.

        An atomic read-modify-write whose result nobody reads gets BPF's non-fetching
        instruction (`lock *p += v`), as clang-19 gives it: LLVM picks that one for relaxed
        atomics, and only them."""
        with self.at(e.loc):
            if isinstance(e, tast.Builtin) and e.name.startswith("atomic_") and e.name not in _ATOMIC_ACCESS:
                self.atomic_rmw(e, used=False)
            elif isinstance(e, tast.Cast) and e.type.is_void:
                self.effect(e.operand)
            elif isinstance(e, tast.Comma):
                self.effect(e.lhs)
                self.effect(e.rhs)
            else:
                self.value(e)

    # ---- addresses -----------------------------------------------------------

    def a_Var(self, e: tast.Var) -> ir.Value:
        if e.var in self.slots:
            return self.slots[e.var]
        if e.var in self.ml.globals:
            return self.ml.globals[e.var]
        raise AssertionError(f"variable {e.var.name} has no storage")

    def a_Deref(self, e: tast.Deref) -> ir.Value:
        return self.value(e.ptr)

    def a_Member(self, e: tast.Member) -> ir.Value:
        base = self.address(e.base) if self.is_lvalue(e.base) else self.value(e.base)
        # A bit-field only when the backend's storage unit is the one bpfcc loads.
        if self.relocatable(e) and (e.bit_width is None or core_bitfield_unit(*self.innermost(e)) == e.path[-1].offset):
            return self.core_member(base, e)
        return self.offset(base, e.offset)

    @staticmethod
    def innermost(e: tast.Member) -> tuple[ctype.StructDef, ctype.Member]:
        """The member reached, and the record it is in (an anonymous one, perhaps)."""
        container = e.path[-2].type if len(e.path) > 1 else e.base.type
        return container.defn, e.path[-1]

    def relocatable(self, e: tast.Member) -> bool:
        """A CO-RE access: to a `preserve_access_index` record or within __builtin_preserve_access_index,
        with debug info to name the members (without -g clang, too, reaches them by offset)."""
        return bool(e.path) and isinstance(self.ml.debug, DebugInfo) and (
            self.core_region or "preserve_access_index" in e.base.type.defn.attributes)

    def relocatable_subscript(self, e: tast.PtrAdd) -> bool:
        """As clang: a constant subscript of an array member reached by CO-RE, or of a pointer to
        records (a CO-RE record's variable, or any within __builtin_preserve_access_index)."""
        if not (e.subscript and isinstance(e.index, tast.Const) and 0 <= e.index.value < 1 << 31
                and isinstance(self.ml.debug, DebugInfo)):
            return False
        base = e.ptr
        if isinstance(base, tast.AddrOf) and isinstance(base.operand, tast.Member):
            member = base.operand
            return member.type.is_array and member.bit_width is None and self.relocatable(member)
        if isinstance(base, tast.AddrOf) and isinstance(base.operand, tast.Deref):  # a row: `a[2][1]`
            row = base.operand.ptr
            return self.core_region and isinstance(row, tast.PtrAdd) and self.relocatable_subscript(row)
        target = base.type.target
        if not target.is_struct or not target.complete:
            return False
        return self.core_region or (isinstance(base, tast.Var) and "preserve_access_index" in target.defn.attributes)

    def core_subscript(self, e: tast.PtrAdd) -> ir.Value:
        index = e.index.value
        if isinstance(e.ptr, tast.AddrOf):  # an array member or row: dimension 1 of the array's own type
            array = e.ptr.operand.type
            return self.builder.array_access(self.value(e.ptr), core_element(array), 1, index, self.ml.debug.type(array))
        return self.builder.array_access(self.value(e.ptr), core_element(e.ptr.type.target), 0, index,
                                         self.ml.debug.type(e.ptr.type))

    def core_member(self, base: ir.Value, e: tast.Member) -> ir.Value:
        """One relocatable access per member on the way, anonymous ones included, as clang emits."""
        debug = self.ml.debug
        addr, t = base, e.base.type
        for member in e.path:
            index = debug.member_index(t.defn, member)
            if t.is_union:
                addr = self.builder.union_access(addr, index, debug.type(t))
            else:
                element_type, fields = core_record(t.defn)
                addr = self.builder.struct_access(addr, element_type, fields[member.offset], index, debug.type(t))
            t = member.type
        return addr

    def a_StringLit(self, e: tast.StringLit) -> ir.Value:
        return self.ml.string(e.data, e.loc)

    def a_CompoundLiteral(self, e: tast.CompoundLiteral) -> ir.Value:
        if e.var in self.ml.globals:
            return self.ml.globals[e.var]
        slot = self.alloca(e.type, "compoundliteral")
        self.slots[e.var] = slot
        self.initialize(slot, e.var.type, e.var.init)
        return slot

    def a_FuncRef(self, e: tast.FuncRef) -> ir.Value:
        return self.ml.functions[e.func]

    def a_StmtExpr(self, e: tast.StmtExpr) -> ir.Value:
        return self.value(e)

    def a_Cond(self, e: tast.Cond) -> ir.Value:
        return self.value(e)

    def a_Assign(self, e: tast.Assign) -> ir.Value:
        return self.value(e)

    def a_Comma(self, e: tast.Comma) -> ir.Value:
        self.value(e.lhs)
        return self.address(e.rhs)

    @staticmethod
    def is_lvalue(e: tast.Expr) -> bool:
        return isinstance(e, (tast.Var, tast.Deref, tast.Member, tast.StringLit, tast.CompoundLiteral))

    def offset(self, base: ir.Value, offset: int) -> ir.Value:
        if offset == 0:
            return base
        return self.builder.gep(base, [ir.Constant(I64, offset)], inbounds=True, source_etype=I8)

    # ---- loads and stores ----------------------------------------------------

    def load(self, addr: ir.Value, t: ctype.Type, align: int | None = None) -> ir.Value:
        if t.is_struct or t.is_array:
            return addr
        if t.is_void:  # `*p;` with p a void pointer reads nothing
            return None
        return self.builder.load(addr, typ=lltype(t), align=align or t.align, volatile=t.volatile)

    def store(self, value: ir.Value, addr: ir.Value, t: ctype.Type, align: int | None = None) -> None:
        """A store; a struct or array is copied from the address `value`, in units of `align`
        (both places are aligned so), as clang copies it."""
        if t.is_struct or t.is_array:
            self.builder.memory_intrinsic("memcpy", addr, value, t.size, volatile=t.volatile, align=align or t.align)
            return
        self.builder.store(value, addr, align=align or t.align, volatile=t.volatile)

    def known_align(self, e: tast.Expr) -> int:
        """The alignment the object `e` designates is known to have: its type's, less for a member
        of a packed struct (a member is as aligned as its struct and its offset allow)."""
        if isinstance(e, tast.Member) and e.base.type.is_struct:
            return aligned_at(min(self.known_align(e.base), e.base.type.align), e.offset, e.type)
        if isinstance(e, tast.Deref):  # `a[i]` of an array in a packed struct, too
            return min(e.type.align, self.pointer_align(e.ptr))
        return e.type.align

    def pointer_align(self, p: tast.Expr) -> int:
        """What a pointer value is known to be aligned to, through `&lvalue`, array decay and `+ i`."""
        if isinstance(p, tast.AddrOf):
            return self.known_align(p.operand)
        if isinstance(p, tast.PtrAdd):
            step = self.pointee_size(p.ptr.type)
            offset = p.index.value * step if isinstance(p.index, tast.Const) else step
            return aligned_at(self.pointer_align(p.ptr), offset, None)
        target = p.type.target if p.type.is_pointer else None
        return target.align if target is not None and target.complete else 1

    def read_lvalue(self, e: tast.Expr) -> ir.Value:
        if isinstance(e, tast.Member) and e.bit_width is not None:
            return self.load_bitfield(e)
        return self.load(self.address(e), e.type, self.known_align(e))

    def write_lvalue(self, e: tast.Expr, value: ir.Value) -> ir.Value:
        """Store and return the value the assignment expression has."""
        if isinstance(e, tast.Member) and e.bit_width is not None:
            return self.store_bitfield(e, value)
        self.store(value, self.address(e), e.type, self.known_align(e))
        return value

    def load_bitfield(self, e: tast.Member) -> ir.Value:
        t = e.type
        unit = self.builder.load(self.address(e), typ=lltype(t), align=1, volatile=t.volatile)
        bits = t.size * 8
        # Shift the field to the top, then back down: arithmetic for signed fields.
        up = self.builder.shl(unit, ir.Constant(unit.type, bits - e.bit_offset - e.bit_width))
        down = ir.Constant(unit.type, bits - e.bit_width)
        return self.builder.ashr(up, down) if t.signed and t.name != "_Bool" else self.builder.lshr(up, down)

    def store_bitfield(self, e: tast.Member, value: ir.Value) -> ir.Value:
        return self.store_bitfield_at(self.address(e), e.type, e.bit_offset, e.bit_width, value)

    def store_bitfield_at(self, addr: ir.Value, t: ctype.IntType, bit_offset: int, width: int, value: ir.Value) -> ir.Value:
        """Read-modify-write the storage unit; returns the field's new value, as C's assignment does."""
        unit = self.builder.load(addr, typ=lltype(t), align=1, volatile=t.volatile)
        mask = ((1 << width) - 1) << bit_offset
        field = self.builder.and_(self.builder.shl(value, ir.Constant(value.type, bit_offset)), ir.Constant(value.type, mask))
        kept = self.builder.and_(unit, ir.Constant(unit.type, ~mask & ((1 << (t.size * 8)) - 1)))
        self.builder.store(self.builder.or_(kept, field), addr, align=1, volatile=t.volatile)
        bits = t.size * 8
        up = self.builder.shl(value, ir.Constant(value.type, bits - width))
        down = ir.Constant(value.type, bits - width)
        return self.builder.ashr(up, down) if t.signed and t.name != "_Bool" else self.builder.lshr(up, down)

    # ---- rvalues -------------------------------------------------------------

    def v_Const(self, e: tast.Const) -> ir.Value:
        if e.type.is_pointer:
            return ir.Constant(PTR, None) if e.value == 0 else ir.Constant(I64, e.value).inttoptr(PTR)
        return ir.Constant(lltype(e.type), e.value & ((1 << (e.type.size * 8)) - 1))

    def v_Var(self, e: tast.Var) -> ir.Value:
        return self.load(self.a_Var(e), e.type)

    def v_Deref(self, e: tast.Deref) -> ir.Value:
        return self.load(self.value(e.ptr), e.type, self.known_align(e))

    def v_Member(self, e: tast.Member) -> ir.Value:
        return self.read_lvalue(e)

    def v_StringLit(self, e: tast.StringLit) -> ir.Value:
        return self.ml.string(e.data, e.loc)

    def v_CompoundLiteral(self, e: tast.CompoundLiteral) -> ir.Value:
        return self.load(self.a_CompoundLiteral(e), e.type)

    def v_FuncRef(self, e: tast.FuncRef) -> ir.Value:
        return self.ml.functions[e.func]

    def v_AddrOf(self, e: tast.AddrOf) -> ir.Value:
        return self.address(e.operand)

    def v_Cast(self, e: tast.Cast) -> ir.Value:
        to, src = e.type, e.operand.type
        if to.is_void:
            self.effect(e.operand)
            return None
        if isinstance(to, ctype.IntType) and to.name == "_Bool":
            return self.builder.zext(self.truth(e.operand), I8)
        v = self.value(e.operand)
        if to.is_pointer:
            if src.is_pointer:
                return v
            return self.builder.int_to_pointer(self.int_cast(v, I64, src.signed))
        if src.is_pointer:
            return self.int_cast(self.builder.ptrtoint(v, I64), lltype(to), False)
        return self.int_cast(v, lltype(to), src.signed)

    def int_cast(self, v: ir.Value, to: ir.IntType, signed: bool) -> ir.Value:
        if v.type.width == to.width:
            return v
        if v.type.width > to.width:
            return self.builder.trunc(v, to)
        return self.builder.sext(v, to) if signed else self.builder.zext(v, to)

    def v_Unary(self, e: tast.Unary) -> ir.Value:
        if e.op == "!":
            return self.builder.zext(self.builder.not_(self.truth(e.operand)), lltype(e.type))
        v = self.value(e.operand)
        if e.op == "-":
            return self.builder.neg(v)
        return self.builder.not_(v)

    def v_Binary(self, e: tast.Binary) -> ir.Value:
        if e.op in _SIGNED_PRED:
            return self.builder.zext(self.compare(e), lltype(e.type))
        a, b = self.value(e.lhs), self.value(e.rhs)
        signed = e.type.signed
        b_ = self.builder
        op = e.op
        if op == "+":
            return b_.add(a, b, flags=["nsw"] if signed else [])
        if op == "-":
            return b_.sub(a, b, flags=["nsw"] if signed else [])
        if op == "*":
            return b_.mul(a, b, flags=["nsw"] if signed else [])
        if op in ("/", "%"):
            if signed:
                return b_.signed_divide(op, a, b)
            return b_.udiv(a, b) if op == "/" else b_.urem(a, b)
        if op in ("<<", ">>"):
            b = self.int_cast(b, a.type, e.rhs.type.signed)
            if op == "<<":
                return b_.shl(a, b)
            return b_.ashr(a, b) if signed else b_.lshr(a, b)
        return {"&": b_.and_, "|": b_.or_, "^": b_.xor}[op](a, b)

    def compare(self, e: tast.Binary) -> ir.Value:
        a, b = self.value(e.lhs), self.value(e.rhs)
        t = e.lhs.type
        if t.is_integer and t.signed:
            return self.builder.icmp_signed(e.op, a, b)
        return self.builder.icmp_unsigned(e.op, a, b)

    def v_PtrAdd(self, e: tast.PtrAdd) -> ir.Value:
        if self.relocatable_subscript(e):
            return self.core_subscript(e)
        ptr, index = self.value(e.ptr), self.value(e.index)
        target = e.ptr.type.target
        size = target.size if target.complete and not target.is_void else 1
        if isinstance(index, ir.Constant):
            steps = index.constant - (1 << 64) if index.constant >= 1 << 63 else index.constant
            return self.offset(ptr, steps * size)
        scaled = index if size == 1 else self.builder.mul(index, ir.Constant(I64, size), flags=["nsw"])
        return self.builder.gep(ptr, [scaled], inbounds=True, source_etype=I8)

    def v_PtrDiff(self, e: tast.PtrDiff) -> ir.Value:
        a = self.builder.ptrtoint(self.value(e.lhs), I64)
        b = self.builder.ptrtoint(self.value(e.rhs), I64)
        diff = self.builder.sub(a, b)
        if e.elem_size == 1:
            return diff
        return self.builder.sdiv(diff, ir.Constant(I64, e.elem_size), flags=["exact"]) if self.builder.has_sdiv or \
            e.elem_size & (e.elem_size - 1) == 0 else self.builder.signed_divide("/", diff, ir.Constant(I64, e.elem_size))

    def v_Logical(self, e: tast.Logical) -> ir.Value:
        return self.builder.zext(self.logical(e), lltype(e.type))

    def logical(self, e: tast.Logical) -> ir.Value:
        lhs = self.truth(e.lhs)
        lhs_block = self.builder.block
        rhs_block = self.new_block("land.rhs" if e.op == "&&" else "lor.rhs")
        end = self.new_block("land.end" if e.op == "&&" else "lor.end")
        if e.op == "&&":
            self.builder.cbranch(lhs, rhs_block, end)
        else:
            self.builder.cbranch(lhs, end, rhs_block)
        self.start(rhs_block)
        rhs = self.truth(e.rhs)
        rhs_end = self.builder.block
        self.builder.branch(end)
        self.start(end)
        phi = self.builder.phi(I1)
        phi.add_incoming(ir.Constant(I1, e.op == "||"), lhs_block)
        phi.add_incoming(rhs, rhs_end)
        return phi

    def v_Cond(self, e: tast.Cond) -> ir.Value:
        if e.then is None:
            return self.elvis(e)
        cond = self.truth(e.cond)
        then_block, else_block, end = self.new_block("cond.true"), self.new_block("cond.false"), self.new_block("cond.end")
        self.builder.cbranch(cond, then_block, else_block)
        self.start(then_block)
        a = self.value(e.then)
        a_end = self.builder.block
        self.branch_to(end)
        self.start(else_block)
        b = self.value(e.other)
        b_end = self.builder.block
        self.branch_to(end)
        self.start(end)
        if e.type.is_void:
            return None
        phi = self.builder.phi(a.type)
        phi.add_incoming(a, a_end)
        phi.add_incoming(b, b_end)
        return phi

    def elvis(self, e: tast.Cond) -> ir.Value:
        """`x ?: y` with x already converted to the result type: x is evaluated once."""
        x = self.value(e.cond)
        x_block = self.builder.block
        zero = ir.Constant(x.type, None)
        else_block, end = self.new_block("elvis.false"), self.new_block("elvis.end")
        self.builder.cbranch(self.builder.icmp_unsigned("!=", x, zero), end, else_block)
        self.start(else_block)
        y = self.value(e.other)
        y_end = self.builder.block
        self.branch_to(end)
        self.start(end)
        phi = self.builder.phi(x.type)
        phi.add_incoming(x, x_block)
        phi.add_incoming(y, y_end)
        return phi

    def v_Assign(self, e: tast.Assign) -> ir.Value:
        value = self.value(e.value)
        if e.type.is_struct:
            addr = self.address(e.target)
            self.store(value, addr, e.target.type, min(self.known_align(e.target), self.known_align(e.value)))
            return addr
        return self.write_lvalue(e.target, value)

    def v_CompoundAssign(self, e: tast.CompoundAssign) -> ir.Value:
        rhs = self.value(e.value)
        if isinstance(e.target, tast.Member) and e.target.bit_width is not None:
            old = self.read_lvalue(e.target)
            addr = None
        else:
            addr = self.address(e.target)
            old = self.load(addr, e.target.type, self.known_align(e.target))
        if e.pointer:
            size = self.pointee_size(e.type)
            if e.op == "-":
                rhs = self.builder.neg(rhs)
            new = self.builder.gep(old, [self.builder.mul(rhs, ir.Constant(I64, size))], inbounds=True, source_etype=I8)
        else:
            wide = self.int_cast(old, lltype(e.op_type), e.target.type.signed)
            combined = self.combine(e.op, wide, rhs, e.op_type, e.value.type)
            new = self.int_cast(combined, lltype(e.type), e.op_type.signed)
            if isinstance(e.type, ctype.IntType) and e.type.name == "_Bool":
                new = self.builder.zext(self.builder.icmp_unsigned("!=", combined, ir.Constant(combined.type, 0)), I8)
        if addr is None:
            return self.store_bitfield(e.target, new)
        self.store(new, addr, e.target.type, self.known_align(e.target))
        return new

    def combine(self, op: str, a: ir.Value, b: ir.Value, t: ctype.IntType, rhs_type) -> ir.Value:
        bld = self.builder
        if op in ("/", "%"):
            return bld.signed_divide(op, a, b) if t.signed else (bld.udiv(a, b) if op == "/" else bld.urem(a, b))
        if op in ("<<", ">>"):
            b = self.int_cast(b, a.type, rhs_type.signed)
            return bld.shl(a, b) if op == "<<" else (bld.ashr(a, b) if t.signed else bld.lshr(a, b))
        if op in ("+", "-", "*"):  # signed overflow is undefined, as in v_Binary
            return {"+": bld.add, "-": bld.sub, "*": bld.mul}[op](a, b, flags=["nsw"] if t.signed else [])
        return {"&": bld.and_, "|": bld.or_, "^": bld.xor}[op](a, b)

    @staticmethod
    def pointee_size(t: ctype.PointerType) -> int:
        target = t.target
        return target.size if target.complete and not target.is_void else 1

    def v_IncDec(self, e: tast.IncDec) -> ir.Value:
        t = e.target.type
        if isinstance(e.target, tast.Member) and e.target.bit_width is not None:
            old = self.read_lvalue(e.target)
            new = self.builder.add(old, ir.Constant(old.type, e.delta))
            stored = self.store_bitfield(e.target, new)
            return stored if e.prefix else old
        addr = self.address(e.target)
        old = self.load(addr, t, self.known_align(e.target))
        if t.is_pointer:
            new = self.offset(old, e.delta * self.pointee_size(t))
        elif isinstance(t, ctype.IntType) and t.name == "_Bool":
            new = ir.Constant(I8, 1) if e.delta > 0 else self.builder.zext(
                self.builder.icmp_unsigned("==", old, ir.Constant(I8, 0)), I8)
        else:
            # `i++` on an int or long cannot overflow in a defined program (narrower types are
            # promoted first): nsw, as clang gives it, lets SCEV count the loop's trips.
            nsw = t.signed and t.size >= ctype.INT.size
            new = self.builder.add(old, ir.Constant(old.type, e.delta & ((1 << old.type.width) - 1)),
                                   flags=["nsw"] if nsw else [])
        self.store(new, addr, t, self.known_align(e.target))
        return new if e.prefix else old

    def v_Comma(self, e: tast.Comma) -> ir.Value:
        self.effect(e.lhs)
        return self.value(e.rhs)

    def v_StmtExpr(self, e: tast.StmtExpr) -> ir.Value:
        self.statement(e.body)
        return self.value(e.value) if e.value is not None else None

    def v_Call(self, e: tast.Call) -> ir.Value:
        args = []
        for a in e.args:
            value = self.value(a)
            if a.type.is_struct:
                value = self.struct_argument(value, a.type)
            if value is not None:
                args.append(value)
        callee = self.ml.functions[e.func]
        if e.type.is_struct:  # the callee writes the struct it returns to storage of ours
            result = self.alloca(e.type, "result")
            call = self.builder.call(callee, [result, *args])
        else:
            result = call = self.builder.call(callee, args)
        if e.func.symbol in self.ml.lowered.large_struct_params:
            self.builder.tag_source(call)  # optimize reports the call if it is not inlined
        return result

    def struct_argument(self, addr: ir.Value, t: ctype.Type) -> ir.Value | None:
        """A struct argument as clang's BPF convention passes it (types.passed_as)."""
        kind = passed_as(t)
        if kind is None:
            return None
        if kind == PTR:  # the callee gets a copy of its own
            copy = self.alloca(t, "byval")
            self.builder.memory_intrinsic("memcpy", copy, addr, t.size, align=t.align)
            return copy
        if kind == REGISTER_PAIR and t.size < 16:  # loaded whole, so from a 16-byte copy
            copy = self.alloca(t, "pair", size=16)
            self.builder.memory_intrinsic("memcpy", copy, addr, t.size, align=t.align)
            addr = copy
        return self.builder.load(addr, typ=kind, align=t.align)

    def v_HelperCall(self, e: tast.HelperCall) -> ir.Value:
        args = [self.value(a) for a in e.args]
        fnty = ir.FunctionType(lltype(e.helper.type.ret), [a.type for a in args])
        return self.builder.helper_call(e.helper.id, fnty, args)

    def v_Builtin(self, e: tast.Builtin) -> ir.Value:
        bld = self.builder
        name = e.name
        if name == "is_constant":
            x = self.value(e.args[0])
            fn = self.module.declare_intrinsic("llvm.is.constant", [x.type], ir.FunctionType(I1, [x.type]))
            return bld.zext(bld.call(fn, [x]), lltype(e.type))
        if name == "expect":
            return self.value(e.args[0])
        if name == "assume":
            fn = self.module.declare_intrinsic("llvm.assume", [], ir.FunctionType(ir.VoidType(), [I1]))
            bld.call(fn, [self.truth(e.args[0])])
            return None
        if name == "unreachable":
            bld.unreachable()
            self.continue_after_jump()
            return None
        if name == "bswap":
            return bld.bswap(self.value(e.args[0]))
        if name in ("ctlz", "cttz", "ctpop", "ffs", "parity"):
            return self.int_cast(self.bit_count(name, self.value(e.args[0])), lltype(e.type), False)
        if name in ("memcpy", "memmove", "memset"):
            dst = self.value(e.args[0])
            src_align = pointee_align(e.args[1]) if name != "memset" else None
            bld.memory_intrinsic(name, dst, self.value(e.args[1]), e.args[2].value,
                                 align=pointee_align(e.args[0]), src_align=src_align)
            return dst
        if name == "memcmp":
            return self.memcmp(self.value(e.args[0]), self.value(e.args[1]), e.args[2].value)
        if name.startswith("atomic_") and name not in _ATOMIC_ACCESS:
            return self.atomic_rmw(e, used=True)
        if name in ("cmpxchg_val", "cmpxchg_bool"):
            ptr, old, new = (self.value(a) for a in e.args)
            pair = bld.cmpxchg(ptr, old, new, "seq_cst", "seq_cst")
            if name == "cmpxchg_val":
                return bld.extract_value(pair, 0)
            return bld.zext(bld.extract_value(pair, 1), I8)
        if name == "cmpxchg_expected":
            ptr, expected_ptr, new = (self.value(a) for a in e.args)
            t = lltype(e.args[0].type.target)
            expected = bld.load(expected_ptr, typ=t)
            pair = bld.cmpxchg(ptr, expected, new, "seq_cst", "seq_cst")
            bld.store(bld.extract_value(pair, 0), expected_ptr)
            return bld.zext(bld.extract_value(pair, 1), I8)
        if name == "atomic_load":
            return bld.atomic_load(self.value(e.args[0]), lltype(e.type), e.args[1].value, e.type.size)
        if name == "atomic_store":
            bld.atomic_store(self.value(e.args[1]), self.value(e.args[0]), e.args[2].value, e.args[1].type.size)
            return None
        if name == "preserve_access_index":
            outer, self.core_region = self.core_region, True
            try:
                return self.value(e.args[0])
            finally:
                self.core_region = outer
        if name == "preserve_field_info":
            subject, kind = e.args
            if isinstance(subject, tast.Member) and subject.bit_width is not None and kind.value in _BITFIELD_UNIT_KINDS \
                    and core_bitfield_unit(*self.innermost(subject)) is None:
                defn, member = self.innermost(subject)
                raise self.ml.error(f"bit-field '{member.name}' cannot be relocated: LLVM's BPF backend needs it inside "
                                    f"one {min(defn.align, 8)}-byte unit (its record's alignment)", e.loc)
            outer, self.core_region = self.core_region, True
            try:
                if isinstance(subject, tast.Member):  # a bit-field too, which a plain access is not
                    base = self.address(subject.base) if self.is_lvalue(subject.base) else self.value(subject.base)
                    address = self.core_member(base, subject)
                else:
                    address = self.address(subject)
            finally:
                self.core_region = outer
            return bld.field_info(address, kind.value)
        if name == "preserve_type_info":
            subject, kind = e.args
            return bld.type_info(next(self.ml.core_sequence), kind.value, self.ml.debug.type(subject.type))
        if name == "preserve_enum_value":
            value, kind = e.args
            enumerator = next(n for n, v in value.type.enum.enumerators if v == value.value)
            return bld.enum_value(next(self.ml.core_sequence), enumerator, value.value, kind.value,
                                  self.ml.debug.type(value.type))
        if name == "btf_type_id":
            subject, kind = e.args
            return bld.btf_type_id(next(self.ml.core_sequence), kind.value, self.ml.debug.type(subject.type))
        if name == "signal_fence":
            bld.compiler_barrier()
            return None
        raise AssertionError(f"builtin {name} not lowered")

    def atomic_rmw(self, e: tast.Builtin, used: bool) -> ir.Value | None:
        """`atomic_<op>` returns the old value, `atomic_<op>_fetch` the new one.

        LLVM's BPF back end turns a relaxed (monotonic) add, or a 32-bit and/or/xor, into the
        non-fetching instruction even when its result is used, so relaxed is for unused results
        only; any stronger order gives the fetching instruction, fully ordered in BPF."""
        op, new_value = e.name[len("atomic_"):].removesuffix("_fetch"), e.name.endswith("_fetch")
        ptr, val = self.value(e.args[0]), self.value(e.args[1])
        old = self.builder.atomic_rmw(op, ptr, val, "seq_cst" if used or op == "xchg" else "monotonic")
        if not new_value:
            return old
        return {"add": self.builder.add, "sub": self.builder.sub, "or": self.builder.or_,
                "and": self.builder.and_, "xor": self.builder.xor}[op](old, val)

    def bit_count(self, name: str, x: ir.Value) -> ir.Value:
        bld = self.builder
        if name in ("ctlz", "cttz"):
            # llvmlite declares ctlz/cttz with their i1 operand only when given both types.
            fn = self.module.declare_intrinsic(f"llvm.{name}", [x.type, I1])
            return bld.call(fn, [x, ir.Constant(I1, 1)])  # undefined for 0, as in C
        pop = bld.call(self.module.declare_intrinsic("llvm.ctpop", [x.type]), [x])
        if name == "ctpop":
            return pop
        if name == "parity":
            return bld.and_(pop, ir.Constant(x.type, 1))
        # ffs: one plus the index of the least significant set bit, 0 for 0.
        tz = bld.call(self.module.declare_intrinsic("llvm.cttz", [x.type, I1]), [x, ir.Constant(I1, 0)])
        return bld.select(bld.icmp_unsigned("==", x, ir.Constant(x.type, 0)), ir.Constant(x.type, 0),
                          bld.add(tz, ir.Constant(x.type, 1)))

    def memcmp(self, a: ir.Value, b: ir.Value, size: int) -> ir.Value:
        """`memcmp(a, b, size)` for a constant size.  When optimising, LLVM's code generator
        expands a call to memcmp into word loads and compares, as it does for clang; at -O0 it
        does not, so compare byte by byte: the result is the first differing byte's difference."""
        bld = self.builder
        if self.ml.options.opt_level > 0:
            return bld.memcmp(a, b, size)
        result = ir.Constant(ir.IntType(32), 0)
        for i in reversed(range(size)):
            x = bld.zext(bld.load(self.offset(a, i), typ=I8, align=1), ir.IntType(32))
            y = bld.zext(bld.load(self.offset(b, i), typ=I8, align=1), ir.IntType(32))
            diff = bld.sub(x, y)
            result = bld.select(bld.icmp_unsigned("!=", x, y), diff, result)
        return result


def aligned_at(align: int, offset: int, t: ctype.Type | None) -> int:
    """The alignment of an object (of type `t`, if given) `offset` bytes into an `align`-aligned one."""
    at = align if offset == 0 else min(align, offset & -offset)
    return min(at, t.align) if t is not None else at


def pointee_align(e: tast.Expr) -> int:
    """The alignment a memory builtin may assume for a pointer argument: its pointee's, looking
    through pointer casts such as the conversion to `void *`, as clang does."""
    while isinstance(e, tast.Cast) and e.operand.type.is_pointer:
        e = e.operand
    target = e.type.target if e.type.is_pointer else None
    return target.align if target is not None and target.complete and not (target.is_void or target.is_function) else 1
