/* sx_time.c - time parsing, formatting and durations (see sx_time.h). */
#include "sx_time.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* The checks every civil time goes through (sx_time_parse has them inline). */
int sx_civil_time(const struct sx_civil *c, sx_time_t *out)
{
	/* fields are never negative (read from digits): one unsigned compare each */
	if ((unsigned)c->mon - 1 > 11)
		return SX_TERR_MONTH;
	if ((unsigned)c->day - 1 >= (unsigned)days_in_month(c->year, (unsigned)c->mon))
		return SX_TERR_DAY;
	if ((unsigned)c->hour > 23)
		return SX_TERR_HOUR;
	if ((unsigned)c->min > 59)
		return SX_TERR_MINUTE;
	if ((unsigned)c->off_h > 23 || (unsigned)c->off_m > 59)
		return SX_TERR_OFFSET;
	int64_t secs = sx_days_from_civil(c->year, (unsigned)c->mon, (unsigned)c->day) * 86400 +
		       c->hour * 3600 + c->min * 60 + c->sec;
	if (c->off_sign)
		secs -= c->off_sign * (c->off_h * 3600 + c->off_m * 60);
	int64_t frac = c->frac_us;
	if ((unsigned)c->sec > 59) {
		if (c->sec != 60)
			return SX_TERR_SECOND;
		/* a leap second: only at 23:59:60 UTC, read as 23:59:59.999999 (see sx_time.h) */
		secs--;
		if (secs - sx_floor_div(secs, 86400) * 86400 != 86399)
			return SX_TERR_LEAP;
		frac = SX_US_PER_SEC - 1;
	}
	/* years are at most 4 digits, so this cannot overflow */
	sx_time_t t = secs * SX_US_PER_SEC + frac;
	if (t < SX_TIME_MIN || t > SX_TIME_MAX)
		return SX_TERR_RANGE;
	*out = t;
	return 0;
}

/* The RFC 3339 layout into *c: 0 or SX_TERR_SYNTAX.  No range checks here. */
static int iso_read(const char *s, size_t n, struct sx_civil *c)
{
	const char *p = s, *end = s + n;
	int Y, M, D, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	int64_t frac_us = 0;
	if (digits(&p, end, 4, &Y) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &M) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &D) < 0)
		return SX_TERR_SYNTAX;
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return SX_TERR_SYNTAX;
		p++;
		if (digits(&p, end, 2, &h) < 0 || p >= end || *p++ != ':' ||
		    digits(&p, end, 2, &mi) < 0)
			return SX_TERR_SYNTAX;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &sec) < 0)
				return SX_TERR_SYNTAX;
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
					return SX_TERR_SYNTAX;
				for (int i = nd; i < 6; i++)
					frac_us *= 10;
			}
		}
		if (p < end) {
			if (*p == 'Z' || *p == 'z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				sign = *p++ == '-' ? -1 : 1;
				if (digits(&p, end, 2, &oh) < 0)
					return SX_TERR_SYNTAX;
				/* "+02", "+0200" or "+02:00"; "+02:" must go on with the minutes */
				if (p < end && *p == ':') {
					p++;
					if (digits(&p, end, 2, &om) < 0)
						return SX_TERR_SYNTAX;
				} else if (p < end && digits(&p, end, 2, &om) < 0) {
					return SX_TERR_SYNTAX;
				}
			} else {
				return SX_TERR_SYNTAX;
			}
		}
		if (p != end)
			return SX_TERR_SYNTAX;
	}
	c->year = Y;
	c->mon = M;
	c->day = D;
	c->hour = h;
	c->min = mi;
	c->sec = sec;
	c->frac_us = frac_us;
	c->off_sign = sign;
	c->off_h = oh;
	c->off_m = om;
	return 0;
}

/* The per-event path: the same layout and checks as iso_read + sx_civil_time,
 * written out flat because that is ~10% fewer instructions (the unit test
 * rfc3339_paths_agree holds the two to the same answers). */
int sx_time_parse(const char *s, size_t n, sx_time_t *out)
{
	const char *p = s, *end = s + n;
	int Y, M, D, h = 0, mi = 0, sec = 0;
	int64_t frac_us = 0;
	if (digits(&p, end, 4, &Y) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &M) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &D) < 0)
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, (unsigned)M))
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
				if (p < end && *p == ':') {
					p++;
					if (digits(&p, end, 2, &om) < 0)
						return -1;
				} else if (p < end && digits(&p, end, 2, &om) < 0) {
					return -1;
				}
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
	int64_t secs = sx_days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
	if (sec == 60) {
		/* a leap second: only at 23:59:60 UTC, read as 23:59:59.999999 (see sx_time.h) */
		secs--;
		if (secs - sx_floor_div(secs, 86400) * 86400 != 86399)
			return -1;
		frac_us = SX_US_PER_SEC - 1;
	}
	sx_time_t t = secs * SX_US_PER_SEC + frac_us;
	if (t < SX_TIME_MIN || t > SX_TIME_MAX)
		return -1;
	*out = t;
	return 0;
}

int sx_time_parse_why(const char *s, size_t n, struct sx_civil *c)
{
	sx_time_t t;
	int e = iso_read(s, n, c);
	return e ? e : sx_civil_time(c, &t);
}

void sx_time_err_text(int e, const struct sx_civil *c, char *buf, size_t size)
{
	switch (e) {
	case SX_TERR_MONTH:
		snprintf(buf, size, "month %d is out of range (01-12)", c->mon);
		break;
	case SX_TERR_DAY:
		if (c->mon == 2 && c->day == 29)
			snprintf(buf, size, "%04d is not a leap year (no February 29)", c->year);
		else
			snprintf(buf, size, "day %d is out of range for %04d-%02d (01-%02d)",
				 c->day, c->year, c->mon, days_in_month(c->year, (unsigned)c->mon));
		break;
	case SX_TERR_HOUR:
		snprintf(buf, size, "hour %d is out of range (00-23)", c->hour);
		break;
	case SX_TERR_MINUTE:
		snprintf(buf, size, "minute %d is out of range (00-59)", c->min);
		break;
	case SX_TERR_SECOND:
		snprintf(buf, size, "second %d is out of range (00-59)", c->sec);
		break;
	case SX_TERR_LEAP:
		snprintf(buf, size, "second 60 (a leap second) is accepted only at 23:59:60 UTC");
		break;
	case SX_TERR_OFFSET:
		snprintf(buf, size, "offset %c%02d:%02d is out of range (at most 23:59)", c->off_sign < 0 ? '-' : '+',
			 c->off_h, c->off_m);
		break;
	case SX_TERR_RANGE:
		snprintf(buf, size, "outside years 0001-9999 in UTC");
		break;
	default:
		snprintf(buf, size, "not a time");
		break;
	}
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

/* The date part "YYYY-MM-DDT" of the day formatted last: times come
 * roughly in order (events, window bounds), so most fall on that day and
 * only their time of day is formatted.  Per thread, should a tool get more
 * than one. */
static _Thread_local struct {
	int64_t days;
	int valid;
	char text[11];
} day_cache;

size_t sx_time_format(sx_time_t t, char buf[SX_TIME_BUFSIZE])
{
	int64_t secs = sx_floor_div(t, SX_US_PER_SEC);
	int64_t us = t - secs * SX_US_PER_SEC;
	int64_t days = sx_floor_div(secs, 86400);
	int64_t sod = secs - days * 86400;
	char *b = buf;
	if (!day_cache.valid || day_cache.days != days) {
		int64_t y;
		unsigned m, d;
		sx_civil_from_days(days, &y, &m, &d);
		if (y < 0 || y > 9999)
			y = y < 0 ? 0 : 9999; /* outside SX_TIME_MIN..MAX: callers keep times within */
		char *c = day_cache.text;
		put2(c, (unsigned)(y / 100));
		put2(c + 2, (unsigned)(y % 100));
		c[4] = '-';
		put2(c + 5, m);
		c[7] = '-';
		put2(c + 8, d);
		c[10] = 'T';
		day_cache.days = days;
		day_cache.valid = 1;
	}
	memcpy(b, day_cache.text, sizeof day_cache.text);
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

/* ---- what a refused duration probably meant (usage errors only) ---- */

static const struct { const char *word; int64_t us; } duration_words[] = {
	{ "us", 1 }, { "usec", 1 }, { "usecs", 1 }, { "microsecond", 1 }, { "microseconds", 1 },
	{ "ms", 1000 }, { "msec", 1000 }, { "msecs", 1000 }, { "millisecond", 1000 }, { "milliseconds", 1000 },
	{ "s", SX_US_PER_SEC }, { "sec", SX_US_PER_SEC }, { "secs", SX_US_PER_SEC },
	{ "second", SX_US_PER_SEC }, { "seconds", SX_US_PER_SEC },
	{ "m", 60 * SX_US_PER_SEC }, { "min", 60 * SX_US_PER_SEC }, { "mins", 60 * SX_US_PER_SEC },
	{ "minute", 60 * SX_US_PER_SEC }, { "minutes", 60 * SX_US_PER_SEC },
	{ "h", 3600 * SX_US_PER_SEC }, { "hr", 3600 * SX_US_PER_SEC }, { "hrs", 3600 * SX_US_PER_SEC },
	{ "hour", 3600 * SX_US_PER_SEC }, { "hours", 3600 * SX_US_PER_SEC },
	{ "d", 86400 * SX_US_PER_SEC }, { "day", 86400 * SX_US_PER_SEC }, { "days", 86400 * SX_US_PER_SEC },
	{ "w", 604800 * SX_US_PER_SEC }, { "week", 604800 * SX_US_PER_SEC }, { "weeks", 604800 * SX_US_PER_SEC },
};

/* Read S leniently (spaces, unit words, fractions, any order: "5 min",
 * "1.5h", "30m1h") into microseconds: 0, or -1 when it is not a sum of
 * numbers with units or not a whole number of microseconds. */
static int duration_lenient(const char *s, int64_t *total)
{
	int64_t sum = 0;
	int terms = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',' || *s == '+')
			s++;
		if (!*s)
			break;
		if (!strncasecmp(s, "and", 3) && (s[3] == ' ' || s[3] == '\t')) {
			s += 3;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		int64_t ip = 0, fp = 0, fscale = 1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (ip > INT64_C(1000000000))
				return -1;
			ip = ip * 10 + (*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++) {
				if (fscale >= 1000000) /* keeps fp * unit within int64 */
					return -1;
				fp = fp * 10 + (*s - '0');
				fscale *= 10;
			}
		}
		while (*s == ' ' || *s == '\t')
			s++;
		size_t wl = 0;
		while ((s[wl] >= 'a' && s[wl] <= 'z') || (s[wl] >= 'A' && s[wl] <= 'Z'))
			wl++;
		int64_t unit = 0;
		for (size_t i = 0; i < sizeof duration_words / sizeof *duration_words && wl; i++)
			if (strlen(duration_words[i].word) == wl && !strncasecmp(s, duration_words[i].word, wl))
				unit = duration_words[i].us;
		if (!unit)
			return -1;
		s += wl;
		/* exact: ip * unit + fp * unit / fscale, in microseconds */
		if (ip > INT64_C(100000) * 86400 * SX_US_PER_SEC / unit || (fp * unit) % fscale)
			return -1;
		sum += ip * unit + fp * unit / fscale;
		if (sum > INT64_C(100000) * 86400 * SX_US_PER_SEC)
			return -1;
		terms++;
	}
	if (!terms)
		return -1;
	*total = sum;
	return 0;
}

void sx_duration_hint(const char *s, int allow_sign, char *buf, size_t size)
{
	const char *q = s;
	while (*q == ' ')
		q++;
	int neg = allow_sign && *q == '-';
	if (neg)
		q++;
	int64_t us;
	if (!allow_sign && *q == '-' && sx_duration_parse(q + 1, 0, &us) == 0) {
		snprintf(buf, size, ": it must not be negative");
		return;
	}
	size_t nd = strspn(q, "0123456789");
	if (nd && nd <= 9 && q[nd] == '\0' && strcmp(q, "0") != 0) {
		/* a bare number: "--tumbling 5 min" unquoted gives "5" */
		snprintf(buf, size, ": a number needs a unit written next to it, as in %s%.*ss or %s%.*sm",
			 neg ? "-" : "", (int)nd, q, neg ? "-" : "", (int)nd, q);
		return;
	}
	if (duration_lenient(q, &us) == 0 && us > 0) {
		static const struct { const char *name; int64_t us; } units[] = {
			{ "d", 86400 * SX_US_PER_SEC }, { "h", 3600 * SX_US_PER_SEC }, { "m", 60 * SX_US_PER_SEC },
			{ "s", SX_US_PER_SEC }, { "ms", 1000 }, { "us", 1 },
		};
		char canon[96];
		size_t len = 0;
		if (neg)
			canon[len++] = '-';
		for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
			if (us >= units[i].us) {
				int w = snprintf(canon + len, sizeof canon - len, "%" PRId64 "%s", us / units[i].us,
						 units[i].name);
				if (w < 0 || (size_t)w >= sizeof canon - len)
					break;
				len += (size_t)w;
				us %= units[i].us;
			}
		}
		canon[len] = '\0';
		snprintf(buf, size, "; did you mean %s?", canon);
		return;
	}
	snprintf(buf, size, " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
}

const struct sx_clock *sx_clock_hook;

sx_time_t sx_time_now(void)
{
	if (sx_clock_hook)
		return sx_clock_hook->wall();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (sx_time_t)ts.tv_sec * SX_US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t sx_mono_now(void)
{
	if (sx_clock_hook)
		return sx_clock_hook->mono();
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SX_US_PER_SEC + ts.tv_nsec / 1000;
}
