"""What one compilation is asked to do: the CLI and the API both build an `Options`."""
from __future__ import annotations

from dataclasses import dataclass, field

# v3 (ALU32, JMP32, 32-bit conditional jumps) is what LLVM 22's BPF backend is
# happiest with and what every kernel since 5.1 accepts; clang-19 still
# defaults to v1.  `-mcpu=v1` gives clang-19's default code.
DEFAULT_MCPU = "v3"
MCPUS = ("v1", "v2", "v3", "v4", "generic", "probe")


@dataclass
class Options:
    defines: list[tuple[str, str]] = field(default_factory=list)  # (-D name, value); value "1" when absent
    undefines: list[str] = field(default_factory=list)
    include_dirs: list[str] = field(default_factory=list)  # -I, in order
    sysroot: str = "/"  # --sysroot: where the system's /usr/include is looked for
    btf: str | None = None  # --btf: the kernel BTF `#include <vmlinux.h>` reads when no vmlinux.h file is found
    opt_level: int = 2
    debug: bool = True  # -g: BTF and BTF.ext; loaders need BTF for maps
    mcpu: str = DEFAULT_MCPU
    werror: bool = False
    # -W<group>, -Wno-<group>, -Werror=<group>, -Wno-error=<group> in order, spelled without "-W"
    # ("no-int-conversion"); diagnostics.WARNING_GROUPS lists the groups they change.
    warnings: list[str] = field(default_factory=list)
    strict_loops: bool = False  # the loop-free dialect of kernels before 5.3
    big_endian: bool = False  # -target bpfeb
