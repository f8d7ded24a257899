struct sample {
	float weight;
	float bias;
};

int f(struct sample *s)
{
	return s->weight + s->bias > 0;
}

// Types may mention float (headers do); arithmetic on float values may not.
// expect-error: 8:9: floating[- ]point
// expect-hint: 8:9: no floating-point
