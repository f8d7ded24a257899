/* Shared by the tests/c/lang_*.c self-checking programs (tests/test_language.py).
 *
 * Every program returns 0 when all its ASSERTs hold, or the line of the first one that failed.
 * tc programs (SEC("tc")) and XDP programs (SEC("xdp")) both get the same frame: the one
 * test_language.py builds, an Ethernet + IPv4 + UDP frame described by the FRAME_* macros.
 */
#ifndef LANG_H
#define LANG_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ASSERT(expected, expr)                                               \
	do {                                                                 \
		if ((expr) != (expected))                                    \
			return __LINE__;                                     \
	} while (0)

/* The frame test_language.py sends (packets.udp_frame with these values). */
#define FRAME_SPORT 0x1234
#define FRAME_DPORT 0x5678
#define FRAME_PAYLOAD_LEN 64          /* payload bytes 0, 1, 2, ..., 63 */
#define FRAME_LEN (14 + 20 + 8 + FRAME_PAYLOAD_LEN)
#define FRAME_SADDR 0x0ac80001        /* 10.200.0.1 */
#define FRAME_DADDR 0x0ac80002        /* 10.200.0.2 */
#define FRAME_TTL 64

/* The same value, but read back from a volatile stack slot: the optimiser cannot see through
 * it, so the operations on it happen at run time rather than at compile time. */
#define OPAQUE_FN(name, T)                                                   \
	static __always_inline T name(T x)                                   \
	{                                                                    \
		volatile T v = x;                                            \
		return v;                                                    \
	}
OPAQUE_FN(opq_c, signed char)
OPAQUE_FN(opq_uc, unsigned char)
OPAQUE_FN(opq_s, short)
OPAQUE_FN(opq_us, unsigned short)
OPAQUE_FN(opq_i, int)
OPAQUE_FN(opq_u, unsigned int)
OPAQUE_FN(opq_l, long)
OPAQUE_FN(opq_ul, unsigned long)
OPAQUE_FN(opq_ll, long long)
OPAQUE_FN(opq_ull, unsigned long long)

#endif
