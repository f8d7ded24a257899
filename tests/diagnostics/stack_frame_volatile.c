struct __sk_buff { unsigned int len; unsigned int mark; };

__attribute__((section("tc"), used))
int big_frame(struct __sk_buff *skb)
{
	volatile char buf[600];

	buf[skb->mark % 600] = 1;
	return buf[skb->len % 600];
}

// Volatile accesses at run-time indices keep all of `buf` on the stack.
// expect-error: 4:5: stack frame of function 'big_frame'.*\b512\b.*'buf' \(600 bytes\)
// expect-hint: 4:5: per-CPU array map
