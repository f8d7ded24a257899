"""Parse: preprocessed C text → pycparser AST, GNU C included.

pycparser 3 (dialect "c23") parses standard attributes, statement expressions
and `typeof`.  GNU spellings that BPF code and its headers use are carried to
the same AST nodes:

* `__attribute__((a, b(x)))` becomes the standard `[[a, b(x)]]`; the checker
  reads attributes without caring which syntax wrote them.
* `__signed__`, `__inline__`, `__volatile__`, `__restrict`, `__typeof__`,
  `__alignof__`, `__builtin_offsetof`, `__asm__` are the keywords they alias.
* `__extension__` only silences -pedantic warnings in GCC; it has no meaning
  and is removed.

The rewrite keeps every token at its line and column (replacements are padded
with spaces), so diagnostics point into the user's source.  The parser subclass
adds what has no standard spelling: `asm` statements, attributes in the middle
of declaration specifiers (`static __always_inline int f()`), designator
ranges `[0 ... 3]` and case ranges `case 1 ... 3:`.
"""
from __future__ import annotations

import re

from pycparser import c_ast
from pycparser.c_parser import CParser, ParseError

from . import literals
from .diagnostics import CompileError, Diagnostics, Location

_KEYWORD_ALIASES = {
    "__signed__": "signed", "__signed": "signed",
    "__inline__": "inline", "__inline": "inline",
    "__volatile__": "volatile", "__volatile": "volatile",
    "__const__": "const", "__const": "const",
    "__restrict__": "restrict", "__restrict": "restrict",
    "__typeof__": "typeof", "__typeof": "typeof",
    "__alignof__": "_Alignof", "__alignof": "_Alignof",
    "__builtin_offsetof": "offsetof",
    "__asm__": "asm", "__asm": "asm",
    "__extension__": "",
}

# Strings and character constants are matched whole so that nothing inside them is rewritten.
_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\b__attribute(?:__)?\b|\b__\w+\b')


# `GCC diagnostic` pragmas only switch warnings on and off (libbpf's SEC() wraps
# its attribute in them).  bpfcc's warnings cannot be scoped per region yet, so
# they are blanked, keeping columns, instead of splitting declarations.
_DIAGNOSTIC_PRAGMA = re.compile(r'_Pragma\s*\(\s*"GCC diagnostic(?:\\.|[^"\\])*"\s*\)|^[ \t]*#[ \t]*pragma[ \t]+GCC[ \t]+diagnostic[^\n]*', re.M)


def gnu_normalise(text: str) -> str:
    """Rewrite GNU spellings into the standard ones pycparser reads, column for column."""
    text = _DIAGNOSTIC_PRAGMA.sub(lambda m: " " * len(m.group()), text)
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word[0] in "\"'" or m.start() < pos:  # a literal, or inside an attribute already rewritten
            continue
        if word.startswith("__attribute"):
            end = _attribute_end(text, m.end())
            if end is None:
                continue
            out.append(text[pos:m.start()])
            out.append(_as_standard_attribute(text[m.start():end]))
            pos = end
        elif word in _KEYWORD_ALIASES:
            out.append(text[pos:m.start()])
            out.append(_KEYWORD_ALIASES[word].ljust(len(word)))
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _attribute_end(text: str, start: int) -> int | None:
    """End of `((…))` following `__attribute__` at `start`, or None if it is not there."""
    i = start
    while i < len(text) and text[i] in " \t\n":
        i += 1
    if not text.startswith("((", i):
        return None
    depth = 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            close = re.compile(r'"(?:\\.|[^"\\\n])*"' if c == '"' else r"'(?:\\.|[^'\\\n])*'").match(text, i)
            i = close.end() if close else i + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _as_standard_attribute(spelling: str) -> str:
    """`__attribute__ ((x))` → `[[x]]`, padded to the same width with the same newlines."""
    start = spelling.index("((")
    head = "".join("\n" if c == "\n" else " " for c in spelling[:start])
    return head + "[[" + gnu_normalise(spelling[start + 2:-2]) + "]]"


class Asm(c_ast.Node):
    """A GNU `asm [volatile] [goto] ("template" : outputs : inputs : clobbers)` statement."""

    __slots__ = ("template", "outputs", "inputs", "clobbers", "volatile", "coord", "__weakref__")
    attr_names = ("template", "volatile", "clobbers")

    def __init__(self, template, outputs, inputs, clobbers, volatile, coord=None):
        self.template = template  # str
        self.outputs = outputs  # list[(constraint str, expr)]
        self.inputs = inputs
        self.clobbers = clobbers  # list[str]
        self.volatile = volatile
        self.coord = coord

    def children(self):
        return tuple((f"operand[{i}]", e) for i, (_, e) in enumerate(self.outputs + self.inputs))


class RangeDesignator(c_ast.Node):
    """GNU `[first ... last] =` in an initialiser."""

    __slots__ = ("first", "last", "coord", "__weakref__")
    attr_names = ()

    def __init__(self, first, last, coord=None):
        self.first, self.last, self.coord = first, last, coord

    def children(self):
        return (("first", self.first), ("last", self.last))


class CaseRange(c_ast.Node):
    """GNU `case first ... last:`."""

    __slots__ = ("first", "last", "stmts", "coord", "__weakref__")
    attr_names = ()

    def __init__(self, first, last, stmts, coord=None):
        self.first, self.last, self.stmts, self.coord = first, last, stmts, coord

    def children(self):
        return (("first", self.first), ("last", self.last)) + tuple((f"stmts[{i}]", s) for i, s in enumerate(self.stmts))


class GnuCParser(CParser):
    def __init__(self) -> None:
        super().__init__(dialect="c23")

    def _parse_specifiers(self, *, allow_storage_and_function):
        spec, saw_type, first = super()._parse_specifiers(allow_storage_and_function=allow_storage_and_function)
        # GNU lets attributes sit between specifiers; the base parser stops at
        # them, so keep going and keep them as attributes of the declaration.
        while spec is not None and spec["type_attributes"] and self._starts_specifier():
            more, more_type, _ = super()._parse_specifiers(allow_storage_and_function=allow_storage_and_function)
            if more is None:
                break
            spec.setdefault("decl_attributes", []).extend(spec["type_attributes"])
            for key in ("qual", "storage", "type", "function", "alignment"):
                spec[key] = spec[key] + more[key]
            spec["type_attributes"] = more["type_attributes"]
            saw_type = saw_type or more_type
        return spec, saw_type, first

    def _parse_conditional_expression(self):
        # GNU `x ?: y`: the middle operand may be left out (x is evaluated once).
        expr = self._parse_binary_expression()
        if self._accept("CONDOP"):
            iftrue = None if self._peek_type() == "COLON" else self._parse_expression()
            self._expect("COLON")
            return c_ast.TernaryOp(expr, iftrue, self._parse_conditional_expression(), expr.coord)
        return expr

    def _parse_unary_expression(self):
        # pycparser gives a prefix operator its operand's position; clang (and
        # the user) point at the operator.
        tok = self._peek()
        expr = super()._parse_unary_expression()
        if isinstance(expr, c_ast.UnaryOp) and tok is not None and tok.value == expr.op:
            expr.coord = self._tok_coord(tok)
        return expr

    def _parse_error(self, msg, coord):
        # Some errors carry only the file name; point them at the token the parser stopped on.
        if not hasattr(coord, "line"):
            tok = self._peek()
            if tok is not None:
                coord = self._tok_coord(tok)
                msg = f"{msg} before '{tok.value}'"
            else:
                msg = "unexpected end of input"
                coord = self._end_coord()
        super()._parse_error(msg, coord)

    def _end_coord(self):
        lexer = self.clex
        return f"{lexer.filename}:{lexer._lineno}:1" if hasattr(lexer, "_lineno") else lexer.filename

    def _starts_specifier(self) -> bool:
        tok = self._peek()
        return tok is not None and tok.type != "ID" and self._starts_declaration(tok)

    def _build_declarations(self, spec, decls, typedef_namespace=False):
        built = super()._build_declarations(spec, decls, typedef_namespace)
        extra = spec.get("decl_attributes")
        if extra:
            for decl in built:
                if isinstance(decl, (c_ast.Decl, c_ast.Typedef)):
                    decl.attributes = list(getattr(decl, "attributes", None) or []) + extra
        return built

    def _parse_statement(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "asm":
            return self._parse_asm_statement()
        return super()._parse_statement()

    def _parse_block_item(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "asm":
            return [self._parse_asm_statement()]
        return super()._parse_block_item()

    # asm_statement : 'asm' ('volatile' | 'inline' | 'goto')* '(' string (':' operands (':' operands (':' clobbers)?)?)? ')' ';'
    def _parse_asm_statement(self):
        asm_tok = self._advance()
        volatile = False
        while self._peek_type() in ("VOLATILE", "INLINE") or (self._peek_type() == "GOTO"):
            if self._advance().type == "VOLATILE":
                volatile = True
        self._expect("LPAREN")
        template = _string_value(self._parse_unified_string_literal())
        sections: list[list] = [[], [], []]
        index = 0
        while self._peek_type() in ("COLON", "COLONCOLON"):
            # C23 lexes `::` as one token; in asm it is two empty operand lists.
            if self._advance().type == "COLONCOLON":
                index += 1
            if index < 2:
                sections[index] = self._parse_asm_operands()
            elif index == 2:
                sections[2] = self._parse_asm_clobbers()
            else:
                self._parse_asm_clobbers()  # asm goto labels: BPF has no use for them
            index += 1
        self._expect("RPAREN")
        self._expect("SEMI")
        outputs, inputs, clobbers = sections
        # Symbolic operand names (`%[ctx]`) become their positions.
        names = {name: i for i, (_, _, name) in enumerate(outputs + inputs) if name}
        template = re.sub(r"%\[(\w+)\]", lambda m: f"%{names.get(m.group(1), m.group(1))}", template)
        outputs = [(c, e) for c, e, _ in outputs]
        inputs = [(c, e) for c, e, _ in inputs]
        return Asm(template, outputs, inputs, clobbers, volatile or not outputs, self._tok_coord(asm_tok))

    def _parse_asm_operands(self):
        operands = []
        while self._peek_type() in ("STRING_LITERAL", "LBRACKET"):
            name = None
            if self._accept("LBRACKET"):
                name = self._parse_identifier().name
                self._expect("RBRACKET")
            constraint = _string_value(self._parse_unified_string_literal())
            self._expect("LPAREN")
            expr = self._parse_expression()
            self._expect("RPAREN")
            operands.append((constraint, expr, name))
            if not self._accept("COMMA"):
                break
        return operands

    def _parse_asm_clobbers(self):
        names = []
        while self._peek_type() in ("STRING_LITERAL", "ID"):
            if self._peek_type() == "ID":
                names.append(self._advance().value)
            else:
                names.append(_string_value(self._parse_unified_string_literal()))
            if not self._accept("COMMA"):
                break
        return names

    def _parse_designator(self):
        if tok := self._accept("LBRACKET"):
            first = self._parse_constant_expression()
            if self._accept("ELLIPSIS"):
                last = self._parse_constant_expression()
                self._expect("RBRACKET")
                return RangeDesignator(first, last, self._tok_coord(tok))
            self._expect("RBRACKET")
            return c_ast.ArrayDesignator(first, self._tok_coord(tok))
        return super()._parse_designator()

    def _parse_labeled_statement(self):
        if self._peek_type() != "CASE":
            return super()._parse_labeled_statement()
        mark = self._mark()
        case_tok = self._advance()
        first = self._parse_constant_expression()
        if not self._accept("ELLIPSIS"):
            self._reset(mark)
            return super()._parse_labeled_statement()
        last = self._parse_constant_expression()
        self._expect("COLON")
        if self._starts_statement():
            stmt = self._parse_pragmacomp_or_statement()
        else:
            stmt = c_ast.EmptyStatement(self._tok_coord(case_tok))
        return CaseRange(first, last, [stmt], self._tok_coord(case_tok))

    def _starts_statement(self):
        tok = self._peek()
        if tok is not None and tok.type == "ID" and tok.value == "asm":
            return True
        return super()._starts_statement()


def _string_value(constant: c_ast.Constant) -> str:
    """The characters of a (possibly concatenated) string literal constant, escapes decoded."""
    return literals.string_bytes(constant.value).decode("latin-1")


_MESSAGES = [("Invalid expression", "expected expression"), ("Invalid declaration", "expected a declaration"),
             ("Invalid statement", "expected a statement")]

_PARSE_ERROR = re.compile(r"^(?P<file>.*?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$", re.S)


def parse(text: str, diags: Diagnostics, filename: str = "<input>") -> c_ast.FileAST:
    """Parse preprocessed text; a syntax error becomes a located diagnostic."""
    try:
        return GnuCParser().parse(gnu_normalise(text), filename)
    except ParseError as exc:
        m = _PARSE_ERROR.match(str(exc))
        if not m:
            raise diags.fatal(f"syntax error: {exc}")
        message = m.group("msg")
        if message.startswith("before: "):
            message = f"syntax error before '{message[len('before: '):]}'"
        for pycparser_words, clang_words in _MESSAGES:
            message = message.replace(pycparser_words, clang_words)
        location = Location(m.group("file"), int(m.group("line")), int(m.group("col") or 1))
        raise diags.fatal(message, location) from None


__all__ = ["parse", "gnu_normalise", "Asm", "RangeDesignator", "CaseRange", "CompileError"]
