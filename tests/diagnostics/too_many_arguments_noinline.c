struct __sk_buff { unsigned int len; unsigned int mark; unsigned int priority; };

static __attribute__((noinline)) int sum6(int a, int b, int c, int d, int e, int f)
{
	return a + b + c + d + e + f;
}

__attribute__((section("tc"), used))
int entry(struct __sk_buff *skb)
{
	return sum6(skb->len, skb->mark, skb->priority, skb->len ^ 1, skb->mark ^ 2, skb->priority ^ 3);
}

// LLVM's BPF backend would abort the process ("too many arguments").
// expect-error: 3:38: 'sum6'.*\b6 arguments
// expect-hint: 3:38: __always_inline|pointer to a struct
