"""The `bpfcc` command line: clang's flag spellings, its error texts, and what it writes where.

Flag parsing is tested on `cli.parse_args`; everything else goes through
`cli.main([...])` in-process, and `python -m bpfcc` once as a subprocess.
"""
from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from bpfcc import cli
from bpfcc.diagnostics import Diagnostic, Location
from bpfcc.options import DEFAULT_MCPU, MCPUS

REPO = Path(__file__).resolve().parent.parent

UNDECLARED = "int f(void) { return x; }\n"
# Self-contained, so the test needs no system headers.
XDP_PASS = """\
struct xdp_md { unsigned int data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };

__attribute__((section("xdp"), used))
int xdp_pass(struct xdp_md *ctx)
{
    return 2; /* XDP_PASS */
}

char _license[] __attribute__((section("license"), used)) = "GPL";
"""


def parse(*argv: str) -> cli.Invocation:
    inv = cli.parse_args(list(argv))
    assert inv.errors == []
    return inv


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Work in a temporary directory, where default outputs land, with the test programs in it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.c").write_text(UNDECLARED)
    (tmp_path / "prog.c").write_text(XDP_PASS)
    return tmp_path


# --- flag parsing ------------------------------------------------------------------------------

def test_defines_joined_separate_and_valued():
    inv = parse("-DA", "-D", "B", "-DC=3", "-D", "D=x y", "-DE=", "-DF(a)=(a+1)", "x.c")
    assert inv.options.defines == [("A", "1"), ("B", "1"), ("C", "3"), ("D", "x y"), ("E", ""), ("F(a)", "(a+1)")]


def test_later_define_or_undefine_of_a_name_wins():
    inv = parse("-DA", "-UA", "-UB", "-DB=2", "-U", "C", "x.c")
    assert inv.options.defines == [("B", "2")]
    assert inv.options.undefines == ["A", "C"]


def test_include_dirs_in_order_with_isystem_last():
    inv = parse("-Ia", "-isystem", "s", "-I", "b", "-isystemt", "-Ic", "x.c")
    assert inv.options.include_dirs == ["a", "b", "c", "s", "t"]


@pytest.mark.parametrize("flags, level", [
    ((), 2), (("-O0",), 0), (("-O1",), 1), (("-O2",), 2), (("-O3",), 3), (("-O",), 1),
    (("-Os",), 2), (("-Oz",), 2), (("-O9",), 3), (("-O3", "-O0"), 0),
])
def test_optimisation_levels(flags, level):
    assert parse(*flags, "x.c").options.opt_level == level


def test_invalid_optimisation_level(capsys):
    assert run(capsys, "-Ofast", "x.c") == (1, "", "bpfcc: error: invalid integral value 'fast' in '-Ofast'\n")


@pytest.mark.parametrize("cpu", MCPUS)
def test_mcpu_values(cpu):
    assert parse(f"-mcpu={cpu}", "x.c").options.mcpu == cpu


def test_default_mcpu():
    assert parse("x.c").options.mcpu == DEFAULT_MCPU == "v3"


def test_invalid_mcpu_lists_the_valid_ones(capsys):
    status, out, err = run(capsys, "-mcpu=v9", "x.c")
    assert status == 1 and out == ""
    assert err == ("bpfcc: error: unknown target CPU 'v9'\n"
                   "bpfcc: note: valid target CPU values are: v1, v2, v3, v4, generic, probe\n")


@pytest.mark.parametrize("flags", [
    ("-target", "bpf"), ("-target", "bpfel"), ("--target=bpf",), ("--target=bpfel",),
    ("-target", "bpf-unknown-none"), ("-mlittle-endian",),
])
def test_bpf_targets_accepted(flags):
    parse(*flags, "x.c")


def test_other_target_refused(capsys):
    status, _, err = run(capsys, "-target", "x86_64-linux-gnu", "x.c")
    assert status == 1
    assert err.startswith("bpfcc: error: unknown target triple 'x86_64-linux-gnu'\n")


@pytest.mark.parametrize("flags", [("-target", "bpfeb"), ("--target=bpfeb",), ("-mbig-endian",)])
def test_big_endian_refused(capsys, flags):
    status, _, err = run(capsys, *flags, "x.c")
    assert status == 1
    assert err.startswith("bpfcc: error: big-endian BPF is not supported\n")


def test_warning_flags():
    assert parse("-Wall", "-Wextra", "-Wno-unused-value", "-Werror=shadow", "x.c").options.werror is False
    assert parse("-Wall", "-Werror", "x.c").options.werror is True
    assert parse("-Werror", "-Wno-error", "x.c").options.werror is False
    assert parse("-Werror", "-w", "x.c").options.werror is False  # -w silences even -Werror
    # Group flags are kept in order; diagnostics.WARNING_GROUPS says which groups they change.
    assert parse("-Wall", "-Wno-int-conversion", "-Werror=shadow", "-Wno-error=return-mismatch",
                 "x.c").options.warnings == ["all", "no-int-conversion", "error=shadow", "no-error=return-mismatch"]


def test_debug_flags():
    assert parse("x.c").options.debug is True
    assert parse("-g0", "x.c").options.debug is False
    for flag in ("-g", "-g1", "-g2", "-gdwarf-4", "-gdwarf-5", "-gbtf"):
        assert parse("-g0", flag, "x.c").options.debug is True


def test_harmless_flags_accepted():
    inv = parse("-c", "-std=gnu11", "-std=c99", "-std=gnu2x", "-std=c23", "-fno-stack-protector",
                "-ffreestanding", "-fno-builtin", "-fno-builtin-memcpy", "-fno-asynchronous-unwind-tables",
                "-pipe", "-x", "c", "x.c")
    assert inv.options == cli.Options()


def test_strict_loops():
    assert parse("x.c").options.strict_loops is False
    assert parse("--strict-loops", "x.c").options.strict_loops is True


@pytest.mark.parametrize("flags, kind, name", [
    ((), "object", "prog.o"), (("-c",), "object", "prog.o"), (("-S",), "asm", "prog.s"),
    (("-S", "-emit-llvm"), "ir", "prog.ll"), (("-c", "-emit-llvm"), "bitcode", "prog.bc"),
    (("-E",), "preprocessed", "-"), (("-E", "-c"), "preprocessed", "-"), (("-c", "-S"), "asm", "prog.s"),
])
def test_output_kind_and_default_name(flags, kind, name):
    inv = parse(*flags, "src/prog.c")
    assert (inv.output_kind, cli.output_path(inv, "src/prog.c")) == (kind, name)  # clang writes into the cwd
    assert cli.output_path(parse(*flags, "-o", "out/x", "src/prog.c"), "src/prog.c") == "out/x"


@pytest.mark.parametrize("argv, message", [
    (["-foo", "x.c"], "unknown argument: '-foo'"),
    (["-fcolorful", "x.c"], "unknown argument: '-fcolorful'"),
    (["-gsplit-dwarf", "x.c"], "unknown argument: '-gsplit-dwarf'"),
    (["-std=c++17", "x.c"], "invalid value 'c++17' in '-std=c++17'"),
    (["x.c", "-o"], "argument to '-o' is missing (expected 1 value)"),
    (["x.c", "-target"], "argument to '-target' is missing (expected 1 value)"),
    ([], "no input files"),
    (["-c", "-O2"], "no input files"),
    (["a.c", "b.c", "-o", "x.o"], "cannot specify -o when generating multiple output files"),
    (["-c", "-"], "-E or -x required when input is from standard input"),
])
def test_usage_errors(capsys, argv, message):
    assert run(capsys, *argv) == (1, "", f"bpfcc: error: {message}\n")


def test_all_usage_errors_reported_at_once(capsys):
    status, _, err = run(capsys, "-foo", "-bar", "x.c")
    assert (status, err) == (1, "bpfcc: error: unknown argument: '-foo'\nbpfcc: error: unknown argument: '-bar'\n")


# --- information -------------------------------------------------------------------------------

VERSION = re.compile(r"bpfcc 0\.1\.0 \(LLVM \d+\.\d+\.\d+\)\n")


def test_version(capsys):
    status, out, err = run(capsys, "--version")
    assert status == 0 and err == "" and VERSION.fullmatch(out)


def test_help(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0 and out.startswith("usage: bpfcc") and "-mcpu=CPU" in out


def test_version_as_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "bpfcc", "--version"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, "") and VERSION.fullmatch(proc.stdout)


def test_summary_counts_like_clang(capsys):
    at = Location("a.c", 1, 1)
    diags = [Diagnostic("warning", "w1", at), Diagnostic("note", "n", at), Diagnostic("error", "e1", at),
             Diagnostic("warning", "w2", at), Diagnostic("error", "e2", at)]
    cli.report(diags, {})
    assert capsys.readouterr().err.splitlines()[-1] == "2 warnings and 2 errors generated."
    cli.report(diags[:2], {})
    assert capsys.readouterr().err.splitlines()[-1] == "1 warning generated."
    cli.report(diags, {}, hide_warnings=True)  # -w: warnings and their notes go
    assert capsys.readouterr().err == "a.c:1:1: error: e1\na.c:1:1: error: e2\n2 errors generated.\n"
    cli.report([], {})
    assert capsys.readouterr().err == ""


def test_import_and_flag_parsing_do_not_load_the_compiler():
    """`import bpfcc`, `bpfcc --help` and flag errors stay fast: LLVM and the parsers load on first compile."""
    code = ("import sys, bpfcc, bpfcc.cli; bpfcc.cli.parse_args(['-O2', 'x.c']);"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('llvmlite', 'pycparser', 'pcpp')"
            " or m in ('bpfcc.driver', 'bpfcc.api')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "[]\n", "")


def test_every_package_is_packaged():
    """pyproject lists packages by hand (to map include/ and include-fallback/ into bpfcc): a new
    subpackage must be added."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "bpfcc").rglob("*.py")}
    headers = {"bpfcc.include": "include", "bpfcc.include_fallback.bpf": "include-fallback/bpf"}
    assert on_disk | set(headers) == set(config["packages"])
    assert config["package-dir"] == headers


# --- compiling (needs the whole pipeline) ------------------------------------------------------

def test_preprocess_only_expands_defines(capsys, in_tmp):
    (in_tmp / "m.c").write_text("int v = ANSWER;\n#ifdef GONE\nint gone;\n#endif\n")
    status, out, err = run(capsys, "-E", "-DANSWER=42", "-DGONE", "-UGONE", "m.c")
    assert (status, err) == (0, "")
    # Expansions are padded to keep later columns where they were in the source.
    assert "int v = 42 ;" in " ".join(out.split()) and "gone" not in out
    assert run(capsys, "-E", "-DANSWER=7", "m.c", "-o", "m.i")[:2] == (0, "")
    assert "int v = 7 ;" in " ".join((in_tmp / "m.i").read_text().split())


def test_compile_error_is_rendered_with_caret(capsys, in_tmp):
    status, out, err = run(capsys, "-O2", "-g", "-target", "bpf", "-c", "bad.c", "-o", "bad.o")
    assert (status, out) == (1, "")
    assert re.search(r"^bad\.c:1:22: error: .*undeclared identifier 'x'\n"
                     r"int f\(void\) \{ return x; \}\n {21}\^\n", err, re.M), err
    assert err.endswith("1 error generated.\n")
    assert not (in_tmp / "bad.o").exists()


def test_failed_compile_removes_stale_output(capsys, in_tmp):
    (in_tmp / "bad.o").write_bytes(b"stale object")
    assert run(capsys, "-c", "bad.c")[0] == 1
    assert not (in_tmp / "bad.o").exists()
    (in_tmp / "other.o").write_bytes(b"stale object")
    assert run(capsys, "-c", "bad.c", "-o", "other.o")[0] == 1
    assert not (in_tmp / "other.o").exists()


def test_compile_writes_an_object(capsys, in_tmp):
    assert run(capsys, "-O2", "-g", "-target", "bpf", "-c", "prog.c", "-o", "out.o") == (0, "", "")
    with open(in_tmp / "out.o", "rb") as f:
        elf = ELFFile(f)
        assert elf["e_machine"] == "EM_BPF"
        assert elf.get_section_by_name("xdp") is not None
    assert run(capsys, "-c", "prog.c") == (0, "", "")
    assert (in_tmp / "prog.o").read_bytes()[:4] == b"\x7fELF"


def test_object_to_stdout(capsysbinary, in_tmp):
    assert cli.main(["-c", "prog.c", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out[:4] == b"\x7fELF"


def test_object_from_stdin(capsys, in_tmp, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(XDP_PASS))
    assert run(capsys, "-x", "c", "-c", "-", "-o", "in.o") == (0, "", "")
    assert (in_tmp / "in.o").read_bytes()[:4] == b"\x7fELF"


def test_assembly_ir_and_bitcode(capsys, in_tmp):
    assert run(capsys, "-S", "prog.c") == (0, "", "")
    assert "exit" in (in_tmp / "prog.s").read_text()
    assert run(capsys, "-S", "-emit-llvm", "prog.c") == (0, "", "")
    assert "define" in (in_tmp / "prog.ll").read_text()
    assert run(capsys, "-c", "-emit-llvm", "prog.c") == (0, "", "")
    assert (in_tmp / "prog.bc").read_bytes()[:4] == b"BC\xc0\xde"


def test_several_inputs_each_get_their_object(capsys, in_tmp):
    (in_tmp / "second.c").write_text(XDP_PASS)
    assert run(capsys, "-c", "prog.c", "second.c") == (0, "", "")
    assert (in_tmp / "prog.o").exists() and (in_tmp / "second.o").exists()


def test_unwritable_output_is_an_error(capsys, in_tmp):
    status, _, err = run(capsys, "-c", "prog.c", "-o", str(in_tmp))
    assert status == 1
    assert err == f"bpfcc: error: unable to open output file '{in_tmp}': 'Is a directory'\n"


def test_device_output_is_written_through_not_replaced(capsys, in_tmp):
    """`-o /dev/null` must leave /dev/null a device, whether the compile fails or not."""
    null = in_tmp / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own, in case
    except PermissionError:
        pytest.skip("creating a device node needs root")
    assert run(capsys, "-c", "bad.c", "-o", str(null))[0] == 1
    assert run(capsys, "-c", "prog.c", "-o", str(null)) == (0, "", "")
    assert stat.S_ISCHR(null.stat().st_mode)


# --- the Python API ----------------------------------------------------------------------------

def test_api_keywords_override_options():
    from bpfcc import api

    base = cli.Options(opt_level=0, include_dirs=["a"])
    opts = api.options_for(base, defines={"A": None, "B": 2, "C": True}, include_dirs=["x"], mcpu="v1", debug=False)
    assert opts.defines == [("A", "1"), ("B", "2"), ("C", "1")]
    assert (opts.include_dirs, opts.mcpu, opts.debug, opts.opt_level) == (["x"], "v1", False, 0)
    assert base == cli.Options(opt_level=0, include_dirs=["a"])
    with pytest.raises(ValueError):
        api.compile("int x;", output="executable")


def test_api_compile_file_writes_or_removes_out(in_tmp):
    import bpfcc

    result = bpfcc.compile_file("prog.c", out="p.o")
    assert result.ok and (in_tmp / "p.o").read_bytes() == result.output
    result = bpfcc.compile_file("bad.c", out="p.o")
    assert result.output is None and not (in_tmp / "p.o").exists()
    assert [(d.file, d.line, d.column) for d in result.errors] == [("bad.c", 1, 22)]
