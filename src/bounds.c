/*
 * bounds.c -- bounded inputs and messages.
 *
 * The limits are a registry (include/sim/core/limits.h); SQL reads it as
 * sim.limits() and sim.limit(name).  Two rules use it, each defined once
 * here and called from C directly and from SQL through a thin wrapper, so
 * the C and the SQL side cannot disagree:
 *   - echoed text is cut: SimEcho, sim.echo(text);
 *   - arrays are bounded: SimRequireArrayLimit, sim.bounded_array(array,
 *     name, limit_name).
 * SimWordArg rejects an over-long short text argument (a destination, a
 * flight mode) before reading it.
 *
 * State: none.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/tuplestore.h"

#include "sim/bounds.h"

PG_FUNCTION_INFO_V1(sim_limits);
PG_FUNCTION_INFO_V1(sim_limit);
PG_FUNCTION_INFO_V1(sim_echo);
PG_FUNCTION_INFO_V1(sim_bounded_array);

typedef struct InputLimit
{
	const char *name;			/* as in limits.h: uppercase */
	int			value;
	const char *meaning;
} InputLimit;

#define SIM_LIMIT_ROW(name, value, meaning) {#name, value, meaning},

static const InputLimit limits[] = {
	SIM_LIMITS(SIM_LIMIT_ROW)
};

/* The limit whose lowercase name is name, or NULL. */
static const InputLimit *
find_limit(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(limits); i++)
		if (pg_strcasecmp(limits[i].name, name) == 0)
			return &limits[i];
	return NULL;
}

/*
 * Bytes of s (len bytes, maybe ending inside a character) up to the end of
 * its first SIM_LIMIT_ECHO_CHARS characters, and whether more follow.
 * Looks only at those characters, so a cut-off character after them is
 * never read (pg_mbcharcliplen would reject it).
 */
static int
echo_len(const char *s, int len, bool *cut)
{
	int			keep = 0;
	int			nch;

	for (nch = 0; nch < SIM_LIMIT_ECHO_CHARS && keep < len; nch++)
		keep += pg_mblen(s + keep);
	keep = Min(keep, len);
	*cut = keep < len;
	return keep;
}

static const char *
ellipsis(void)
{
	return GetDatabaseEncoding() == PG_UTF8 ? "\xE2\x80\xA6" : "...";
}

/*
 * The most bytes SIM_LIMIT_ECHO_CHARS characters take, plus one: a string
 * that long has more characters than a message quotes.
 */
static int
echo_scan_bytes(void)
{
	return SIM_LIMIT_ECHO_CHARS * pg_database_encoding_max_length() + 1;
}

char *
SimEcho(const char *s)
{
	int			len = (int) strnlen(s, echo_scan_bytes());
	bool		cut;
	int			keep = echo_len(s, len, &cut);

	return cut ? psprintf("%.*s%s", keep, s, ellipsis()) : pnstrdup(s, keep);
}

char *
SimWordArg(FunctionCallInfo fcinfo, int argno, const char *name, const char *hint)
{
	Datum		d = PG_GETARG_DATUM(argno);
	Size		len = toast_raw_datum_size(d) - VARHDRSZ;

	if (len > SIM_LIMIT_WORD_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at most %d bytes, not %zu", name, SIM_LIMIT_WORD_BYTES, (size_t) len),
				 errhint("%s", hint)));
	return text_to_cstring(DatumGetTextPP(d));
}

void
SimRequireArrayLimit(AnyArrayType *a, const char *name, const char *limit_name)
{
	const InputLimit *l = find_limit(limit_name);
	int			n;

	if (l == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown limit \"%s\"", SimEcho(limit_name)),
				 errhint("sim.input_limit lists the limits.")));
	n = ArrayGetNItems(AARR_NDIM(a), AARR_DIMS(a));
	if (n > l->value)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d elements, more than the limit of %d", SimEcho(name), n, l->value),
				 errdetail("sim.limit('%s') is %d: %s.", asc_tolower(l->name, strlen(l->name)), l->value,
						   l->meaning),
				 errhint("Pass at most %d elements, or split the request into several calls.", l->value)));
}

/* sim.limits() -> (name, value, meaning), one row per limit */
Datum
sim_limits(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < (int) lengthof(limits); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(asc_tolower(limits[i].name, strlen(limits[i].name)));
		values[1] = Int32GetDatum(limits[i].value);
		values[2] = CStringGetTextDatum(limits[i].meaning);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* sim.limit(name) -> the limit's value; 22023 for an unknown name */
Datum
sim_limit(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_P_SLICE(0, 0, echo_scan_bytes());
	char	   *name = text_to_cstring(t);
	const InputLimit *l = find_limit(name);

	if (l == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown limit \"%s\"", SimEcho(name)),
				 errhint("sim.input_limit lists the limits.")));
	PG_RETURN_INT32(l->value);
}

/* sim.echo(text) -> the text as a message quotes it (SimEcho) */
Datum
sim_echo(PG_FUNCTION_ARGS)
{
	/* a text longer than the slice has more characters than are quoted */
	text	   *t = PG_GETARG_TEXT_P_SLICE(0, 0, echo_scan_bytes());
	bool		cut;
	int			keep = echo_len(VARDATA(t), VARSIZE(t) - VARHDRSZ, &cut);

	if (!cut)
		PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA(t), keep));
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%.*s%s", keep, VARDATA(t), ellipsis())));
}

/* sim.bounded_array(value, name, limit_name) -> value, or 54000 (SimRequireArrayLimit) */
Datum
sim_bounded_array(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("name and limit_name must not be null")));
	SimRequireArrayLimit(PG_GETARG_ANY_ARRAY_P(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
						 text_to_cstring(PG_GETARG_TEXT_PP(2)));
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}
