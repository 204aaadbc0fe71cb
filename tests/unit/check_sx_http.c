/* Unit tests for common/sx_http.c (redaction, backoff, Retry-After, the
 * service's messages, rate limits) and sx_pbisink's token helpers. */
#include <check.h>
#include <string.h>
#include "sx_http.h"
#include "sx_pbisink.h"

static const char *redact(const char *s, struct sx_buf *b)
{
	sx_buf_reset(b);
	sx_http_redact(s, strlen(s), b);
	return b->data ? b->data : "";
}

START_TEST(secrets_and_keys_are_redacted)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_http_secrets_clear();
	sx_http_secret("s3cr3t-token");
	sx_http_secret("");
	sx_http_secret("tok");   /* too short to be a credential: left alone */
	ck_assert_str_eq(redact("a tok", &b), "a tok");
	ck_assert_str_eq(redact("token s3cr3t-token here, s3cr3t-token", &b), "token REDACTED here, REDACTED");
	ck_assert_str_eq(redact("https://x/rows?key=abc%2Bdef&x=1", &b), "https://x/rows?key=REDACTED&x=1");
	ck_assert_str_eq(redact("rows?KEY=abc", &b), "rows?KEY=REDACTED");
	ck_assert_str_eq(redact("Authorization: Bearer eyJ.abc.def", &b), "Authorization: Bearer REDACTED");
	/* words merely ending in "key" are left alone */
	ck_assert_str_eq(redact("monkey=1 key=", &b), "monkey=1 key=");
	sx_http_secrets_clear();
	ck_assert_str_eq(redact("s3cr3t-token", &b), "s3cr3t-token");
	sx_buf_free(&b);
}
END_TEST

START_TEST(backoff_grows_with_jitter_and_a_cap)
{
	ck_assert_int_eq(sx_http_backoff_us(1, 0.0), 250000);
	ck_assert_int_eq(sx_http_backoff_us(1, 0.999999), 499999);
	ck_assert_int_eq(sx_http_backoff_us(2, 0.0), 500000);
	ck_assert_int_eq(sx_http_backoff_us(3, 0.5), 1500000);
	ck_assert_int_eq(sx_http_backoff_us(40, 0.0), 15000000);
	ck_assert_int_le(sx_http_backoff_us(40, 0.999999), 30000000);
}
END_TEST

START_TEST(retry_after_values)
{
	ck_assert_int_eq(sx_http_retry_after_us("2", 0), 2000000);
	ck_assert_int_eq(sx_http_retry_after_us(" 3392\r\n", 0), INT64_C(3392000000));
	ck_assert_int_eq(sx_http_retry_after_us("1.5", 0), 1500000);
	ck_assert_int_eq(sx_http_retry_after_us("soon", 0), -1);
	ck_assert_int_eq(sx_http_retry_after_us("-1", 0), -1);
	/* an HTTP date: Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
	ck_assert_int_eq(sx_http_retry_after_us("Sun, 06 Nov 1994 08:49:37 GMT", 784111770), 7000000);
	ck_assert_int_eq(sx_http_retry_after_us("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), 0);
}
END_TEST

START_TEST(service_messages)
{
	struct sx_buf b = SX_BUF_INIT;
	const char *m = "{\"error\":{\"code\":\"InvalidRequest\",\"message\":\"Column 'x' not found\"}}";
	sx_http_service_message(m, strlen(m), &b);
	ck_assert_str_eq(b.data, "Column 'x' not found");
	sx_buf_reset(&b);
	m = "{\"message\":\"Retry in 3392 seconds.\"}";
	sx_http_service_message(m, strlen(m), &b);
	ck_assert_str_eq(b.data, "Retry in 3392 seconds.");
	sx_buf_reset(&b);
	m = "{\"error\":{\"code\":\"ItemNotFound\"}}";
	sx_http_service_message(m, strlen(m), &b);
	ck_assert_str_eq(b.data, "ItemNotFound");
	sx_buf_reset(&b);
	m = "  <html>\r\nBad\tGateway</html>\n";
	sx_http_service_message(m, strlen(m), &b);
	ck_assert_str_eq(b.data, "<html>  Bad Gateway</html>");
	sx_buf_free(&b);
}
END_TEST

START_TEST(rate_posts_per_window)
{
	struct sx_rate r;
	sx_rate_init(&r, 5, 1000000, 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(sx_rate_next(&r, 100 + i, 1), 100 + i);
		sx_rate_take(&r, 100 + i, 1);
	}
	/* the sixth waits until the first leaves the window */
	ck_assert_int_eq(sx_rate_next(&r, 200, 1), 1000100);
	ck_assert_int_eq(sx_rate_next(&r, 1000100, 1), 1000100);
	sx_rate_take(&r, 1000100, 1);
	ck_assert_int_eq(sx_rate_next(&r, 1000100, 1), 1000101);
	sx_rate_free(&r);
}
END_TEST

START_TEST(rate_rows_per_hour)
{
	const int64_t H = INT64_C(3600000000);
	struct sx_rate r;
	sx_rate_init(&r, 0, 0, 1000);
	sx_rate_take(&r, 10, 600);
	sx_rate_take(&r, 20, 300);
	ck_assert_int_eq(sx_rate_next(&r, 30, 100), 30);
	/* 200 more must wait for the first 600 to leave the hour */
	ck_assert_int_eq(sx_rate_next(&r, 30, 200), 10 + H);
	/* more than the whole hour's budget waits for an empty hour */
	ck_assert_int_eq(sx_rate_next(&r, 30, 5000), 20 + H);
	ck_assert_int_eq(sx_rate_next(&r, 20 + H, 5000), 20 + H);
	/* many small requests: the log grows and is pruned */
	for (int i = 0; i < 1000; i++)
		sx_rate_take(&r, 2 * H + i, 1);
	ck_assert_int_eq(r.rows_in_hour, 1000);
	ck_assert_int_eq(sx_rate_next(&r, 2 * H + 1000, 1), 3 * H);
	sx_rate_free(&r);
}
END_TEST

START_TEST(jwt_expiry_and_url_encoding)
{
	/* {"alg":"none"} . {"exp":1767225600,"aud":"x"} . sig */
	ck_assert_int_eq(sx_pbisink_jwt_exp("eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjcyMjU2MDAsImF1ZCI6IngifQ.c2ln"),
			 1767225600);
	ck_assert_int_eq(sx_pbisink_jwt_exp("not-a-jwt"), 0);
	ck_assert_int_eq(sx_pbisink_jwt_exp("a.!!!.c"), 0);
	struct sx_buf b = SX_BUF_INIT;
	sx_pbisink_urlenc(&b, "My Table/x?~_.-\xc3\xa9");
	ck_assert_str_eq(b.data, "My%20Table%2Fx%3F~_.-%C3%A9");
	sx_buf_free(&b);
}
END_TEST

Suite *sx_http_suite(void)
{
	Suite *s = suite_create("sx_http");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, secrets_and_keys_are_redacted);
	tcase_add_test(tc, backoff_grows_with_jitter_and_a_cap);
	tcase_add_test(tc, retry_after_values);
	tcase_add_test(tc, service_messages);
	tcase_add_test(tc, rate_posts_per_window);
	tcase_add_test(tc, rate_rows_per_hour);
	tcase_add_test(tc, jwt_expiry_and_url_encoding);
	suite_add_tcase(s, tc);
	return s;
}
