/* iproute2-style BPF API for tc and XDP programs loaded by iproute2's own ELF loader:
 * helpers declared through BPF_FUNC, maps as struct bpf_elf_map in section "maps",
 * programs and tail calls placed with __section / __section_tail. */
#ifndef __BPF_API__
#define __BPF_API__

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include <asm/byteorder.h>

/** Misc macros. */

#ifndef __stringify
# define __stringify(X)		#X
#endif

#ifndef __maybe_unused
# define __maybe_unused		__attribute__((__unused__))
#endif

#ifndef offsetof
# define offsetof(TYPE, MEMBER)	__builtin_offsetof(TYPE, MEMBER)
#endif

#ifndef likely
# define likely(X)		__builtin_expect(!!(X), 1)
#endif

#ifndef unlikely
# define unlikely(X)		__builtin_expect(!!(X), 0)
#endif

#ifndef htons
# define htons(X)		__constant_htons((X))
#endif

#ifndef ntohs
# define ntohs(X)		__constant_ntohs((X))
#endif

#ifndef htonl
# define htonl(X)		__constant_htonl((X))
#endif

#ifndef ntohl
# define ntohl(X)		__constant_ntohl((X))
#endif

#ifndef __inline__
# define __inline__		__attribute__((always_inline))
#endif

/** Section helper macros. */

#ifndef __section
# define __section(NAME)						\
	__attribute__((section(NAME), used))
#endif

#ifndef __section_tail
# define __section_tail(ID, KEY)					\
	__section(__stringify(ID) "/" __stringify(KEY))
#endif

#ifndef __section_cls_entry
# define __section_cls_entry						\
	__section("classifier")
#endif

#ifndef __section_xdp_entry
# define __section_xdp_entry						\
	__section("xdp")
#endif

#ifndef __section_license
# define __section_license						\
	__section("license")
#endif

#ifndef __section_maps
# define __section_maps							\
	__section("maps")
#endif

/** Declaration helper macros. */

#ifndef BPF_LICENSE
# define BPF_LICENSE(NAME)						\
	char ____license[] __section_license = NAME
#endif

/** Classifier helper. */

#ifndef BPF_H_DEFAULT
# define BPF_H_DEFAULT	-1
#endif

/** BPF helper functions for tc. */

#ifndef BPF_FUNC
# define BPF_FUNC(NAME, ...)						\
	(* NAME)(__VA_ARGS__) __maybe_unused = (void *) BPF_FUNC_##NAME
#endif

/* Map access/manipulation */
static void *BPF_FUNC(map_lookup_elem, void *map, const void *key);
static int BPF_FUNC(map_update_elem, void *map, const void *key,
		    const void *value, __u32 flags);
static int BPF_FUNC(map_delete_elem, void *map, const void *key);

/* Time access */
static __u64 BPF_FUNC(ktime_get_ns);

/* Random numbers */
static __u32 BPF_FUNC(get_prandom_u32);

/* Tail calls */
static void BPF_FUNC(tail_call, struct __sk_buff *skb, void *map,
		     __u32 index);

/* System helpers */
static __u32 BPF_FUNC(get_smp_processor_id);

/* Packet misc meta data */
static __u32 BPF_FUNC(get_cgroup_classid, struct __sk_buff *skb);
static __u32 BPF_FUNC(get_route_realm, struct __sk_buff *skb);
static __u32 BPF_FUNC(get_hash_recalc, struct __sk_buff *skb);

/* Packet redirection */
static int BPF_FUNC(redirect, int ifindex, __u32 flags);
static int BPF_FUNC(clone_redirect, struct __sk_buff *skb, int ifindex,
		    __u32 flags);

/* Packet manipulation */
static int BPF_FUNC(skb_load_bytes, struct __sk_buff *skb, __u32 off,
		    void *to, __u32 len);
static int BPF_FUNC(skb_store_bytes, struct __sk_buff *skb, __u32 off,
		    const void *from, __u32 len, __u32 flags);
static int BPF_FUNC(l3_csum_replace, struct __sk_buff *skb, __u32 off,
		    __u32 from, __u32 to, __u32 flags);
static int BPF_FUNC(l4_csum_replace, struct __sk_buff *skb, __u32 off,
		    __u32 from, __u32 to, __u32 flags);
static int BPF_FUNC(skb_vlan_push, struct __sk_buff *skb, __u16 proto,
		    __u16 vlan_tci);
static int BPF_FUNC(skb_vlan_pop, struct __sk_buff *skb);

/** LLVM built-ins, mem*() routines work for constant size */

#ifndef memset
# define memset(s, c, n)	__builtin_memset((s), (c), (n))
#endif

#ifndef memcpy
# define memcpy(d, s, n)	__builtin_memcpy((d), (s), (n))
#endif

/* Legacy packet loads (LD_ABS): the offset counts from the start of the frame, the
 * result is in host byte order. */
unsigned long long load_byte(void *skb, unsigned long long off)
	asm ("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off)
	asm ("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off)
	asm ("llvm.bpf.load.word");

/** iproute2's ELF map description (tc/tc_bpf.h, include/bpf_elf.h). */

#define PIN_NONE		0
#define PIN_OBJECT_NS		1
#define PIN_GLOBAL_NS		2

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#endif /* __BPF_API__ */
