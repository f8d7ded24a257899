"""The preprocessor: include search, predefined macros, feature tests, pragmas, diagnostics, line mapping."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from pycparser import CParser, c_ast

from bpfcc import preprocess as pp_module
from bpfcc.diagnostics import Diagnostics
from bpfcc.options import Options
from bpfcc.preprocess import include_dir, predefines, preprocess

CLANG = shutil.which("clang-19")
needs_clang = pytest.mark.skipif(CLANG is None, reason="clang-19 is not installed")
needs_libbpf = pytest.mark.skipif(
    not os.path.exists("/usr/include/bpf/bpf_helpers.h"), reason="libbpf-dev is not installed"
)


def run(source: str, filename: str = "main.c", **options):
    diags = Diagnostics()
    result = preprocess(source, filename, Options(**options), diags)
    return result, diags


def code(text: str) -> list[str]:
    """The output's source lines of code (a line continued after a marker is one line), without
    markers and blank lines, whitespace squeezed and none inside brackets or before `;`: tokens
    keep their source columns, so blanks vary."""
    lines: list[str] = []
    file, row, last = None, 1, None  # row: the number of the next output line
    for line in text.splitlines():
        if m := re.match(r'# (\d+) "(.*)"$', line):
            row, file = int(m[1]), m[2]
            continue
        if line.strip():
            if (file, row) == last:
                lines[-1] += " " + line
            else:
                lines.append(line)
            last = (file, row)
        row += 1
    return [re.sub(r"([(\[]) | (?=[;,)\]])", r"\1", " ".join(line.split())) for line in lines]


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def parse(text: str, filename: str = "main.c") -> c_ast.FileAST:
    return CParser(dialect="c23").parse(text, filename)


def located(diags: Diagnostics) -> list[tuple]:
    return [(d.severity, d.message, d.file, d.line, d.column) for d in diags.items]


def coord(node: c_ast.Node) -> tuple:
    return node.coord.file, node.coord.line, node.coord.column


# ---- include search ------------------------------------------------------------------------


def test_quoted_include_looks_beside_the_including_file_first(tmp_path):
    write(tmp_path / "src" / "defs.h", "int local_defs;\n")
    write(tmp_path / "inc" / "defs.h", "int dash_i_defs;\n")
    main = write(tmp_path / "src" / "main.c", '#include "defs.h"\n#include <defs.h>\n')
    result, diags = run(open(main).read(), main, include_dirs=[str(tmp_path / "inc")])
    assert not diags.items
    assert code(result.text) == ["int local_defs;", "int dash_i_defs;"]


def test_include_dirs_are_searched_in_order(tmp_path):
    write(tmp_path / "a" / "x.h", "int from_a;\n")
    write(tmp_path / "b" / "x.h", "int from_b;\n")
    write(tmp_path / "b" / "y.h", "int y_from_b;\n")
    result, diags = run("#include <x.h>\n#include <y.h>\n", include_dirs=[str(tmp_path / "a"), str(tmp_path / "b")])
    assert not diags.items
    assert code(result.text) == ["int from_a;", "int y_from_b;"]


def test_headers_found_relative_to_a_header(tmp_path):
    write(tmp_path / "inc" / "lib" / "a.h", '#include "b.h"\n')
    write(tmp_path / "inc" / "lib" / "b.h", "int b_beside_a;\n")
    result, diags = run("#include <lib/a.h>\n", include_dirs=[str(tmp_path / "inc")])
    assert not diags.items
    assert code(result.text) == ["int b_beside_a;"]
    assert os.path.join(str(tmp_path / "inc"), "lib/b.h") in result.sources


def test_bpfcc_headers_come_before_the_system_ones():
    headers = ("stddef.h", "stdint.h", "stdbool.h", "limits.h", "stdarg.h")
    result, diags = run("".join(f"#include <{header}>\n" for header in headers))
    assert not diags.items
    for header in headers:
        assert os.path.join(include_dir(), header) in result.sources
    assert "typedef unsigned long size_t;" in code(result.text)


def test_dash_i_comes_before_bpfcc_headers_as_in_clang(tmp_path):
    write(tmp_path / "stdint.h", "int my_stdint;\n")
    result, diags = run("#include <stdint.h>\n", include_dirs=[str(tmp_path)])
    assert code(result.text) == ["int my_stdint;"]


def test_include_next_continues_after_the_current_directory(tmp_path):
    write(tmp_path / "stddef.h", "int wrapper;\n#include_next <stddef.h>\n")
    result, diags = run("#include <stddef.h>\nsize_t n;\n", include_dirs=[str(tmp_path)])
    assert not diags.items
    lines = code(result.text)
    assert lines[0] == "int wrapper;" and "typedef unsigned long size_t;" in lines and lines[-1] == "size_t n;"


@pytest.mark.skipif(not os.path.exists("/usr/include/linux/types.h"), reason="kernel headers are not installed")
def test_system_headers_need_no_multiarch_dash_i():
    # <linux/types.h> includes <asm/types.h>, which lives in /usr/include/<multiarch>.
    result, diags = run("#include <linux/types.h>\n__u32 x;\n")
    assert not diags.items
    assert "typedef unsigned int __u32;" in code(result.text)


def test_glibc_need_protocol_of_stddef_and_stdarg():
    source = (
        "#define __need_size_t\n#include <stddef.h>\n#ifdef NULL\n#error NULL too\n#endif\n"
        "#define __need___va_list\n#include <stdarg.h>\n#ifdef va_start\n#error va_start too\n#endif\n"
        "#include <stddef.h>\n#include <stdarg.h>\nvoid *p = NULL; size_t n = offsetof(struct s, f); va_list *v;\n"
    )
    result, diags = run(source)
    assert not diags.items
    assert "void *p = ((void *)0); size_t n = __builtin_offsetof(struct s, f); va_list *v;" in code(result.text)


def test_pragma_once_holds_for_any_spelling_of_the_path(tmp_path):
    write(tmp_path / "once.h", "#pragma once\nint once;\n")
    write(tmp_path / "sub" / "again.h", '#include "../once.h"\n')
    main = write(tmp_path / "main.c", '#include "once.h"\n#include "sub/again.h"\n#include "./once.h"\n')
    result, diags = run(open(main).read(), main)
    assert not diags.items
    assert code(result.text) == ["int once;"]


def test_include_guard_is_rechecked_after_undef(tmp_path):
    write(tmp_path / "g.h", "#ifndef G_H\n#define G_H\nint guarded;\n#endif\n")
    main = write(tmp_path / "main.c", '#include "g.h"\n#include "g.h"\n#undef G_H\n#include "g.h"\n')
    result, diags = run(open(main).read(), main)
    assert result.text.count("int guarded;") == 2


# ---- predefined macros, -D and -U -----------------------------------------------------------


def expand(source: str, **options) -> list[str]:
    result, diags = run(source, **options)
    assert not diags.errors, diags.items
    return code(result.text)


@pytest.mark.parametrize("mcpu, version", [("v1", 1), ("v2", 2), ("v3", 3), ("v4", 4), ("generic", 1), ("probe", 0)])
def test_bpf_cpu_version_follows_mcpu(mcpu, version):
    assert expand("__BPF_CPU_VERSION__ __bpf__ __BPF__ __bpfcc__\n", mcpu=mcpu) == [f"{version} 1 1 1"]


def test_cpu_features():
    source = """\
#if defined(__BPF_FEATURE_ALU32) && defined(__BPF_FEATURE_JMP32)
int alu32;
#endif
#ifdef __BPF_FEATURE_LDSX
int ldsx;
#endif
"""
    assert expand(source, mcpu="v3") == ["int alu32;"]
    assert expand(source, mcpu="v4") == ["int alu32;", "int ldsx;"]
    assert expand(source, mcpu="v1") == []


def test_target_macros():
    names = "__LITTLE_ENDIAN__ __BYTE_ORDER__ __SIZEOF_POINTER__ __SIZEOF_LONG__ __CHAR_BIT__ __INT64_TYPE__"
    assert expand(f"{names} __GNUC__ __clang_major__\n") == ["1 1234 8 8 8 long int 4 19"]
    assert expand("__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ __BIG_ENDIAN__\n", big_endian=True) == ["4321 == 4321 1"]
    assert expand("__OPTIMIZE__ __NO_INLINE__\n", opt_level=0) == ["__OPTIMIZE__ 1"]
    # pcpp's own marker is not clang's
    assert expand("__PCPP__\n") == ["__PCPP__"]


def clang(*args: str, source: str = "") -> str:
    return subprocess.run([CLANG, *args], input=source, capture_output=True, text=True, check=True).stdout


def clang_macros(target: str, *args: str) -> dict[str, str]:
    out = clang("-target", target, *args, "-dM", "-E", "-")
    return dict(line[len("#define ") :].partition(" ")[::2] for line in out.splitlines())


# The compiler's own version, which need not be the 19.1.7 bpfcc copies.
VERSION_MACROS = ("__VERSION__", "__clang_version__", "__clang_minor__", "__clang_patchlevel__")


@needs_clang
@pytest.mark.parametrize(
    "options, target, args",
    [
        (dict(mcpu="v1"), "bpf", ["-mcpu=v1", "-O2", "-g"]),
        (dict(mcpu="v2"), "bpf", ["-mcpu=v2", "-O2", "-g"]),
        (dict(mcpu="v3"), "bpf", ["-mcpu=v3", "-O2", "-g"]),
        (dict(mcpu="v4"), "bpf", ["-mcpu=v4", "-O2", "-g"]),
        (dict(mcpu="generic"), "bpf", ["-mcpu=generic", "-O2", "-g"]),
        (dict(mcpu="probe"), "bpf", ["-mcpu=probe", "-O2", "-g"]),
        (dict(mcpu="v1", opt_level=0, debug=False), "bpf", []),
        (dict(mcpu="v3", big_endian=True), "bpfeb", ["-mcpu=v3", "-O2", "-g"]),
    ],
)
def test_predefined_macros_are_clangs(options, target, args):
    theirs = clang_macros(target, *args)
    ours = dict(line[len("#define ") :].partition(" ")[::2] for line in predefines(Options(**options)).splitlines())
    assert ours.pop("__bpfcc__") == "1"
    for name in VERSION_MACROS:
        ours.pop(name), theirs.pop(name)
    assert ours == theirs


@needs_clang
def test_every_predefined_macro_expands_as_in_clang(tmp_path):
    names = sorted(clang_macros("bpf", "-mcpu=v3", "-O2", "-g"))
    source = "".join(f"{name}\n" for name in names if name not in VERSION_MACROS)
    main = write(tmp_path / "names.c", source)
    theirs = clang("-target", "bpf", "-mcpu=v3", "-O2", "-g", "-E", "-P", main)
    assert expand(source) == code(theirs)


def test_command_line_defines_and_undefines():
    defines = [("FOO", "3"), ("BAR", "1"), ("F(x)", "((x) + FOO)"), ("GONE", "1"), ("EMPTY", "")]
    options = dict(defines=defines, undefines=["GONE", "__bpf__"])
    assert expand("FOO BAR F(2) GONE [EMPTY] __bpf__ __BPF__\n", **options) == ["3 1 ((2) + 3) GONE [] __bpf__ 1"]


def test_a_define_does_not_leak_into_the_next_compile(tmp_path):
    write(tmp_path / "once.h", "#pragma once\nint once;\n")
    main = write(tmp_path / "main.c", '#include "once.h"\nFOO\n')
    first, _ = run(open(main).read(), main, defines=[("FOO", "42")])
    second, _ = run(open(main).read(), main)
    assert code(first.text) == ["int once;", "42"]
    assert code(second.text) == ["int once;", "FOO"]


def test_a_bad_command_line_define_is_reported():
    _, diags = run("int x;\n", defines=[("3x", "1")])
    assert located(diags) == [("error", "macro name must be an identifier", "<command line>", 1, 9)]


# ---- feature tests in #if -------------------------------------------------------------------


def test_has_include(tmp_path):
    write(tmp_path / "here.h", "")
    main = write(tmp_path / "main.c", (
        "#if __has_include(<stddef.h>) && __has_include(\"here.h\") && !__has_include(<nowhere.h>)\nint yes;\n#endif\n"
        "#define HDR <stdint.h>\n#if __has_include(HDR)\nint by_macro;\n#endif\n"
        "#if defined(__has_include) && defined __has_include_next\nint defined_too;\n#endif\n"
    ))
    assert expand(open(main).read(), filename=main) == ["int yes;", "int by_macro;", "int defined_too;"]


def test_has_include_next(tmp_path):
    write(tmp_path / "stdint.h", (
        "#if __has_include_next(<stdint.h>) && !__has_include_next(<nowhere.h>)\nint next_found;\n#endif\n"
    ))
    assert expand("#include <stdint.h>\n", include_dirs=[str(tmp_path)]) == ["int next_found;"]


def test_has_builtin_attribute_and_others():
    source = """\
#if __has_builtin(__builtin_memcpy) && __has_builtin(__sync_fetch_and_add) && !__has_builtin(__builtin_printf)
int builtins;
#endif
#if __has_attribute(section) && __has_attribute(__always_inline__) && !__has_attribute(cleanup)
int attributes;
#elif 1
int wrong;
#endif
#if 0
#elif __has_attribute(btf_decl_tag) && __has_c_attribute(fallthrough) == 201910 && __has_c_attribute(gnu::section)
int in_elif;
#endif
#if !__has_feature(address_sanitizer) && !__has_extension(c_static_assert) && !__has_declspec_attribute(dllexport)
int features;
#endif
#if __is_identifier(foo) && !__is_identifier(int)
int identifiers;
#endif
#ifdef __has_builtin
int ifdef;
#endif
#define my_has_attribute(x) __has_attribute(x)
#define sec section
#if my_has_attribute(sec)
int through_macros;
#endif
"""
    assert expand(source) == [
        "int builtins;", "int attributes;", "int in_elif;", "int features;", "int identifiers;", "int ifdef;",
        "int through_macros;",
    ]


def test_pp_numbers_and_no_trigraphs():
    source = '#if 0x10ULL == 16 && 1000000000000UL > 0\nint ok;\n#endif\nconst char *s = "??=";\n'
    assert expand(source) == ["int ok;", 'const char *s = "??=";']


@pytest.mark.skipif(
    not os.path.exists("/usr/include/x86_64-linux-gnu/sys/cdefs.h"), reason="glibc headers are not installed"
)
def test_glibc_cdefs_feature_tests():
    # cdefs.h tests __has_attribute and friends through its own macros.  glibc takes a target
    # without __x86_64__ for 32-bit x86 and wants <gnu/stubs-32.h>, as it does with clang.
    result, diags = run("#include <sys/cdefs.h>\n__always_inline int f(void);\n", defines=[("__x86_64__", "1")])
    assert not diags.items
    assert code(result.text)[-1] == "__inline __attribute__ ((__always_inline__)) int f(void);"


# ---- pragmas --------------------------------------------------------------------------------


def loop_pragmas(text: str) -> list[tuple[str, str]]:
    """(pragma, the statement after it) in the first function's body."""
    body = parse(text).ext[-1].body.block_items
    return [(node.string.value if isinstance(node.string, c_ast.Constant) else node.string, type(body[i + 1]).__name__)
            for i, node in enumerate(body) if isinstance(node, c_ast.Pragma)]


def test_pragma_unroll_passes_through():
    source = """\
int f(void) {
\tint s = 0;
#pragma unroll
\tfor (int i = 0; i < 4; i++) s++;
#pragma clang loop unroll(full)
\twhile (s) s--;
\treturn s;
}
"""
    result, diags = run(source)
    assert not diags.items
    assert loop_pragmas(result.text) == [("unroll", "For"), ("clang loop unroll(full)", "While")]


def test_an_attribute_after_a_headers_last_pragma_keeps_its_own_line(tmp_path):
    """The attribute's tokens flow wherever output is; they once joined the #pragma's line,
    which the parser then skipped whole: the function lost its section."""
    write(tmp_path / "h.h", 'int a;\n#pragma clang diagnostic ignored "-Wint-conversion"\n')
    source = f'#include "{tmp_path}/h.h"\n__attribute__((section("xdp"))) int f(void) {{ return 1; }}\n'
    result, diags = run(source)
    assert not diags.items
    assert code(result.text) == [
        "int a;", '#pragma clang diagnostic ignored "-Wint-conversion"',
        '__attribute__((section("xdp")))', "int f(void) { return 1; }"]


def test_pragma_from_a_macro_comes_before_the_loop():
    source = """\
#define UNROLL _Pragma("unroll")
int f(void) {
\tint s = 0;
\tUNROLL for (int i = 0; i < 4; i++) s++;
\treturn s;
}
"""
    result, diags = run(source)
    assert not diags.items
    assert loop_pragmas(result.text) == [('"unroll"', "For")]


def test_gcc_error_pragmas_are_diagnostics():
    source = r"""#pragma GCC warning "careful"
#define MISSING "GCC error \"Must specify\""
#define P(x) ({ _Pragma(MISSING); 0; })
int f(void) { return P(1); }
"""
    _, diags = run(source)
    assert located(diags) == [("warning", "careful", "main.c", 1, 13), ("error", "Must specify", "main.c", 4, 1)]


# ---- diagnostics ----------------------------------------------------------------------------


def test_error_directive():
    result, diags = run("int a;\n  #  error   hello   world  \n#warning watch out\nint b;\n")
    assert located(diags) == [
        ("error", "hello   world  ", "main.c", 2, 6),
        ("warning", "watch out", "main.c", 3, 2),
    ]
    assert code(result.text) == ["int a;", "int b;"]


def test_warnings_in_system_headers_are_not_shown(tmp_path):
    write(tmp_path / "usr" / "include" / "sys.h", "#warning from a system header\n")
    _, diags = run("#include <sys.h>\n", sysroot=str(tmp_path))
    assert not diags.items


def test_missing_header_stops_preprocessing(tmp_path):
    write(tmp_path / "h.h", "int h;\n#include <nowhere.h>\n")
    main = write(tmp_path / "main.c", '#include "h.h"\n#error not reached\n')
    result, diags = run(open(main).read(), main)
    header = str(tmp_path / "h.h")
    assert located(diags) == [("error", "'nowhere.h' file not found", header, 2, 10)]
    assert header in result.sources


def test_missing_quoted_header_from_main_file():
    _, diags = run('int x;\n#include "nope.h"\n')
    assert located(diags) == [("error", "'nope.h' file not found", "main.c", 2, 10)]


@pytest.mark.parametrize(
    "source, message, line, column",
    [
        ("#if 1\nint x;\n", "unterminated conditional directive", 1, 2),
        ("#endif\n", "#endif without #if", 1, 2),
        ("#else\n", "#else without #if", 1, 2),
        ("#ifdef\n#endif\n", "macro name missing", 1, 7),
        ("#if\n#endif\n", "expected value in expression", 1, 4),
        ("#define\n", "macro name missing", 1, 8),
        ("#define 3x\n", "macro name must be an identifier", 1, 9),
        ("#define G(\n", "missing ')' in macro parameter list", 1, 2),
        ("#foo\n", "invalid preprocessing directive", 1, 2),
        ("#define F(a, b) a\nF(1)\n", "too few arguments provided to function-like macro invocation", 2, 1),
        ("#define F(a) a\nF(1, 2)\n", "too many arguments provided to function-like macro invocation", 2, 1),
        ("int a;\n  /* open\n", "unterminated /* comment", 2, 3),
        ("#include\n", 'expected "FILENAME" or <FILENAME>', 1, 2),
        ("#line x\n", "#line directive requires a positive integer argument", 1, 7),
        ("#define PICK(a, a) (a)\n", "duplicate macro parameter name 'a'", 1, 17),
        ("#if 1\n#else\n#else\n#endif\n", "#else after #else", 3, 2),
        ("#if 1\n#else\n#elif 1\n#endif\n", "#elif after #else", 3, 2),
        ("#define TWICE(a) ((a) * 2)\nint x = TWICE(1;\n", "unterminated function-like macro invocation", 2, 9),
    ],
)
def test_malformed_input_gives_located_errors(source, message, line, column, capfd):
    _, diags = run(source)
    assert located(diags) == [("error", message, "main.c", line, column)]
    assert capfd.readouterr() == ("", "")


def test_directives_in_skipped_blocks_are_not_checked():
    assert expand("#if 0\n#ifdef\n#endif\n#foo\n#error no\n#include <nowhere.h>\n#endif\nint x;\n") == ["int x;"]


def test_include_nested_too_deeply(tmp_path):
    main = write(tmp_path / "self.h", '#include "self.h"\n')
    _, diags = run(open(main).read(), main)
    assert [(d.message, d.line, d.column) for d in diags.items] == [("#include nested too deeply", 1, 10)]


# ---- line mapping ---------------------------------------------------------------------------


def test_tokens_map_back_to_their_file_and_line(tmp_path):
    write(tmp_path / "hdr.h", "\n\nstruct from_header {\n\tint field;\n};\n")
    main = write(tmp_path / "main.c", (
        "/* comment */\n#include \"hdr.h\"\n#define ADD(a, b) ((a) + \\\n\t(b))\n\n\n\n\n\n\n\n\n\n\n"
        "int after_include(struct from_header *h)\n{\n\treturn ADD(h->field,\n\t\t   1);\n}\n"
    ))
    result, diags = run(open(main).read(), main)
    assert not diags.items
    unit = parse(result.text)
    struct, function = unit.ext
    header = os.path.join(str(tmp_path), "hdr.h")
    assert coord(struct.type) == (header, 3, 8)
    assert coord(struct.type.decls[0]) == (header, 4, 6)
    assert coord(function.decl) == (main, 15, 5)
    assert coord(function.body.block_items[0]) == (main, 17, 2)


def test_columns_are_the_sources_around_macros():
    source = """\
#define MAX(a, b) ((a) > (b) ? (a) : (b))
int f(int x)
{
\tint a = MAX(x, 2) + z;
\treturn MAX(x, w) + a;
}
"""
    result, diags = run(source)
    assert not diags.items
    body = parse(result.text).ext[0].body.block_items
    # after an expansion longer than its invocation, and a macro's argument, where spelled
    assert coord(body[0].init.right) == ("main.c", 4, 22)
    ternary = body[1].expr.left
    assert coord(ternary.cond.right) == ("main.c", 5, 16)
    assert coord(body[1].expr.right) == ("main.c", 5, 21)


def test_attributes_stay_on_one_line():
    # pycparser reads attribute arguments as plain tokens, a line marker among them too.
    source = """\
#define NAME "a_long_section_name"
int a __attribute__((section(NAME "x"))) = 1;
int b [[gnu::section(NAME "y")]] = 2;
"""
    result, diags = run(source)
    assert not diags.items
    assert '__attribute__((section("a_long_section_name" "x")))' in result.text
    assert '[[gnu::section("a_long_section_name" "y")]]' in result.text


def test_columns_count_bytes_as_clang_does():
    result, diags = run('int f(void)\n{\n\tconst char *s = "\u00e9t\u00e9"; return x;\n}\n')
    assert not diags.items
    ret = parse(result.text).ext[0].body.block_items[1]
    assert coord(ret.expr) == ("main.c", 3, 34)


def test_line_directive_renumbers():
    result, diags = run('int a;\n#line 100 "gen.y"\nint b = __LINE__;\n# 7 "other.c"\nint c;\n')
    assert not diags.items
    a, b, c = parse(result.text).ext
    assert [coord(d)[:2] for d in (a, b, c)] == [("main.c", 1), ("gen.y", 100), ("other.c", 7)]
    assert b.init.value == "100"


def test_sources_hold_every_file_read(tmp_path):
    write(tmp_path / "h.h", "int h;\n")
    main = write(tmp_path / "main.c", '#include "h.h"\nint m;\n')
    result, _ = run(open(main).read(), main)
    assert result.sources[main][:2] == ['#include "h.h"', "int m;"]
    assert result.sources[os.path.join(str(tmp_path), "h.h")][0] == "int h;"


def test_crlf_and_byte_order_mark():
    result, diags = run("\ufeff#define TWO \\\r\n  2\r\nint a = TWO;\r\nint b;\r\n")
    assert not diags.items
    a, b = parse(result.text).ext
    assert (a.init.value, a.coord.line, b.coord.line) == ("2", 3, 4)


def test_include_operand_from_a_macro(tmp_path):
    write(tmp_path / "inc" / "cfg.h", "int cfg;\n")
    assert expand('#define CFG <cfg.h>\n#include CFG\n', include_dirs=[str(tmp_path / "inc")]) == ["int cfg;"]


def test_macro_expansion_as_in_clang():
    source = r"""#define STR(x) #x
#define CAT(a, b) a ## b
#define F(x) [x]
#define G F
#define LPAREN (
#define ID(x) x
#define VA(fmt, ...) printf(fmt, ##__VA_ARGS__)
const char *s = STR(hello   world  "q\n" 'c');
int e = ID(G LPAREN 5)) + CAT(., 5) + CAT(0x, 10ULL);
VA("x"); VA("y", 1, 2);
int o = __LINE__;
"""
    assert expand(source) == [
        r"""const char *s = "hello world \"q\\n\" 'c'";""",
        "int e = [5] + .5 + 0x10ULL;",
        'printf("x"); printf("y", 1, 2);',
        "int o = 11;",
    ]


def test_gnu_comma_paste_across_a_line_continuation():
    """Debian libbpf 1.1's bpf_printk has `fmt,\\t\\<newline>\\t\\t##__VA_ARGS__`: the comma goes
    when no argument is left, however many blanks stand before `##` (clang -E gives the same)."""
    source = '#define Q(fmt, ...) g(fmt,\t\\\n\t\t##__VA_ARGS__)\n#define R(x, ...) h(x,  /* c */ ## __VA_ARGS__)\nQ("a") Q("b", 1) R(2) R(3, 4, 5)\n'
    assert expand(source) == ['g("a") g("b", 1) h(2) h(3, 4, 5)']


# GNU's `, ## __VA_ARGS__` and named variable arguments (`args...`, `##args`), as clang-19 -E has
# them: the comma goes when the variable arguments are left out, and stays when they are given
# empty, also when an empty `args` is passed on to another macro (libbpf's BPF_SEQ_PRINTF).
GNU_COMMA_MACROS = """\
#define nth(_, a, b, N, ...) N
#define narg(...) nth(_, ##__VA_ARGS__, 2, 1, 0)
#define F(arr, args...) narg(args)
#define P(fmt, args...) F(p, args)
#define G(a, ...) f(a, ##__VA_ARGS__)
#define H(a, args...) f(a, ## args)
#define K(a, args...) G(a, ##args)
#define N(args...) g(x, ##args)
#define T(a, b, ...) h(a, b, ##__VA_ARGS__)
#define S(a, ...) #__VA_ARGS__
#define PLAIN(a, ...) f(a, __VA_ARGS__)
#define CAT(a, ...) a ## __VA_ARGS__
#define ARR(a, ...) [a, ## __VA_ARGS__]
#define E
"""
GNU_COMMA_CASES = [
    "F(p, ) F(p) P(\"x\") P(\"x\", 1) P(\"x\", 1, 2) F(p, 1, 2, 3)",
    "G(x) G(x,) G(x, ) G(x, /* c */ ) G(x, y) G(x, y, z) G(x, E) G(x, -1) G() G( )",
    "H(x) H(x, ) H(x, y) K(x) K(x, ) K(x, 1, 2)",
    "N() N( ) N(/* c */) N(E) N(,) N(1)",
    "T(1, 2) T(1, 2,) T(1,) T(1, 2, 3)",
    "S(1) S(1,) S(1, a  b ) S(1,  a , b ) PLAIN(x) PLAIN(x, ) PLAIN(x, y)",
    "CAT(x) CAT(x, y) CAT(x, ) ARR(1) ARR(1, 2)",
]


def c_tokens(text: str) -> list[str]:
    """The C tokens of preprocessed text, without line markers."""
    text = "\n".join(line for line in text.splitlines() if not re.match(r"\s*# \d+ ", line))
    return [m.group() for m in pp_module._TOKEN.finditer(text) if m.lastgroup not in ("nl", "ws")]


@needs_clang
@pytest.mark.parametrize("case", GNU_COMMA_CASES)
def test_gnu_comma_elision_as_in_clang(tmp_path, case):
    source = GNU_COMMA_MACROS + case + "\n"
    main = write(tmp_path / "comma.c", source)
    result, diags = run(source, main)
    assert not diags.items
    assert c_tokens(result.text) == c_tokens(clang("-target", "bpf", "-E", "-P", main))


def test_macro_output_does_not_paste_tokens():
    source = "#define NEG -1\n#define ID(x) x\nint a = -NEG; int b = ID(+)+1;\n"
    assert expand(source) == ["int a = - -1; int b = + +1;"]


# ---- a real program ------------------------------------------------------------------------

TC_PROGRAM = """\
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

SEC("tc")
int count(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counter, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
"""


def without_layout(text: str) -> str:
    """Tokens only: no line markers, no blanks, `_Pragma("x")` as the `#pragma x` line clang writes."""
    text = re.sub(r'_Pragma\("((?:[^"\\]|\\.)*)"\)', lambda m: "\n#pragma " + m[1].replace('\\"', '"') + "\n", text)
    return re.sub(r"\s+", "", "".join(line for line in text.splitlines() if not re.match(r"\s*# \d+ ", line)))


@needs_libbpf
def test_libbpf_program(tmp_path, capfd):
    main = write(tmp_path / "prog.c", TC_PROGRAM)
    result, diags = run(TC_PROGRAM, main)
    assert not diags.items
    assert "/usr/include/bpf/bpf_helpers.h" in result.sources
    assert capfd.readouterr() == ("", "")
    if CLANG:
        multiarch = [d for d in pp_module.system_include_dirs() if "-linux-" in d]
        theirs = clang("-target", "bpf", "-mcpu=v3", "-O2", "-g", "-E", *(f"-I{d}" for d in multiarch), main)
        assert without_layout(result.text) == without_layout(theirs)
