struct __sk_buff { unsigned int len; unsigned int data; unsigned int data_end; };

__attribute__((section("tc"), used))
int short_packet(struct __sk_buff *skb)
{
	char *data = (char *)(long)skb->data;
	long end = skb->data_end;

	return data + 14 > end;
}

// clang warns (at the operator) and compares the addresses; -Werror makes it an error.
// flags: -Werror
// expect-error: 9:19: ordered comparison between pointer and integer \('char \*' and 'long'\)
