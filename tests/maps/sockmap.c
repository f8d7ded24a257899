/* BPF_MAP_TYPE_SOCKMAP: a tc program looks up the socket user space stored and answers with its
 * local port (the lookup takes a reference the program must release). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} socks SEC(".maps");

SEC("tc")
int socket_port(struct __sk_buff *skb)
{
	__u32 key = skb->len & 1;
	struct bpf_sock *sk;
	int port;

	sk = bpf_map_lookup_elem(&socks, &key);
	if (!sk)
		return TC_ACT_UNSPEC;
	port = sk->src_port;
	bpf_sk_release(sk);
	return port;
}

char _license[] SEC("license") = "GPL";
