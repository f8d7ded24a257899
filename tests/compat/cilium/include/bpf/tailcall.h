/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Tail calls to a constant slot.  The call is written in assembly so that the slot stays
 * a known constant in r3: the verifier then tracks the target and the JIT emits a direct
 * jump instead of the retpoline of an indirect one. */
#pragma once

#include "compiler.h"

static __always_inline __maybe_unused void
tail_call_static(const void *ctx, const void *map, const __u32 slot)
{
	if (!__builtin_constant_p(slot))
		__throw_build_bug();

	asm volatile("r1 = %[ctx]\n\t"
		     "r2 = %[map]\n\t"
		     "r3 = %[slot]\n\t"
		     "call 12\n\t"
		     :: [ctx]"r"(ctx), [map]"r"(map), [slot]"i"(slot)
		     : "r0", "r1", "r2", "r3", "r4", "r5");
}

static __always_inline __maybe_unused void
tail_call_dynamic(void *ctx, const void *map, __u32 slot)
{
	tail_call(ctx, map, slot);
}
