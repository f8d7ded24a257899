/* Enumerator values relocated against the running kernel: the local values are deliberately
 * wrong, libbpf patches in the kernel's own (its flavour suffixes `___l` are ignored). */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum bpf_map_type___l {
	BPF_MAP_TYPE_RINGBUF___l = 1,
	BPF_MAP_TYPE_NO_SUCH___l = 2,
};

enum bpf_prog_type___l { BPF_PROG_TYPE_XDP___l };

SEC("raw_tp/sys_enter")
int ringbuf_value(void *ctx)
{
	return bpf_core_enum_value(enum bpf_map_type___l, BPF_MAP_TYPE_RINGBUF___l);
}

SEC("raw_tp/sys_enter")
int xdp_value(void *ctx)
{
	return bpf_core_enum_value(enum bpf_prog_type___l, BPF_PROG_TYPE_XDP___l);
}

SEC("raw_tp/sys_enter")
int value_exists(void *ctx)
{
	return bpf_core_enum_value_exists(enum bpf_map_type___l, BPF_MAP_TYPE_RINGBUF___l)
	       | bpf_core_enum_value_exists(enum bpf_map_type___l, BPF_MAP_TYPE_NO_SUCH___l) << 1
	       | bpf_core_type_exists(enum bpf_map_type___l) << 2;
}

char LICENSE[] SEC("license") = "GPL";
