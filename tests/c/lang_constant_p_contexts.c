/* __builtin_constant_p where C needs an integer constant (a _Static_assert, an array size, an
 * enumerator, a case label, a bit-field width, a static initialiser): clang answers 0 there for
 * anything not constant, at once.  libbpf's bpf_ksym_exists(sym) is
 * `({ _Static_assert(!__builtin_constant_p(!!sym), …); !!sym; })`.  In ordinary code the answer
 * may still come after inlining (llvm.is.constant), as lang_builtins.c checks. */
#include "lang.h"

#ifndef bpf_ksym_exists /* libbpf 1.2 added it; Debian's 1.1 lacks it */
#define bpf_ksym_exists(sym)                                                 \
	({                                                                   \
		_Static_assert(!__builtin_constant_p(!!sym), #sym " should be weak"); \
		!!sym;                                                       \
	})
#endif

extern void bpf_rcu_read_lock(void) __attribute__((weak, section(".ksyms")));
extern void bpfcc_no_such_kfunc(void) __attribute__((weak, section(".ksyms")));

int g_opaque;

enum { FOLDED = __builtin_constant_p(g_opaque) ? 10 : 20, KNOWN = __builtin_constant_p(3) ? 30 : 40 };
static int g_initialised = __builtin_constant_p(g_opaque) + 2;
char g_sized[__builtin_constant_p(g_opaque) + 3];

struct bits {
	unsigned int a : __builtin_constant_p(g_opaque) + 5;
	unsigned int b : 3;
};

SEC("tc")
int check_folded_in_constant_contexts(struct __sk_buff *skb)
{
	static int local_static = __builtin_constant_p(g_opaque) ? 1 : 5;
	int x = opq_i(0);
	struct bits b = { .a = 31 };

	_Static_assert(!__builtin_constant_p(g_opaque), "not a constant");
	_Static_assert(__builtin_constant_p(1 + 2), "a constant");
	ASSERT(20, FOLDED);
	ASSERT(30, KNOWN);
	ASSERT(2, g_initialised);
	ASSERT(3, (int)sizeof(g_sized));
	ASSERT(5, local_static);
	ASSERT(31, b.a);
	b.a++;
	ASSERT(0, b.a);
	switch (x) {
	case __builtin_constant_p(g_opaque):
		break;
	default:
		return __LINE__;
	}
	return 0;
}

SEC("tc")
int check_ksym_exists(struct __sk_buff *skb)
{
	ASSERT(1, bpf_ksym_exists(bpf_rcu_read_lock));
	ASSERT(0, bpf_ksym_exists(bpfcc_no_such_kfunc));
	return 0;
}

char _license[] SEC("license") = "GPL";
