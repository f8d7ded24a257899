static int flag;

void f(void)
{
	__atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
}

// Store-release is an instruction of -mcpu=v4 (bpfcc's default is v3).
// expect-error: 5:29: store-release needs -mcpu=v4
// expect-hint: 5:29: -mcpu=v4
