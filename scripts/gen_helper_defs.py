#!/usr/bin/env python3
"""Write include-fallback/bpf/bpf_helper_defs.h from a kernel's <linux/bpf.h>.

The kernel's UAPI header lists every BPF helper twice: `__BPF_FUNC_MAPPER` (or, since
Linux 6.2, `___BPF_FUNC_MAPPER`, which also spells out each id) gives the ids, and the
comment starting at "Start of BPF helper function descriptions" gives each helper's C
prototype in kernel types.  A helper is called as `call <id>`, so a program declares it
as libbpf does: a static constant pointer to a function of the user-space prototype,
initialised with the id.

    scripts/gen_helper_defs.py [path/to/linux/bpf.h] [-o OUTPUT] [--kernel VERSION]

Run it with a newer kernel's header (include/uapi/linux/bpf.h of a kernel tree, or the
/usr/include/linux/bpf.h of a newer linux-libc-dev) to add that kernel's helpers; the ids of
older helpers never change.  The list ends at 211 (bpf_cgrp_storage_delete, Linux 6.2): new
kernel functions are kfuncs, and Linux 6.15 marks the helper list frozen.
"""
from __future__ import annotations

import argparse
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HEADER = "/usr/include/linux/bpf.h"
DEFAULT_OUTPUT = os.path.join(REPO, "include-fallback", "bpf", "bpf_helper_defs.h")

# Kernel-internal types in the documented prototypes → what a BPF program sees.  The program's
# context is the UAPI mirror of the kernel object (struct __sk_buff for struct sk_buff…); a map
# is passed as a pointer to the program's map variable, whatever its type.
_TYPES = {
    "u8": "__u8", "u16": "__u16", "u32": "__u32", "u64": "__u64",
    "s8": "__s8", "s16": "__s16", "s32": "__s32", "s64": "__s64",
    "size_t": "unsigned long",
    "struct bpf_map": "void",
    "struct sk_buff": "struct __sk_buff",
    "struct sk_msg_buff": "struct sk_msg_md",
    "struct xdp_buff": "struct xdp_md",
}
_PROTOTYPE = re.compile(r"^ \* (?P<ret>.+?)\b(?P<name>bpf_\w+)\((?P<params>.*)\)$")
_DESCRIPTION = re.compile(r"^ \*\s+Description\s*$")
_PARAM = re.compile(r"^(?P<type>.*?)\s*(?P<name>\w+)$")


class HeaderError(Exception):
    pass


def helper_ids(text: str) -> dict[str, int]:
    """helper name (without bpf_) → id, from the FUNC_MAPPER macro."""
    if (body := _macro_body(text, "___BPF_FUNC_MAPPER")) is not None:
        return {name: int(number) for name, number in re.findall(r"FN\((\w+),\s*(\d+)", body)}
    if (body := _macro_body(text, "__BPF_FUNC_MAPPER")) is not None:
        return {name: index for index, name in enumerate(re.findall(r"FN\((\w+)\)", body))}
    raise HeaderError("no __BPF_FUNC_MAPPER or ___BPF_FUNC_MAPPER: is this <linux/bpf.h>?")


def _macro_body(text: str, name: str) -> str | None:
    """The replacement text of the function-like macro `name`: its line and the lines that
    continue it.  The list's end is `/* */` up to Linux 6.14, a comment saying the list is
    frozen since 6.15."""
    m = re.search(rf"^#define {name}\(FN(?:, ctx\.\.\.)?\)((?:[^\n]*\\\n)*[^\n]*)", text, re.M)
    return m[1] if m else None


def documented_prototypes(text: str) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """helper name → its documented prototypes as (return type, [(parameter type, name)]);
    a helper taking several kinds of context is documented once for each."""
    start = text.find("Start of BPF helper function descriptions")
    if start < 0:
        raise HeaderError("no helper descriptions in this header")
    lines = text[start:].split("\n")
    prototypes: dict[str, list] = {}
    for line, following in zip(lines, lines[1:]):
        if not _DESCRIPTION.match(following):
            continue
        m = _PROTOTYPE.match(line)
        if m is None:
            raise HeaderError(f"cannot read the prototype {line.strip()!r}")
        params = []
        for param in (p.strip() for p in m["params"].split(",")):
            if param in ("void", "..."):
                params.append((param, ""))
                continue
            p = _PARAM.match(param)
            params.append((_user_type(p["type"]), p["name"]))
        prototypes.setdefault(m["name"], []).append((_user_type(m["ret"].strip()), params))
    return prototypes


def _user_type(kernel_type: str) -> str:
    """`const struct sk_buff *` → `const struct __sk_buff *`."""
    const, base, stars = re.match(r"^(const )?(.*?)\s*(\**)$", kernel_type).groups()
    return f"{const or ''}{_TYPES.get(base, base)}{' ' + stars if stars else ''}"


def _merge(variants: list[tuple[str, list[tuple[str, str]]]]) -> tuple[str, list[tuple[str, str]]]:
    """One declaration for a helper documented for several contexts: a parameter whose type
    differs between them is a `void *` (the first is the program's context, `ctx`)."""
    ret, params = variants[0]
    merged = []
    for index, (type_, name) in enumerate(params):
        if any(len(v[1]) != len(params) or v[1][index][0] != type_ for v in variants[1:]):
            type_, name = "void *", "ctx" if index == 0 else name
        merged.append((type_, name))
    return ret, merged


def _declarator(ret: str, name: str, params: list[tuple[str, str]]) -> str:
    parameters = ", ".join(
        t if not n else f"{t}{n}" if t.endswith("*") else f"{t} {n}" for t, n in params
    )
    star = "" if ret.endswith("*") else " "
    return f"{ret}{star}(* const {name})({parameters})"


def generate(text: str, source: str) -> str:
    ids = helper_ids(text)
    prototypes = documented_prototypes(text)
    undocumented = [f"bpf_{n}" for n, i in ids.items() if i and f"bpf_{n}" not in prototypes]
    if undocumented:
        raise HeaderError(f"helpers without a documented prototype: {', '.join(undocumented)}")
    unknown = sorted(set(prototypes) - {f"bpf_{n}" for n in ids})
    if unknown:
        raise HeaderError(f"documented helpers without an id: {', '.join(unknown)}")
    declarations = []
    structs = set()
    for short, number in sorted(ids.items(), key=lambda item: item[1]):
        if number == 0:  # BPF_FUNC_unspec
            continue
        name = f"bpf_{short}"
        ret, params = _merge(prototypes[name])
        for type_ in [ret] + [t for t, _ in params]:
            structs.update(re.findall(r"\bstruct (\w+)", type_))
        declarations.append(f"static {_declarator(ret, name, params)} = (void *) {number};")
    last = max(ids.values())
    head = [
        f"/* Generated by scripts/gen_helper_defs.py from {source}: BPF helpers 1 to {last}. */",
        "/* Each helper is called by its id; the prototypes are the kernel's, in UAPI types. */",
        "#ifndef __BPFCC_BPF_HELPER_DEFS_H",
        "#define __BPFCC_BPF_HELPER_DEFS_H",
        "",
        "/* The structures the helpers take pointers to; programs define those they use. */",
        *(f"struct {s};" for s in sorted(structs)),
        "",
    ]
    return "\n".join(head + declarations + ["", "#endif", ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("header", nargs="?", default=DEFAULT_HEADER, help=f"<linux/bpf.h> to read (default {DEFAULT_HEADER})")
    parser.add_argument("-o", "--output", default=DEFAULT_OUTPUT, help="where to write (default: bpfcc's fallback header)")
    parser.add_argument("--kernel", help="the kernel version the header comes from, named in the output")
    args = parser.parse_args(argv)
    source = os.path.basename(os.path.dirname(args.header)) + "/" + os.path.basename(args.header)
    if args.kernel:
        source = f"Linux {args.kernel}'s {source}"
    try:
        with open(args.header, encoding="utf-8") as f:
            text = generate(f.read(), source)
    except (OSError, HeaderError) as exc:
        print(f"gen_helper_defs: {args.header}: {exc}", file=sys.stderr)
        return 1
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
