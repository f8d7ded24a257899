/* bpfcc's <bpf/bpf_helpers.h>: what libbpf 1.x's header gives a BPF program, for machines
 * without libbpf-dev.  The system's header, when installed, is found first.
 *
 * Like libbpf's, it expects the program to have included <linux/types.h> (or vmlinux.h)
 * first: the helper declarations use __u32, __u64… */
#ifndef __BPF_HELPERS__
#define __BPF_HELPERS__

#include "bpf_helper_defs.h"

/* BTF-defined maps: each property is a member whose type carries its value, which libbpf
 * reads from the map variable's BTF.  `int (*type)[N]` says N; a BTF array's length has 32
 * bits, so `__ulong` says a 64-bit value (map_extra) as an enumerator of its own. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __ulong(name, val) enum { ___bpf_apply(__bpf_ulong_, __COUNTER__) = (val) } name

/* Where the loader finds programs ("tc", "xdp"…), maps (".maps") and the license.  On an
 * extern (`extern … SEC(".maps")`) clang would warn that `used` means nothing; GCC's _Pragma
 * cannot sit inside a declaration. */
#if __GNUC__ && !__clang__
#define SEC(name) __attribute__((section(name), used))
#else
#define SEC(name) \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wignored-attributes\"") \
	__attribute__((section(name), used)) \
	_Pragma("GCC diagnostic pop")
#endif

/* linux/stddef.h's __always_inline lacks `inline`: BPF code wants both. */
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif
/* A global function the verifier checks with its caller's context, as if it were static. */
#define __hidden __attribute__((visibility("hidden")))

#ifndef likely
#define likely(x) (__builtin_expect(!!(x), 1))
#endif
#ifndef unlikely
#define unlikely(x) (__builtin_expect(!!(x), 0))
#endif

/* What vmlinux.h users cannot get from <stddef.h> or <linux/version.h>. */
#ifndef NULL
#define NULL ((void *)0)
#endif
#ifndef KERNEL_VERSION
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#endif

/* A member access through a null pointer rather than __builtin_offsetof, so that
 * __builtin_preserve_access_index can record it for CO-RE. */
#undef offsetof
#define offsetof(type, member) ((unsigned long)&((type *)0)->member)
#undef container_of
#define container_of(ptr, type, member) \
	({ void *__bpf_mptr = (void *)(ptr); ((type *)(__bpf_mptr - offsetof(type, member))); })

/* The compiler may not move memory accesses across barrier(), and must assume that
 * barrier_var(v) changed v (which keeps a 32-to-64-bit extension where the verifier
 * expects it, for instance). */
#ifndef barrier
#define barrier() asm volatile("" ::: "memory")
#endif
#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/* The BPF backend cannot emit a trap: code that stays reachable is a build error. */
#ifndef __bpf_unreachable
#define __bpf_unreachable() __builtin_trap()
#endif

/* A tail call into `map` at a constant slot: r2 and r3 set right before the call, so the
 * verifier sees a constant key and the x86 JIT can patch a direct jump.  The "i"
 * constraint refuses a slot that is not a constant once inlined. */
static __always_inline void bpf_tail_call_static(void *ctx, const void *map, const __u32 slot)
{
	asm volatile("r1 = %[ctx]\n\t"
		     "r2 = %[map]\n\t"
		     "r3 = %[slot]\n\t"
		     "call 12"
		     :: [ctx]"r"(ctx), [map]"r"(map), [slot]"i"(slot)
		     : "r0", "r1", "r2", "r3", "r4", "r5");
}

/* The value of a map's `pinning` property. */
enum libbpf_pin_type {
	LIBBPF_PIN_NONE,
	LIBBPF_PIN_BY_NAME,	/* pinned under its name in the bpffs (/sys/fs/bpf) */
};

/* The value of a `extern enum libbpf_tristate CONFIG_X __kconfig` for a y/n/m option. */
enum libbpf_tristate {
	TRI_NO = 0,
	TRI_YES = 1,
	TRI_MODULE = 2,
};

/* Externs the loader resolves: kernel configuration values, and kernel symbols (kfuncs and
 * variables) through the kernel's BTF. */
#define __kconfig __attribute__((section(".kconfig")))
#define __ksym __attribute__((section(".ksyms")))
/* Kernel pointers stored in map values. */
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))
#define __uptr __attribute__((btf_type_tag("uptr")))

/* Whether the loader found a __weak __ksym; a symbol that is not weak is always there,
 * which the assertion points out. */
#define bpf_ksym_exists(sym) ({ \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
	!!sym; \
})

/* Tags on a global function's parameters for the verifier. */
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#define __arg_nullable __attribute__((btf_decl_tag("arg:nullable")))
#define __arg_trusted __attribute__((btf_decl_tag("arg:trusted")))
#define __arg_arena __attribute__((btf_decl_tag("arg:arena")))

/* Variadic macro machinery, also used by bpf_tracing.h and bpf_core_read.h:
 * ___bpf_narg(args...) counts up to 12 arguments, ___bpf_apply(f, n) names f<n>. */
#ifndef ___bpf_concat
#define ___bpf_concat(a, b) a ## b
#endif
#ifndef ___bpf_apply
#define ___bpf_apply(fn, n) ___bpf_concat(fn, n)
#endif
#ifndef ___bpf_nth
#define ___bpf_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _a, _b, _c, N, ...) N
#endif
#ifndef ___bpf_narg
#define ___bpf_narg(...) ___bpf_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#endif

/* ___bpf_fill(arr, a, b…): arr[0] = a; arr[1] = b; … */
#define ___bpf_fill0(arr, p, x) do {} while (0)
#define ___bpf_fill1(arr, p, x) arr[p] = x
#define ___bpf_fill2(arr, p, x, args...) arr[p] = x; ___bpf_fill1(arr, p + 1, args)
#define ___bpf_fill3(arr, p, x, args...) arr[p] = x; ___bpf_fill2(arr, p + 1, args)
#define ___bpf_fill4(arr, p, x, args...) arr[p] = x; ___bpf_fill3(arr, p + 1, args)
#define ___bpf_fill5(arr, p, x, args...) arr[p] = x; ___bpf_fill4(arr, p + 1, args)
#define ___bpf_fill6(arr, p, x, args...) arr[p] = x; ___bpf_fill5(arr, p + 1, args)
#define ___bpf_fill7(arr, p, x, args...) arr[p] = x; ___bpf_fill6(arr, p + 1, args)
#define ___bpf_fill8(arr, p, x, args...) arr[p] = x; ___bpf_fill7(arr, p + 1, args)
#define ___bpf_fill9(arr, p, x, args...) arr[p] = x; ___bpf_fill8(arr, p + 1, args)
#define ___bpf_fill10(arr, p, x, args...) arr[p] = x; ___bpf_fill9(arr, p + 1, args)
#define ___bpf_fill11(arr, p, x, args...) arr[p] = x; ___bpf_fill10(arr, p + 1, args)
#define ___bpf_fill12(arr, p, x, args...) arr[p] = x; ___bpf_fill11(arr, p + 1, args)
#define ___bpf_fill(arr, args...) ___bpf_apply(___bpf_fill, ___bpf_narg(args))(arr, 0, args)

/* Helpers that take their arguments as an array of u64 and its size, called like printf;
 * a pointer argument goes into the array as a number, which is no mistake here. */
#define ___bpf_pack_call(helper, fmt, args...) ({ \
	static const char ___fmt[] = fmt; \
	unsigned long long ___param[___bpf_narg(args)]; \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"") \
	___bpf_fill(___param, args); \
	_Pragma("GCC diagnostic pop") \
	helper; \
})
#define BPF_SEQ_PRINTF(seq, fmt, args...) \
	___bpf_pack_call(bpf_seq_printf(seq, ___fmt, sizeof(___fmt), ___param, sizeof(___param)), fmt, ##args)
#define BPF_SNPRINTF(out, out_size, fmt, args...) \
	___bpf_pack_call(bpf_snprintf(out, out_size, ___fmt, ___param, sizeof(___param)), fmt, ##args)

/* bpf_printk(fmt, args…) writes to the trace pipe: bpf_trace_printk takes up to three
 * arguments, bpf_trace_vprintk (Linux 5.16) more.  The format is a constant in .rodata,
 * or on the stack with BPF_NO_GLOBAL_DATA for kernels without global data (before 5.2). */
#ifdef BPF_NO_GLOBAL_DATA
#define BPF_PRINTK_FMT_MOD
#else
#define BPF_PRINTK_FMT_MOD static const
#endif
#define __bpf_printk(fmt, ...) ({ \
	BPF_PRINTK_FMT_MOD char ____fmt[] = fmt; \
	bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__); \
})
#define __bpf_vprintk(fmt, args...) \
	___bpf_pack_call(bpf_trace_vprintk(___fmt, sizeof(___fmt), ___param, sizeof(___param)), fmt, ##args)
#define ___bpf_pick_printk(...) \
	___bpf_nth(_, ##__VA_ARGS__, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, \
		   __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, \
		   __bpf_printk, __bpf_printk, __bpf_printk, __bpf_printk)
#define bpf_printk(fmt, args...) ___bpf_pick_printk(args)(fmt, ##args)

/* Open-coded iterators (Linux 6.4): kfuncs bpf_iter_<type>_new/_next/_destroy over a
 * struct bpf_iter_<type> on the stack, which the verifier follows through any loop.
 * The numbers iterator is declared here; <linux/bpf.h> of Linux 6.4 and later, or
 * vmlinux.h, defines its structure. */
struct bpf_iter_num;
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/* The iterator lives in the for statement's first clause, destroyed by `cleanup` however the
 * loop ends; ___p only runs _new once.  The (void) use of _destroy makes the compiler emit
 * its BTF, which the cleanup call alone may not. */
#define ___bpf_iter_for(type, init, cond) for ( \
	struct bpf_iter_##type ___it __attribute__((aligned(8), cleanup(bpf_iter_##type##_destroy))), \
		*___p __attribute__((unused)) = (init, (void)bpf_iter_##type##_destroy, (void *)0); \
	cond;)

#ifndef bpf_for_each
/* bpf_for_each(type, cur, args…): cur takes each element bpf_iter_<type>_next gives. */
#define bpf_for_each(type, cur, args...) \
	___bpf_iter_for(type, bpf_iter_##type##_new(&___it, ##args), ((cur) = bpf_iter_##type##_next(&___it)))
#endif

#ifndef bpf_for
/* bpf_for(i, start, end): i from start up to end - 1, and the verifier knows the range. */
#define bpf_for(i, start, end) \
	___bpf_iter_for(num, bpf_iter_num_new(&___it, (start), (end)), ({ \
		int *___t = bpf_iter_num_next(&___it); \
		___t && ((i) = *___t, (i) >= (start) && (i) < (end)); \
	}))
#endif

#ifndef bpf_repeat
/* bpf_repeat(n): the body n times. */
#define bpf_repeat(N) ___bpf_iter_for(num, bpf_iter_num_new(&___it, 0, (N)), bpf_iter_num_next(&___it))
#endif

#endif
