#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
	__type(value, struct event);
} events SEC(".maps");

// A ring buffer holds records, not values: the kernel wants value_size 0.
// expect-error: 11:9: map .events.: BPF_MAP_TYPE_RINGBUF maps have no value
