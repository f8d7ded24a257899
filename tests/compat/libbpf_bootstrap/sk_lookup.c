// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* An sk_lookup dispatcher: TCP connections to any port in a configured set are steered to
 * one listening socket held in a sockmap, whatever port it is bound to, so a single
 * service answers on many ports without binding each. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} echo_socket SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u8);
} echo_ports SEC(".maps");

__u64 steered = 0;

SEC("sk_lookup")
int echo_dispatch(struct bpf_sk_lookup *ctx)
{
	const __u32 zero = 0;
	struct bpf_sock *sk;
	__u16 port;
	__u8 *open;
	long err;

	if (ctx->protocol != IPPROTO_TCP)
		return SK_PASS;

	/* local_port is in host byte order. */
	port = ctx->local_port;
	open = bpf_map_lookup_elem(&echo_ports, &port);
	if (!open)
		return SK_PASS;

	sk = bpf_map_lookup_elem(&echo_socket, &zero);
	if (!sk)
		return SK_DROP;

	err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	if (err)
		return SK_DROP;

	__sync_fetch_and_add(&steered, 1);
	return SK_PASS;
}
