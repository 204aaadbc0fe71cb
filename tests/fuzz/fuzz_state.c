/*
 * fuzz_state - sx-window --state files: sx_winstage_load, and through it
 * sx_window_load, sx_acc_load and sx_reorder_load.
 *
 * Input: byte 0 picks one of the window configurations below; then the state
 * file (one line); then NDJSON events {"t":...} to continue with.  The
 * state's own "config" member is taken as the expected one (the fuzzer need
 * not guess it; a state whose config matches but whose contents are damaged
 * is the case that matters).  A state that loads must then behave: take
 * events, save and load again into a fresh engine identically, and close
 * every window (--final) without dying.
 */
#include "fuzz.h"
#include "sx_agg.h"
#include "sx_json.h"
#include "sx_run.h"
#include "sx_window.h"
#include "sx_winstage.h"

static const char *const all_aggs[] = {
	"count()", "n=count(v)", "sum(v)", "avg(v)", "min(v)", "max(v)", "stdev(v)", "var(v)",
	"stdevp(v)", "varp(v)", "median(v)", "percentile_cont(v,0.5)", "percentile_disc(v,0.9)",
	"count_distinct(k)", "approx_count_distinct(k)", "first(v)", "last(v)", "collect(v)",
	"min_by(k,v)", "max_by(k,v)",
};

#define S SX_US_PER_SEC
static const struct sx_window_cfg kinds[] = {
	{ .kind = SX_WIN_TUMBLING, .size = 10 * S },
	{ .kind = SX_WIN_HOPPING, .size = 10 * S, .hop = 4 * S, .offset = 1 * S },
	{ .kind = SX_WIN_SLIDING, .size = 10 * S },
	{ .kind = SX_WIN_SESSION, .timeout = 5 * S, .max_duration = 20 * S },
	{ .kind = SX_WIN_SNAPSHOT },
	{ .kind = SX_WIN_TUMBLING, .size = 10 * S, .start_inclusive = 1 },
	{ .kind = SX_WIN_SESSION, .timeout = 5 * S, .start_inclusive = 1 },
	{ .kind = SX_WIN_HOPPING, .size = 6 * S, .hop = 4 * S },
};
#define NKINDS (sizeof kinds / sizeof *kinds)

static struct sx_aggset *aggs;
static char *keys[] = { "k" };
static struct sx_out null_out;
static const char *state_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char err[256];
	fuzz_init();
	fuzz_null_out(&null_out);
	aggs = sx_aggset_new();
	for (size_t i = 0; i < sizeof all_aggs / sizeof *all_aggs; i++)
		if (sx_aggset_add(aggs, all_aggs[i], err, sizeof err) < 0) {
			fprintf(stderr, "%s: %s\n", all_aggs[i], err);
			abort();
		}
	state_path = fuzz_path("state");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct sx_window_cfg wc = kinds[data[0] % NKINDS];
	wc.keys = keys;
	wc.nkeys = (data[0] / NKINDS) & 1;
	wc.aggs = aggs;
	wc.start_field = "window_start";
	wc.end_field = "window_end";
	const uint8_t *p = data + 1, *end = data + size;
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
	fuzz_write_file(state_path, p, n);
	json_t *saved = json_loadb((const char *)p, n, 0, NULL);
	json_t *config = json_incref(json_object_get(saved, "config"));
	json_decref(saved);
	p += n + (nl != NULL);

	struct sx_winstage_cfg sc;
	memset(&sc, 0, sizeof sc);
	sc.time_field = "t";
	sc.time_unit = SX_UNIT_S;
	sc.max_delay = (data[0] & 0x40) ? 3 * S : 0;
	sc.late_drop = (data[0] & 0x80) != 0;
	sc.state_path = state_path;
	sc.final = 1;
	sc.config = config ? config : json_null();
	struct sx_window *w = sx_window_new(&wc, &null_out);
	struct sx_winstage st;
	sx_winstage_init(&st, &sc, w);
	if (sx_winstage_load(&st) == 0) {
		/* continue with the events, as sx-window would */
		struct sx_rec rec;
		sx_rec_init(&rec);
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char *line = malloc(n ? n : 1);
			if (!line)
				abort();
			memcpy(line, p, n);
			const char *why;
			if (sx_rec_parse(&rec, line, n, &why) == 0)
				sx_winstage_stage.record(&st, &rec, &why);
			free(line);
			p += n + (nl != NULL);
		}
		sx_rec_free(&rec);
		/* what is open now saves, and loads back into a fresh engine */
		json_t *j1 = sx_window_save(w);
		struct sx_window *w2 = sx_window_new(&wc, &null_out);
		char err[200];
		int loaded = sx_window_load(w2, j1, err, sizeof err) == 0;
		if (!loaded)
			fprintf(stderr, "saved windows do not load back: %s\n", err);
		FUZZ_CHECK(loaded);
		json_t *j2 = sx_window_save(w2);
		FUZZ_CHECK(json_equal(j1, j2));
		json_decref(j1);
		json_decref(j2);
		sx_window_flush(w2);
		sx_window_free(w2);
		/* --final: release the held events and close every window (and save) */
		sx_winstage_stage.finish(&st);
	}
	sx_out_flush(&null_out);
	sx_winstage_free(&st);
	sx_window_free(w);
	json_decref(config);
	return 0;
}
