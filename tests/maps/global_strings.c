/* String literals: clang-19 puts them in .rodata.str1.1 (mergeable strings), which libbpf
 * loads as a map of its own; an array initialised from a literal is ordinary data. */
#include "flow.h"

char greeting[8] = "hello";            /* .data */
static const char motto[] = "bpf!";    /* .rodata */

SEC("xdp")
int pick(struct xdp_md *ctx)
{
	const char *word = "compiler";     /* .rodata.str1.1 */
	__u32 i = (ctx->data_end - ctx->data) & 7;
	struct flow f;

	if (parse_flow(ctx, &f))
		return word[i];
	if (f.dport == 1)
		return greeting[f.sport & 7];
	return motto[f.sport & 3];
}

char _license[] SEC("license") = "GPL";
