/*
 * sx_sql.h - SQL text for SQLite, PostgreSQL and T-SQL: identifier and literal
 * quoting, column types and their inference from JSON values, value
 * conversion, and the statements sx-emit-sql writes (CREATE, ALTER, INSERT,
 * upsert, MERGE, COPY, transactions).
 *
 * Quoting is exact per dialect, so no field name or value can inject SQL:
 *   SQLite      "ident" ("" doubled, no CR); 'text' ('' doubled); NUL and CR
 *               go through 'a'||char(0,13)||'b' (the shell's line reader drops
 *               a CR before a line end), so the text reads back byte for byte;
 *               an identifier cannot be spliced so, hence no CR in names.
 *   PostgreSQL  "ident" ("" doubled, at most 63 bytes); 'text', or E'text'
 *               with \\ when the value holds a backslash, so the literal means
 *               the same whatever standard_conforming_strings says.  NUL
 *               cannot be stored: callers reject it (sx_sql_value_check).
 *   T-SQL       [ident] (] doubled, at most 128 characters, no "$(" or line
 *               breaks, which sqlcmd would act on); N'text' ('' doubled) with
 *               CR, LF and NUL written as NCHAR(13), NCHAR(10), NCHAR(0) and
 *               "$(" split as N'$' + N'(' so sqlcmd never substitutes
 *               variables; a concatenation starts with CONVERT(NVARCHAR(MAX),
 *               ...) so long values are not truncated at 4000 characters.
 *   COPY text   backslash, newline, CR and tab escaped; NULL is \N.
 *
 * Ownership: every function appends to a caller's sx_buf; names and values are
 * borrowed byte ranges (need not be NUL-terminated).  Nothing is retained.
 */
#ifndef SX_SQL_H
#define SX_SQL_H

#include <stddef.h>
#include "sx_buf.h"
#include "sx_json.h"

enum sx_sql_dialect { SX_SQL_SQLITE, SX_SQL_POSTGRES, SX_SQL_TSQL };

/* Column types, in the order of inference (NONE: only nulls seen so far). */
enum sx_sql_type {
	SX_SQLT_NONE, SX_SQLT_INT, SX_SQLT_FLOAT, SX_SQLT_BOOL, SX_SQLT_TIME,
	SX_SQLT_TEXT, SX_SQLT_JSON
};

/* "sqlite", "postgres" (or "postgresql", "pg"), "tsql" (or "mssql"): 0 or -1. */
int sx_sql_dialect_parse(const char *s, enum sx_sql_dialect *out);
const char *sx_sql_dialect_name(enum sx_sql_dialect d);

/* --schema type names: int/integer/bigint, float/double/real, bool/boolean,
 * time/timestamp, text/string, json.  0 or -1. */
int sx_sql_type_parse(const char *s, enum sx_sql_type *out);
/* The generic name ("integer", "float", ...). */
const char *sx_sql_type_label(enum sx_sql_type t);
/* The column type in DDL.  NONE (only nulls seen) is "" on SQLite (a column
 * declared without a type, which stores each value as written) and text
 * elsewhere.  A T-SQL key column of text type is NVARCHAR(450) (index keys
 * are limited to 900 bytes). */
const char *sx_sql_type_decl(enum sx_sql_dialect d, enum sx_sql_type t, int is_key);

/* Most columns a table may have (SQLite 2000, PostgreSQL 1600, T-SQL 1024). */
size_t sx_sql_max_columns(enum sx_sql_dialect d);

/* 0 if NAME can be an identifier in the dialect; -1 with a static reason. */
int sx_sql_ident_check(enum sx_sql_dialect d, const char *name, size_t len, const char **why);
/* Append NAME quoted as an identifier (it must have passed the check). */
void sx_sql_ident(struct sx_buf *b, enum sx_sql_dialect d, const char *name, size_t len);
/* A table name: parts separated by '.' (schema.table), each checked/quoted. */
int sx_sql_table_check(enum sx_sql_dialect d, const char *name, const char **why);
void sx_sql_table(struct sx_buf *b, enum sx_sql_dialect d, const char *name);

/* Append S as a string literal (any bytes; on PostgreSQL S must hold no NUL). */
void sx_sql_str(struct sx_buf *b, enum sx_sql_dialect d, const char *s, size_t len);
/* Append S escaped for one COPY text-format column. */
void sx_sql_copy_str(struct sx_buf *b, const char *s, size_t len);

/* The type one JSON value suggests (NONE for null; FLOAT for an integer
 * beyond the 64-bit range, which no integer column holds); `scratch`
 * decodes strings. */
enum sx_sql_type sx_sql_infer(const struct sx_field *f, struct sx_buf *scratch);
/* The kind of values seen together (T-SQL VALUES lists): NONE yields to the
 * other, int and float make float, any other mix is text. */
enum sx_sql_type sx_sql_widen(enum sx_sql_type a, enum sx_sql_type b);

/* 1 if the JSON number S (not NUL-terminated) is within the range of a
 * double: no overflow to infinity, no nonzero value that underflows to 0. */
int sx_sql_number_fits_double(const char *s, size_t len);

/* 0 if the value can be stored at all in the dialect; -1 with a reason
 * otherwise (NUL in a PostgreSQL string or JSON text). */
int sx_sql_value_check(enum sx_sql_dialect d, const struct sx_field *f, struct sx_buf *scratch,
		       const char **why);

/* Append the value of F converted to column type T, as an SQL literal (copy=0)
 * or a COPY text column (copy=1).  Conversions: int accepts integral numbers
 * and strings holding one, within 64 bits ("integer beyond the 64-bit
 * range" otherwise); float any number or numeric string; bool
 * true/false, 0/1 and the strings "true"/"false"/"1"/"0"; time RFC 3339
 * strings (written as UTF RFC 3339 with 3 or 6 fractional digits); text
 * anything (numbers and booleans as written, objects/arrays as compact JSON);
 * json anything (its JSON text).  T == NONE renders F by its own JSON type.
 * Returns 0, or -1 with *why (nothing appended) if F does not convert. */
int sx_sql_value(struct sx_buf *b, enum sx_sql_dialect d, int copy, enum sx_sql_type t,
		 const struct sx_field *f, struct sx_buf *scratch, const char **why);

/* ---- Statements ---- */

struct sx_sql_col {
	const char *name;
	size_t len;
	enum sx_sql_type type;
	int is_key;
};

struct sx_sql_target {
	enum sx_sql_dialect d;
	const char *table;              /* as given: "t" or "schema.t" */
	const struct sx_sql_col *cols;
	size_t ncols;
	const size_t *keys;             /* indexes into cols, in --key order */
	size_t nkeys;
};

/* Name of the PostgreSQL temporary table --copy --upsert stages rows in,
 * and how statements name it: always in pg_temp, so never a table of that
 * name in another schema.  A --table of that name (unqualified, it would
 * resolve to the temporary table) is refused by sx-emit-sql. */
#define SX_SQL_STAGE "sx_emit_sql_stage"
#define SX_SQL_STAGE_REF "pg_temp.\"" SX_SQL_STAGE "\""

/* T-SQL: SET NOCOUNT ON, SET XACT_ABORT ON, GO.  PostgreSQL: SET
 * client_encoding = 'UTF8' (psql would otherwise read the UTF-8 script in
 * PGCLIENTENCODING's or the locale's encoding).  SQLite: nothing. */
void sx_sql_prologue(struct sx_buf *b, enum sx_sql_dialect d);
void sx_sql_begin(struct sx_buf *b, enum sx_sql_dialect d);
/* COMMIT (T-SQL: COMMIT TRANSACTION and GO, which makes sqlcmd send it). */
void sx_sql_commit(struct sx_buf *b, enum sx_sql_dialect d);
void sx_sql_rollback(struct sx_buf *b, enum sx_sql_dialect d);
/* CREATE TABLE IF NOT EXISTS (T-SQL: IF OBJECT_ID(...) IS NULL), key columns
 * NOT NULL and the primary key. */
void sx_sql_create(struct sx_buf *b, const struct sx_sql_target *t);
/* ALTER TABLE ... ADD COLUMN for cols[i] (guarded on PostgreSQL and T-SQL). */
void sx_sql_add_column(struct sx_buf *b, const struct sx_sql_target *t, size_t i);
/* Change integer column cols[i] to cols[i].type (float), only while the
 * table's column still has an integer type, so a rerun never narrows or
 * recasts a column: PostgreSQL DO $sx$BEGIN IF <its type is bigint, integer
 * or smallint> THEN ALTER TABLE ... ALTER COLUMN ... TYPE double precision;
 * END IF; END$sx$; T-SQL IF EXISTS (<sys.columns says bigint, int, smallint
 * or tinyint>) ALTER TABLE ... ALTER COLUMN ... FLOAT NULL; GO.  SQLite:
 * nothing (INTEGER affinity stores a REAL as it is). */
void sx_sql_widen_column(struct sx_buf *b, const struct sx_sql_target *t, size_t i);
/* The text before the first row tuple and after the last one.  upsert: ON
 * CONFLICT DO UPDATE (SQLite, PostgreSQL) or MERGE WITH (HOLDLOCK) (T-SQL).
 * Rows are written "(v,v,...)" separated by ",\n". */
void sx_sql_insert_head(struct sx_buf *b, const struct sx_sql_target *t, int upsert);
void sx_sql_insert_tail(struct sx_buf *b, const struct sx_sql_target *t, int upsert);
/* One row of no columns (all of them default): INSERT ... DEFAULT VALUES. */
void sx_sql_insert_defaults(struct sx_buf *b, const struct sx_sql_target *t);
/* COPY table (cols) FROM STDIN (into the stage table when `stage`); the data
 * lines follow, then sx_sql_copy_end. */
void sx_sql_copy_head(struct sx_buf *b, const struct sx_sql_target *t, int stage);
void sx_sql_copy_end(struct sx_buf *b);
/* PostgreSQL: create the stage table (dropped at commit) as CREATE TEMPORARY
 * TABLE ... AS SELECT <cols> FROM <table> WITH NO DATA: only the columns
 * loaded, with the table's types and none of its constraints, defaults or
 * identity; merge it into the table (ON CONFLICT DO UPDATE) and empty it. */
void sx_sql_stage_create(struct sx_buf *b, const struct sx_sql_target *t);
void sx_sql_stage_merge(struct sx_buf *b, const struct sx_sql_target *t);
/* Drop the stage table (to make it again after the table changed). */
void sx_sql_stage_drop(struct sx_buf *b);

#endif
