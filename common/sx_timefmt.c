/* sx_timefmt.c - compiled --time-format patterns (see sx_timefmt.h). */
#include "sx_timefmt.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_json.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
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
	size_t n, cap;
};

static void add(struct sx_timefmt *f, enum op op, char lit)
{
	SX_GROW(f->steps, f->n + 1, f->cap);
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

/* Where and why a match failed, for the error path (see sx_time_why). */
enum { TF_NOMATCH = SX_TERR_SYNTAX, TF_HOUR12 = 100, TF_YDAY };
struct tf_why {
	struct sx_civil c;
	const char *at;         /* TF_NOMATCH: the first character not matched */
	size_t step;            /* TF_NOMATCH: the step that failed, or f->n for trailing text */
	int64_t hour12, yday;
};

#define NOMATCH() do { w->at = p; w->step = i; return TF_NOMATCH; } while (0)

/* Match and convert: 0 with *out set, or TF_NOMATCH, TF_HOUR12, TF_YDAY or
 * an sx_time_err, with *w telling more.  Inlined into sx_timefmt_parse. */
static inline int fmt_match(const struct sx_timefmt *f, const char *s, size_t n, sx_time_t *out, struct tf_why *w)
{
	const char *p = s, *end = s + n;
	int64_t year = 1970, mon = 1, day = 1, yday = -1, hour = 0, min = 0, sec = 0, frac = 0;
	int64_t oh = 0, om = 0;
	int pm = -1, hour12 = 0, have_epoch = 0, sign = 0;
	sx_time_t epoch = 0;
	for (size_t i = 0; i < f->n; i++) {
		switch (f->steps[i].op) {
		case OP_LIT:
			if (p >= end || *p != f->steps[i].lit)
				NOMATCH();
			p++;
			break;
		case OP_SPACE:
			if (p >= end || *p != ' ')
				NOMATCH();
			while (p < end && *p == ' ')
				p++;
			break;
		case OP_YEAR: if (num(&p, end, 4, 4, &year) < 0) NOMATCH(); break;
		case OP_MONTH: if (num(&p, end, 1, 2, &mon) < 0) NOMATCH(); break;
		case OP_DAY_SP:
			if (p < end && *p == ' ')
				p++;
			/* fall through */
		case OP_DAY: if (num(&p, end, 1, 2, &day) < 0) NOMATCH(); break;
		case OP_YDAY: if (num(&p, end, 1, 3, &yday) < 0) NOMATCH(); break;
		case OP_HOUR: if (num(&p, end, 1, 2, &hour) < 0) NOMATCH(); break;
		case OP_HOUR12: if (num(&p, end, 1, 2, &hour) < 0) NOMATCH(); hour12 = 1; break;
		case OP_MIN: if (num(&p, end, 1, 2, &min) < 0) NOMATCH(); break;
		case OP_SEC: if (num(&p, end, 1, 2, &sec) < 0) NOMATCH(); break;
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
				NOMATCH();
			for (; nd < 6; nd++)
				frac *= 10;
			break;
		}
		case OP_AMPM:
			if (end - p < 2)
				NOMATCH();
			if (strncasecmp(p, "AM", 2) == 0) pm = 0;
			else if (strncasecmp(p, "PM", 2) == 0) pm = 1;
			else NOMATCH();
			p += 2;
			break;
		case OP_MONTH_NAME: if (month_name(&p, end, &mon) < 0) NOMATCH(); break;
		case OP_ZONE:
			if (p < end && (*p == 'Z' || *p == 'z')) {
				p++;
				sign = 0;
			} else if (p < end && (*p == '+' || *p == '-')) {
				const char *z = p;
				sign = *p++ == '-' ? -1 : 1;
				om = 0;
				if (num(&p, end, 2, 2, &oh) < 0) {
					p = z;
					NOMATCH();
				}
				if (p < end && *p == ':') {
					p++; /* "+hh:" must go on with the minutes */
					if (num(&p, end, 2, 2, &om) < 0)
						NOMATCH();
				} else if (p < end && *p >= '0' && *p <= '9' && num(&p, end, 2, 2, &om) < 0) {
					NOMATCH();
				}
			} else {
				NOMATCH();
			}
			break;
		case OP_ZONE_NAME:
			if (end - p >= 3 && (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0))
				p += 3;
			else if (p < end && *p == 'Z')
				p++;
			else
				NOMATCH();
			break;
		case OP_EPOCH: {
			const char *q = p;
			if (q < end && *q == '-')
				q++;
			const char *digits = q;
			while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
				q++;
			if (q == digits)
				NOMATCH();
			if (sx_time_from_number(p, (size_t)(q - p), SX_UNIT_S, &epoch) < 0) {
				if (memchr(digits, '.', (size_t)(q - digits)))
					NOMATCH();      /* "1.2.3" */
				return SX_TERR_RANGE;
			}
			have_epoch = 1;
			p = q;
			break;
		}
		}
	}
	if (p != end) {
		w->at = p;
		w->step = f->n;
		return TF_NOMATCH;
	}
	if (have_epoch) {
		*out = epoch;
		return 0;
	}
	if (hour12) {
		if (hour < 1 || hour > 12) {
			w->hour12 = hour;
			return TF_HOUR12;
		}
		hour %= 12;
	}
	if (pm == 1)
		hour += 12;
	if (yday >= 0) {
		/* day of the year to month and day; day 366 only in a leap year */
		int64_t jan1 = sx_days_from_civil(year, 1, 1);
		if (yday < 1 || yday > sx_days_from_civil(year + 1, 1, 1) - jan1) {
			w->c.year = (int)year;
			w->yday = yday;
			return TF_YDAY;
		}
		int64_t y;
		unsigned m, d;
		sx_civil_from_days(jan1 + yday - 1, &y, &m, &d);
		mon = m;
		day = d;
	}
	/* every field is at most 4 digits: all fit an int */
	struct sx_civil *c = &w->c;
	c->year = (int)year;
	c->mon = (int)mon;
	c->day = (int)day;
	c->hour = (int)hour;
	c->min = (int)min;
	c->sec = (int)sec;
	c->frac_us = (int)frac;
	c->off_sign = sign;
	c->off_h = (int)oh;
	c->off_m = (int)om;
	return sx_civil_time(c, out);
}

int sx_timefmt_parse(const struct sx_timefmt *f, const char *s, size_t n, sx_time_t *out)
{
	struct tf_why w;
	return fmt_match(f, s, n, out, &w) == 0 ? 0 : -1;
}

/* ---- error messages: what is wrong with a time, and what would read it ---- */

/* Append S to B quoted, at most 40 bytes, as valid UTF-8 on one line (it
 * goes into a one-line message and a dead letter's JSON "error"). */
static size_t quote_value(char *b, size_t size, const char *s, size_t n)
{
	size_t len = 0, i = 0;
	if (size < 48)
		return 0;
	b[len++] = '\'';
	while (i < n && len < 41) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
		if (ch >= 0x80 && i + k <= n && len + k <= 41 && sx_utf8_valid(s + i, k)) {
			memcpy(b + len, s + i, k);
			len += k;
			i += k;
			continue;
		}
		b[len++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
		i++;
	}
	if (i < n) {
		memcpy(b + len, "...", 3);
		len += 3;
	}
	b[len++] = '\'';
	b[len] = '\0';
	return len;
}

/* A JSON number: -?digits(.digits)?([eE][+-]?digits)? */
static int is_number_text(const char *s, size_t n)
{
	size_t i = 0, d;
	if (i < n && s[i] == '-')
		i++;
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d)
		return 0;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

static const char *const unit_opt[] = { "s", "ms", "us", "ns" };
static const char *const unit_name[] = { "seconds", "milliseconds", "microseconds", "nanoseconds" };

/* An epoch number refused in UNIT: outside years 0001-9999.  When a finer
 * unit reads it, that is the likely mistake (epoch ms read as seconds). */
void sx_time_number_why(const char *s, size_t n, enum sx_time_unit unit, char *msg, size_t size)
{
	char val[64];
	quote_value(val, sizeof val, s, n);
	/* the number without the quotes */
	val[strlen(val) - 1] = '\0';
	for (int u = (int)unit + 1; u <= SX_UNIT_NS; u++) {
		sx_time_t t;
		if (sx_time_from_number(s, n, (enum sx_time_unit)u, &t) == 0) {
			char when[SX_TIME_BUFSIZE];
			sx_time_format(t, when);
			snprintf(msg, size, "%s is outside years 0001-9999 in %s; as %s it is %s: %s --time-unit %s",
				 val + 1, unit_name[unit], unit_name[u], when, unit == SX_UNIT_S ? "add" : "use",
				 unit_opt[u]);
			return;
		}
	}
	snprintf(msg, size, "%s is outside years 0001-9999 in %s", val + 1, unit_name[unit]);
}

/* Month names as %b/%B read them: the full name or its first three letters. */
static int is_month_name(const char *s, size_t n, int *full)
{
	for (int i = 0; i < 12; i++) {
		if (n == strlen(months[i]) && !strncasecmp(s, months[i], n)) {
			*full = 1;
			return 1;
		}
		if (n == 3 && !strncasecmp(s, months[i], 3)) {
			*full = 0;
			return 1;
		}
	}
	return 0;
}

struct tok {
	char kind;              /* 'n' digits, 'a' letters, ' ' spaces, else that character */
	const char *p;
	size_t len;
	const char *dir;        /* the directive chosen for it, or NULL: itself */
};

/* A --time-format pattern that reads S, guessed from its shape
 * ("01/02/2026 12:00" -> "%m/%d/%Y %H:%M"), or NULL.  The guess is checked
 * by compiling it and matching S; ambiguous day/month order prefers month
 * first after '/' (US style) and day first otherwise. */
static const char *guess_layout(const char *s, size_t n, char *out, size_t size)
{
	struct tok t[24];
	size_t nt = 0;
	for (size_t i = 0; i < n;) {
		if (nt == sizeof t / sizeof *t)
			return NULL;
		struct tok *k = &t[nt++];
		char ch = s[i];
		size_t j = i + 1;
		if (ch >= '0' && ch <= '9') {
			k->kind = 'n';
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
		} else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') {
			k->kind = 'a';
			while (j < n && (s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z')
				j++;
		} else if (ch == ' ') {
			k->kind = ' ';
			while (j < n && s[j] == ' ')
				j++;
		} else if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f) {
			return NULL;
		} else {
			k->kind = ch;
		}
		k->p = s + i;
		k->len = j - i;
		k->dir = NULL;
		i = j;
	}
	/* the time of day: H:MM[:SS[.f]] */
	size_t th = nt, after = 0;
	for (size_t i = 0; i + 2 < nt; i++) {
		if (t[i].kind == 'n' && t[i].len <= 2 && t[i + 1].kind == ':' && t[i + 2].kind == 'n' && t[i + 2].len == 2) {
			th = i;
			t[i].dir = "%H";
			t[i + 2].dir = "%M";
			after = i + 3;
			if (after + 1 < nt && t[after].kind == ':' && t[after + 1].kind == 'n' && t[after + 1].len == 2) {
				t[after + 1].dir = "%S";
				after += 2;
				if (after + 1 < nt && (t[after].kind == '.' || t[after].kind == ',') && t[after + 1].kind == 'n') {
					t[after + 1].dir = "%f";
					after += 2;
				}
			}
			break;
		}
	}
	/* after the time: AM/PM, an offset, a zone name */
	int ampm = 0;
	for (size_t i = after; th < nt && i < nt; i++) {
		if (t[i].kind == 'a' && t[i].len == 2 && (!strncasecmp(t[i].p, "AM", 2) || !strncasecmp(t[i].p, "PM", 2))) {
			t[i].dir = "%p";
			ampm = 1;
		} else if (t[i].kind == 'a' && t[i].len == 3 && (!strncmp(t[i].p, "UTC", 3) || !strncmp(t[i].p, "GMT", 3))) {
			t[i].dir = "%Z";
		} else if (t[i].kind == 'a' && t[i].len == 1 && (*t[i].p == 'Z' || *t[i].p == 'z')) {
			t[i].dir = "%z";
		} else if ((t[i].kind == '+' || t[i].kind == '-') && i + 1 < nt && t[i + 1].kind == 'n' &&
			   (t[i + 1].len == 2 || t[i + 1].len == 4)) {
			t[i].dir = "%z";
			t[i + 1].dir = "";
			if (t[i + 1].len == 2 && i + 3 < nt && t[i + 2].kind == ':' && t[i + 3].kind == 'n' && t[i + 3].len == 2)
				t[i + 2].dir = t[i + 3].dir = "";
			i++;
		}
	}
	if (ampm)
		t[th].dir = "%I";
	/* the date: the numbers left, and a month name */
	size_t num[4], nn = 0;
	int month = 0;
	for (size_t i = 0; i < nt; i++) {
		if (t[i].dir)
			continue;
		int full;
		if (t[i].kind == 'a' && is_month_name(t[i].p, t[i].len, &full)) {
			if (month++)
				return NULL;
			t[i].dir = full ? "%B" : "%b";
		} else if (t[i].kind == 'a' && !(t[i].len == 1 && (*t[i].p == 'T' || *t[i].p == 't'))) {
			return NULL;    /* a weekday, a zone abbreviation: no directive reads them */
		} else if (t[i].kind == 'n') {
			if (nn == 4)
				return NULL;
			num[nn++] = i;
		}
	}
	if (month) {
		/* "25/Nov/2026", "Nov 25 2026": a day and a four-digit year */
		if (nn != 2)
			return NULL;
		size_t y = t[num[0]].len == 4 ? num[0] : num[1], d = y == num[0] ? num[1] : num[0];
		if (t[y].len != 4 || t[d].len > 2)
			return NULL;
		t[y].dir = "%Y";
		t[d].dir = "%d";
	} else if (nn == 3) {
		struct tok *a = &t[num[0]], *b = &t[num[1]], *c = &t[num[2]];
		if (a->len == 4 && b->len <= 2 && c->len <= 2) {
			a->dir = "%Y", b->dir = "%m", c->dir = "%d";
		} else if (c->len == 4 && a->len <= 2 && b->len <= 2) {
			int first = 0, second = 0;      /* tokens are not NUL-terminated */
			for (size_t i = 0; i < a->len; i++)
				first = first * 10 + (a->p[i] - '0');
			for (size_t i = 0; i < b->len; i++)
				second = second * 10 + (b->p[i] - '0');
			int month_first = second > 12 ? 1 : first > 12 ? 0 : t[num[0] + 1].kind == '/';
			a->dir = month_first ? "%m" : "%d";
			b->dir = month_first ? "%d" : "%m";
			c->dir = "%Y";
		} else {
			return NULL;
		}
	} else if (nn == 1 && th == nt && (t[num[0]].len == 8 || t[num[0]].len == 12 || t[num[0]].len == 14)) {
		static const char *const packed[] = { "%Y%m%d", "%Y%m%d%H%M", "%Y%m%d%H%M%S" };
		size_t len = t[num[0]].len;
		t[num[0]].dir = packed[len == 8 ? 0 : len == 12 ? 1 : 2];
	} else {
		return NULL;    /* no date, or no way to tell its parts (epoch numbers included) */
	}
	size_t len = 0;
	for (size_t i = 0; i < nt; i++) {
		const char *d = t[i].dir ? t[i].dir : t[i].kind == ' ' ? " " : NULL;
		size_t dl = d ? strlen(d) : t[i].len;
		if (len + dl + 2 >= size)
			return NULL;
		if (d) {
			memcpy(out + len, d, dl);
		} else if (t[i].kind == '%') {
			memcpy(out + len, "%%", 2);
			dl = 2;
		} else {
			memcpy(out + len, t[i].p, dl);
		}
		len += dl;
	}
	out[len] = '\0';
	/* a guess is offered only if it reads S */
	const char *why;
	struct sx_timefmt *f = sx_timefmt_compile(out, &why);
	sx_time_t tv;
	int ok = f && sx_timefmt_parse(f, s, n, &tv) == 0;
	sx_timefmt_free(f);
	return ok ? out : NULL;
}

/* Epoch seconds of today's magnitude (9 to 11 digits before any point), as
 * %s reads them: a number in a JSON string that --time-format '%s' fixes. */
static int epoch_seconds_text(const char *s, size_t n)
{
	size_t i = n && *s == '-', d = i;
	sx_time_t t;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i - d >= 9 && i - d <= 11 && sx_time_from_number(s, n, SX_UNIT_S, &t) == 0;
}

/* Only sx-ingest has --time-format; the other tools read what it writes. */
static int have_time_format_option(void)
{
	return strcmp(sx_progname, "sx-ingest") == 0;
}

const char *sx_time_why(const char *s, size_t n, enum sx_time_unit unit, const struct sx_timefmt *fmt,
			int numbers, struct sx_buf *scratch)
{
	char msg[320], val[64], what[128];
	quote_value(val, sizeof val, s, n);
	if (fmt) {
		struct tf_why w;
		sx_time_t t;
		int e = fmt_match(fmt, s, n, &t, &w);
		if (e == TF_NOMATCH) {
			/* what the pattern wanted, and where */
			static const char *const wanted[] = {
				[OP_YEAR] = "%Y", [OP_MONTH] = "%m", [OP_DAY] = "%d", [OP_DAY_SP] = "%e",
				[OP_YDAY] = "%j", [OP_HOUR] = "%H", [OP_HOUR12] = "%I", [OP_MIN] = "%M",
				[OP_SEC] = "%S", [OP_FRAC] = "%f", [OP_AMPM] = "%p", [OP_MONTH_NAME] = "%b",
				[OP_ZONE] = "%z", [OP_ZONE_NAME] = "%Z", [OP_EPOCH] = "%s",
			};
			char want[8] = "", at[64];
			if (w.step < fmt->n && fmt->steps[w.step].op == OP_LIT)
				snprintf(want, sizeof want, "'%c'", fmt->steps[w.step].lit);
			else if (w.step < fmt->n)
				snprintf(want, sizeof want, "%s", fmt->steps[w.step].op == OP_SPACE ? "' '"
					 : wanted[fmt->steps[w.step].op]);
			quote_value(at, sizeof at, w.at, (size_t)(s + n - w.at));
			if (w.step == fmt->n)
				snprintf(msg, sizeof msg, "%s does not match --time-format: %s is left over", val, at);
			else if (w.at >= s + n)
				snprintf(msg, sizeof msg, "%s does not match --time-format: it ends where %s is expected",
					 val, want);
			else
				snprintf(msg, sizeof msg, "%s does not match --time-format: %s expected at %s", val, want, at);
		} else if (e == TF_HOUR12) {
			snprintf(msg, sizeof msg, "%s: hour %" PRId64 " is out of range for %%I (01-12)", val, w.hour12);
		} else if (e == TF_YDAY) {
			snprintf(msg, sizeof msg, "%s: day %" PRId64 " is out of range for the year %04d", val,
				 w.yday, w.c.year);
		} else {
			sx_time_err_text(e, &w.c, what, sizeof what);
			snprintf(msg, sizeof msg, "%s: %s", val, what);
		}
	} else {
		struct sx_civil c;
		int e = sx_time_parse_why(s, n, &c);
		if (e > SX_TERR_SYNTAX) {
			sx_time_err_text(e, &c, what, sizeof what);
			snprintf(msg, sizeof msg, "%s: %s", val, what);
		} else if (numbers && is_number_text(s, n)) {
			sx_time_number_why(s, n, unit, msg, sizeof msg);
		} else {
			char layout[64];
			const char *g = guess_layout(s, n, layout, sizeof layout);
			const char *is_not = numbers ? "is not RFC 3339 or an epoch number" : "is not RFC 3339";
			if (!g && is_number_text(s, n) && epoch_seconds_text(s, n))
				g = "%s";
			if (!g && is_number_text(s, n))
				snprintf(msg, sizeof msg, "%s %s; an epoch time must be a JSON number, not a string",
					 val, is_not);
			else if (have_time_format_option())
				snprintf(msg, sizeof msg, "%s %s; give its layout with --time-format%s%s%s", val, is_not,
					 g ? " (e.g. '" : "", g ? g : "", g ? "')" : "");
			else if (g)
				snprintf(msg, sizeof msg, "%s %s; sx-ingest --time-format '%s' reads it", val, is_not, g);
			else
				snprintf(msg, sizeof msg, "%s %s (such as 2026-01-01T12:00:00Z)", val, is_not);
		}
	}
	sx_buf_reset(scratch);
	sx_buf_puts(scratch, msg);
	return scratch->data;
}
