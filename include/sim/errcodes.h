/*
 * errcodes.h -- sim's own SQLSTATEs as ERRCODE_SIM_<name> for ereport.
 *
 * Made from the registry in sim/core/errcodes.h, the one place a code is
 * defined.
 */
#ifndef SIM_ERRCODES_H
#define SIM_ERRCODES_H

#include "utils/elog.h"

#include "sim/core/errcodes.h"

#define SIM_ERRCODE_ENUM(c1, c2, c3, c4, c5, name, meaning) \
	ERRCODE_SIM_##name = MAKE_SQLSTATE(c1, c2, c3, c4, c5),

enum
{
	SIM_ERRCODES(SIM_ERRCODE_ENUM)
};

#undef SIM_ERRCODE_ENUM

#endif							/* SIM_ERRCODES_H */
