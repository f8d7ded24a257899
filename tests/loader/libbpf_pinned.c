// A BTF-defined map pinned by name (LIBBPF_PIN_BY_NAME): with a bpffs, libbpf
// pins it in <bpffs>/tc/globals, where tc pins and looks for it.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} packets SEC(".maps");

SEC("tc")
int count_packets(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&packets, &zero);

	if (count)
		__sync_fetch_and_add(count, 1);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
