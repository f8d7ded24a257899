struct pair { int a, b; };

int total(struct pair *p, struct pair q)
{
	return p->a
	       + q;
}

// Reported at the operator, not at the left operand two lines up, as clang does.
// expect-error: 6:9: invalid operands to binary expression \('int' and 'struct pair'\)
