#!/usr/bin/env node
// Syntax check of T-SQL scripts (what `sx-emit-sql --dialect tsql` writes for
// sqlcmd) with a real T-SQL grammar: the ANTLR grammars-v4 TSqlParser, as
// packaged by the npm module antlr4ts-sql (installed by `make deps-npm` into
// build/npm; SX_NPM names that directory).
//
//   node tsql_parse.js [--values] FILE...
//
// With one FILE the report goes to stdout; with several, each FILE's report
// goes to FILE.parse (one process: loading the grammar takes seconds).
// 1. sqlcmd's own pass first, as sqlcmd reads the file: no "$(" anywhere
//    (sqlcmd substitutes variables even inside string literals), no line
//    starting with ":" or "!!" (sqlcmd commands), then the text is cut into
//    batches at lines that are "GO [count]".
// 2. Each batch is parsed with the TSqlParser start rule tsql_file (which must
//    reach EOF); any lexer or parser error is reported with batch and line.
// 3. Prints "kinds: NAME=COUNT ..." for the statement kinds found (insert,
//    merge, create_table, alter_table, ...), so callers can check that a MERGE
//    really parsed as a MERGE.
// 4. With --values, also evaluates every row constructor after VALUES (in
//    INSERT ... VALUES and MERGE ... USING (VALUES ...)): N'..' literals,
//    NCHAR(n), CHAR(n), +, CONVERT(type, x), CAST(x AS type), NULL, numbers,
//    and prints one JSON line per row: {"stmt":K,"kind":"insert"|"merge",
//    "row":[...],"lit":[...]} (row: strings as strings, numbers as their
//    literal text; lit: each value's literal kind, "s" string, "n" number,
//    null for NULL, since SQL Server types a VALUES column by precedence
//    over all its rows and (N'abc'),(3) fails).
// Exit status: 0 all batches parse, 1 an error was found, 2 usage or the
// parser module is missing.
//
// Why this grammar: node-sql-parser 5.4 (TransactSQL dialect) rejects valid
// MERGE ... WITH (HOLDLOCK) and a bare COMMIT;, so it cannot check upserts.
// TSqlParser accepts every statement sx-emit-sql writes: SET NOCOUNT/
// XACT_ABORT, IF OBJECT_ID(..) IS NULL CREATE TABLE, BEGIN/COMMIT
// TRANSACTION, INSERT ... VALUES, MERGE INTO .. WITH (HOLDLOCK) .. USING
// (VALUES ..), IF COL_LENGTH(..) IS NULL ALTER TABLE .. ADD.  It checks
// syntax only: not types, not names, not the 1,000-row VALUES limit (the
// test counts rows itself), and it is more lenient than SQL Server in places
// (e.g. a bare "name arg" parses as a procedure call, as in T-SQL).
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const wantValues = args[0] === '--values';
if (wantValues) args.shift();
if (args.length < 1) {
	console.error('usage: tsql_parse.js [--values] FILE...');
	process.exit(2);
}
const npm = process.env.SX_NPM || path.join(__dirname, '..', '..', 'build', 'npm');
let antlr, TSqlLexer, TSqlParser, CaseChangingStream, PredictionMode;
try {
	// Only the T-SQL grammar (the package's index loads all four).  antlr4ts
	// itself first: its index has an import cycle that breaks when a
	// generated parser is the first module to load it.
	const mod = (...p) => require(path.join(npm, 'node_modules', ...p));
	antlr = mod('antlr4ts');
	({ PredictionMode } = mod('antlr4ts', 'atn', 'PredictionMode'));
	const out = ['antlr4ts-sql', 'dist', 'src'];
	({ TSqlLexer } = mod(...out, 'grammar-output', 'tsql', 'TSqlLexer'));
	({ TSqlParser } = mod(...out, 'grammar-output', 'tsql', 'TSqlParser'));
	({ CaseChangingStream } = mod(...out, 'models', 'CaseChangingStream'));
} catch (e) {
	console.error('tsql_parse: cannot load antlr4ts-sql from ' + npm + ': ' + e.message);
	process.exit(2);
}

let failed = 0;
for (const file of args) {
	const report = check(fs.readFileSync(file, 'utf8'));
	if (report.errors) failed = 1;
	if (args.length === 1) process.stdout.write(report.text);
	else fs.writeFileSync(file + '.parse', report.text);
}
process.exit(failed);

function check(script) {
	const errors = [];
	// 1. sqlcmd's pass.
	const lines = script.split('\n');
	lines.forEach((l, i) => {
		if (l.includes('$(')) errors.push(`line ${i + 1}: "$(" would be expanded by sqlcmd: ${l.slice(0, 80)}`);
		if (/^\s*(:|!!)/.test(l)) errors.push(`line ${i + 1}: sqlcmd would run this as a command: ${l.slice(0, 80)}`);
	});
	const batches = [];
	let cur = [], curStart = 1;
	lines.forEach((l, i) => {
		if (/^\s*GO(\s+\d+)?\s*$/i.test(l.replace(/\r$/, ''))) {
			batches.push({ text: cur.join('\n'), start: curStart });
			cur = []; curStart = i + 2;
		} else {
			cur.push(l);
		}
	});
	if (cur.join('').trim() !== '') batches.push({ text: cur.join('\n'), start: curStart });

	// 2. Parse each batch; 3. count statement kinds.
	const kinds = {};
	const rows = [];
	let stmtNo = 0;
	for (const b of batches) {
		if (b.text.trim() === '') continue;
		// SLL prediction first (much faster on this grammar); only when it
		// reports errors is the batch parsed again with full LL, whose verdict
		// counts (SLL can reject valid input, never accept invalid input).
		let tokens, parser, tree, errs;
		for (const mode of [PredictionMode.SLL, PredictionMode.LL]) {
			errs = [];
			const listener = {
				syntaxError: (_r, _sym, line, col, msg) =>
					errs.push(`script line ${b.start + line - 1}:${col}: ${msg.slice(0, 160)}`),
			};
			const lexer = new TSqlLexer(new CaseChangingStream(new antlr.ANTLRInputStream(b.text), true));
			lexer.removeErrorListeners();
			lexer.addErrorListener(listener);
			tokens = new antlr.CommonTokenStream(lexer);
			parser = new TSqlParser(tokens);
			parser.removeErrorListeners();
			parser.addErrorListener(listener);
			parser.interpreter.setPredictionMode(mode);
			tree = parser.tsql_file();
			if (!errs.length) break;
		}
		errors.push(...errs);
		(function walk(n) {
			const name = n.constructor && n.constructor.name;
			const m = /^(Insert_statement|Merge_statement|Create_table|Alter_table|Update_statement|Delete_statement|Transaction_statement|Set_statement|Cfl_statement|Declare_statement|Drop_table)Context$/.exec(name);
			if (m) kinds[m[1].toLowerCase()] = (kinds[m[1].toLowerCase()] || 0) + 1;
			for (let i = 0; i < (n.childCount || 0); i++) walk(n.getChild(i));
		})(tree);
		if (wantValues) {
			tokens.fill();
			const toks = tokens.getTokens().filter(t => t.channel === 0 && t.type !== -1).map(t => ({
				sym: parser.vocabulary.getSymbolicName(t.type),
				text: b.text.substring(t.startIndex, t.stopIndex + 1),
			}));
			collectRows(toks, rows, () => ++stmtNo);
		}
	}

	let text = '';
	for (const e of errors) text += 'error: ' + e + '\n';
	text += 'batches: ' + batches.length + '\n';
	text += 'kinds: ' + Object.keys(kinds).sort().map(k => `${k}=${kinds[k]}`).join(' ') + '\n';
	if (wantValues) for (const r of rows) text += JSON.stringify(r) + '\n';
	return { errors: errors.length, text };
}

// 4. The row constructors' values.
function collectRows(toks, out, nextStmt) {
	let kind = null, stmt = 0;
	for (let i = 0; i < toks.length; i++) {
		if (toks[i].sym === 'INSERT' || toks[i].sym === 'MERGE') {
			kind = toks[i].sym.toLowerCase(); stmt = nextStmt();
		}
		if (toks[i].sym !== 'VALUES' || !kind) continue;
		// MERGE's INSERT (...) VALUES (s.a, ...) names columns: skip it.
		let j = i + 1;
		for (;;) {
			if (!toks[j] || toks[j].sym !== 'LR_BRACKET') break;
			const start = j;
			const row = [], lit = [];
			j++;
			let ok = true;
			for (;;) {
				const r = expr(toks, j);
				if (!r) { ok = false; break; }
				row.push(r.v); lit.push(r.v === null ? null : r.k); j = r.j;
				if (toks[j] && toks[j].sym === 'COMMA') { j++; continue; }
				if (toks[j] && toks[j].sym === 'RR_BRACKET') { j++; break; }
				ok = false; break;
			}
			if (!ok) { j = start; break; }
			out.push({ stmt, kind, row, lit });
			if (toks[j] && toks[j].sym === 'COMMA') j++; else break;
		}
		i = j - 1;
	}
}
// expr: term ('+' term)*; returns {v, k, j} (k: "s" or "n") or null when not
// a literal expression.
function expr(t, j) {
	let r = term(t, j);
	if (!r) return null;
	while (t[r.j] && t[r.j].sym === 'PLUS') {
		const r2 = term(t, r.j + 1);
		if (!r2) return null;
		if (r.v === null || r2.v === null) r = { v: null, j: r2.j };
		else r = { v: String(r.v) + String(r2.v), k: 's', j: r2.j };
	}
	return r;
}
function term(t, j) {
	const k = t[j];
	if (!k) return null;
	if (k.sym === 'STRING') {
		const s = k.text.replace(/^N/i, '');
		return { v: s.slice(1, -1).replace(/''/g, "'"), k: 's', j: j + 1 };
	}
	if (k.sym === 'NULL') return { v: null, j: j + 1 };
	if (['DECIMAL', 'FLOAT', 'REAL'].includes(k.sym)) return { v: k.text, k: 'n', j: j + 1 };
	if (k.sym === 'MINUS' && t[j + 1] && ['DECIMAL', 'FLOAT', 'REAL'].includes(t[j + 1].sym))
		return { v: '-' + t[j + 1].text, k: 'n', j: j + 2 };
	if (k.sym === 'LR_BRACKET') {
		const r = expr(t, j + 1);
		if (!r || !t[r.j] || t[r.j].sym !== 'RR_BRACKET') return null;
		return { v: r.v, k: r.k, j: r.j + 1 };
	}
	const fn = k.text.toUpperCase();
	if ((fn === 'NCHAR' || fn === 'CHAR') && t[j + 1] && t[j + 1].sym === 'LR_BRACKET') {
		const r = expr(t, j + 2);
		if (!r || !t[r.j] || t[r.j].sym !== 'RR_BRACKET') return null;
		return { v: String.fromCharCode(Number(r.v)), k: 's', j: r.j + 1 };
	}
	if (fn === 'CONVERT' && t[j + 1] && t[j + 1].sym === 'LR_BRACKET') {
		// CONVERT(type, expr): skip the type up to the first top-level comma.
		let d = 0, m = j + 2;
		for (; t[m]; m++) {
			if (t[m].sym === 'LR_BRACKET') d++;
			else if (t[m].sym === 'RR_BRACKET') d--;
			else if (t[m].sym === 'COMMA' && d === 0) break;
		}
		const r = expr(t, m + 1);
		if (!r || !t[r.j] || t[r.j].sym !== 'RR_BRACKET') return null;
		return { v: r.v, k: 's', j: r.j + 1 };
	}
	if (fn === 'CAST' && t[j + 1] && t[j + 1].sym === 'LR_BRACKET') {
		const r = expr(t, j + 2);
		if (!r || !t[r.j] || t[r.j].sym !== 'AS') return null;
		let d = 0, m = r.j + 1;
		for (; t[m]; m++) {
			if (t[m].sym === 'LR_BRACKET') d++;
			else if (t[m].sym === 'RR_BRACKET') { if (d === 0) break; d--; }
		}
		return { v: r.v, k: 's', j: m + 1 };
	}
	return null;
}
