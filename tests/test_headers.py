"""bpfcc's libbpf-compatible headers (include-fallback/bpf/*.h) and the include search that reaches them.

The search is clang's: -I, then /usr/local/include, bpfcc's freestanding headers (clang's
resource directory), /usr/include/<multiarch>, /usr/include, and last, as if by -idirafter,
bpfcc's <bpf/bpf_helpers.h>, <bpf/bpf_helper_defs.h>, <bpf/bpf_endian.h>,
<bpf/bpf_core_read.h> and <bpf/bpf_tracing.h>.  A machine with libbpf-dev compiles against the
headers its user installed; one without it still compiles libbpf-style programs.

A machine without libbpf-dev is this one seen through --sysroot: a /usr/include made of
symbolic links to the real one's entries, bpf/ left out.  The programs in tests/headers/ are
compiled by bpfcc and clang-19 against both sets of headers, loaded, and run in the kernel.
"""
from __future__ import annotations

import ctypes
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import bpfcc
from bpfcc import api, cli
from bpfcc.diagnostics import Diagnostics
from bpfcc.loader import syscall
from bpfcc.options import Options
from bpfcc.preprocess import fallback_include_dir, include_dir, preprocess, system_include_dirs
from support import packets as P
from support import tracing

REPO = Path(__file__).resolve().parent.parent
HEADERS = Path(__file__).resolve().parent / "headers"
GENERATOR = REPO / "scripts" / "gen_helper_defs.py"
FALLBACK = Path(fallback_include_dir())
LIBBPF_HEADERS = ("bpf_helpers.h", "bpf_helper_defs.h", "bpf_endian.h", "bpf_core_read.h", "bpf_tracing.h")
SYSTEM_BPF_H = Path("/usr/include/linux/bpf.h")
MULTIARCH = next(d for d in system_include_dirs() if "-linux-" in os.path.basename(d))

needs_libbpf_dev = pytest.mark.skipif(
    not Path("/usr/include/bpf/bpf_helpers.h").exists(), reason="libbpf-dev is not installed"
)
needs_linux_headers = pytest.mark.skipif(not SYSTEM_BPF_H.exists(), reason="linux-libc-dev is not installed")


@pytest.fixture(scope="module")
def without_libbpf(tmp_path_factory) -> Path:
    """A sysroot whose /usr/include is the real one without bpf/ (libbpf-dev's headers)."""
    root = tmp_path_factory.mktemp("sysroot")
    usr_include = root / "usr" / "include"
    usr_include.mkdir(parents=True)
    for entry in Path("/usr/include").iterdir():
        if entry.name != "bpf":
            (usr_include / entry.name).symlink_to(entry)
    return root


def run_preprocessor(source: str, **options) -> tuple[dict[str, list[str]], str, Diagnostics]:
    diags = Diagnostics()
    result = preprocess(source, "main.c", Options(**options), diags)
    return result.sources, result.text, diags


def located(result: bpfcc.Result) -> list[tuple[str, int, int, str, str | None]]:
    return [(d.severity, d.line, d.column, d.message, d.hint) for d in result.diagnostics]


# ---- where <bpf/*.h> comes from -----------------------------------------------------------------

def test_search_order_is_clangs_with_the_fallback_last():
    multiarch = os.path.basename(MULTIARCH)
    assert system_include_dirs("/r") == [
        "/r/usr/local/include", include_dir(), f"/r/usr/include/{multiarch}", "/r/usr/include",
        fallback_include_dir(),
    ]


def test_fallback_headers_exist():
    assert sorted(p.name for p in (FALLBACK / "bpf").glob("*.h")) == sorted(LIBBPF_HEADERS)


@needs_libbpf_dev
def test_installed_libbpf_headers_win():
    sources, _, diags = run_preprocessor("#include <linux/types.h>\n#include <bpf/bpf_helpers.h>\n")
    assert not diags.items
    assert "/usr/include/bpf/bpf_helpers.h" in sources
    assert "/usr/include/bpf/bpf_helper_defs.h" in sources
    assert not [f for f in sources if f.startswith(str(FALLBACK))]


@pytest.mark.parametrize("header", LIBBPF_HEADERS)
def test_fallback_without_libbpf_dev(without_libbpf, header):
    sources, _, diags = run_preprocessor(f"#include <linux/types.h>\n#include <bpf/{header}>\n",
                                         sysroot=str(without_libbpf))
    assert not diags.items
    assert str(FALLBACK / "bpf" / header) in sources
    assert not [f for f in sources if "/bpf/" in f and not f.startswith(str(FALLBACK))]


def test_has_include_sees_the_fallback(without_libbpf):
    source = "#if __has_include(<bpf/bpf_helpers.h>) && !__has_include(<bpf/libbpf.h>)\nint yes;\n#endif\n"
    _, text, diags = run_preprocessor(source, sysroot=str(without_libbpf))
    assert not diags.items and "int yes;" in text


def test_an_empty_dash_i_changes_nothing(tmp_path):
    source = (HEADERS / "libbpf_style.c").read_text()
    (tmp_path / "empty").mkdir()
    plain = run_preprocessor(source)
    with_empty = run_preprocessor(source, include_dirs=[str(tmp_path / "empty")])
    assert with_empty[1] == plain[1] and with_empty[0].keys() == plain[0].keys()


def test_dash_i_comes_before_the_fallback(tmp_path, without_libbpf):
    (tmp_path / "bpf").mkdir()
    (tmp_path / "bpf" / "bpf_helpers.h").write_text("int project_helpers;\n")
    _, text, diags = run_preprocessor("#include <bpf/bpf_helpers.h>\n", include_dirs=[str(tmp_path)],
                                      sysroot=str(without_libbpf))
    assert not diags.items and "int project_helpers;" in text


def test_sysroot_from_the_command_line_and_the_api():
    assert cli.parse_args(["--sysroot", "/r", "a.c"]).options.sysroot == "/r"
    assert cli.parse_args(["--sysroot=/s", "a.c"]).options.sysroot == "/s"
    assert cli.parse_args(["a.c"]).options.sysroot == "/"
    assert api.options_for(sysroot=Path("/t")).sysroot == "/t"


# ---- a missing system header names its Debian package -------------------------------------------

@pytest.mark.parametrize("header, package", [
    ("linux/if_ether.h", "linux-libc-dev"),
    ("asm/byteorder.h", "linux-libc-dev"),
    ("sys/socket.h", "libc6-dev"),
    ("netinet/in.h", "libc6-dev"),
])
def test_missing_package_is_named(tmp_path, header, package):
    result = bpfcc.compile(f"int x;\n#include <{header}>\n", "main.c", sysroot=tmp_path)
    hint = f"<{header.split('/')[0]}/…> headers come from the Debian package {package}, which seems not to be installed"
    assert located(result) == [("error", 2, 10, f"'{header}' file not found", hint)]


def test_missing_libbpf_dev_is_named_for_headers_bpfcc_does_not_have(without_libbpf):
    result = bpfcc.compile("#include <bpf/libbpf.h>\n", "main.c", sysroot=without_libbpf)
    hint = "<bpf/…> headers come from the Debian package libbpf-dev, which seems not to be installed"
    assert located(result) == [("error", 1, 10, "'bpf/libbpf.h' file not found", hint)]


@needs_linux_headers
def test_a_header_the_installed_package_lacks():
    result = bpfcc.compile('#include "linux/bpfcc_no_such.h"\n', "main.c")
    hint = "<linux/…> headers come from the Debian package linux-libc-dev; the installed one has no linux/bpfcc_no_such.h"
    assert located(result) == [("error", 1, 10, "'linux/bpfcc_no_such.h' file not found", hint)]


def test_no_package_for_other_headers(tmp_path):
    result = bpfcc.compile("#include <project/config.h>\n", "main.c", sysroot=tmp_path)
    assert located(result) == [("error", 1, 10, "'project/config.h' file not found", None)]


# ---- bpf_helper_defs.h, generated from <linux/bpf.h> --------------------------------------------

_DECLARATION = re.compile(r"^static .*\(\* const (bpf_\w+)\)\((.*)\) = \(void \*\) (\d+);$", re.M)


def helper_ids(text: str) -> dict[str, int]:
    return {name: int(number) for name, _, number in _DECLARATION.findall(text)}


def generate(header: Path | str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATOR), str(header), "-o", str(out)],
                          capture_output=True, text=True, timeout=60)


COMMITTED = (FALLBACK / "bpf" / "bpf_helper_defs.h").read_text()


@needs_linux_headers
def test_generated_defs_match_this_machines_linux_bpf_h(tmp_path):
    proc = generate(SYSTEM_BPF_H, tmp_path / "defs.h")
    assert proc.returncode == 0, proc.stderr
    ours = helper_ids((tmp_path / "defs.h").read_text())
    committed = helper_ids(COMMITTED)
    assert len(ours) > 200
    assert {name: committed.get(name) for name in ours} == ours


def test_helper_ids_match_the_running_kernel(bpftool):
    dump = subprocess.run([bpftool, "btf", "dump", "file", "/sys/kernel/btf/vmlinux"], capture_output=True,
                          text=True, timeout=120, check=True).stdout
    enum = dump[dump.index("ENUM 'bpf_func_id'"):]
    kernel = {f"bpf_{name}": int(value) for name, value in re.findall(r"'BPF_FUNC_(\w+)' val=(\d+)", enum)}
    committed = helper_ids(COMMITTED)
    assert {name: kernel.get(name) for name in committed} == committed
    # Every helper the kernel has is declared (its list stops at 211, frozen since Linux 6.15).
    assert sorted(set(kernel) - set(committed)) == ["bpf_unspec"]


def test_generated_defs_compile_cleanly_with_clang(clang, tmp_path):
    source = tmp_path / "defs.c"
    source.write_text(f'#include <linux/types.h>\n#include "{FALLBACK / "bpf" / "bpf_helper_defs.h"}"\n')
    proc = subprocess.run([clang, "-target", "bpf", f"-I{MULTIARCH}", "-Wall", "-Wextra", "-Werror",
                           "-fsyntax-only", str(source)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_generated_defs_compile_with_bpfcc_as_with_clang(clang_compile, tmp_path):
    """The newest helpers (bpf_cgrp_storage_get/delete, ids 210 and 211) called through the
    generated declarations: both compilers call the same ids."""
    source = tmp_path / "cgrp.c"
    source.write_text(f"""\
#include <linux/types.h>
#include "{FALLBACK / "bpf" / "bpf_helper_defs.h"}"
struct cgroup;
struct {{ int (*type)[32]; int (*map_flags)[1]; int *key; long *value; }} storage __attribute__((section(".maps"), used));
__attribute__((section("tp_btf/cgroup_mkdir"), used))
int on_mkdir(unsigned long long *ctx)
{{
	struct cgroup *cgrp = (struct cgroup *)ctx[0];
	long *count = bpf_cgrp_storage_get(&storage, cgrp, 0, 1);

	if (count)
		*count += 1;
	return bpf_cgrp_storage_delete(&storage, cgrp);
}}
""")
    result = bpfcc.compile_file(source, out=tmp_path / "cgrp.bpfcc.o")
    assert result.ok, result.errors
    theirs = clang_compile(source, tmp_path / "cgrp.clang.o")
    assert helper_calls(tmp_path / "cgrp.bpfcc.o") == helper_calls(theirs) == [210, 211]


def helper_calls(path) -> list[int]:
    """The helper ids an object's code calls, in order."""
    with open(path, "rb") as f:
        code = ELFFile(f).get_section_by_name("tp_btf/cgroup_mkdir").data()
    return [struct.unpack_from("<i", code, at + 4)[0] for at in range(0, len(code), 8)
            if code[at] == 0x85 and code[at + 1] >> 4 == 0]


# Linux 6.2 and later spell each helper's id in ___BPF_FUNC_MAPPER; a helper that takes several
# kinds of context is documented once per kind.
NEWER_BPF_H = """\
/*
 * Start of BPF helper function descriptions:
 *
 * void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)
 * 	Description
 * 		Look up.
 *
 * u64 bpf_get_socket_cookie(struct sk_buff *skb)
 * 	Description
 * 		A cookie.
 *
 * u64 bpf_get_socket_cookie(struct bpf_sock_addr *ctx)
 * 	Description
 * 		The same cookie.
 *
 * long bpf_strtol(const char *buf, size_t buf_len, u64 flags, long *res)
 * 	Description
 * 		A number.
 *
 * long bpf_skb_load_bytes(const struct sk_buff *skb, u32 offset, void *to, u32 len)
 * 	Description
 * 		Bytes.
 */
#define ___BPF_FUNC_MAPPER(FN, ctx...)			\\
	FN(unspec, 0, ##ctx)				\\
	FN(map_lookup_elem, 1, ##ctx)			\\
	FN(get_socket_cookie, 46, ##ctx)		\\
	FN(skb_load_bytes, 26, ##ctx)			\\
	FN(strtol, 105, ##ctx)				\\
	/* */
"""
# Linux 6.15 ends the list with a comment of several lines instead of `/* */`.
FROZEN_LIST_END = """\
	/* This helper list is effectively frozen. If you are trying to	\\
	 * add a new helper, you should add a kfunc instead which has	\\
	 * less stability guarantees. See Documentation/bpf/kfuncs.rst	\\
	 */
"""


@pytest.mark.parametrize("end", ["/* */", "frozen"])
def test_generator_reads_the_newer_mapper_and_merges_contexts(tmp_path, end):
    header = NEWER_BPF_H if end == "/* */" else NEWER_BPF_H.replace("\t/* */\n", FROZEN_LIST_END)
    assert end == "/* */" or "frozen" in header
    (tmp_path / "bpf.h").write_text(header)
    proc = generate(tmp_path / "bpf.h", tmp_path / "defs.h")
    assert proc.returncode == 0, proc.stderr
    declarations = [line for line in (tmp_path / "defs.h").read_text().splitlines() if line.startswith(("static", "struct"))]
    assert declarations == [
        "struct __sk_buff;",
        "static void *(* const bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;",
        "static long (* const bpf_skb_load_bytes)(const struct __sk_buff *skb, __u32 offset, void *to, __u32 len)"
        " = (void *) 26;",
        "static __u64 (* const bpf_get_socket_cookie)(void *ctx) = (void *) 46;",
        "static long (* const bpf_strtol)(const char *buf, unsigned long buf_len, __u64 flags, long *res) = (void *) 105;",
    ]


def test_generator_refuses_a_header_without_helpers(tmp_path):
    (tmp_path / "other.h").write_text("int x;\n")
    proc = generate(tmp_path / "other.h", tmp_path / "defs.h")
    assert (proc.returncode, proc.stdout) == (1, "")
    assert "no __BPF_FUNC_MAPPER or ___BPF_FUNC_MAPPER" in proc.stderr
    assert not (tmp_path / "defs.h").exists()


# ---- the programs, in the kernel ---------------------------------------------------------------

def bpfcc_build(name: str, out_dir: Path, sysroot: Path | None = None, **settings) -> Path:
    out = out_dir / f"{name}.bpfcc{'-fallback' if sysroot else ''}.o"
    result = bpfcc.compile_file(HEADERS / f"{name}.c", out=out, sysroot=sysroot, **settings)
    assert result.ok, "\n".join(f"{d.line}:{d.column}: {d.message}" for d in result.diagnostics)
    return out


def clang_build(clang_compile, name: str, out_dir: Path, sysroot: Path | None = None, flags=()) -> Path:
    """clang-19 as bpfcc searches: with a sysroot, /usr/include is the sysroot's and bpfcc's
    fallback headers come after it (-idirafter)."""
    out = out_dir / f"{name}.clang{'-fallback' if sysroot else ''}.o"
    where = ["--sysroot", str(sysroot), "-idirafter", str(FALLBACK)] if sysroot else []
    return clang_compile(HEADERS / f"{name}.c", out, [*where, *flags])


def program_sections(path: Path) -> dict[str, bytes]:
    """The code of each program: what two builds against equivalent headers must share."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        return {s.name: s.data() for s in elf.iter_sections()
                if s["sh_type"] == "SHT_PROGBITS" and s["sh_flags"] & 0x4}  # SHF_EXECINSTR


FRAMES = [
    P.udp_frame(dport=53),
    P.udp_frame(dport=53, payload=b"x" * 40),
    P.udp_frame(dport=9),
    P.udp_frame(sport=1000, dport=5000, dst="10.0.0.99"),
    P.tcp_frame(dport=80),
    P.arp_frame(),
    P.icmp_echo_frame(),
]


def run_classifier(kernel, path: Path) -> tuple[list[int], dict, dict]:
    obj = kernel.load(path)
    verdicts = [obj.program("classify").run(frame).sretval for frame in FRAMES]
    counts = {struct.unpack("<I", k)[0]: struct.unpack("<Q", v)[0] for k, v in obj.map("counts").items()}
    by_port = {struct.unpack(">H", k)[0]: struct.unpack("<I", v)[0] for k, v in obj.map("by_port").items()}
    return verdicts, counts, by_port


@needs_libbpf_dev
def test_libbpf_program_with_installed_and_fallback_headers(kernel, clang_compile, tmp_path, without_libbpf):
    """The same program, against libbpf-dev's headers and bpfcc's, by bpfcc and by clang-19."""
    builds = {
        "bpfcc": bpfcc_build("libbpf_style", tmp_path),
        "bpfcc-fallback": bpfcc_build("libbpf_style", tmp_path, without_libbpf),
        "clang": clang_build(clang_compile, "libbpf_style", tmp_path),
        "clang-fallback": clang_build(clang_compile, "libbpf_style", tmp_path, without_libbpf),
    }
    results = {name: run_classifier(kernel, path) for name, path in builds.items()}
    verdicts, counts, by_port = results["clang"]
    assert verdicts == [0, 0, 2, 2, 0, 0, 0]  # TC_ACT_OK, TC_ACT_SHOT for port 9 and 10.0.0.99
    assert counts == {0: 1, 1: 6, 2: 2, 3: 2}
    assert by_port == {53: (8 + 7) + (8 + 40), 9: 8 + 7, 5000: 8 + 7}  # UDP lengths, summed per port
    assert results == {name: results["clang"] for name in builds}
    # Equivalent headers, so the same code: the fallback changes nothing but where it comes from.
    assert program_sections(builds["bpfcc-fallback"]) == program_sections(builds["bpfcc"])
    assert program_sections(builds["clang-fallback"]) == program_sections(builds["clang"])


NEWER_EXPECTED = 0b1111110101  # every check but unlikely() and the missing weak kfunc


@pytest.mark.parametrize("compiler", ["bpfcc", "clang"])
def test_what_libbpf_added_since_1_1(kernel, clang_compile, tmp_path, without_libbpf, compiler):
    """likely/unlikely, bpf_ksym_exists, BPF_SNPRINTF, five-argument bpf_printk, BPF_PROBE_READ
    chains: from the fallback headers (Debian's libbpf-dev 1.1 has not all of them)."""
    if compiler == "bpfcc":
        path = bpfcc_build("newer", tmp_path, without_libbpf)
    else:
        path = clang_build(clang_compile, "newer", tmp_path, without_libbpf)
    frame = P.udp_frame()
    assert kernel.load(path).program("newer").run(frame).retval == NEWER_EXPECTED


def test_ulong_map_property_with_clang(clang_compile, bpftool, tmp_path, without_libbpf):
    """libbpf 1.4 and later read these; Debian's 1.1 does not, so this object is not loaded."""
    path = clang_build(clang_compile, "ulong", tmp_path, without_libbpf)
    dump = subprocess.run([bpftool, "btf", "dump", "file", str(path)], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    assert re.findall(r"(ENUM64|ENUM) '\(anon\)'.*\n\t'(\w+)' val=(\d+)", dump) == [
        ("ENUM", "__bpf_ulong_0", "3"), ("ENUM64", "__bpf_ulong_1", str(1 << 32)),
    ]


def iterators_flags() -> list[str]:
    """<linux/bpf.h> of Linux 6.4 and later defines struct bpf_iter_num itself."""
    has_it = SYSTEM_BPF_H.exists() and "struct bpf_iter_num {" in SYSTEM_BPF_H.read_text()
    return ["-DBPFCC_HAVE_BPF_ITER_NUM"] if has_it else []


@pytest.mark.parametrize("compiler", ["bpfcc", "clang"])
def test_open_coded_iterators(kernel, clang_compile, tmp_path, without_libbpf, compiler):
    """bpf_for, bpf_repeat, bpf_for_each: iterator kfuncs and the cleanup attribute."""
    if compiler == "bpfcc":
        defines = {flag[2:]: None for flag in iterators_flags()}
        path = bpfcc_build("iterators", tmp_path, without_libbpf, defines=defines)
    else:
        path = clang_build(clang_compile, "iterators", tmp_path, without_libbpf, iterators_flags())
    assert kernel.load(path).program("iterate").run(P.udp_frame()).retval == 1845043


def test_core_reads_with_clang(kernel, clang_compile, tmp_path, without_libbpf):
    path = clang_build(clang_compile, "core", tmp_path, without_libbpf)
    assert kernel.load(path).program("core").run(P.udp_frame()).retval == 0b11111


def test_core_reads_with_bpfcc(kernel, tmp_path, without_libbpf):
    path = bpfcc_build("core", tmp_path, without_libbpf)
    assert kernel.load(path).program("core").run(P.udp_frame()).retval == 0b11111


class _TestRunAttr(ctypes.Structure):
    """bpf_attr for BPF_PROG_TEST_RUN, only as far as a raw tracepoint's run needs: the kernel
    refuses data, an output context and repeat for those."""
    _fields_ = [("prog_fd", ctypes.c_uint32), ("retval", ctypes.c_uint32), ("data_size_in", ctypes.c_uint32),
                ("data_size_out", ctypes.c_uint32), ("data_in", ctypes.c_uint64), ("data_out", ctypes.c_uint64),
                ("repeat", ctypes.c_uint32), ("duration", ctypes.c_uint32), ("ctx_size_in", ctypes.c_uint32),
                ("ctx_size_out", ctypes.c_uint32), ("ctx_in", ctypes.c_uint64), ("ctx_out", ctypes.c_uint64),
                ("flags", ctypes.c_uint32), ("cpu", ctypes.c_uint32), ("batch_size", ctypes.c_uint32)]


def run_raw_tracepoint(program, args: list[int]) -> int:
    ctx = ctypes.create_string_buffer(struct.pack(f"<{len(args)}q", *args), 8 * len(args))
    attr = _TestRunAttr(prog_fd=program.fd, ctx_size_in=8 * len(args), ctx_in=ctypes.addressof(ctx))
    syscall.bpf(syscall.Cmd.PROG_TEST_RUN, attr, f"BPF_PROG_TEST_RUN of {program.name}")
    return attr.retval


def check_tracing(kernel, path: Path) -> None:
    obj = kernel.load(path)  # the verifier checks the kprobes' pt_regs accesses
    assert run_raw_tracepoint(obj.program("unpack"), [7, -5, 0x1000]) == 7000 - 50 + 1
    assert run_raw_tracepoint(obj.program("unpack"), [-1, 3, 0]) == (-1000 + 30) & 0xffffffff
    assert {"on_entry", "on_return"} <= set(obj.programs)


def test_tracing_wrappers_with_clang(kernel, clang_compile, tmp_path, without_libbpf):
    check_tracing(kernel, clang_build(clang_compile, "tracing", tmp_path, without_libbpf, ["-D__TARGET_ARCH_x86"]))


def test_tracing_wrappers_with_bpfcc(kernel, tmp_path, without_libbpf):
    check_tracing(kernel, bpfcc_build("tracing", tmp_path, without_libbpf, defines={"__TARGET_ARCH_x86": None}))


def check_newer_tracing(kernel, path: Path) -> tuple:
    """BPF_PROG2 in test runs, BPF_UPROBE/BPF_URETPROBE on libc's kill(2)."""
    elf = path.read_bytes()
    obj = kernel.load(elf)
    unpacked = (run_raw_tracepoint(obj.program("unpack2"), [7, 10, 13, 2, 0x0400, 5]),
                run_raw_tracepoint(obj.program("unpack2"), [-1, 5, 5, -1, 0, -3]),
                run_raw_tracepoint(obj.program("no_arguments"), [0]))
    assert unpacked == (703245, -100103 & 0xffffffff, 1)
    tracing.set_global(obj, elf, "my_pid", os.getpid())
    libc = tracing.mapped_library("libc.so")
    kill = tracing.symbol_offset(libc, "kill")
    nobody = 0x3FFFFFF0  # above any pid_max: kill() fails with ESRCH
    with tracing.uprobe(obj.program("on_kill").fd, libc, kill), \
            tracing.uprobe(obj.program("on_kill_return").fd, libc, kill, retprobe=True):
        with pytest.raises(ProcessLookupError):
            os.kill(nobody, 0)
    seen = {name: int.from_bytes(tracing.global_bytes(obj, elf, name), "little", signed=True)
            for name in ("kill_pid", "kill_sig", "kill_ret", "kill_calls")}
    assert seen == {"kill_pid": nobody, "kill_sig": 0, "kill_ret": -1, "kill_calls": 1}
    return unpacked, seen


def x86_builds(clang_compile, name: str, tmp_path: Path, without_libbpf: Path, compiler: str) -> list[Path]:
    """`name` built by `compiler` for x86-64 against libbpf-dev's headers, then bpfcc's."""
    if compiler == "bpfcc":
        return [bpfcc_build(name, tmp_path, sysroot, defines={"__TARGET_ARCH_x86": None})
                for sysroot in (None, without_libbpf)]
    return [clang_build(clang_compile, name, tmp_path, sysroot, ["-D__TARGET_ARCH_x86"]) for sysroot in (None, without_libbpf)]


@needs_libbpf_dev
@pytest.mark.parametrize("compiler", ["bpfcc", "clang"])
def test_newer_tracing_wrappers(kernel, clang_compile, tmp_path, without_libbpf, compiler):
    """BPF_PROG2, BPF_UPROBE and BPF_URETPROBE from bpfcc's headers behave as from
    libbpf-dev's, and give the same code."""
    builds = x86_builds(clang_compile, "tracing_newer", tmp_path, without_libbpf, compiler)
    installed, fallback = (check_newer_tracing(kernel, path) for path in builds)
    assert installed == fallback
    assert program_sections(builds[0]) == program_sections(builds[1])


@needs_libbpf_dev
@pytest.mark.parametrize("compiler", ["bpfcc", "clang"])
def test_ksyscall_code_is_libbpfs(clang_compile, tmp_path, without_libbpf, compiler):
    """BPF_KSYSCALL and BPF_KPROBE_SYSCALL from bpfcc's headers give libbpf-dev's code."""
    installed, fallback = x86_builds(clang_compile, "ksyscall", tmp_path, without_libbpf, compiler)
    assert program_sections(installed) == program_sections(fallback)
    assert {"ksyscall/kill", "ksyscall/pread64"} <= set(program_sections(installed))


@pytest.mark.parametrize("compiler", ["bpfcc", "clang"])
def test_ksyscall_loads(kernel, clang_compile, tmp_path, without_libbpf, compiler):
    """libbpf resolves LINUX_HAS_SYSCALL_WRAPPER and the verifier accepts the register reads."""
    for path in x86_builds(clang_compile, "ksyscall", tmp_path, without_libbpf, compiler):
        assert {"on_sys_kill", "on_sys_pread"} <= set(kernel.load(path).programs)


# Which struct pt_regs member each macro reads: the kernel's own names (vmlinux.h), the x86-64
# user-space <asm/ptrace.h> names, and arm64's struct user_pt_regs.
REGISTERS = {
    "x86 vmlinux.h": ("-D__TARGET_ARCH_x86 -D__VMLINUX_H__", "(ctx)->", "di si dx cx r8 sp bp ax sp ip"),
    "x86": ("-D__TARGET_ARCH_x86", "(ctx)->", "rdi rsi rdx rcx r8 rsp rbp rax rsp rip"),
    "arm64": ("-D__TARGET_ARCH_arm64", "((const struct user_pt_regs *)(ctx))->",
              "regs[0] regs[1] regs[2] regs[3] regs[4] regs[30] regs[29] regs[0] sp pc"),
}
REGISTER_MACROS = "PARM1 PARM2 PARM3 PARM4 PARM5 RET FP RC SP IP".split()


@pytest.mark.parametrize("target", REGISTERS)
def test_pt_regs_members(without_libbpf, target):
    flags, access, members = REGISTERS[target]
    source = "#include <bpf/bpf_tracing.h>\n" + "".join(f"PT_REGS_{m}(ctx)\n" for m in REGISTER_MACROS)
    defines = [(flag[2:], "1") for flag in flags.split()]
    _, text, diags = run_preprocessor(source, sysroot=str(without_libbpf), defines=defines)
    assert not diags.items
    tokens = "".join(line for line in text.splitlines() if not line.startswith("# ")).split()
    expected = "".join(f"({access}{member})" for member in members.split()).split()
    assert "".join(tokens).endswith("".join(expected))


def test_tracing_needs_a_target_architecture(without_libbpf):
    source = "#include <linux/types.h>\n#include <bpf/bpf_tracing.h>\nlong f(void *ctx) { return PT_REGS_RC(ctx); }\n"
    result = bpfcc.compile(source, "main.c", sysroot=without_libbpf)
    assert [d.message for d in result.diagnostics] == ["Must specify a BPF target arch via __TARGET_ARCH_xxx"]


def check_tail_call(kernel, path: Path) -> None:
    obj = kernel.load(path)
    jump = obj.program("jump")
    assert jump.run(P.udp_frame()).retval == 5
    obj.map("jumps").update(1, obj.program("target").fd.to_bytes(4, "little"))
    assert jump.run(P.udp_frame()).retval == 77


def check_constant_slot(path: Path) -> None:
    """The asm's `r3 = %[slot]; call 12` survives as `r3 = 1` right before the call: the verifier
    then knows the slot (and the JIT can patch a direct jump)."""
    code = ELFFile(path.open("rb")).get_section_by_name("tc").data()
    insns = [struct.unpack_from("<BBhi", code, i) for i in range(0, len(code), 8)]
    calls = [i for i, (op, _, _, imm) in enumerate(insns) if op == 0x85 and imm == 12]
    assert len(calls) == 1
    op, regs, _, imm = insns[calls[0] - 1]
    assert (op, regs & 0x0F, imm) == (0xB7, 3, 1), "r3 = 1 must come right before call 12"


def test_tail_call_static_with_clang(kernel, clang_compile, tmp_path, without_libbpf):
    check_tail_call(kernel, clang_build(clang_compile, "tail_call_static", tmp_path, without_libbpf))


def test_tail_call_static_with_bpfcc(kernel, tmp_path, without_libbpf):
    path = bpfcc_build("tail_call_static", tmp_path, without_libbpf)
    check_tail_call(kernel, path)
    check_constant_slot(path)


@needs_libbpf_dev
def test_tail_call_static_with_bpfcc_and_installed_headers(kernel, tmp_path):
    path = bpfcc_build("tail_call_static", tmp_path)
    check_tail_call(kernel, path)
    check_constant_slot(path)


@needs_libbpf_dev
def test_bpf_printk_without_arguments_with_installed_headers():
    source = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nSEC("tc") int f(void *ctx) { return bpf_printk("hi"); }\n'
    result = bpfcc.compile(source, "main.c")
    assert result.ok, located(result)


def test_bpf_printk_without_arguments_with_fallback_headers(without_libbpf):
    source = '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nSEC("tc") int f(void *ctx) { return bpf_printk("hi"); }\n'
    result = bpfcc.compile(source, "main.c", sysroot=without_libbpf)
    assert result.ok, located(result)

