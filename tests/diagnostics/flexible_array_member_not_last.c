struct sample {
	int n;
	int fam[];
	int after;
};

int f(struct sample *s)
{
	return s->n;
}

// clang-19: an error at the member, with a note at the next field ("next field declaration is here").
// expect-error: 3:6: flexible array member 'fam' with type 'int\[\]' is not at the end of struct
