/* Integer types, literals, conversions, promotions, the usual arithmetic conversions, shifts,
 * unsigned division and modulo.  Signed division is in lang_division.c. */
#include "lang.h"

typedef int myint;
typedef unsigned long ulong_t;
typedef myint myint2;
typedef unsigned char byte;
typedef _Bool flag_t;

SEC("tc")
int check_sizes(struct __sk_buff *skb)
{
	ASSERT(1, sizeof(char));
	ASSERT(1, sizeof(signed char));
	ASSERT(1, sizeof(unsigned char));
	ASSERT(2, sizeof(short));
	ASSERT(2, sizeof(short int));
	ASSERT(2, sizeof(unsigned short int));
	ASSERT(2, sizeof(signed short));
	ASSERT(4, sizeof(int));
	ASSERT(4, sizeof(signed));
	ASSERT(4, sizeof(unsigned));
	ASSERT(4, sizeof(signed int));
	ASSERT(8, sizeof(long));
	ASSERT(8, sizeof(long int));
	ASSERT(8, sizeof(unsigned long));
	ASSERT(8, sizeof(long long));
	ASSERT(8, sizeof(long long int));
	ASSERT(8, sizeof(unsigned long long));
	ASSERT(8, sizeof(signed long long int));
	ASSERT(8, sizeof(int long unsigned));
	ASSERT(1, sizeof(_Bool));
	ASSERT(8, sizeof(void *));
	ASSERT(8, sizeof(char *));
	ASSERT(4, sizeof(myint));
	ASSERT(4, sizeof(myint2));
	ASSERT(8, sizeof(ulong_t));
	ASSERT(1, sizeof(byte));
	ASSERT(1, sizeof(flag_t));
	ASSERT(1, sizeof(__u8));
	ASSERT(2, sizeof(__be16));
	ASSERT(4, sizeof(__u32));
	ASSERT(8, sizeof(__s64));
	ASSERT(4, sizeof(1));
	ASSERT(8, sizeof(1L));
	ASSERT(8, sizeof(1LL));
	ASSERT(4, sizeof(1U));
	ASSERT(8, sizeof(1UL));
	ASSERT(8, sizeof(1ULL));
	ASSERT(4, sizeof('a'));
	ASSERT(4, sizeof(2147483647));
	ASSERT(8, sizeof(2147483648));
	ASSERT(4, sizeof(0x7fffffff));
	ASSERT(4, sizeof(0x80000000));
	ASSERT(4, sizeof(0xffffffff));
	ASSERT(8, sizeof(0x100000000));
	ASSERT(8, sizeof(4294967295));
	ASSERT(4, sizeof(4294967295U));
	ASSERT(4, sizeof((char)1 + (char)1));
	ASSERT(4, sizeof((short)1 << 20));
	ASSERT(8, sizeof(1 + 1L));
	ASSERT(8, sizeof(1U + 1L));
	ASSERT(1, sizeof(skb->len) == 4);
	{
		char c;
		long l;
		ASSERT(1, sizeof c);
		ASSERT(8, sizeof l);
		ASSERT(4, sizeof(c + c));
		ASSERT(1, sizeof(c = 300));
	}
	return 0;
}

SEC("tc")
int check_literals(struct __sk_buff *skb)
{
	ASSERT(97, 'a');
	ASSERT(10, '\n');
	ASSERT(0, '\0');
	ASSERT(65, '\x41');
	ASSERT(7, '\a');
	ASSERT(92, '\\');
	ASSERT(39, '\'');
	ASSERT(8, '\10');
	ASSERT(-1, '\377');      /* char is signed on BPF: the value is (char)0xff */
	ASSERT(511, 0777);
	ASSERT(0, 00);
	ASSERT(255, 0xff);
	ASSERT(255, 0XFF);
	ASSERT(0xabcdef, 0xABCDEF);
	ASSERT(10, 10u);
	ASSERT(10, 10U);
	ASSERT(10, 10l);
	ASSERT(10, 10ul);
	ASSERT(10, 10LU);
	ASSERT(10, 10ll);
	ASSERT(10, 10ULL);
	ASSERT(10, 10llu);
	ASSERT(-1, 0xffffffffffffffff);
	ASSERT(0xffffffffffffffffULL, -1);
	ASSERT(1, 0xffffffffffffffff > 0);     /* unsigned long */
	ASSERT(1, 0xffffffff > 0);             /* unsigned int */
	ASSERT(0, -2147483648 > 0);            /* long */
	ASSERT(1, -2147483648 < 0);
	ASSERT(1, 9223372036854775807 > 0);
	ASSERT(-2147483648L, (int)0x80000000);
	return 0;
}

SEC("tc")
int check_conversions(struct __sk_buff *skb)
{
	ASSERT(-1, (char)255);
	ASSERT(-1, (signed char)255);
	ASSERT(255, (unsigned char)255);
	ASSERT(255, (unsigned char)-1);
	ASSERT(-128, (char)128);
	ASSERT(1, (char)257);
	ASSERT(-1, (short)65535);
	ASSERT(65535, (unsigned short)-1);
	ASSERT(-32768, (short)0x8000);
	ASSERT(-1, (int)4294967295U);
	ASSERT(4294967295U, (unsigned)-1);
	ASSERT(-1, (long)-1);
	ASSERT(4294967295L, (long)(unsigned)-1);
	ASSERT(0x12345678, (int)0x1234567812345678);
	ASSERT(0x78, (unsigned char)0x1234567812345678);
	ASSERT(1, (_Bool)2);
	ASSERT(1, (_Bool)256);
	ASSERT(1, (_Bool)0x100000000);
	ASSERT(0, (_Bool)0);
	ASSERT(1, (_Bool)-1);
	{
		_Bool b = 256;
		flag_t f = 0x1000;
		unsigned char uc = 0x1ff;
		signed char sc = 0x80;
		short s = 0x12345;
		unsigned short us = -2;
		int i = 0xffffffffff;
		long l = -1;
		unsigned long ul = -1;
		ASSERT(1, b);
		ASSERT(1, f);
		ASSERT(255, uc);
		ASSERT(-128, sc);
		ASSERT(0x2345, s);
		ASSERT(65534, us);
		ASSERT(-1, i);
		ASSERT(-1, l);
		ASSERT(0xffffffffffffffff, ul);
		b = b + 1;          /* (int)1 + 1 = 2, converted back: 1 */
		ASSERT(1, b);
		b = 0;
		b++;
		b++;
		ASSERT(1, b);
	}
	/* The same, at run time. */
	ASSERT(-1, (char)opq_i(255));
	ASSERT(255, (unsigned char)opq_i(-1));
	ASSERT(-128, (signed char)opq_i(128));
	ASSERT(-1, (short)opq_i(65535));
	ASSERT(65535, (unsigned short)opq_i(-1));
	ASSERT(-1, (int)opq_u(4294967295U));
	ASSERT(4294967295L, (long)opq_u(-1));
	ASSERT(-1L, (long)opq_i(-1));
	ASSERT(0xffffffffffffffffUL, (unsigned long)opq_i(-1));
	ASSERT(0xffffffffUL, (unsigned long)opq_u(-1));
	ASSERT(0x12345678, (int)opq_l(0x1234567812345678));
	ASSERT(0x78, (unsigned char)opq_l(0x1234567812345678));
	ASSERT(-128, (signed char)opq_ul(0xff80));
	ASSERT(0xff80, (unsigned short)opq_c(-128));
	ASSERT(0xffffff80U, (unsigned)opq_c(-128));
	ASSERT(0x80, (unsigned)opq_uc(0x80));
	ASSERT(-32768L, (long)opq_s(-32768));
	ASSERT(32768L, (long)opq_us(32768));
	ASSERT(1, (_Bool)opq_l(0x100000000));
	ASSERT(1, (_Bool)opq_i(256));
	ASSERT(0, (_Bool)opq_ul(0));
	{
		_Bool b = opq_i(256);
		unsigned char uc = opq_i(0x1ff);
		short s = opq_i(0x12345);
		ASSERT(1, b);
		ASSERT(255, uc);
		ASSERT(0x2345, s);
	}
	return 0;
}

SEC("tc")
int check_promotions(struct __sk_buff *skb)
{
	ASSERT(300, (unsigned char)200 + (unsigned char)100);
	ASSERT(-1, (unsigned char)0 - (unsigned char)1);
	ASSERT(0, -1 < 0u);
	ASSERT(1, -1 < (unsigned char)0);
	ASSERT(1, -1 < (unsigned short)0);
	ASSERT(0, -1 < (unsigned int)0);
	ASSERT(1, -1L < (unsigned int)0);
	ASSERT(0, -1L < (unsigned long)0);
	ASSERT(-1, ~(unsigned char)0);
	ASSERT(0xffff0000, ~(unsigned short)0xffff);
	ASSERT(4294967295U, ~0u);
	ASSERT(1, (unsigned)-1 == -1);
	ASSERT(0, (unsigned char)-1 == -1);
	ASSERT(65536, (unsigned short)65535 + 1);
	ASSERT(0, (unsigned)0xffffffff + 1);
	ASSERT(0x100000000L, (long)0xffffffff + 1);
	ASSERT(4294967296UL, 0xffffffffUL + 1);
	ASSERT(-2, (signed char)-1 + (signed char)-1);
	ASSERT(254, (unsigned char)-1 + (signed char)-1);
	ASSERT(4294967294U, (unsigned)-1 + (signed char)-1);
	ASSERT(0xfffffffffffffffeUL, (unsigned long)-1 + (signed char)-1);
	ASSERT(1, 1U > -1L);            /* long holds every unsigned int */
	ASSERT(0, 1UL > -1L);           /* both converted to unsigned long */
	ASSERT(0, 1U > -1);
	ASSERT(1, (1 ? -1 : 0u) > 0);   /* ?: with int and unsigned int has type unsigned int */
	ASSERT(0, (1 ? -1 : 0L) > 0);
	{
		unsigned char a = opq_uc(200), b = opq_uc(100);
		signed char c = opq_c(-1), d = opq_c(-128);
		unsigned short us = opq_us(65535);
		unsigned u = opq_u(1);
		int i = opq_i(-1);
		long l = opq_l(-1);
		ASSERT(300, a + b);
		ASSERT(44, (unsigned char)(a + b));
		ASSERT(-1, c);
		ASSERT(-129, c + d);
		ASSERT(127, (signed char)(c + d));
		ASSERT(1, i < a);
		ASSERT(0, i < u);          /* -1 becomes UINT_MAX */
		ASSERT(1, l < u);
		ASSERT(1, c < a);
		ASSERT(65536, us + 1);
		ASSERT(0, (unsigned short)(us + 1));
		ASSERT(-65535, -us);
		ASSERT(0xfffff, us * 16 + 15);
		ASSERT(4294967295U, u + i - 1);
		ASSERT(0, u + i);
		ASSERT(0xffffffff00000000UL, (unsigned long)i << 32);
		ASSERT(-1, i >> 4);        /* arithmetic shift */
		ASSERT(0x0fffffff, (unsigned)i >> 4);
		ASSERT(-1L, l >> 63);
		ASSERT(1L, (unsigned long)l >> 63);
		ASSERT(-1, c >> 7);
		ASSERT(0x1fe, (unsigned char)c << 1);
		ASSERT(-2, c << 1);        /* promoted to int, then shifted: int -2 */
		ASSERT(-2, c * 2);
	}
	return 0;
}

SEC("tc")
int check_arith(struct __sk_buff *skb)
{
	ASSERT(0, 0);
	ASSERT(42, 42);
	ASSERT(21, 5 + 20 - 4);
	ASSERT(41, 12 + 34 - 5);
	ASSERT(47, 5 + 6 * 7);
	ASSERT(15, 5 * (9 - 6));
	ASSERT(4, (3 + 5) / 2);
	ASSERT(10, -10 + 20);
	ASSERT(10, - -10);
	ASSERT(10, - - +10);
	ASSERT(2, 17 % 5);
	ASSERT(0, 15 % 5);
	ASSERT(1, 17 / 16);
	ASSERT(16, 1 << 4);
	ASSERT(0x80000000U, 1U << 31);
	ASSERT(0x8000000000000000UL, 1UL << 63);
	ASSERT(4, 17 >> 2);
	ASSERT(1, 0xf0 >> 7);
	ASSERT(0x0f, 0xff & 0x0f);
	ASSERT(0xff, 0xf0 | 0x0f);
	ASSERT(0xf0, 0xff ^ 0x0f);
	ASSERT(-1, ~0);
	ASSERT(0, ~-1);
	ASSERT(1, !0);
	ASSERT(0, !1);
	ASSERT(0, !42);
	ASSERT(1, !!42);
	ASSERT(1, 1 < 2);
	ASSERT(0, 2 < 1);
	ASSERT(1, 2 <= 2);
	ASSERT(1, 2 >= 2);
	ASSERT(1, 3 > 2);
	ASSERT(1, 3 != 2);
	ASSERT(0, 3 == 2);
	{
		int a = opq_i(17), b = opq_i(5);
		unsigned ua = opq_u(17), ub = opq_u(5);
		unsigned long ul = opq_ul(0xfedcba9876543210UL);
		long long ll = opq_ll(-3);
		unsigned long long ull = opq_ull(3);
		int n = opq_i(4);
		ASSERT(22, a + b);
		ASSERT(12, a - b);
		ASSERT(-12, b - a);
		ASSERT(85, a * b);
		ASSERT(3, ua / ub);
		ASSERT(2, ua % ub);
		ASSERT(0x0fedcba987654321UL, ul / 16);
		ASSERT(0x0fedcba987654321UL, ul >> n);
		ASSERT(0xdcba987654321000UL, ul << 8);
		ASSERT(0xfedcba98UL, ul >> 32);
		ASSERT(0x76543210, (unsigned)ul);
		ASSERT(0x10UL, ul % 0x100);
		ASSERT(0x10UL, ul & 0xff);
		ASSERT(0x139ad346ce067a01UL, ul / 13);
		ASSERT(0xfdb97530eca86424UL, ul * 2 + 4);
		ASSERT(0xfedcba9876543210UL / 0x12345, ul / (unsigned long)opq_u(0x12345));
		ASSERT(0xfedcba9876543210UL % 0x12345, ul % (unsigned long)opq_u(0x12345));
		ASSERT(0, ll + (long long)ull);
		ASSERT(0xfffffffffffffffdULL, ll * (long long)ull / 3);   /* = -3 */
		ASSERT(0, ull + ll);            /* -3 converted to unsigned long long */
		ASSERT(1, ll < 0);
		ASSERT(1, ull < ll);           /* (unsigned long long)-3 is large */
		ASSERT(256, 1 << (n * 2));
		ASSERT(1, (a >> n) == 1);
		ASSERT(0x110, a << n);
		ASSERT(-2, ~a + 16);
		ASSERT(-17, -a);
		ASSERT(0xffffffef, -ua);
		ASSERT(21, a | n);
		ASSERT(0, a & n);
		ASSERT(20, a ^ b);
		ASSERT(1, a > b);
		ASSERT(0, a == b);
		ASSERT(1, a != b);
		{
			int x = a;
			x += 3;
			ASSERT(20, x);
			x -= 5;
			ASSERT(15, x);
			x *= 2;
			ASSERT(30, x);
			x <<= 2;
			ASSERT(120, x);
			x >>= 3;
			ASSERT(15, x);
			x &= 6;
			ASSERT(6, x);
			x |= 9;
			ASSERT(15, x);
			x ^= 5;
			ASSERT(10, x);
			x %= 4;                 /* positive operands */
			ASSERT(2, x);
			ASSERT(2, x++);
			ASSERT(3, x);
			ASSERT(4, ++x);
			ASSERT(4, x--);
			ASSERT(2, --x);
			ASSERT(7, (x = 7));
			ASSERT(9, (x += 2, x));
		}
		{
			unsigned char c = opq_uc(250);
			c += 10;
			ASSERT(4, c);
			c -= 5;
			ASSERT(255, c);
			c++;
			ASSERT(0, c);
			c--;
			ASSERT(255, c);
			c *= 2;
			ASSERT(254, c);
			c <<= 1;
			ASSERT(252, c);
			signed char s = opq_c(127);
			s++;
			ASSERT(-128, s);
			s -= 1;
			ASSERT(127, s);
			short sh = opq_s(-1);
			sh >>= 1;
			ASSERT(-1, sh);
			unsigned short us = opq_us(0x8000);
			us >>= 15;
			ASSERT(1, us);
			us = opq_us(0x8000);
			us <<= 1;
			ASSERT(0, us);
		}
	}
	return 0;
}

SEC("tc")
int check_shift_and_compound_types(struct __sk_buff *skb)
{
	ASSERT(4, sizeof(1 << 3L));              /* the type of a shift is its promoted left operand */
	ASSERT(8, sizeof(1L << 3));
	ASSERT(4, sizeof((char)1 << (char)1));
	ASSERT(4, sizeof(1u >> 40L - 20));
	ASSERT(8, 1 << opq_l(3));
	ASSERT(0x80000000U, 1u << opq_l(31));
	ASSERT(1, (1ULL << 63) >> 63);
	ASSERT(-1, (long)(1ULL << 63) >> 63);
	ASSERT(4, sizeof(+(char)1));
	ASSERT(4, sizeof(-(unsigned short)1));
	ASSERT(4, sizeof(!1L));
	ASSERT(1, 3 > 2 > 1 == 0);               /* (3 > 2) > 1 is 0 */
	{
		int x = opq_i(1);
		unsigned char c = opq_uc(200);
		unsigned u = opq_u(1);
		int i = opq_i(-1);
		long l = opq_l(-8);
		short sh = opq_s(-2);

		x <<= 3L;
		ASSERT(8, x);
		x <<= opq_ul(2);
		ASSERT(32, x);
		c >>= 3;
		ASSERT(25, c);
		c *= 11;                              /* 275 converted back: 19 */
		ASSERT(19, c);
		c -= 20;                              /* -1 converted: 255 */
		ASSERT(255, c);
		i /= u;                               /* unsigned division: 4294967295 / 1, back to int */
		ASSERT(-1, i);
		i = opq_i(-7);
		i %= u + 2;                           /* (unsigned)-7 % 3 = 4294967289 % 3 = 0 */
		ASSERT(0, i);
		i = opq_i(-7);
		i >>= 1;
		ASSERT(-4, i);
		l >>= 2;
		ASSERT(-2, l);
		l *= u;                               /* long * unsigned int: long */
		ASSERT(-2, l);
		l += u;
		ASSERT(-1, l);
		sh *= 20000;                          /* -40000 converted to short: 25536 */
		ASSERT(25536, sh);
		sh += 40000;                          /* 65536 converted: 0 */
		ASSERT(0, sh);
		u -= 2;
		ASSERT(0xffffffffU, u);
		u += 1;
		ASSERT(0, u);
	}
	return 0;
}

SEC("tc")
int check_bool(struct __sk_buff *skb)
{
	_Bool t = opq_i(7), f = opq_i(0);

	ASSERT(1, t);
	ASSERT(0, f);
	ASSERT(2, t + t);
	ASSERT(-1, f - t);
	ASSERT(-2, ~t);
	ASSERT(4, sizeof(t + t));
	ASSERT(1, t > f);
	t ^= 1;
	ASSERT(0, t);
	t += 2;
	ASSERT(1, t);
	t -= 1;
	ASSERT(0, t);
	t = opq_l(0x100000000);
	ASSERT(1, t);
	t = opq_uc(0) || opq_i(-5);
	ASSERT(1, t);
	f = !t;
	ASSERT(0, f);
	{
		_Bool *bp = &t;
		*bp = 0x80;
		ASSERT(1, *(unsigned char *)bp);
	}
	return 0;
}

SEC("tc")
int check_typedefs(struct __sk_buff *skb)
{
	typedef short local_t;
	local_t v = opq_i(0x10001);
	myint m = 3;
	myint2 m2 = m * 2;
	ulong_t u = -1;
	byte by = 0x1ff;
	ASSERT(1, v);
	ASSERT(2, sizeof(local_t));
	ASSERT(6, m2);
	ASSERT(0xffffffffffffffffUL, u);
	ASSERT(255, by);
	{
		typedef long myint;  /* shadows the file-scope typedef */
		myint big = 0x100000000;
		ASSERT(8, sizeof(myint));
		ASSERT(0x100000000, big);
	}
	ASSERT(4, sizeof(myint));
	{
		int myint = 5;       /* an ordinary identifier hides the typedef name */
		ASSERT(5, myint);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
