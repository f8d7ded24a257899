"""Initialisers: braces, designators (including GNU `[a ... b]`) and brace elision
resolved into one `tast.InitList` tree whose leaves are converted scalars."""
from __future__ import annotations

from pycparser import c_ast

from .. import ctype, tast
from ..parse import RangeDesignator


class InitializerChecker:
    def initializer(self, t: ctype.Type, node, at: tast.Location | None = None) -> tast.Init:
        """The initialiser `node` for type t; an unbraced one's conversion is reported at `at`."""
        if isinstance(node, c_ast.InitList):
            return self.braced(t, node)
        if t.is_array:
            expr = self.expression(node, value=False)
            if isinstance(expr, tast.StringLit) and self.is_char_array(t):
                return self.string_init(t, expr, node)
            raise self.error(f"array initializer must be an initializer list{' or string literal' if self.is_char_array(t) else ''}", node)
        expr = self.expression(node)
        if t.is_struct:
            if expr.type != t.unqualified():
                raise self.error(f"initializing '{t}' with an expression of incompatible type '{expr.type}'", at or node)
            return expr
        return self.convert(expr, t, what=" initializing", at=at)

    @staticmethod
    def is_char_array(t) -> bool:
        return t.is_array and t.elem.is_integer and t.elem.size == 1

    def string_init(self, t, lit: tast.StringLit, node) -> tast.StringLit:
        if t.length is not None and len(lit.data) > t.length:
            raise self.error(f"initializer-string for char array is too long ({len(lit.data)} bytes for {t.length})", node)
        return lit

    def braced(self, t, node: c_ast.InitList) -> tast.Init:
        items = list(node.exprs)
        loc = self.loc(node)
        if t.is_scalar:
            if not items:
                return self.convert(tast.Const(ctype.INT, loc, 0), t, explicit=True)
            if len(items) > 1:
                self.warn("excess elements in scalar initializer", items[1], group="excess-initializers")
            return self.initializer(t, items[0])
        if self.is_char_array(t) and len(items) == 1 and isinstance(items[0], c_ast.Constant) and items[0].type == "string":
            return self.initializer(t, items[0])
        if not (t.is_array or t.is_struct):
            raise self.error(f"cannot initialize a value of type '{t}' with an initializer list", node)
        result = tast.InitList(t, loc)
        self.fill(result, items, 0, braced=True)
        return result

    def slots(self, t) -> int | None:
        """How many positional initialisers an aggregate takes (None: unbounded array)."""
        if t.is_array:
            return t.length
        if t.is_struct and t.is_union:
            return 1
        return len(t.defn.members)

    def slot_type(self, t, index: int):
        if t.is_array:
            return t.elem
        return t.defn.members[index].type

    def skippable(self, t, index: int) -> bool:
        """Unnamed bit-fields take no initialiser."""
        return t.is_struct and t.defn.members[index].name is None and t.defn.members[index].bit_width is not None

    def fill(self, out: tast.InitList, items: list, i: int, braced: bool, index: int = 0) -> int:
        """Initialise `out` from items[i:], from slot `index` on; an elided (unbraced) level stops
        when full."""
        t = out.type
        limit = self.slots(t)
        while i < len(items):
            item = items[i]
            if isinstance(item, c_ast.NamedInitializer):
                if not braced:
                    return i
                index, inner = self.designated(out, item)
                i += 1
                # Positional initialisers go on after the designated member, in the innermost
                # object first, as in clang and GCC (`{ .in.c = 3, 4 }` puts 4 in in.d).
                for sub, k in reversed(inner):
                    i = self.fill(sub, items, i, braced=False, index=k + 1)
                continue
            while limit is not None and index < limit and self.skippable(t, index):
                index += 1
            if limit is not None and index >= limit:
                if braced:
                    kind = "array" if t.is_array else "union" if t.is_union else "struct"
                    self.warn(f"excess elements in {kind} initializer", item, group="excess-initializers")
                    return len(items)
                return i
            i = self.place(out, index, item, items, i)
            index += 1
            if t.is_struct and t.is_union and not braced:
                return i
        return i

    def place(self, out: tast.InitList, index: int, item, items: list, i: int) -> int:
        """Initialise slot `index` of `out` with items[i]; returns the next item position."""
        st = self.slot_type(out.type, index)
        if isinstance(item, c_ast.InitList) or not (st.is_array or st.is_struct):
            out.items[index] = self.initializer(st, item)
            return i + 1
        # An aggregate slot fed a plain expression: a string for a char array,
        # a struct value of the same type, or else brace elision.
        expr = self.expression(item, value=False)
        if st.is_array and isinstance(expr, tast.StringLit) and self.is_char_array(st):
            out.items[index] = self.string_init(st, expr, item)
            return i + 1
        if st.is_struct and expr.type == st.unqualified():
            out.items[index] = expr
            return i + 1
        sub = out.items.get(index)
        if not isinstance(sub, tast.InitList):
            sub = tast.InitList(st, self.loc(item))
            out.items[index] = sub
        return self.fill(sub, items, i, braced=False)

    def designated(self, out: tast.InitList, item: c_ast.NamedInitializer) -> tuple[int, list]:
        """Apply `.a[1].b = x`; returns the index following the first designator's slot, and the
        nested objects it went into with the slot designated in each, outermost first.

        A field designator may name a member of an anonymous struct or union (C11 6.7.9p7):
        `.saddr` in a 5.19+ `struct iphdr` is inside its anonymous `addrs` union.
        """
        steps: list[tuple[int, int, object]] = []  # (first slot, last slot, designator)
        t = out.type
        for d in item.name:
            if isinstance(d, c_ast.ID):
                for k in self.member_path(t, d):
                    steps.append((k, k, d))
                    t = t.defn.members[k].type
            else:
                lo, hi = self.designator_range(t, d)
                steps.append((lo, hi, d))
                t = t.elem
        target, inner = out, []
        for depth, (lo, hi, d) in enumerate(steps):
            if depth:
                inner.append((target, lo if depth < len(steps) - 1 else hi))
            if depth == len(steps) - 1:
                for k in range(lo, hi + 1):
                    self.place(target, k, item.expr, [item.expr], 0)
                break
            st = self.slot_type(target.type, lo)
            if not (st.is_array or st.is_struct):
                raise self.error("designator into a non-aggregate member", d)
            sub = target.items.get(lo)
            if not isinstance(sub, tast.InitList):
                sub = tast.InitList(st, self.loc(d))
                target.items[lo] = sub
            target = sub
        return steps[0][1] + 1, inner

    def member_path(self, t, d: c_ast.ID) -> list[int]:
        """Slots from `t` to the member a field designator names, through anonymous members."""
        if not t.is_struct:
            raise self.error(f"field designator '{d.name}' used on a non-struct type '{t}'", d)
        path = t.defn.find(d.name) if t.defn.members is not None else None
        if not path:
            raise self.error(f"field designator '{d.name}' does not refer to any field in type '{t}'", d)
        slots = []
        for member in path:
            slots.append(next(k for k, m in enumerate(t.defn.members) if m is member))
            t = member.type
        return slots

    def designator_range(self, t, d) -> tuple[int, int]:
        if isinstance(d, RangeDesignator):
            if not t.is_array:
                raise self.error("array designator used on a non-array type", d)
            lo, hi = self.designator_index(d.first, t), self.designator_index(d.last, t)
            if hi < lo:
                raise self.error("array designator range is empty", d)
            return lo, hi
        if not t.is_array:
            raise self.error("array designator used on a non-array type", d)
        k = self.designator_index(d.expr if isinstance(d, c_ast.ArrayDesignator) else d, t)
        return k, k

    def designator_index(self, node, t) -> int:
        value = self.constant_expression(node)
        if not isinstance(value, tast.Const) or value.value < 0:
            raise self.error("array designator value must be a non-negative integer constant", node)
        if t.length is not None and value.value >= t.length:
            raise self.error(f"array designator index ({value.value}) exceeds array bounds ({t.length})", node)
        return value.value
