"""Optimise: LLVM IR text → optimised LLVM module, then the checks that need
optimised code: loops left after unrolling, stack frames over 512 bytes,
functions left with more than five arguments, atomics that -mcpu=v1/v2 lack,
structs returned or passed (over 16 bytes) by calls left after inlining.

The pipeline is LLVM's new pass manager at the requested -O level, built with
the BPF target machine so that the BPF-specific IR passes take part.  The
checks run here, before emission, because LLVM's BPF backend reports these
problems by ending the whole process.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass

import llvmlite.binding as llvm

from .diagnostics import Diagnostics, Location
from .lower import TRIPLE, Lowered
from .lower.bpf import SELF_MARKER
from .options import Options

STACK_LIMIT = 512
MAX_ARGS = 5


@dataclass
class Optimized:
    module: llvm.ModuleRef
    target_machine: llvm.TargetMachine
    lowered: Lowered


def target_machine(options: Options) -> llvm.TargetMachine:
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    cpu = {"probe": "v3", "generic": "generic"}.get(options.mcpu, options.mcpu)
    target = llvm.Target.from_triple(TRIPLE)
    return target.create_target_machine(cpu=cpu, opt=min(options.opt_level, 3), reloc="static", codemodel="small")


def with_loop_ids(ir_text: str) -> str:
    """Spell what llvmlite cannot: self-referencing loop IDs, debug info on declarations."""
    pattern = re.compile(r'^(!\d+) = !\{\s*!"' + re.escape(SELF_MARKER) + r'\d+",\s*', re.M)
    ir_text = pattern.sub(lambda m: f"{m.group(1)} = distinct !{{{m.group(1)}, ", ir_text)
    # LLVM wants `declare !dbg !N …`; llvmlite writes the attachment at the end of the line.
    return re.sub(r"^declare (.*) (!dbg !\d+)$", r"declare \2 \1", ir_text, flags=re.M)


def optimize(lowered: Lowered, options: Options, diags: Diagnostics) -> Optimized | None:
    text = with_loop_ids(str(lowered.module))
    module = llvm.parse_assembly(text)
    module.verify()
    tm = target_machine(options)
    # -O0 runs LLVM's O0 pipeline, which inlines always_inline functions, as clang's does.
    tuning = llvm.create_pipeline_tuning_options(speed_level=min(options.opt_level, 3))
    builder = llvm.create_pass_builder(tm, tuning)
    with captured_stderr() as remarks:
        builder.getModulePassManager().run(module, builder)
    report_remarks(remarks.read(), lowered, diags)
    optimized_text = str(module)
    check_loops(optimized_text, lowered, options, diags)
    check_frames(optimized_text, lowered, diags)
    check_atomics(optimized_text, lowered, options, diags)
    check_struct_passing(optimized_text, lowered, diags)
    return Optimized(module, tm, lowered)


@contextlib.contextmanager
def captured_stderr():
    """LLVM prints optimisation remarks to file descriptor 2; collect them instead."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        text = io.StringIO()
        try:
            yield text
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.write(sink.read().decode("utf-8", "replace"))
            text.seek(0)


_REMARK = re.compile(r"^(warning|error): (?:(\S+?):(\d+):(\d+): )?(.*)$")


def report_remarks(text: str, lowered: Lowered, diags: Diagnostics) -> None:
    """LLVM's `warning: file.c:L:C: message` lines become located warnings."""
    for line in text.splitlines():
        m = _REMARK.match(line.strip())
        if not m:
            continue
        _, name, ln, col, message = m.groups()
        loc = Location(lowered.source_path(name), int(ln), int(col)) if name else None
        diags.warning(message, loc)


# ---- the optimised IR, read as text ------------------------------------------

_DEFINE = re.compile(r"^define [^@]*@([\w.$]+)\((.*?)\)[^{]*\{$", re.M)
_LABEL = re.compile(r"^([\w.$-]+):")
_TARGETS = re.compile(r"label %([\w.$-]+)")
_LOOP_ID = re.compile(r"!llvm\.loop (!\d+)")
_METADATA = re.compile(r"^(!\d+) = (?:distinct )?!\{(.*)\}$", re.M)
_ALLOCA = re.compile(r"^\s+%([\w.$-]+) = alloca (.+?), align (\d+)", re.M)
_CALL = re.compile(r"call [^@%]*@([\w.$]+)\((.*)\)")


def functions(text: str):
    """(name, parameter text, body lines) for every defined function."""
    for m in _DEFINE.finditer(text):
        end = text.index("\n}\n", m.end())
        yield m.group(1), m.group(2), text[m.end():end].split("\n")


def blocks(body: list[str]) -> dict[str, list[str]]:
    """Basic block name → its lines; the unnamed entry block is called '0'."""
    result: dict[str, list[str]] = {}
    current = "0"
    for line in body:
        m = _LABEL.match(line)
        if m:
            current = m.group(1)
            continue
        if line.strip():
            result.setdefault(current, []).append(line)
    return result


def back_edges(body: list[str]) -> list[tuple[str, str, str]]:
    """The branch lines that jump back to a block on the current DFS path (the loops), each
    with the block it ends and the block it jumps to (the loop's header)."""
    graph = blocks(body)
    order = list(graph)
    # Only terminators (br, switch and its case lines) mention `label %…`.
    succ = {name: [t for line in lines for t in _TARGETS.findall(line)] for name, lines in graph.items()}
    found: list[tuple[str, str, str]] = []
    state: dict[str, int] = {}
    stack = [(order[0], iter(succ.get(order[0], [])))] if order else []
    state[order[0] if order else "0"] = 1
    while stack:
        node, it = stack[-1]
        for nxt in it:
            if state.get(nxt) == 1:
                found.extend((line, node, nxt) for line in graph[node] if f"label %{nxt}" in line)
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ.get(nxt, []))))
                break
        else:
            state[node] = 2
            stack.pop()
    return found


def source_loops(body: list[str], edges, metadata: dict[str, str]) -> dict[tuple[str, str], int]:
    """The source loop of each back edge that lost its loop metadata: LLVM makes a loop of its
    own of a `continue` path (a nested loop sharing the source loop's blocks).  Such an edge
    belongs to the innermost loop with metadata whose body holds both of its blocks."""
    preds: dict[str, set[str]] = {}
    for name, lines in blocks(body).items():
        for line in lines:
            for target in _TARGETS.findall(line):
                preds.setdefault(target, set()).add(name)
    bodies = []
    for line, source, header in edges:
        index = loop_index(line, metadata)
        if index is None:
            continue
        members, todo = {header}, [source]
        while todo:  # the natural loop: what reaches the latch without passing the header
            n = todo.pop()
            if n not in members:
                members.add(n)
                todo.extend(preds.get(n, ()))
        bodies.append((len(members), members, index))
    found = {}
    for line, source, header in edges:
        if loop_index(line, metadata) is None:
            containing = sorted((size, index) for size, members, index in bodies if {source, header} <= members)
            if containing:
                found[(source, header)] = containing[0][1]
    return found


def loop_index(line: str, metadata: dict[str, str]) -> int | None:
    """The `bpfcc.loop` index in the loop ID on a back-edge branch, if it kept one."""
    m = _LOOP_ID.search(line)
    if not m:
        return None
    for operand in re.findall(r"!\d+", metadata.get(m.group(1), "")):
        k = re.match(r'!"bpfcc\.loop", i32 (\d+)$', metadata.get(operand, ""))
        if k:
            return int(k.group(1))
    return None


_DEBUG_LOC = re.compile(r"!dbg (!\d+)")
_DILOCATION = re.compile(r"^(!\d+) = !DILocation\(line: (\d+), column: (\d+)", re.M)


def debug_location(line: str, locations: dict[str, tuple[int, int]], file: str) -> Location | None:
    """The source position of a branch (e.g. a backward `goto`), from its debug location."""
    m = _DEBUG_LOC.search(line)
    if not m or m.group(1) not in locations:
        return None
    ln, col = locations[m.group(1)]
    return Location(file, ln, col)


def check_loops(text: str, lowered: Lowered, options: Options, diags: Diagnostics) -> None:
    """Loops left after optimisation: bounded ones stay (kernels ≥ 5.3), others are errors."""
    found: dict = {}
    metadata = dict(_METADATA.findall(text))
    locations = {node: (int(ln), int(col)) for node, ln, col in _DILOCATION.findall(text)}
    for name, _, body in functions(text):
        function_loc = lowered.function_locs.get(name)
        edges = back_edges(body)
        inside = source_loops(body, edges, metadata)
        for line, source, header in edges:
            index = loop_index(line, metadata)
            if index is None:
                index = inside.get((source, header))
            if index in lowered.bounded_loops and not options.strict_loops:
                continue
            loc = lowered.loop_locs.get(index) or function_loc and (
                debug_location(line, locations, function_loc.file) or function_loc)
            found.setdefault(loc or name, loc)
    for loc in sorted(found.values(), key=lambda l: (l.file, l.line, l.column) if l else ("", 0, 0)):
        if options.strict_loops:
            diags.error("loop is not fully unrolled; --strict-loops (kernels before 5.3) allows no loops", loc,
                        "give it a constant trip count and put '#pragma unroll' before it")
        else:
            diags.error("the BPF verifier cannot prove this loop terminates", loc,
                        "bound it: compare a counter with a constant in its condition "
                        "(e.g. 'for (int i = 0; i < MAX && i < n; i++)'), or use bpf_loop()")


_SCALAR_SIZES = {"i8": 1, "i16": 2, "i32": 4, "i64": 8, "i128": 16, "ptr": 8, "i1": 1}


def type_size(t: str) -> int:
    t = t.strip()
    if t in _SCALAR_SIZES:
        return _SCALAR_SIZES[t]
    m = re.match(r"^\[(\d+) x (.+)\]$", t)
    if m:
        return int(m.group(1)) * type_size(m.group(2))
    m = re.match(r"^<?\{(.*)\}>?$", t)
    if m:
        return sum(type_size(part) for part in _split_fields(m.group(1)))
    return 8


def _split_fields(fields: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(fields):
        if c in "[{<":
            depth += 1
        elif c in "]}>":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(fields[start:i])
            start = i + 1
    parts.append(fields[start:])
    return [p for p in parts if p.strip()]


def check_frames(text: str, lowered: Lowered, diags: Diagnostics) -> None:
    for name, params, body in functions(text):
        loc = lowered.function_locs.get(name)
        fields = _split_fields(params) if params.strip() else []
        registers = sum(2 if f.strip().startswith("[2 x i64]") else 1 for f in fields)  # a 9-16 byte struct takes two
        if registers > MAX_ARGS:
            spread = f" in {registers} registers" if registers != len(fields) else ""
            diags.error(f"function '{name}' takes {len(fields)} arguments{spread} and is not inlined; BPF passes at most {MAX_ARGS} arguments in registers r1-r5",
                        loc, "mark it __always_inline, or pass a pointer to a struct holding the arguments")
        slots = []
        frame = 0
        for m in _ALLOCA.finditer("\n".join(body)):
            size, align = type_size(m.group(2)), int(m.group(3))
            frame = -(-frame // align) * align + size
            slots.append((size, re.sub(r"(\.i\d*|\.\d+)+$", "", m.group(1))))
        if frame > STACK_LIMIT:
            slots.sort(key=lambda s: -s[0])
            largest = ", ".join(f"'{n}' ({s} bytes)" for s, n in slots[:4])
            diags.error(f"stack frame of function '{name}' needs {frame} bytes, over BPF's limit of {STACK_LIMIT}; largest locals: {largest}",
                        loc, "move large buffers into a per-CPU array map (BPF_MAP_TYPE_PERCPU_ARRAY) and work on the map value")


# ---- atomics on CPUs without ALU32 ---------------------------------------------

_ATOMIC = re.compile(r"^\s+(%[\w.$-]+) = (atomicrmw|cmpxchg) (?:weak )?(?:volatile )?(?:(\w+) )?ptr [^,]+, (i\d+) ")
_SOURCE_TAG = re.compile(r"!bpfcc\.src (!\d+)")
_OLD_CPUS = ("v1", "v2", "generic")


def check_atomics(text: str, lowered: Lowered, options: Options, diags: Diagnostics) -> None:
    """-mcpu=v1 and v2 have one atomic instruction, add without fetch (`lock *p += v`), and
    64-bit others; LLVM's back end stops at anything else.  Whether a result is used is only
    known now, after optimisation, as the back end sees it."""
    if options.mcpu not in _OLD_CPUS:
        return
    metadata = dict(_METADATA.findall(text))
    found: dict = {}
    for name, _, body in functions(text):
        for line in body:
            m = _ATOMIC.match(line)
            if not m:
                continue
            result, kind, op, width = m.groups()
            op = "cmpxchg" if kind == "cmpxchg" else op
            if width != "i64" and op != "add":
                problem = ("unsupported atomic operation, please use 64 bit version",
                           f"-mcpu={options.mcpu} has 32-bit atomic add only, without fetch; "
                           "-mcpu=v3 has 32-bit and, or, xor, xchg and cmpxchg (kernels 5.12 and later)")
            elif op in ("add", "sub") and any(re.search(re.escape(result) + r"(?![\w.$-])", other)
                                              for other in body if other is not line):
                problem = ("Invalid usage of the XADD return value",
                           f"-mcpu={options.mcpu} has atomic add only without fetch: discard the result, "
                           "or compile with -mcpu=v3 (kernels 5.12 and later)")
            else:
                continue
            found.setdefault((tagged_location(line, metadata, lowered) or lowered.function_locs.get(name), problem), None)
    for loc, (message, hint) in found:
        diags.error(message, loc, hint)


def tagged_location(line: str, metadata: dict[str, str], lowered: Lowered) -> Location | None:
    """The source of an instruction lowering tagged with `!bpfcc.src`."""
    m = _SOURCE_TAG.search(line)
    if not m:
        return None
    k = re.match(r"i32 (\d+)$", metadata.get(m.group(1), ""))
    return lowered.source_locs.get(int(k.group(1))) if k else None


# ---- structs by value ------------------------------------------------------------

def check_struct_passing(text: str, lowered: Lowered, diags: Diagnostics) -> None:
    """Inlining makes passing and returning structs free; LLVM's BPF back end stops at what is
    left: a function that returns a struct, a call passing one over 16 bytes (two registers)."""
    metadata = dict(_METADATA.findall(text))
    calls: dict = {}  # one error per call in the source, however often it was inlined
    for name, _, body in functions(text):
        if name in lowered.struct_returns:
            diags.error("aggregate returns are not supported", lowered.function_locs.get(name),
                        "return a status and write the struct through a pointer argument, or make the function __always_inline")
        for line in body:
            m = _CALL.search(line)
            if m and m.group(1) in lowered.large_struct_params:
                calls.setdefault((tagged_location(line, metadata, lowered) or lowered.function_locs.get(name), m.group(1)), None)
    for loc, callee in calls:
        t = lowered.large_struct_params[callee]
        diags.error(f"pass by value not supported: '{callee}' takes '{t}' ({t.size} bytes) by value; "
                    "BPF passes a struct of at most 16 bytes, in two registers",
                    loc, "pass a pointer to it, or make the function __always_inline")
