#pragma clang attribute push (__attribute__((packed)), apply_to = record)
struct a {
	char c;
	int x;
};
#pragma clang attribute pop

int f(struct a *p)
{
	return p->x;
}

// clang refuses layout attributes in a pragma region; bpfcc applies preserve_access_index only.
// expect-error: 1:15: attribute 'packed' is not supported by '#pragma clang attribute'
// allow-other-errors
