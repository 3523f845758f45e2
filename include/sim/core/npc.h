/*
 * npc.h -- what the two halves of the NPC pilots share (src/core/npc.c:
 * the trees' hooks, flights, mining; src/core/npc_trade.c: trading and
 * contracts).  Private to them; no Postgres inside.
 */
#ifndef SIM_CORE_NPC_PRIVATE_H
#define SIM_CORE_NPC_PRIVATE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/core/economy.h"

#ifndef Max
#define Max(a, b) ((a) > (b) ? (a) : (b))
#define Min(a, b) ((a) < (b) ? (a) : (b))
#endif

/* Goods a pilot prices by market when choosing a deposit (beyond: by good 0's). */
#define SIM_NPC_MAX_GOODS 64

typedef struct Ctx
{
	EcoWorld *s;
	EcoShip    *sh;
} Ctx;

static inline EcoRow *
cur(EcoShip *sh)
{
	return &sh->rows[sh->nrows - 1];
}

static inline EcoClass *
cls(Ctx *c)
{
	return &c->s->classes[c->sh->cls];
}

static inline int64_t
hold_room(Ctx *c)
{
	return Max(cls(c)->cargo_capacity - c->sh->cargo_total, 0);
}

static inline int
sector_of(Ctx *c)
{
	return EcoSectorIndex(c->s, cur(c->sh)->sector_id);
}

static inline int
docked_station(Ctx *c)
{
	EcoRow	   *r = cur(c->sh);

	if (r->state != ECO_DOCKED)
		return -1;
	return EcoStationIndex(c->s, r->docked_at);
}

static inline int64_t *
stock(EcoWorld *s, int st, int g)
{
	return &s->stock[st * s->ngoods + g];
}


static inline int64_t
wallet(EcoWorld *s, int32_t faction)
{
	int			f = EcoFaction(s, faction);

	return f < 0 ? 0 : s->credits[f];
}

static inline void
cargo_add(EcoShip *sh, int g, int64_t qty)
{
	sh->cargo[g] += qty;
	sh->cargo_total += qty;
	sh->cargo_dirty = true;
}

static inline double
dist(const double a[3], const double b[3])
{
	double		dx = a[0] - b[0],
				dy = a[1] - b[1],
				dz = a[2] - b[2];

	return sqrt(dx * dx + dy * dy + dz * dz);
}


/* npc.c */
extern double npc_loyalty_factor(Ctx *c, int st);
extern double npc_score(Ctx *c, double profit, double km);

/* npc_trade.c */
extern double npc_hold_value_at(Ctx *c, int st);
extern EcoContract *npc_my_contract(Ctx *c);
extern int	npc_cheapest_seller(EcoWorld *s, int sec, int g, int64_t min, int except, int64_t *ask_out);
extern bool npc_act_refuel(Ctx *c);
extern bool npc_act_sell_cargo(Ctx *c);
extern bool npc_act_deliver_contract(Ctx *c);
extern bool npc_act_accept_contract(Ctx *c);
extern bool npc_act_buy_for_contract(Ctx *c);
extern bool npc_act_buy_for_trade(Ctx *c);

#endif							/* SIM_CORE_NPC_PRIVATE_H */
