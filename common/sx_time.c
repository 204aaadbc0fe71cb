/* sx_time.c - time parsing, formatting and durations (see sx_time.h). */
#include "sx_time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t sx_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void sx_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Read exactly n digits. */
static int digits(const char **pp, const char *end, int n, int *out)
{
	const char *p = *pp;
	int v = 0;
	if (end - p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*out = v;
	return 0;
}

int sx_time_parse(const char *s, size_t n, sx_time_t *out)
{
	const char *p = s, *end = s + n;
	int Y, M, D, h = 0, mi = 0, sec = 0;
	int64_t frac_us = 0;
	if (digits(&p, end, 4, &Y) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &M) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &D) < 0)
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, (unsigned)M) || Y < 1)
		return -1;
	int64_t offset_s = 0;
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (digits(&p, end, 2, &h) < 0 || p >= end || *p++ != ':' ||
		    digits(&p, end, 2, &mi) < 0)
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &sec) < 0)
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				int nd = 0;
				while (p < end && *p >= '0' && *p <= '9') {
					if (nd < 6)
						frac_us = frac_us * 10 + (*p - '0');
					nd++;
					p++;
				}
				if (nd == 0)
					return -1;
				for (int i = nd; i < 6; i++)
					frac_us *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (p < end) {
			if (*p == 'Z' || *p == 'z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
				if (digits(&p, end, 2, &oh) < 0)
					return -1;
				if (p < end && *p == ':')
					p++;
				if (p < end && digits(&p, end, 2, &om) < 0)
					return -1;
				if (oh > 23 || om > 59)
					return -1;
				offset_s = sign * (oh * 3600 + om * 60);
			} else {
				return -1;
			}
		}
		if (p != end)
			return -1;
	}
	int64_t days = sx_days_from_civil(Y, (unsigned)M, (unsigned)D);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
	sx_time_t t = secs * SX_US_PER_SEC + frac_us;
	if (t < SX_TIME_MIN || t > SX_TIME_MAX)
		return -1;
	*out = t;
	return 0;
}

int sx_time_unit_parse(const char *s, enum sx_time_unit *out)
{
	if (!strcmp(s, "s")) *out = SX_UNIT_S;
	else if (!strcmp(s, "ms")) *out = SX_UNIT_MS;
	else if (!strcmp(s, "us")) *out = SX_UNIT_US;
	else if (!strcmp(s, "ns")) *out = SX_UNIT_NS;
	else return -1;
	return 0;
}

int sx_time_from_number(const char *s, size_t n, enum sx_time_unit unit, sx_time_t *out)
{
	static const int frac_digits[] = { 6, 3, 0, 0 };   /* digits of a unit below 1 us */
	static const int64_t mult[] = { 1000000, 1000, 1, 1 };
	const char *p = s, *end = s + n;
	int neg = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	int64_t ip = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		if (ip > (INT64_MAX - 9) / 10)
			return -1;
		ip = ip * 10 + (*p++ - '0');
	}
	int64_t frac = 0;
	int fd = 0, frac_rest_nonzero = 0;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9') {
			if (fd < frac_digits[unit]) {
				frac = frac * 10 + (*p - '0');
				fd++;
			} else if (*p != '0') {
				frac_rest_nonzero = 1;
			}
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		/* Exponent form: rare; go through a double. */
		char tmp[64];
		if (n >= sizeof tmp)
			return -1;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		char *e;
		double v = strtod(tmp, &e);
		if (*e || !isfinite(v))
			return -1;
		double us = unit == SX_UNIT_S ? v * 1e6 : unit == SX_UNIT_MS ? v * 1e3
			  : unit == SX_UNIT_US ? v : v / 1e3;
		us = floor(us);
		if (us < (double)SX_TIME_MIN || us > (double)SX_TIME_MAX)
			return -1;
		*out = (sx_time_t)us;
		return 0;
	}
	if (p != end)
		return -1;
	for (int i = fd; i < frac_digits[unit]; i++)
		frac *= 10;
	int64_t t;
	if (unit == SX_UNIT_NS) {
		/* 1 us = 1000 ns: floor towards minus infinity. */
		t = ip / 1000;
		int64_t rem = ip % 1000;
		if (neg && (rem || frac || frac_rest_nonzero))
			t = -t - 1;
		else if (neg)
			t = -t;
	} else {
		if (ip > SX_TIME_MAX / mult[unit])
			return -1;
		t = ip * mult[unit] + frac;
		if (neg)
			t = -t - (frac_rest_nonzero ? 1 : 0);
	}
	if (t < SX_TIME_MIN || t > SX_TIME_MAX)
		return -1;
	*out = t;
	return 0;
}

static void put2(char *b, unsigned v)
{
	b[0] = (char)('0' + v / 10);
	b[1] = (char)('0' + v % 10);
}

size_t sx_time_format(sx_time_t t, char buf[SX_TIME_BUFSIZE])
{
	int64_t secs = sx_floor_div(t, SX_US_PER_SEC);
	int64_t us = t - secs * SX_US_PER_SEC;
	int64_t days = sx_floor_div(secs, 86400);
	int64_t sod = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	sx_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999; /* outside SX_TIME_MIN..MAX: callers keep times within */
	char *b = buf;
	put2(b, (unsigned)(y / 100));
	put2(b + 2, (unsigned)(y % 100));
	b[4] = '-';
	put2(b + 5, m);
	b[7] = '-';
	put2(b + 8, d);
	b[10] = 'T';
	put2(b + 11, (unsigned)(sod / 3600));
	b[13] = ':';
	put2(b + 14, (unsigned)(sod / 60 % 60));
	b[16] = ':';
	put2(b + 17, (unsigned)(sod % 60));
	b[19] = '.';
	unsigned ms = (unsigned)(us / 1000), sub = (unsigned)(us % 1000);
	b[20] = (char)('0' + ms / 100);
	b[21] = (char)('0' + ms / 10 % 10);
	b[22] = (char)('0' + ms % 10);
	size_t n = 23;
	if (sub) {
		b[23] = (char)('0' + sub / 100);
		b[24] = (char)('0' + sub / 10 % 10);
		b[25] = (char)('0' + sub % 10);
		n = 26;
	}
	b[n++] = 'Z';
	b[n] = '\0';
	return n;
}

int sx_duration_parse(const char *s, int allow_sign, int64_t *us)
{
	int neg = 0;
	if (allow_sign && *s == '-') {
		neg = 1;
		s++;
	}
	if (!*s)
		return -1;
	if (strcmp(s, "0") == 0) {
		*us = 0;
		return 0;
	}
	int64_t total = 0, last_unit = INT64_MAX;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		int64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			if (v > INT64_MAX / 10 - 10)
				return -1;
			v = v * 10 + (*s++ - '0');
		}
		int64_t unit;
		if (s[0] == 'u' && s[1] == 's') { unit = 1; s += 2; }
		else if (s[0] == 'm' && s[1] == 's') { unit = 1000; s += 2; }
		else if (s[0] == 's') { unit = SX_US_PER_SEC; s++; }
		else if (s[0] == 'm') { unit = 60 * SX_US_PER_SEC; s++; }
		else if (s[0] == 'h') { unit = 3600 * SX_US_PER_SEC; s++; }
		else if (s[0] == 'd') { unit = 86400 * SX_US_PER_SEC; s++; }
		else return -1;
		if (unit >= last_unit)  /* "1h30m", not "30m1h" or "1h1h": a typo, not a sum */
			return -1;
		last_unit = unit;
		if (v > (INT64_MAX / 4 - total) / unit)
			return -1;
		total += v * unit;
	}
	*us = neg ? -total : total;
	return 0;
}

sx_time_t sx_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (sx_time_t)ts.tv_sec * SX_US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t sx_mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SX_US_PER_SEC + ts.tv_nsec / 1000;
}
