/*
 * fuzz_ingest - sx-ingest's conversion engine (sx_ingest over sx_in): the
 * NDJSON record reader, the JSON array/stream reader and the CSV/TSV paths,
 * gzip included (detected by its magic bytes), with records and errors going
 * to a sink as sx-join's reference loader takes them.
 *
 * Bytes 0 and 1 pick the options (format or auto with a file name, header,
 * -t and its unit, --types, --schema, --envelope, --shard, --time-format,
 * --add-source); the rest is the input.  Every record the engine emits must
 * be one valid JSON object; every error must name its reason.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "fuzz.h"
#include "sx_ingest.h"
#include "sx_json.h"

static struct sx_rec rec;
static struct sx_timefmt *tfmt;
static uint64_t nrecords, nerrors;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *why;
	fuzz_init();
	sx_rec_init(&rec);
	tfmt = sx_timefmt_compile("%Y-%m-%d %H:%M:%S", &why);
	if (!tfmt)
		abort();
	return 0;
}

static void on_record(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	const char *why;
	if (sx_rec_parse(&rec, p, n, &why) != 0)
		fprintf(stderr, "emitted: %.*s\n(%s)\n", (int)n, p, why);
	FUZZ_CHECK(sx_rec_parse(&rec, p, n, &why) == 0);
	FUZZ_CHECK(memchr(p, '\n', n) == NULL);
	nrecords++;
}

static void on_error(void *ctx, int fatal, const char *file, uint64_t line, const char *why,
		     const char *raw, size_t rawlen)
{
	(void)ctx, (void)fatal, (void)line, (void)raw, (void)rawlen;
	FUZZ_CHECK(file != NULL && why != NULL && why[0] != '\0');
	nerrors++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "in.csv", "in.tsv", "in.json", "in.ndjson", "in.csv.gz",
					     "-", "in.jsonl", "in.txt" };
	static struct sx_schema_col schema[] = {
		{ "t", SX_COL_TIME }, { "v", SX_COL_INT }, { "f", SX_COL_FLOAT }, { "b", SX_COL_BOOL },
		{ "s", SX_COL_STRING },
	};
	static char *columns[] = { "t", "k", "v" };
	if (size < 2)
		return 0;
	uint8_t o1 = data[0], o2 = data[1];
	struct sx_ingest_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.format = (enum sx_format)(o1 % 5);
	const char *name = cfg.format == SX_FMT_AUTO ? names[(o1 >> 3) & 7] : "in";
	cfg.no_header = (o1 >> 6) & 1;
	if ((o2 & 3) == 3 && !cfg.no_header) {
		cfg.columns = columns;
		cfg.ncolumns = 3;
	}
	if (o1 & 0x80) {
		cfg.time_field = "t";
		cfg.time_unit = (enum sx_time_unit)((o2 >> 2) & 3);
		if (o2 & 0x10)
			cfg.time_format = tfmt;
	}
	cfg.types_string = (o2 >> 5) & 1;
	if (o2 & 0x40) {
		cfg.schema = schema;
		cfg.nschema = cfg.time_field ? 5 : 4; /* t:time wants -t */
		if (!cfg.time_field)
			cfg.schema = schema + 1;
	}
	if (o2 & 0x80) {
		if (cfg.format == SX_FMT_NDJSON || cfg.format == SX_FMT_JSON)
			cfg.envelope = (o2 & 1) ? SX_ENV_KCAT : SX_ENV_MOSQUITTO;
		else
			cfg.source_field = "src";
	}
	if ((o2 & 3) == 1) {
		cfg.shard_i = 1;
		cfg.shard_n = 2;
		cfg.shard_key = "k";
	}

	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || (size > 2 && write(fd, data + 2, size - 2) != (ssize_t)(size - 2)) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	struct sx_ingest *g = sx_ingest_new(&cfg);
	struct sx_ingest_sink sink = { on_record, on_error, NULL };
	sx_ingest_set_sink(g, &sink);
	struct sx_in in;
	sx_in_fdopen(&in, fd, name);
	nrecords = nerrors = 0;
	/* resume half-way through now and then, as a checkpoint would: at the
	 * start of a line (a resume inside one is sx-ingest's own case, which
	 * reports through sx_data_error, not the sink: tests/fuzz/pending/ingest) */
	uint64_t skip = 0;
	if ((o2 & 3) == 2 && size > 2) {
		const uint8_t *half = data + 2 + (size - 2) / 2;
		const uint8_t *nl = memchr(half, '\n', (size_t)(data + size - half));
		skip = nl ? (uint64_t)(nl + 1 - (data + 2)) : 0;
	}
	sx_ingest_source(g, &in, name, skip);
	sx_in_close(&in);
	sx_ingest_free(g);
	return 0;
}
