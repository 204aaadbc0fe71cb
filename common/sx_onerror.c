/* sx_onerror.c - --on-error fail|skip|dead-letter=FILE (see sx_onerror.h). */
#include "sx_onerror.h"
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_json.h"
#include "sx_out.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_SHOWN 10

static struct {
	enum sx_onerror_mode mode;
	const char *path;
	struct sx_out out;
	int opened;
	int hooked;
	int failed;          /* the dead-letter file could not be opened or written */
	uint64_t count;
	struct sx_buf line;
} pol;

static void summary_at_exit(void *arg)
{
	(void)arg;
	if (pol.opened)
		sx_out_close(&pol.out);
	sx_buf_free(&pol.line);
	if (!pol.count || pol.failed)
		return; /* a failed dead-letter file was reported; "see FILE" would mislead */
	if (pol.mode == SX_ONERR_DEAD_LETTER)
		sx_warn("%" PRIu64 " record%s rejected (see %s)", pol.count,
			pol.count == 1 ? "" : "s", pol.path);
	else if (pol.mode == SX_ONERR_SKIP)
		sx_warn("%" PRIu64 " record%s skipped", pol.count, pol.count == 1 ? "" : "s");
}

int sx_onerror_set(const char *arg)
{
	if (!strcmp(arg, "fail")) {
		pol.mode = SX_ONERR_FAIL;
	} else if (!strcmp(arg, "skip")) {
		pol.mode = SX_ONERR_SKIP;
	} else if (!strncmp(arg, "dead-letter=", 12) && arg[12]) {
		pol.mode = SX_ONERR_DEAD_LETTER;
		pol.path = arg + 12;
	} else {
		return -1;
	}
	if (!pol.hooked) {
		pol.hooked = 1;
		sx_on_exit(summary_at_exit, NULL);
	}
	return 0;
}

enum sx_onerror_mode sx_onerror_mode(void)
{
	return pol.mode;
}

uint64_t sx_onerror_count(void)
{
	return pol.count;
}

size_t sx_utf8_prefix(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);
	if (len <= max)
		return len;
	/* s[max] is the first byte left out: if it continues a character, that
	 * character goes too (at most 3 steps back, whatever the bytes are) */
	size_t k = max;
	while (k > 0 && max - k < 3 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return ((unsigned char)s[k] & 0xC0) == 0x80 ? max : k;
}

const char *sx_reason_field(char *buf, size_t n, const char *field, const char *why)
{
	int name = (int)sx_utf8_prefix(field, 100);
	int len = snprintf(buf, n, "field '%.*s': %s", name, field, why);
	if (len >= 0 && (size_t)len >= n) {
		/* cut short: measure the full text again to cut it on a boundary */
		struct sx_buf full = SX_BUF_INIT;
		sx_buf_printf(&full, "field '%.*s': %s", name, field, why);
		buf[sx_utf8_prefix(full.data, n - 1)] = '\0';
		sx_buf_free(&full);
	}
	return buf;
}

static void dead_letter_fail(struct sx_out *o, int err)
{
	(void)err;
	o->len = 0;
	pol.failed = 1;
	sx_die(SX_EXIT_FAIL, "dead-letter file %s: write error:", pol.path);
}

static void dead_letter(const char *src, uint64_t line, const char *reason, const char *raw, size_t rawlen)
{
	if (!pol.opened) {
		if (sx_out_open_append(&pol.out, pol.path, 0644) < 0) {
			pol.failed = 1;
			sx_die(SX_EXIT_FAIL, "dead-letter file %s:", pol.path);
		}
		pol.out.fail = dead_letter_fail;
		pol.opened = 1;
	}
	struct sx_buf *b = &pol.line;
	sx_buf_reset(b);
	char where[64];
	sx_buf_puts(b, "{\"source\":");
	if (line)
		snprintf(where, sizeof where, ":%" PRIu64, line);
	else
		where[0] = '\0';
	size_t srclen = strlen(src);
	sx_buf_reserve(b, srclen + strlen(where));
	/* source names are file paths: quote them safely even if not UTF-8 */
	struct sx_buf tmp = SX_BUF_INIT;
	sx_buf_append(&tmp, src, srclen);
	sx_buf_puts(&tmp, where);
	if (sx_utf8_valid(tmp.data, tmp.len))
		sx_json_quote_buf(b, tmp.data, tmp.len);
	else
		sx_buf_puts(b, "\"(non-UTF-8 file name)\"");
	sx_buf_free(&tmp);
	sx_buf_puts(b, ",\"error\":");
	sx_json_quote_buf(b, reason, strlen(reason));
	if (sx_utf8_valid(raw, rawlen)) {
		sx_buf_puts(b, ",\"line\":");
		sx_json_quote_buf(b, raw, rawlen);
	} else {
		sx_buf_puts(b, ",\"line_base64\":\"");
		sx_base64_append(b, (const unsigned char *)raw, rawlen);
		sx_buf_putc(b, '"');
	}
	sx_buf_puts(b, "}\n");
	sx_out_write(&pol.out, b->data, b->len);
}

void sx_data_error(const char *src, uint64_t line, const char *reason, const char *raw, size_t rawlen)
{
	pol.count++;
	char where[32] = "";
	if (line)
		snprintf(where, sizeof where, ":%" PRIu64, line);
	switch (pol.mode) {
	case SX_ONERR_FAIL:
		sx_die(SX_EXIT_FAIL, "%s%s: %s", src, where, reason);
	case SX_ONERR_SKIP:
		if (pol.count <= MAX_SHOWN)
			sx_warn("%s%s: %s%s", src, where, reason,
				pol.count == MAX_SHOWN ? " (further messages suppressed)" : "");
		break;
	case SX_ONERR_DEAD_LETTER:
		dead_letter(src, line, reason, raw, rawlen);
		break;
	}
}
