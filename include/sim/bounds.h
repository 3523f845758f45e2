/*
 * bounds.h -- bounded inputs and messages (src/bounds.c): the one rule for
 * quoting a caller's text in a message, and the checks that keep text and
 * array arguments within the limits of sim/core/limits.h.
 */
#ifndef SIM_BOUNDS_H
#define SIM_BOUNDS_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "sim/core/limits.h"

/*
 * s as a message may quote it: at most SIM_LIMIT_ECHO_CHARS characters,
 * cut on a character boundary and followed by an ellipsis ("…" in UTF-8,
 * "..." in other encodings) when cut.  Palloc'd; reads at most
 * SIM_LIMIT_ECHO_CHARS characters (plus one byte) of s.
 */
extern char *SimEcho(const char *s);

/*
 * Text argument argno (not NULL) as a C string; 22023 with hint when it is
 * longer than SIM_LIMIT_WORD_BYTES bytes, checked before it is detoasted.
 */
extern char *SimWordArg(FunctionCallInfo fcinfo, int argno, const char *name, const char *hint);

/*
 * 54000 with a hint when the array has more elements (all dimensions
 * together) than the limit of that name (lowercase, as in sim.input_limit).
 * Reads only the array's header.
 */
extern void SimRequireArrayLimit(AnyArrayType *a, const char *name, const char *limit_name);

#endif							/* SIM_BOUNDS_H */
