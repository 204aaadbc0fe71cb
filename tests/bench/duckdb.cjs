// DuckDB as make bench's peer (tests/bench/duckdb.sh): node duckdb.cjs DIR
// WHAT FILE... runs one of the bench's jobs in DuckDB (the @duckdb/node-api
// package installed in DIR, two threads like the machine's two cores) and
// writes its rows to stdout as NDJSON, as sx does (COPY ... TO /dev/stdout,
// FORMAT json: one object a line, written by DuckDB itself).
//   tumbling EVENTS.ndjson   1-minute windows per deviceId: count, avg, max
//                            of temperature, in window order (read_json,
//                            time_bucket, GROUP BY)
//   csv EVENTS.csv           CSV -> NDJSON, types inferred (read_csv)
//   enrich EVENTS.ndjson DEVICES.csv  every event joined with its device row
'use strict';
const path = require('path');
const [dir, what, ...files] = process.argv.slice(2);
const { DuckDBInstance } = require(path.resolve(dir, 'node_modules', '@duckdb', 'node-api'));

const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const events = (f) => `read_json(${q(f)}, format = 'newline_delimited', columns = {ts: 'TIMESTAMP', ` +
	`deviceId: 'VARCHAR', temperature: 'DOUBLE', humidity: 'DOUBLE', status: 'VARCHAR'})`;
const queries = {
	tumbling: (f) => `SELECT time_bucket(INTERVAL 1 minute, ts) AS window_start,
		time_bucket(INTERVAL 1 minute, ts) + INTERVAL 1 minute AS window_end, deviceId,
		count(*) AS count, avg(temperature) AS avg_temperature, max(temperature) AS max_temperature
		FROM ${events(f)} GROUP BY ALL ORDER BY window_start`,
	csv: (f) => `SELECT * FROM read_csv(${q(f)})`,
	enrich: (f, d) => `SELECT * FROM ${events(f)} JOIN read_csv(${q(d)}) USING (deviceId)`,
};
if (!queries[what] || files.length !== queries[what].length) {
	process.stderr.write('usage: node duckdb.cjs DIR tumbling|csv|enrich FILE...\n');
	process.exit(2);
}
(async () => {
	const db = await DuckDBInstance.create(':memory:', { threads: '2' });
	const con = await db.connect();
	await con.run(`COPY (${queries[what](...files)}) TO '/dev/stdout' (FORMAT json)`);
})().catch((e) => {
	process.stderr.write(`duckdb: ${e.message}\n`);
	process.exit(1);
});
