"""Optimise: LLVM IR text → optimised IR text, then the checks that need
optimised code: loops left after unrolling, stack frames over 512 bytes,
functions left with more than five arguments, atomics that -mcpu=v1/v2 lack,
structs returned or passed (over 16 bytes) by calls left after inlining.

LLVM runs in a forked child (backend.py): LLVM's new pass manager at the
requested -O level, built with the BPF target machine so that the BPF-specific
IR passes take part, then emission of what was asked for.  The checks read the
optimised IR the child sent back; LLVM's BPF backend reports these problems by
ending its process, so an error here discards what the child emitted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import backend
from .diagnostics import Diagnostics, Location
from .lower import Lowered
from .lower.bpf import SELF_MARKER
from .options import Options

STACK_LIMIT = 512
MAX_ARGS = 5


@dataclass
class Optimized:
    built: backend.Built       # the optimised IR and, for an object or assembly, the child's emission
    lowered: Lowered


def with_loop_ids(ir_text: str) -> str:
    """Spell what llvmlite cannot: self-referencing loop IDs, debug info on declarations."""
    pattern = re.compile(r'^(!\d+) = !\{\s*!"' + re.escape(SELF_MARKER) + r'\d+",\s*', re.M)
    ir_text = pattern.sub(lambda m: f"{m.group(1)} = distinct !{{{m.group(1)}, ", ir_text)
    # LLVM wants `declare !dbg !N …`; llvmlite writes the attachment at the end of the line.
    return re.sub(r"^declare (.*) (!dbg !\d+)$", r"declare \2 \1", ir_text, flags=re.M)


# The attribute list llvmlite writes after a definition's parameters (every function is nounwind).
_DEFINE_ATTRIBUTES = re.compile(r"^(define .*?\) (?:\w+ )*?nounwind\b)", re.M)


def without_jump_tables(ir_text: str) -> str:
    """Mark every function "no-jump-tables", as clang's -fno-jump-tables does (llvmlite cannot).

    With -mcpu=v4 LLVM 22's BPF back end has indirect jumps (gotox, which kernels before 6.19
    refuse), so SimplifyCFG turns small switches into `.rodata` lookup tables whose index
    bound the verifier loses (it checks a 32-bit copy and loads through the 64-bit register).
    The attribute keeps switches as compares, as LLVM 19 builds them for every -mcpu."""
    return _DEFINE_ATTRIBUTES.sub(r'\1 "no-jump-tables"="true"', ir_text)


def optimize(lowered: Lowered, options: Options, diags: Diagnostics, output: str) -> Optimized:
    """Optimise (and emit `output`) in a child; check the optimised IR here."""
    built = backend.build(without_jump_tables(with_loop_ids(str(lowered.module))), options, output)
    if built.optimized_ir is None:
        raise diags.fatal(f"internal compiler error: LLVM failed on the IR bpfcc generated: {built.failure}")
    report_remarks(built.remarks, lowered, diags)
    text = built.optimized_ir
    check_loops(text, lowered, options, diags)
    check_frames(text, lowered, diags)
    check_atomics(text, lowered, options, diags)
    check_struct_passing(text, lowered, diags)
    return Optimized(built, lowered)


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
    preds = predecessors(blocks(body))
    bodies = []
    for line, source, header in edges:
        index = loop_index(line, metadata)
        if index is None:
            continue
        members = natural_loop(preds, source, header)
        bodies.append((len(members), members, index))
    found = {}
    for line, source, header in edges:
        if loop_index(line, metadata) is None:
            containing = sorted((size, index) for size, members, index in bodies if {source, header} <= members)
            if containing:
                found[(source, header)] = containing[0][1]
    return found


def predecessors(graph: dict[str, list[str]]) -> dict[str, set[str]]:
    preds: dict[str, set[str]] = {}
    for name, lines in graph.items():
        for line in lines:
            for target in _TARGETS.findall(line):
                preds.setdefault(target, set()).add(name)
    return preds


def natural_loop(preds: dict[str, set[str]], latch: str, header: str) -> set[str]:
    """The blocks of a back edge's loop: what reaches the latch without passing the header."""
    members, todo = {header}, [latch]
    while todo:
        n = todo.pop()
        if n not in members:
            members.add(n)
            todo.extend(preds.get(n, ()))
    return members


_DEFINITION = re.compile(r"^\s+(%[\w.$-]+) = (.*)$")
_EXIT_BRANCH = re.compile(r"^\s+br i1 (%[\w.$-]+), label %([\w.$-]+), label %([\w.$-]+)")
_ICMP = re.compile(r"^icmp (?:samesign )?(\w+) i\d+ (%[\w.$-]+|-?\d+), (%[\w.$-]+|-?\d+)")
_CAST = re.compile(r"^(?:zext|sext|trunc)(?: \w+)* i\d+ (%[\w.$-]+) to i\d+")
_STEP = re.compile(r"^(add|sub)(?: nuw| nsw)* i\d+ (%[\w.$-]+), (-?\d+)")
_PHI = re.compile(r"^phi i\d+ (.*)$")
_INCOMING = re.compile(r"\[ ([^,]+), %([\w.$-]+) \]")
# Predicate → the direction the counter must move while the loop goes on (ne: either, as the checker allows).
_CONTINUE_WHILE = {"slt": 1, "ult": 1, "sle": 1, "ule": 1, "sgt": -1, "ugt": -1, "sge": -1, "uge": -1, "ne": 0}
_NEGATED = {"slt": "sge", "ult": "uge", "sle": "sgt", "ule": "ugt", "sgt": "sle", "ugt": "ule",
            "sge": "slt", "uge": "ult", "eq": "ne", "ne": "eq"}
_SWAPPED = {"slt": "sgt", "ult": "ugt", "sle": "sge", "ule": "uge", "sgt": "slt", "ugt": "ult", "sge": "sle", "uge": "ule"}


def counted(graph: dict[str, list[str]], members: set[str], header: str) -> bool:
    """Whether a loop left in the optimised IR exits on a compare of a counter with a constant,
    the counter changing by a constant step towards it: loops bounded only once inlining made
    the bound a constant (`for (i = 0; i < n; i++)` in an always_inline function)."""
    defs = {m.group(1): m.group(2) for lines in graph.values() for line in lines
            for m in [_DEFINITION.match(line)] if m}
    for name in members:
        m = _EXIT_BRANCH.match(graph[name][-1])
        if not m or (m.group(2) in members) == (m.group(3) in members):
            continue
        cmp = _ICMP.match(defs.get(m.group(1), ""))
        if not cmp:
            continue
        predicate, lhs, rhs = cmp.groups()
        if lhs.lstrip("-").isdigit():
            lhs, rhs = rhs, lhs
            predicate = _SWAPPED.get(predicate, predicate)
        if not rhs.lstrip("-").isdigit() or lhs.lstrip("-").isdigit():
            continue
        if m.group(2) not in members:  # `br %c, exit, loop` leaves when true
            predicate = _NEGATED.get(predicate, predicate)
        step = induction_step(lhs, defs, members, graph[header])
        direction = _CONTINUE_WHILE.get(predicate)
        if step and direction is not None and step * direction >= 0:
            return True
    return False


def induction_step(value: str, defs: dict[str, str], members: set[str], header: list[str]) -> int | None:
    """The constant step of `value` if it is (a cast of) a header phi that every iteration
    changes by that step, or that phi plus the step."""
    while (cast := _CAST.match(defs.get(value, ""))):
        value = cast.group(1)
    phi = value
    step = _STEP.match(defs.get(value, ""))
    if step:
        phi = step.group(2)
    incoming = _PHI.match(defs.get(phi, ""))
    if not incoming or f"  {phi} = {defs[phi]}" not in header:
        return None
    steps = set()
    for next_value, block in _INCOMING.findall(incoming.group(1)):
        if block not in members:
            continue
        s = _STEP.match(defs.get(next_value, ""))
        if not s or s.group(2) != phi:
            return None
        steps.add(int(s.group(3)) * (1 if s.group(1) == "add" else -1))
    return steps.pop() if len(steps) == 1 and 0 not in steps else None


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
        graph = blocks(body)
        preds = predecessors(graph)
        edges = back_edges(body)
        inside = source_loops(body, edges, metadata)
        for line, source, header in edges:
            index = loop_index(line, metadata)
            if index is None:
                index = inside.get((source, header))
            if not options.strict_loops and (index in lowered.bounded_loops
                                             or counted(graph, natural_loop(preds, source, header), header)):
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
    locations = {node: (int(ln), int(col)) for node, ln, col in _DILOCATION.findall(text)}
    calls: dict = {}  # one error per call in the source, however often it was inlined
    for name, _, body in functions(text):
        function_loc = lowered.function_locs.get(name)
        if name in lowered.struct_returns:
            diags.error("aggregate returns are not supported", function_loc,
                        "return a status and write the struct through a pointer argument, or make the function __always_inline")
        for line in body:
            m = _CALL.search(line)
            if m and m.group(1) in lowered.large_struct_params:
                # Passes that rewrite a call (argument promotion) drop bpfcc's tag but keep !dbg.
                loc = (tagged_location(line, metadata, lowered)
                       or (function_loc and debug_location(line, locations, function_loc.file)) or function_loc)
                calls.setdefault((loc, m.group(1)), None)
    for loc, callee in calls:
        t = lowered.large_struct_params[callee]
        diags.error(f"pass by value not supported: '{callee}' takes '{t}' ({t.size} bytes) by value; "
                    "BPF passes a struct of at most 16 bytes, in two registers",
                    loc, "pass a pointer to it, or make the function __always_inline")
