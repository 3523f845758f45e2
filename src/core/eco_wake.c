/*
 * eco_wake.c -- what a woken ship's state does next: a journey's next leg
 * starts, a flight ends (dock, orbit or rest), docking completes when a
 * slot is free (the ship pays the docking fee, a sink, as far as its
 * wallet goes; an NPC then stays dock_stay_ticks, give or take half,
 * plus one tick per handling_rate units in its hold, before it decides --
 * at once if that is no time), undocking ends, a
 * mining cycle fills the hold (mining_rate times mining_speed times the
 * deposit's richness per tick); then an NPC pilot decides
 * (include/sim/core/economy.h).
 */
#include <math.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/rng.h"

/* Bring the ship to rest where it is, with no plan. */
static void
rest_at(EcoRow *r, const double pos[3], int64_t tick)
{
	memset(&r->leg, 0, sizeof(r->leg));
	r->leg.ox = pos[0];
	r->leg.oy = pos[1];
	r->leg.oz = pos[2];
	r->leg.start_tick = (double) tick;
	r->arrival = -1;
	r->dest_kind = ECO_DEST_NONE;
	r->dest_id = 0;
	r->leg_seq = 0;
}

/* A flying ship reached the end of its last leg. */
static void
arrive_final(EcoWorld *s, EcoShip *sh)
{
	EcoRow		cur = sh->rows[sh->nrows - 1];
	double		vel[3];
	EcoRow	   *r;

	SimLegEval(&cur.leg, (double) s->tick, sh->pos, vel);
	if (cur.dest_kind == ECO_DEST_STATION && EcoStationIndex(s, (int32_t) cur.dest_id) >= 0)
	{
		r = EcoTransit(s, sh, ECO_DOCKING);
		rest_at(r, sh->pos, s->tick);
		r->docked_at = (int32_t) cur.dest_id;
		r->wake = s->tick + s->dock_ticks;
	}
	else if (cur.dest_kind == ECO_DEST_BODY)
	{
		r = EcoTransit(s, sh, ECO_ORBITING);
		rest_at(r, sh->pos, s->tick);
		r->body_id = (int32_t) cur.dest_id;
		r->wake = s->tick;
	}
	else
	{
		r = EcoTransit(s, sh, ECO_IDLE);
		rest_at(r, sh->pos, s->tick);
		r->wake = s->tick;
	}
}

/*
 * An NPC's stay at a dock before it decides, unloading aside: between half
 * and one and a half dock_stay_ticks, drawn per ship and tick (so that
 * pilots generated together drift apart).
 */
static int64_t
dock_stay(const EcoWorld *s, const EcoShip *sh)
{
	int64_t		half = s->dock_stay_ticks / 2;

	if (s->dock_stay_ticks <= 0)
		return 0;
	return half + (int64_t) (SimRandBits((uint64_t) sh->id, 7101, (uint64_t) s->tick) % (uint64_t) s->dock_stay_ticks);
}

/* How long a queued NPC waits before it tries a full dock again: a quarter stay, at least SIM_NPC_DOCK_RETRY_TICKS. */
static int64_t
dock_retry(const EcoWorld *s)
{
	return s->dock_stay_ticks / 4 > SIM_NPC_DOCK_RETRY_TICKS ? s->dock_stay_ticks / 4 : SIM_NPC_DOCK_RETRY_TICKS;
}

/* One mining cycle: the hold fills from the deposits of the orbited body. */
static bool
mine_cycle(EcoWorld *s, EcoShip *sh)
{
	EcoRow	   *r = &sh->rows[sh->nrows - 1];
	EcoClass   *c = &s->classes[sh->cls];
	int			b = EcoBodyIndex(s, r->body_id);
	int			i;
	bool		more = false;

	if (b < 0)
		return false;
	for (i = 0; i < s->bodies[b].ndeposits; i++)
	{
		EcoDeposit *d = &s->deposits[s->bodies[b].first_deposit + i];
		int64_t		room = c->cargo_capacity - sh->cargo_total;
		int64_t		amount = (int64_t) floor(c->mining_rate * s->mining_speed * d->richness * s->mine_cycle_ticks);

		if (d->good < 0 || d->remaining <= 0 || room <= 0)
			continue;
		if (amount < 1)
			amount = 1;
		if (amount > room)
			amount = room;
		if (amount > d->remaining)
			amount = d->remaining;
		d->remaining -= amount;
		d->dirty = true;
		sh->cargo[d->good] += amount;
		sh->cargo_total += amount;
		sh->cargo_dirty = true;
		EcoRecordLedgerAt(s, true, "mining", d->good, amount, sh->id, sh->faction,
						  s->sectors[s->bodies[b].sector].id, r->body_id);
		if (d->remaining > 0)
			more = true;
	}
	return more && sh->cargo_total < c->cargo_capacity;
}

void
EcoWake(EcoWorld *s, EcoShip *sh, int *arrivals)
{
	EcoRow	   *r = &sh->rows[0];
	bool		decide = false;

	if (r->state == ECO_FLYING && sh->next_leg)
	{
		/* a journey's next leg starts where this one ended */
		EcoRow	   *n = EcoMutate(sh);

		(*arrivals)++;
		n->sector_id = sh->next.sector_id;
		n->leg = sh->next.leg;
		n->arrival = sh->next.arrival;
		n->leg_seq = sh->next.leg_seq;
		return;
	}
	switch (r->state)
	{
		case ECO_FLYING:
			(*arrivals)++;
			arrive_final(s, sh);
			decide = sh->rows[sh->nrows - 1].state != ECO_DOCKING;
			break;
		case ECO_DOCKING:
			{
				int			st = EcoStationIndex(s, r->docked_at);

				if (st >= 0 && s->stations[st].docked < 0)
					EcoFail(s, "XX000", "the ships docked at station %d were not counted", r->docked_at);
				if (st >= 0 && s->stations[st].docked < s->stations[st].slots)
				{
					EcoRow	   *n = EcoTransit(s, sh, ECO_DOCKED);
					int			f = EcoFaction(s, sh->faction);
					int64_t		stay;
					int64_t		fee = f < 0 ? 0 : (s->docking_fee < s->credits[f] ? s->docking_fee : s->credits[f]);

					n->wake = -1;
					s->stations[st].docked++;
					if (fee > 0)
					{
						EcoCredit(s, sh->faction, -fee);
						EcoRecordLedger(s, false, "docking_fee", -1, fee, r->docked_at, sh->id, sh->faction);
					}
					stay = sh->npc ? dock_stay(s, sh) + sh->cargo_total / s->handling_rate : 0;
					if (stay > 0)
						n->wake = s->tick + stay;
					else
						decide = true;
				}
				else
					EcoMutate(sh)->wake = s->tick + (sh->npc ? dock_retry(s) : 1);	/* queued */
				break;
			}
		case ECO_UNDOCKING:
			{
				EcoRow	   *n = EcoTransit(s, sh, ECO_IDLE);

				n->docked_at = 0;
				n->wake = -1;
				decide = true;
				break;
			}
		case ECO_MINING:
			if (mine_cycle(s, sh))
				EcoMutate(sh)->wake = s->tick + s->mine_cycle_ticks;
			else
			{
				EcoTransit(s, sh, ECO_ORBITING)->wake = -1;
				decide = true;
			}
			break;
		default:
			EcoMutate(sh)->wake = -1;
			decide = true;
			break;
	}

	if (decide && sh->npc)
		EcoDecide(s, sh);
	else if (decide)
	{
		EcoRow	   *n = &sh->rows[sh->nrows - 1];

		if (n->state != ECO_FLYING && n->wake == s->tick)
			n->wake = -1;
	}
}
