/* Loads and stores of packet bytes through __u8 *, __u16 *, __u32 * and __u64 * at any offset.
 *
 * Packet data needs no alignment on this machine: x86 has efficient unaligned access, so the
 * verifier checks packet alignment only for programs loaded with BPF_F_STRICT_ALIGNMENT (the
 * loaders here do not ask for it).  The stack is different: the verifier always refuses a
 * misaligned stack access (test_language.py shows that with both compilers), so a packed
 * struct on the stack is read byte by byte.  The FRAME's bytes: Ethernet 0..13, IPv4 14..33
 * (saddr at 26, daddr at 30), UDP 34..41, payload 42.. = 0, 1, 2, …
 */
#include "lang.h"

SEC("xdp")
int check_unaligned_packet_loads(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + FRAME_LEN > data_end)
		return __LINE__;
	ASSERT(0x0a, *(__u8 *)(data + 11));
	ASSERT(bpf_htons(ETH_P_IP), *(__u16 *)(data + 12));          /* even */
	ASSERT(0x4500, *(__u16 *)(data + 13));                        /* odd: bytes 0x00, 0x45 */
	ASSERT(bpf_htonl(FRAME_SADDR), *(__u32 *)(data + 26));        /* 2-aligned only */
	ASSERT(0x04030201, *(__u32 *)(data + 43));                    /* odd */
	ASSERT(0x0a09080706050403UL, *(__u64 *)(data + 45));          /* odd */
	ASSERT(0x0c0b0a0908070605UL, *(__u64 *)(data + 47));
	ASSERT(bpf_htons(FRAME_DPORT), *(__be16 *)(data + 36));
	{
		__u32 off = opq_u(43);                                /* an offset known at run time */

		if (off > 64 || data + off + 8 > data_end)
			return __LINE__;
		ASSERT(0x0201, *(__u16 *)(data + off));
		ASSERT(0x0807060504030201UL, *(__u64 *)(data + off));
	}
	return 0;
}

SEC("tc")
int check_unaligned_packet_stores(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	unsigned char *bytes = data;

	if (data + FRAME_LEN > data_end)
		return __LINE__;
	*(__u32 *)(data + 51) = opq_u(0xa1b2c3d4);
	ASSERT(0xd4, bytes[51]);
	ASSERT(0xa1, bytes[54]);
	ASSERT(0x0d, bytes[55]);                                      /* untouched */
	*(__u16 *)(data + 57) = 0xeeff;
	ASSERT(0xff, bytes[57]);
	ASSERT(0xee, bytes[58]);
	*(__u64 *)(data + 61) = opq_ul(0x0102030405060708UL);
	ASSERT(0x08, bytes[61]);
	ASSERT(0x01, bytes[68]);
	return 0;
}

/* Headers reached through packed structs: their members have alignment 1 wherever they sit. */
struct __attribute__((packed)) vlan_tag {
	__u8 pad;
	__be16 tci;
	__be32 word;
};

SEC("xdp")
int check_packed_structs(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct vlan_tag *t = data + 42;                               /* payload bytes 0..6 */
	struct vlan_tag local;

	if ((void *)(t + 1) > data_end)
		return __LINE__;
	ASSERT(7, sizeof(struct vlan_tag));
	ASSERT(0x0201, t->tci);
	ASSERT(0x06050403, t->word);
	/* on the stack a packed member at an odd offset is copied byte by byte */
	local = *t;
	ASSERT(0x0201, local.tci);
	ASSERT(0x06050403, local.word);
	local.word = opq_u(0x11223344);
	ASSERT(0x11223344, local.word);
	ASSERT(0x44, ((unsigned char *)&local)[3]);
	return 0;
}

char _license[] SEC("license") = "GPL";
