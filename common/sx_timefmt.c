/* sx_timefmt.c - compiled --time-format patterns (see sx_timefmt.h). */
#include "sx_timefmt.h"
#include "sx_err.h"
#include "sx_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum op {
	OP_LIT, OP_SPACE, OP_YEAR, OP_MONTH, OP_DAY, OP_DAY_SP, OP_YDAY, OP_HOUR, OP_HOUR12,
	OP_MIN, OP_SEC, OP_FRAC, OP_AMPM, OP_MONTH_NAME, OP_ZONE, OP_ZONE_NAME, OP_EPOCH
};

struct step {
	enum op op;
	char lit;
};

struct sx_timefmt {
	struct step *steps;
	size_t n;
};

static void add(struct sx_timefmt *f, enum op op, char lit)
{
	f->steps = sx_xreallocarray(f->steps, f->n + 1, sizeof *f->steps);
	f->steps[f->n].op = op;
	f->steps[f->n].lit = lit;
	f->n++;
}

struct sx_timefmt *sx_timefmt_compile(const char *p, const char **why)
{
	struct sx_timefmt *f = sx_xcalloc(1, sizeof *f);
	for (; *p; p++) {
		if (*p == ' ') {
			add(f, OP_SPACE, ' ');
			while (p[1] == ' ')
				p++;
			continue;
		}
		if (*p != '%') {
			add(f, OP_LIT, *p);
			continue;
		}
		switch (*++p) {
		case 'Y': add(f, OP_YEAR, 0); break;
		case 'm': add(f, OP_MONTH, 0); break;
		case 'd': add(f, OP_DAY, 0); break;
		case 'e': add(f, OP_DAY_SP, 0); break;
		case 'j': add(f, OP_YDAY, 0); break;
		case 'H': add(f, OP_HOUR, 0); break;
		case 'I': add(f, OP_HOUR12, 0); break;
		case 'M': add(f, OP_MIN, 0); break;
		case 'S': add(f, OP_SEC, 0); break;
		case 'f': add(f, OP_FRAC, 0); break;
		case 'p': add(f, OP_AMPM, 0); break;
		case 'b': case 'B': case 'h': add(f, OP_MONTH_NAME, 0); break;
		case 'z': add(f, OP_ZONE, 0); break;
		case 'Z': add(f, OP_ZONE_NAME, 0); break;
		case 's': add(f, OP_EPOCH, 0); break;
		case 'T':
			add(f, OP_HOUR, 0); add(f, OP_LIT, ':'); add(f, OP_MIN, 0);
			add(f, OP_LIT, ':'); add(f, OP_SEC, 0);
			break;
		case 'F':
			add(f, OP_YEAR, 0); add(f, OP_LIT, '-'); add(f, OP_MONTH, 0);
			add(f, OP_LIT, '-'); add(f, OP_DAY, 0);
			break;
		case '%': add(f, OP_LIT, '%'); break;
		default:
			*why = *p ? "unknown directive (see sx-ingest(1) for the list)"
				  : "pattern ends with '%'";
			sx_timefmt_free(f);
			return NULL;
		}
	}
	if (f->n == 0) {
		*why = "empty pattern";
		sx_timefmt_free(f);
		return NULL;
	}
	return f;
}

void sx_timefmt_free(struct sx_timefmt *f)
{
	if (f) {
		free(f->steps);
		free(f);
	}
}

/* Up to max digits (at least min). */
static int num(const char **pp, const char *end, int min, int max, int64_t *out)
{
	const char *p = *pp;
	int64_t v = 0;
	int n = 0;
	while (p < end && n < max && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n < min)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};

static int month_name(const char **pp, const char *end, int64_t *out)
{
	for (int i = 0; i < 12; i++) {
		size_t full = strlen(months[i]);
		if ((size_t)(end - *pp) >= full && strncasecmp(*pp, months[i], full) == 0) {
			*pp += full;
			*out = i + 1;
			return 0;
		}
		if (end - *pp >= 3 && strncasecmp(*pp, months[i], 3) == 0) {
			*pp += 3;
			*out = i + 1;
			return 0;
		}
	}
	return -1;
}

int sx_timefmt_parse(const struct sx_timefmt *f, const char *s, size_t n, sx_time_t *out)
{
	const char *p = s, *end = s + n;
	int64_t year = 1970, mon = 1, day = 1, yday = -1, hour = 0, min = 0, sec = 0, frac = 0;
	int64_t offset = 0;
	int pm = -1, hour12 = 0, have_epoch = 0;
	sx_time_t epoch = 0;
	for (size_t i = 0; i < f->n; i++) {
		switch (f->steps[i].op) {
		case OP_LIT:
			if (p >= end || *p != f->steps[i].lit)
				return -1;
			p++;
			break;
		case OP_SPACE:
			if (p >= end || *p != ' ')
				return -1;
			while (p < end && *p == ' ')
				p++;
			break;
		case OP_YEAR: if (num(&p, end, 4, 4, &year) < 0) return -1; break;
		case OP_MONTH: if (num(&p, end, 1, 2, &mon) < 0) return -1; break;
		case OP_DAY_SP:
			if (p < end && *p == ' ')
				p++;
			/* fall through */
		case OP_DAY: if (num(&p, end, 1, 2, &day) < 0) return -1; break;
		case OP_YDAY: if (num(&p, end, 1, 3, &yday) < 0) return -1; break;
		case OP_HOUR: if (num(&p, end, 1, 2, &hour) < 0) return -1; break;
		case OP_HOUR12: if (num(&p, end, 1, 2, &hour) < 0) return -1; hour12 = 1; break;
		case OP_MIN: if (num(&p, end, 1, 2, &min) < 0) return -1; break;
		case OP_SEC: if (num(&p, end, 1, 2, &sec) < 0) return -1; break;
		case OP_FRAC: {
			int nd = 0;
			frac = 0;
			while (p < end && *p >= '0' && *p <= '9') {
				if (nd < 6)
					frac = frac * 10 + (*p - '0');
				nd++;
				p++;
			}
			if (nd == 0)
				return -1;
			for (; nd < 6; nd++)
				frac *= 10;
			break;
		}
		case OP_AMPM:
			if (end - p < 2)
				return -1;
			if (strncasecmp(p, "AM", 2) == 0) pm = 0;
			else if (strncasecmp(p, "PM", 2) == 0) pm = 1;
			else return -1;
			p += 2;
			break;
		case OP_MONTH_NAME: if (month_name(&p, end, &mon) < 0) return -1; break;
		case OP_ZONE:
			if (p < end && (*p == 'Z' || *p == 'z')) {
				p++;
			} else if (p < end && (*p == '+' || *p == '-')) {
				int sign = *p++ == '-' ? -1 : 1;
				int64_t oh, om = 0;
				if (num(&p, end, 2, 2, &oh) < 0)
					return -1;
				if (p < end && *p == ':') {
					p++; /* "+hh:" must go on with the minutes */
					if (num(&p, end, 2, 2, &om) < 0)
						return -1;
				} else if (p < end && *p >= '0' && *p <= '9' && num(&p, end, 2, 2, &om) < 0) {
					return -1;
				}
				if (oh > 23 || om > 59)
					return -1;
				offset = sign * (oh * 3600 + om * 60);
			} else {
				return -1;
			}
			break;
		case OP_ZONE_NAME:
			if (end - p >= 3 && (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0))
				p += 3;
			else if (p < end && *p == 'Z')
				p++;
			else
				return -1;
			break;
		case OP_EPOCH: {
			const char *q = p;
			if (q < end && *q == '-')
				q++;
			while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
				q++;
			if (sx_time_from_number(p, (size_t)(q - p), SX_UNIT_S, &epoch) < 0)
				return -1;
			have_epoch = 1;
			p = q;
			break;
		}
		}
	}
	if (p != end)
		return -1;
	if (have_epoch) {
		*out = epoch;
		return 0;
	}
	if (hour12) {
		if (hour < 1 || hour > 12)
			return -1;
		hour %= 12;
	}
	if (pm == 1)
		hour += 12;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return -1;
	int64_t days;
	if (yday >= 0) {
		if (yday < 1 || yday > 366)
			return -1;
		days = sx_days_from_civil(year, 1, 1) + yday - 1;
		if (yday == 366 && sx_days_from_civil(year + 1, 1, 1) == days)
			return -1; /* day 366 of a common year */
	} else {
		days = sx_days_from_civil(year, (unsigned)mon, (unsigned)day);
		/* reject 31 April and friends: the date must round-trip */
		int64_t y;
		unsigned m, d;
		sx_civil_from_days(days, &y, &m, &d);
		if (y != year || (int64_t)m != mon || (int64_t)d != day)
			return -1;
	}
	*out = ((days * 86400 + hour * 3600 + min * 60 + sec) - offset) * SX_US_PER_SEC + frac;
	return 0;
}

const char *sx_field_time(const struct sx_field *f, enum sx_time_unit unit, const struct sx_timefmt *fmt,
			  struct sx_buf *scratch, sx_time_t *t)
{
	if (!f || f->type == SX_JNULL)
		return "missing event time";
	if (f->type == SX_JNUMBER)
		return sx_time_from_number(f->val, f->val_len, unit, t) < 0 ? "event time out of range" : NULL;
	if (f->type != SX_JSTRING)
		return "event time is not a string or a number";
	const char *s;
	size_t n;
	sx_field_str(f, scratch, &s, &n);
	if (fmt)
		return sx_timefmt_parse(fmt, s, n, t) < 0 ? "event time does not match --time-format" : NULL;
	return sx_time_parse(s, n, t) < 0 ? "unparseable event time (expected RFC 3339)" : NULL;
}
