/* Pointers: address-of, dereference, pointer arithmetic (also GNU arithmetic on void *),
 * subscripts, pointer differences and comparisons, casts between pointers and integers. */
#include "lang.h"

static __always_inline void set_to(int *p, int v)
{
	*p = v;
}

SEC("tc")
int check_locals(struct __sk_buff *skb)
{
	int x = 3, y = 5;
	int *p = &x;
	int **pp = &p;
	long l = 0x1122334455667788;
	unsigned char *bytes = (unsigned char *)&l;
	unsigned int *halves = (unsigned int *)&l;

	ASSERT(3, *p);
	*p = 4;
	ASSERT(4, x);
	ASSERT(4, **pp);
	*pp = &y;
	ASSERT(5, *p);
	**pp = 6;
	ASSERT(6, y);
	ASSERT(4, x);
	set_to(&x, 9);
	ASSERT(9, x);
	set_to(p, 10);
	ASSERT(10, y);
	ASSERT(1, p == &y);
	ASSERT(0, p == &x);
	ASSERT(1, p != 0);
	ASSERT(0, !p);
	ASSERT(1, *&x == 9);
	ASSERT(0x88, bytes[0]);       /* little-endian */
	ASSERT(0x11, bytes[7]);
	ASSERT(0x77, *(bytes + 1));
	ASSERT(0x66, 2[bytes]);
	ASSERT(0x55667788U, halves[0]);
	ASSERT(0x11223344U, *(halves + 1));
	bytes[0] = 0;
	ASSERT(0x1122334455667700, l);
	*(halves + 1) = 0;
	ASSERT(0x55667700, l);
	ASSERT(8, sizeof(p));
	ASSERT(4, sizeof(*p));
	ASSERT(8, sizeof(pp));
	ASSERT(8, sizeof(*pp));
	ASSERT(1, sizeof(*bytes));
	return 0;
}

SEC("tc")
int check_arithmetic(struct __sk_buff *skb)
{
	long buf = 0;
	int *ip = (int *)&buf;
	short *sp = (short *)&buf;
	char *cp = (char *)&buf;
	void *vp = &buf;
	long *lp = &buf;

	ASSERT(4, (char *)(ip + 1) - (char *)ip);
	ASSERT(2, (char *)(sp + 1) - (char *)sp);
	ASSERT(1, (cp + 1) - cp);
	ASSERT(8, (char *)(lp + 1) - cp);
	ASSERT(1, (vp + 1) - vp);              /* GNU: void * arithmetic steps by 1 */
	ASSERT(1, (char *)(vp + 1) - cp);
	ASSERT(3, (vp + 3) - vp);
	ASSERT(2, (ip + 2) - ip);
	ASSERT(-2, ip - (ip + 2));
	ASSERT(1, (sp + 2) - (short *)(ip + 1) == 0);
	ASSERT(4, (short *)ip + 4 - sp);
	ASSERT(8, sizeof((ip + 1) - ip));      /* ptrdiff_t is long */
	ASSERT(1, (ip + 1) - ip > -1);         /* and signed */
	ASSERT(1, ip < ip + 1);
	ASSERT(1, ip + 1 > ip);
	ASSERT(1, ip <= ip);
	ASSERT(1, cp + 4 == (char *)(ip + 1));
	ASSERT(1, vp == (void *)cp);
	ASSERT(1, vp + 8 == (void *)(lp + 1));
	{
		int *q = ip;
		q++;
		ASSERT(4, (char *)q - cp);
		q += 1;
		ASSERT(8, (char *)q - cp);
		q--;
		--q;
		ASSERT(0, (char *)q - cp);
		void *v = vp;
		v += 5;
		v -= 2;
		v++;
		ASSERT(4, v - vp);
		ASSERT(1, v == (void *)(ip + 1));
	}
	{
		unsigned char bytes[8] = { 0 };       /* (a local array: see lang_aggregates.c) */
		unsigned char *w = (unsigned char *)&buf;
		int x = 0;
		buf = 0;
		*w++ = 1;
		*w++ = 2;
		*++w = 4;
		ASSERT(0x04000201, buf);
		ASSERT(3, w - (unsigned char *)&buf);
		*w-- += 0x10;
		*w-- = 0x33;
		ASSERT(0x14330201, buf);
		ASSERT(1, w - (unsigned char *)&buf);
		(*w)++;
		ASSERT(0x14330301, buf);
		*(unsigned char *)&buf += 0xff;       /* wraps in unsigned char */
		ASSERT(0x14330300, buf);
		ASSERT(4, sizeof(x++));               /* not evaluated */
		ASSERT(4, sizeof(*ip++));
		ASSERT(0, x);
		ASSERT(1, ip == (int *)&buf);
		(void)bytes;
		buf = 0;
	}
	{
		long i = opq_l(1), j = opq_l(-1);
		ASSERT(4, (char *)(ip + i) - cp);
		ASSERT(4, (char *)&ip[i] - cp);
		ASSERT(1, ip + i + j == ip);
		ASSERT(1, &ip[i + j] == ip);
		ASSERT(6, (vp + 2 * i + 4) - vp);
		sp[opq_i(3)] = 0x1234;
		ASSERT(0x1234000000000000, buf);
		cp[opq_i(0)] = 1;
		ASSERT(0x1234000000000001, buf);
	}
	return 0;
}

SEC("tc")
int check_index_extension(struct __sk_buff *skb)
{
	long buf[4] = { 0, 0, 0, 0 };           /* (a local array: see lang_aggregates.c) */
	char *base = (char *)&buf[2];
	int minus_one = opq_i(-1);
	unsigned char uc = opq_uc(255);
	unsigned short us = opq_us(65535);
	signed char sc = opq_c(-8);
	long lm = opq_l(-16);

	ASSERT(-1, (base + minus_one) - base);   /* an int index is sign-extended */
	ASSERT(255, (base + uc) - base);         /* an unsigned char index is zero-extended */
	ASSERT(65535, (base + us) - base);
	ASSERT(-8, (base + sc) - base);
	ASSERT(-16, (base + lm) - base);
	ASSERT(1, base - minus_one == base + 1);
	ASSERT(-1, (long *)base + minus_one - (long *)base);
	ASSERT(1, &((long *)base)[minus_one] == &buf[1]);
	ASSERT(1, &base[sc] == (char *)&buf[1]);
	ASSERT(-2, (long *)base - 2 - (long *)base);
	ASSERT(-2, &buf[0] - (long *)base);      /* negative differences divide exactly */
	ASSERT(2, (long *)base - &buf[0]);
	base[minus_one] = 0x55;
	ASSERT(0x5500000000000000L, buf[1]);
	{
		unsigned u1 = opq_u(1);
		ASSERT(1, (base + u1) - base);
		ASSERT(1, base - u1 == base - 1);
	}
	return 0;
}

SEC("tc")
int check_pointer_conditionals(struct __sk_buff *skb)
{
	int a = 1, b = 2;
	int *pa = &a, *pb = &b, *null = 0;
	void *vp = pb;
	int one = opq_i(1), zero = opq_i(0);

	ASSERT(1, *(one ? pa : pb));
	ASSERT(2, *(zero ? pa : pb));
	ASSERT(1, (zero ? pa : 0) == 0);
	ASSERT(1, (one ? pa : (void *)0) == pa);
	ASSERT(1, (one ? vp : pa) == (void *)pb);  /* void * and int *: void * */
	ASSERT(1, pa && pb);
	ASSERT(0, pa && null);
	ASSERT(1, null || pa);
	ASSERT(1, !null);
	ASSERT(0, !pa);
	ASSERT(1, pa != null);
	ASSERT(1, null == 0);
	ASSERT(1, &*pa == pa);
	ASSERT(1, *&*&a == 1);
	return 0;
}

SEC("tc")
int check_casts(struct __sk_buff *skb)
{
	long buf = 0x0102030405060708;
	long addr = (long)&buf;
	unsigned long uaddr = (unsigned long)&buf;
	void *vp = (void *)addr;
	const long *cl = &buf;
	const void *cv = cl;
	long *__restrict rp = &buf;
	char *const fixed = (char *)&buf;

	ASSERT(1, vp == &buf);
	ASSERT(1, (long *)uaddr == &buf);
	ASSERT(1, addr == (long)uaddr);
	ASSERT(1, addr != 0);
	ASSERT(8, (long)((long *)addr + 1) - addr);
	ASSERT(1, (long)((char *)addr + 1) - addr);
	ASSERT(0x0102030405060708, *cl);
	ASSERT(0x08, *(const unsigned char *)cv);
	ASSERT(0x0708, *(const unsigned short *)cv);
	ASSERT(0x0506, *((const unsigned short *)cv + 1));
	ASSERT(0x05060708, *(unsigned int *)vp);
	*rp = -1;
	ASSERT(-1, *cl);
	ASSERT(-1, *fixed);
	ASSERT(255, *(unsigned char *)fixed);
	ASSERT(1, (void *)0 == 0);
	ASSERT(0, (long)(void *)0);
	{
		int *null = 0;
		ASSERT(1, !null);
		ASSERT(1, null == (void *)0);
		ASSERT(0, null ? 1 : 0);
		ASSERT(1, vp ? 1 : 0);
		ASSERT(1, vp && 1);
		ASSERT(1, null || vp);
	}
	return 0;
}

/* Pointers into the packet, with the bounds checks the verifier needs. */
SEC("tc")
int check_packet_pointers(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	unsigned char *bytes = data;
	__u16 *words = data;

	ASSERT(FRAME_LEN, data_end - data);
	ASSERT(1, data < data_end);
	if (data + FRAME_LEN > data_end)
		return __LINE__;
	ASSERT(0x02, bytes[0]);                       /* destination MAC 02:00:00:00:00:0b */
	ASSERT(0x0b, bytes[5]);
	ASSERT(0x0a, *(bytes + 11));                  /* source MAC ...:0a */
	ASSERT(0x08, bytes[12]);
	ASSERT(0x00, bytes[13]);
	ASSERT(bpf_htons(ETH_P_IP), words[6]);
	ASSERT(bpf_htons(ETH_P_IP), *(__u16 *)(data + 12));
	ASSERT(0x45, *(unsigned char *)(data + ETH_HLEN));
	ASSERT(0, bytes[FRAME_LEN - FRAME_PAYLOAD_LEN]);
	ASSERT(63, bytes[FRAME_LEN - 1]);
	ASSERT(FRAME_PAYLOAD_LEN, data_end - (data + 42));
	ASSERT(1, (char *)data_end - (char *)data == FRAME_LEN);
	{
		void *p = data;
		p += ETH_HLEN;
		p += 20;
		ASSERT(FRAME_SPORT, bpf_ntohs(*(__u16 *)p));
		ASSERT(34, p - data);
		ASSERT(17, (__u16 *)p - words);
		p = (char *)p + 8;
		ASSERT(42, (unsigned char *)p - bytes);
		ASSERT(4, *((unsigned char *)p + 4));
	}
	{
		/* The offset is only known at run time: the verifier needs a check of its own. */
		unsigned long off = opq_ul(50);
		unsigned char *q = bytes + off;
		if ((void *)(q + 1) > data_end)
			return __LINE__;
		ASSERT(8, *q);
		bytes[FRAME_LEN - 1] = 0x99;           /* writes go to the packet */
		ASSERT(0x99, *(bytes + FRAME_LEN - 1));
		bytes[FRAME_LEN - 1] = 63;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
