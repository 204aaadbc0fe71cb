/* Unit tests for common/sx_cli.c */
#include <check.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "testutil.h"

static const char usage[] = "Usage: sx-test [OPTIONS] [FILE...]\n  -h, --help  this text\n";

START_TEST(durations)
{
	ck_assert_int_eq(sx_cli_duration("--tumbling", "250ms", 0), 250000);
	ck_assert_int_eq(sx_cli_duration("--tumbling", "1h30m", 0), INT64_C(5400) * 1000000);
	ck_assert_int_eq(sx_cli_duration("--tumbling", "2d", 0), INT64_C(172800) * 1000000);
	ck_assert_int_eq(sx_cli_duration("--tumbling", "0", 0), 0);
	ck_assert_int_eq(sx_cli_duration("--offset", "-5s", 1), -5000000);
	ck_assert_int_eq(sx_cli_duration("--offset", "10us", 1), 10);
}
END_TEST

struct call { const char *name, *arg; int sign; long min, max; };

static int call_duration(void *p)
{
	struct call *c = p;
	sx_set_progname("sx-test");
	printf("%lld\n", (long long)sx_cli_duration(c->name, c->arg, c->sign));
	return 0;
}

static int call_long(void *p)
{
	struct call *c = p;
	sx_set_progname("sx-test");
	printf("%ld\n", sx_cli_long(c->name, c->arg, c->min, c->max));
	return 0;
}

/* Bad values: one line naming the option and the value, a hint, exit 2. */
START_TEST(bad_duration_is_usage_error)
{
	static const struct { const char *arg, *hint; } bad[] = {
		{ "5x", " (examples: 250ms, 30s, 5m, 1h30m, 2d)" },
		{ "", " (examples: 250ms, 30s, 5m, 1h30m, 2d)" },
		{ "99999999999999999999d", " (examples: 250ms, 30s, 5m, 1h30m, 2d)" },
		/* what it probably meant, when that can be told */
		{ "1.5s", "; did you mean 1s500ms?" },
		{ "5 min", "; did you mean 5m?" },
		{ "-5s", ": it must not be negative" },
		{ "5", ": a number needs a unit written next to it, as in 5s or 5m" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct call c = { "--tumbling", bad[i].arg, 0, 0, 0 };
		ck_assert_msg(tu_run_child(call_duration, &c, "out.txt", "err.txt") == 2, "'%s' accepted", bad[i].arg);
		char want[300];
		snprintf(want, sizeof want, "sx-test: --tumbling: bad duration '%s'%s\nTry 'sx-test --help' for more "
			 "information.\n", bad[i].arg, bad[i].hint);
		tu_assert_file_eq("err.txt", want);
		tu_assert_file_eq("out.txt", "");
	}
	/* a sign only where allowed */
	struct call c = { "--offset", "-5s", 1, 0, 0 };
	ck_assert_int_eq(tu_run_child(call_duration, &c, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "-5000000\n");
}
END_TEST

START_TEST(long_values)
{
	ck_assert_int_eq(sx_cli_long("--shard", "3", 0, 10), 3);
	ck_assert_int_eq(sx_cli_long("--n", "-4", -5, 5), -4);
	ck_assert_int_eq(sx_cli_long("--n", "10", 0, 10), 10);
	ck_assert_int_eq(sx_cli_long("--n", "0", 0, 10), 0);
}
END_TEST

START_TEST(bad_long_is_usage_error)
{
	static const char *const bad[] = { "", "5x", "11", "-1", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct call c = { "--batch", bad[i], 0, 0, 10 };
		ck_assert_msg(tu_run_child(call_long, &c, "out.txt", "err.txt") == 2, "'%s' accepted", bad[i]);
		char want[300];
		snprintf(want, sizeof want, "sx-test: --batch: expected an integer from 0 to 10, not '%s'\n"
			 "Try 'sx-test --help' for more information.\n", bad[i]);
		tu_assert_file_eq("err.txt", want);
		tu_assert_file_eq("out.txt", "");
	}
}
END_TEST

START_TEST(lists_split_on_commas)
{
	int n = 0;
	char **v = sx_cli_list("-g", "deviceId,site,a b", &n);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(v[0], "deviceId");
	ck_assert_str_eq(v[1], "site");
	ck_assert_str_eq(v[2], "a b");
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
	v = sx_cli_list("-g", "one", &n);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(v[0], "one");
	free(v[0]);
	free(v);
}
END_TEST

static int call_list(void *p)
{
	int n;
	sx_set_progname("sx-test");
	sx_cli_list("--group-by", p, &n);
	return 0;
}

/* An empty name anywhere in the list is a usage error naming the option. */
START_TEST(empty_list_name_is_usage_error)
{
	static const char *const bad[] = { "", "a,", ",a", "a,,b" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(tu_run_child(call_list, (void *)bad[i], "out.txt", "err.txt") == 2,
			      "'%s' accepted", bad[i]);
		char want[300];
		snprintf(want, sizeof want, "sx-test: --group-by: empty name in '%s'\n"
			 "Try 'sx-test --help' for more information.\n", bad[i]);
		tu_assert_file_eq("err.txt", want);
	}
}
END_TEST

START_TEST(common_options_set_fields)
{
	struct sx_cli c;
	sx_cli_init(&c, "/usr/bin/sx-test", usage);
	ck_assert_str_eq(sx_progname, "sx-test");
	ck_assert_int_eq(c.progress, -1);
	ck_assert_int_eq(c.time_unit, SX_UNIT_S);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_STATS, NULL), 1);
	ck_assert_int_eq(c.stats, 1);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_PROGRESS, NULL), 1);
	ck_assert_int_eq(c.progress, 1);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_NO_PROGRESS, NULL), 1);
	ck_assert_int_eq(c.progress, 0);
	ck_assert_int_eq(sx_cli_common(&c, 't', "ts"), 1);
	ck_assert_str_eq(c.time_field, "ts");
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_TIME_UNIT, "ms"), 1);
	ck_assert_int_eq(c.time_unit, SX_UNIT_MS);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_IDLE_TIMEOUT, "1m"), 1);
	ck_assert_int_eq(c.idle_timeout_us, 60000000);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_ON_ERROR, "skip"), 1);
	ck_assert_int_eq(sx_onerror_mode(), SX_ONERR_SKIP);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_COMMIT, NULL), 1);
	ck_assert_int_eq(c.commit, 1);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_DEFER_COMMIT, NULL), 1);
	ck_assert_int_eq(c.defer_commit, 1);
	/* a tool's own option is not handled here */
	ck_assert_int_eq(sx_cli_common(&c, 'g', "x"), 0);
	ck_assert_int_eq(sx_cli_common(&c, SX_OPT_TOOL + 1, "x"), 0);
}
END_TEST

struct opt { int opt; const char *arg; };

static int call_common(void *p)
{
	struct opt *o = p;
	struct sx_cli c;
	sx_cli_init(&c, "sx-test", usage);
	return 10 + sx_cli_common(&c, o->opt, o->arg);
}

static void expect_usage(int opt, const char *arg, const char *first_line)
{
	struct opt o = { opt, arg };
	ck_assert_int_eq(tu_run_child(call_common, &o, "out.txt", "err.txt"), 2);
	char want[400];
	snprintf(want, sizeof want, "%s\nTry 'sx-test --help' for more information.\n", first_line);
	tu_assert_file_eq("err.txt", want);
	tu_assert_file_eq("out.txt", "");
}

START_TEST(bad_common_arguments_exit_2)
{
	expect_usage('t', "", "sx-test: --time: empty field name");
	expect_usage(SX_OPT_TIME_UNIT, "sec", "sx-test: --time-unit: expected s, ms, us or ns, not 'sec'");
	expect_usage(SX_OPT_IDLE_TIMEOUT, "0", "sx-test: --idle-timeout: must be greater than zero");
	expect_usage(SX_OPT_IDLE_TIMEOUT, "soon",
		     "sx-test: --idle-timeout: bad duration 'soon' (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	expect_usage(SX_OPT_ON_ERROR, "ignore",
		     "sx-test: --on-error: expected fail, skip or dead-letter=FILE, not 'ignore'");
	/* getopt_long already printed what was wrong: only the hint */
	struct opt o = { '?', NULL };
	ck_assert_int_eq(tu_run_child(call_common, &o, "out.txt", "err.txt"), 2);
	tu_assert_file_eq("err.txt", "Try 'sx-test --help' for more information.\n");
	o.opt = ':';
	ck_assert_int_eq(tu_run_child(call_common, &o, "out.txt", "err.txt"), 2);
}
END_TEST

START_TEST(help_and_version_exit_0)
{
	struct opt o = { 'h', NULL };
	ck_assert_int_eq(tu_run_child(call_common, &o, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", usage);
	tu_assert_file_eq("err.txt", "");
	o.opt = SX_OPT_VERSION;
	ck_assert_int_eq(tu_run_child(call_common, &o, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "sx-test (sx) " SX_VERSION "\n");
	tu_assert_file_eq("err.txt", "");
}
END_TEST

static int help_to_full(void *p)
{
	(void)p;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		return 77;
	dup2(fd, 1);
	struct opt o = { 'h', NULL };
	return call_common(&o);
}

/* --help > /dev/full is a write error, not a silent success. */
START_TEST(help_write_error_exits_1)
{
	int rc = tu_run_child(help_to_full, NULL, NULL, "err.txt");
	if (rc == 77)
		return;
	ck_assert_int_eq(rc, 1);
	tu_assert_file_eq("err.txt", "sx-test: write error on stdout: No space left on device\n");
}
END_TEST

/* The whole getopt_long path with the shared table. */
static int parse_argv(void *p)
{
	char **argv = p;
	int argc = 0;
	while (argv[argc])
		argc++;
	static const struct option longopts[] = { SX_COMMON_LONGOPTS, SX_TIME_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct sx_cli c;
	sx_cli_init(&c, argv[0], usage);
	optind = 1;
	opterr = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "ht:", longopts, NULL)) != -1)
		if (!sx_cli_common(&c, opt, optarg))
			return 50;
	printf("stats=%d time=%s unit=%d idle=%lld operands=%d\n", c.stats, c.time_field ? c.time_field : "-",
	       (int)c.time_unit, (long long)c.idle_timeout_us, argc - optind);
	return 0;
}

START_TEST(getopt_with_shared_table)
{
	char *ok[] = { "sx-test", "--stats", "-t", "ts", "--time-unit=us", "--idle-timeout", "2s", "a", "b", NULL };
	ck_assert_int_eq(tu_run_child(parse_argv, ok, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "stats=1 time=ts unit=2 idle=2000000 operands=2\n");
	char *unknown[] = { "sx-test", "--bogus", NULL };
	ck_assert_int_eq(tu_run_child(parse_argv, unknown, "out.txt", "err.txt"), 2);
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "bogus"));
	ck_assert_ptr_nonnull(strstr(err, "Try 'sx-test --help' for more information.\n"));
	free(err);
	char *missing[] = { "sx-test", "--time", NULL };
	ck_assert_int_eq(tu_run_child(parse_argv, missing, "out.txt", "err.txt"), 2);
}
END_TEST

struct start { int nargs; char **args; };

static int call_start(void *p)
{
	struct start *s = p;
	struct sx_cli c;
	sx_cli_init(&c, "sx-test", usage);
	c.commit = 1;
	sx_cli_start(&c, 0, s->nargs, s->args);
	return 50; /* --commit always exits */
}

START_TEST(commit_promotes_and_exits)
{
	struct start s = { 0, NULL };
	ck_assert_int_eq(tu_run_child(call_start, &s, "out.txt", "err.txt"), 2);
	tu_assert_file_eq("err.txt", "sx-test: --commit: name the progress files to commit\n"
				     "Try 'sx-test --help' for more information.\n");
	char a[512], b[512], ap[600], bp[600];
	strcpy(a, tu_path("a.ckpt"));
	strcpy(b, tu_path("b.state"));
	snprintf(ap, sizeof ap, "%s.pending", a);
	snprintf(bp, sizeof bp, "%s.pending", b);
	tu_write_file(ap, "new a", 5);
	char *args[] = { a, b };
	s.nargs = 2;
	s.args = args;
	/* b has nothing pending: nothing is promoted, exit 1 */
	ck_assert_int_eq(tu_run_child(call_start, &s, "out.txt", "err.txt"), 1);
	ck_assert(!tu_exists(a));
	ck_assert(tu_exists(ap));
	tu_write_file(bp, "new b", 5);
	ck_assert_int_eq(tu_run_child(call_start, &s, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("err.txt", "");
	tu_assert_file_eq("a.ckpt", "new a");
	tu_assert_file_eq("b.state", "new b");
	ck_assert(!tu_exists(ap) && !tu_exists(bp));
}
END_TEST

Suite *sx_cli_suite(void)
{
	Suite *s = suite_create("sx_cli");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, bad_duration_is_usage_error);
	tcase_add_test(tc, long_values);
	tcase_add_test(tc, bad_long_is_usage_error);
	tcase_add_test(tc, lists_split_on_commas);
	tcase_add_test(tc, empty_list_name_is_usage_error);
	tcase_add_test(tc, common_options_set_fields);
	tcase_add_test(tc, bad_common_arguments_exit_2);
	tcase_add_test(tc, help_and_version_exit_0);
	tcase_add_test(tc, help_write_error_exits_1);
	tcase_add_test(tc, getopt_with_shared_table);
	tcase_add_test(tc, commit_promotes_and_exits);
	suite_add_tcase(s, tc);
	return s;
}
