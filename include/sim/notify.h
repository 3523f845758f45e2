/*
 * notify.h -- the tick's notifications, sent as its transaction commits
 * (src/notify.c).
 */
#ifndef SIM_NOTIFY_H
#define SIM_NOTIFY_H

#include "postgres.h"

/* What a tick reports in its sim_tick payload besides its change counts. */
typedef struct SimTickReport
{
	int64		tick;
	uint32		ships_in_flight;
	int			arrivals;
	int			commands;
	int			rejected;
	double		ms;				/* the tick's work */
} SimTickReport;

/*
 * Count the tick's changes (SPI connected) and queue its sim_tick and
 * sim_sector_<id> notifications; they are sent when the transaction
 * commits, stamped with the commit time, and dropped if the transaction,
 * or the subtransaction that queued them, rolls back.
 */
extern void SimNotifyTick(const SimTickReport *report);

#endif							/* SIM_NOTIFY_H */
