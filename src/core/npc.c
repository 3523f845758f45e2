/*
 * npc.c -- NPC pilots: the conditions and actions of behaviour trees, and
 * the pilots' flights, undocking and mining (their trading is
 * src/core/npc_trade.c's).
 *
 * A woken NPC ship runs the tree of its role (sim.bt_tree, sim.bt_node) once.
 * Conditions read the ship and the economy's world; actions change them
 * (trades, flights, mining, waiting).  Personality weighs the choices:
 * greed scales profit against distance, fear raises the fuel margin and
 * drives pilots out of low-security sectors, loyalty favours stations of
 * the ship's own faction.  After its tree, a pilot left at rest in space
 * with less than SIM_FUEL_RESERVE of its tank heads for the nearest station
 * of its sector, or is towed there when its fuel cannot reach it (the
 * rescue; docs/gameplay.md).  Everything is deterministic: candidates are
 * scanned in a fixed order and ties go to the lower id.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"
#include "sim/core/money.h"
#include "sim/core/rng.h"

typedef enum Leaf
{
	L_IS_DOCKED,
	L_IS_IDLE,
	L_IS_ORBITING,
	L_CARGO_ABOVE,
	L_CARGO_EMPTY,
	L_FUEL_BELOW,
	L_HAS_CONTRACT,
	L_AT_DEPOSIT,
	L_RISKY_SECTOR,
	L_REFUEL,
	L_SELL_CARGO,
	L_DELIVER_CONTRACT,
	L_ACCEPT_CONTRACT,
	L_BUY_FOR_TRADE,
	L_UNDOCK,
	L_MINE,
	L_GOTO_BUYER,
	L_GOTO_CONTRACT,
	L_GOTO_DEPOSIT,
	L_GOTO_STATION,
	L_GOTO_SAFE_SECTOR,
	L_BUY_FOR_CONTRACT,
	L_PASS,
	L_WAIT,
	L_NLEAVES
} Leaf;

#define FIRST_ACTION L_REFUEL

const char *const EcoLeafNames[] = {
	"is_docked", "is_idle", "is_orbiting", "cargo_above", "cargo_empty", "fuel_below",
	"has_contract", "at_deposit", "risky_sector",
	"refuel", "sell_cargo", "deliver_contract", "accept_contract", "buy_for_trade", "undock",
	"mine", "goto_buyer", "goto_contract", "goto_deposit", "goto_station", "goto_safe_sector",
	"buy_for_contract", "pass", "wait", NULL
};

int
EcoLeafCode(const char *name, bool *is_action)
{
	int			i;

	for (i = 0; name && EcoLeafNames[i]; i++)
		if (strcmp(name, EcoLeafNames[i]) == 0)
		{
			*is_action = (i >= FIRST_ACTION);
			return i;
		}
	return -1;
}

#include "sim/core/npc.h"

/* ---------------------------------------------------------------- flights */

/* Fly within the sector (or, with to_sector, beyond it) to pos. */
static bool
fly_to_mode(Ctx *c, int32_t to_sector, const double pos[3], EcoDest kind, int64_t dest_id, bool hurry)
{
	EcoWorld *s = c->s;
	EcoShip    *sh = c->sh;
	EcoRow	   *r = cur(sh);
	SimJourney	j;
	SimJourneyError err;
	SimMode		modes[3] = {SIM_MODE_BURN, SIM_MODE_CRUISE, SIM_MODE_DRIFT};
	int			m;

	if (r->state != ECO_IDLE && r->state != ECO_ORBITING)
		return false;
	if (dist(sh->pos, pos) < 1.0 && to_sector == r->sector_id)
		return false;			/* already there */
	for (m = hurry ? 0 : 1; m < 3; m++)
	{
		if (!SimJourneyPlan(s->mem, s->gates, &cls(c)->hull, modes[m], r->sector_id, sh->pos, to_sector, pos,
							s->tick, &j, &err))
			return false;
		if (j.fuel <= r->fuel)
			break;
	}
	if (m == 3)
		return false;
	j.dest_kind = kind == ECO_DEST_STATION ? "station" : (kind == ECO_DEST_BODY ? "body" : "point");
	j.dest_id = dest_id;
	if (j.nlegs > 1 || to_sector != r->sector_id)
	{
		/* a journey through gates is stored whole after this tick's rows */
		sh->store_journey = true;
		sh->journey = j;
		EcoMutate(sh)->wake = -1;
		return true;
	}
	r = EcoTransit(s, sh, ECO_FLYING);
	r->leg = j.legs[0].leg;
	r->arrival = j.arrival_tick;
	r->dest_kind = kind;
	r->dest_id = dest_id;
	r->fuel -= j.fuel;
	r->wake = -1;
	r->docked_at = 0;
	r->body_id = 0;
	r->leg_seq = 0;
	return true;
}

static bool
fly_to(Ctx *c, int32_t to_sector, const double pos[3], EcoDest kind, int64_t dest_id)
{
	return fly_to_mode(c, to_sector, pos, kind, dest_id, false);
}

static bool
fly_to_station(Ctx *c, int st)
{
	EcoStation *station = &c->s->stations[st];

	return fly_to(c, c->s->sectors[station->sector].id, station->pos, ECO_DEST_STATION, station->id);
}

/* Contracts have deadlines: burn if the fuel allows. */
static bool
hurry_to_station(Ctx *c, int st)
{
	EcoStation *station = &c->s->stations[st];

	return fly_to_mode(c, c->s->sectors[station->sector].id, station->pos, ECO_DEST_STATION, station->id, true);
}

/* Loyalty: a bonus for stations of the ship's own faction. */
double
npc_loyalty_factor(Ctx *c, int st)
{
	return c->s->stations[st].faction == c->sh->faction ? 1.0 + 0.25 * c->sh->loyalty : 1.0;
}

/* Greed trades distance for profit: the greedier, the farther for the same gain. */
double
npc_score(Ctx *c, double profit, double km)
{
	return profit * (0.5 + c->sh->greed) - km * 0.001 * (1.5 - c->sh->greed);
}

static bool
act_undock(Ctx *c)
{
	int			st = docked_station(c);
	EcoRow	   *r;

	if (st < 0)
		return false;
	if (c->s->stations[st].docked < 0)
		EcoFail(c->s, "XX000", "the ships docked at station %d were not counted", c->s->stations[st].id);
	c->s->stations[st].docked--;
	r = EcoTransit(c->s, c->sh, ECO_UNDOCKING);
	/* the hold is loaded before the ship casts off */
	r->wake = c->s->tick + c->s->undock_ticks + c->sh->cargo_total / c->s->handling_rate;
	return true;
}

static EcoBody *
orbited_body(Ctx *c)
{
	EcoRow	   *r = cur(c->sh);
	int			b;

	if (r->state != ECO_ORBITING && r->state != ECO_MINING)
		return NULL;
	b = EcoBodyIndex(c->s, r->body_id);
	return b < 0 ? NULL : &c->s->bodies[b];
}

static bool
deposit_left(EcoWorld *s, EcoBody *b)
{
	int			i;

	for (i = 0; i < b->ndeposits; i++)
		if (s->deposits[b->first_deposit + i].remaining > 0)
			return true;
	return false;
}

static bool
act_mine(Ctx *c)
{
	EcoBody    *b = orbited_body(c);
	EcoRow	   *r;

	if (b == NULL || !deposit_left(c->s, b) || hold_room(c) <= 0 || cls(c)->mining_rate <= 0)
		return false;
	r = EcoTransit(c->s, c->sh, ECO_MINING);
	r->wake = c->s->tick + c->s->mine_cycle_ticks;
	return true;
}

static bool
act_goto_buyer(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	int			best = -1;
	double		best_score = 0;
	int			i;

	if (sec < 0 || c->sh->cargo_total == 0)
		return false;
	for (i = 0; i < s->sectors[sec].nstations; i++)
	{
		int			st = s->sectors[sec].first_station + i;
		double		value = npc_hold_value_at(c, st);
		double		sc;

		if (value <= 0)
			continue;
		sc = npc_score(c, value * npc_loyalty_factor(c, st), dist(c->sh->pos, s->stations[st].pos));
		if (best < 0 || sc > best_score)
		{
			best = st;
			best_score = sc;
		}
	}
	return best >= 0 && fly_to_station(c, best);
}

static bool
act_goto_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	EcoContract *ct = npc_my_contract(c);
	int			sec = sector_of(c);
	int64_t		ask;
	int			st;

	if (ct == NULL || ct->station < 0 || ct->good < 0 || sec < 0)
		return false;
	if (ct->transport || c->sh->cargo[ct->good] >= ct->qty)
		return hurry_to_station(c, ct->station);
	st = npc_cheapest_seller(s, sec, ct->good, ct->qty - c->sh->cargo[ct->good], ct->station, &ask);
	return st >= 0 && hurry_to_station(c, st);
}

/*
 * The best bid for each good among the stations of sector sec (the base
 * price where none has a market for it, or past SIM_NPC_MAX_GOODS goods).
 */
static void
sector_best_bids(EcoWorld *s, int sec, int64_t bids[SIM_NPC_MAX_GOODS])
{
	int			g,
				i;

	for (g = 0; g < SIM_NPC_MAX_GOODS; g++)
	{
		bool		any = false;

		bids[g] = g < s->ngoods ? s->base_price[g] : 0;
		if (g >= s->ngoods)
			continue;
		for (i = 0; i < s->sectors[sec].nstations; i++)
		{
			int			st = s->sectors[sec].first_station + i;
			int64_t		bid,
						ask;

			if (*stock(s, st, g) < 0)
				continue;
			EcoQuote(s, st, g, &bid, &ask);
			if (!any || bid > bids[g])
				bids[g] = bid;
			any = true;
		}
	}
}

/* Deposits are worth what the sector's best buyers bid for their goods. */
static bool
act_goto_deposit(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	EcoBody    *here = orbited_body(c);
	int			best = -1;
	double		best_score = 0;
	int64_t		bids[SIM_NPC_MAX_GOODS];
	int			i,
				k;

	if (sec < 0 || hold_room(c) * 10 < cls(c)->cargo_capacity || cls(c)->mining_rate <= 0)
		return false;
	sector_best_bids(s, sec, bids);
	for (i = 0; i < s->sectors[sec].nbodies; i++)
	{
		int			b = s->sectors[sec].first_body + i;
		EcoBody    *body = &s->bodies[b];
		double		value = 0;
		double		sc;

		if (body == here)
			continue;
		for (k = 0; k < body->ndeposits; k++)
		{
			EcoDeposit *d = &s->deposits[body->first_deposit + k];

			if (d->remaining > 0 && d->good >= 0)
				value += d->richness * (double) (d->good < SIM_NPC_MAX_GOODS ? bids[d->good] : s->base_price[d->good]);
		}
		if (value <= 0)
			continue;
		sc = npc_score(c, value * 100.0, dist(c->sh->pos, body->pos));
		if (best < 0 || sc > best_score)
		{
			best = b;
			best_score = sc;
		}
	}
	if (best < 0)
		return false;
	{
		EcoBody    *body = &s->bodies[best];
		double		to[3];

		SimBodyApproach(c->sh->pos, body->pos, body->radius, to);
		return fly_to(c, s->sectors[body->sector].id, to, ECO_DEST_BODY, body->id);
	}
}

/* A station of the sector other than the one the ship is at; loyal pilots prefer their own. */
static bool
act_goto_station(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	int			n,
				pick,
				i;
	bool		own_only;

	if (sec < 0 || (n = s->sectors[sec].nstations) == 0)
		return false;
	own_only = SimRandUnit((uint64_t) c->sh->id, 7001, (uint64_t) s->tick) < c->sh->loyalty;
	pick = (int) (SimRandBits((uint64_t) c->sh->id, 7002, (uint64_t) s->tick) % (uint64_t) n);
	for (i = 0; i < 2 * n; i++)
	{
		int			st = s->sectors[sec].first_station + (pick + i) % n;

		if (i < n && own_only && s->stations[st].faction != c->sh->faction)
			continue;
		if (dist(c->sh->pos, s->stations[st].pos) < 100.0)
			continue;
		return fly_to_station(c, st);
	}
	return false;
}

static bool
act_goto_safe_sector(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	int			best = -1;
	int			i;

	if (sec < 0)
		return false;
	for (i = 0; i < s->ngates; i++)
	{
		int			other = s->gate_a[i] == sec ? s->gate_b[i] : (s->gate_b[i] == sec ? s->gate_a[i] : -1);

		if (other < 0 || s->sectors[other].nstations == 0)
			continue;
		if (s->sectors[other].security > s->sectors[sec].security &&
			(best < 0 || s->sectors[other].security > s->sectors[best].security))
			best = other;
	}
	if (best < 0)
		return false;
	/* the safe sector's first station, or the ship's faction's if loyal */
	{
		int			st = s->sectors[best].first_station;

		for (i = 0; i < s->sectors[best].nstations; i++)
			if (s->stations[s->sectors[best].first_station + i].faction == c->sh->faction &&
				c->sh->loyalty > 0.5)
			{
				st = s->sectors[best].first_station + i;
				break;
			}
		return fly_to_station(c, st);
	}
}

/* ---------------------------------------------------------------- hooks */

static int
condition(void *arg, int32_t code, double param)
{
	Ctx		   *c = (Ctx *) arg;
	EcoRow	   *r = cur(c->sh);
	int			sec;

	switch ((Leaf) code)
	{
		case L_IS_DOCKED:
			return r->state == ECO_DOCKED;
		case L_IS_IDLE:
			return r->state == ECO_IDLE;
		case L_IS_ORBITING:
			return r->state == ECO_ORBITING;
		case L_CARGO_ABOVE:
			return cls(c)->cargo_capacity > 0 &&
				(double) c->sh->cargo_total > param * (double) cls(c)->cargo_capacity;
		case L_CARGO_EMPTY:
			return c->sh->cargo_total == 0;
		case L_FUEL_BELOW:
			return r->fuel < param * (0.5 + c->sh->fear) * cls(c)->fuel_capacity;
		case L_HAS_CONTRACT:
			return npc_my_contract(c) != NULL;
		case L_AT_DEPOSIT:
			{
				EcoBody    *b = orbited_body(c);

				return b != NULL && deposit_left(c->s, b);
			}
		case L_RISKY_SECTOR:
			sec = sector_of(c);
			return sec >= 0 && r->state != ECO_DOCKED &&
				c->s->sectors[sec].security < 0.5 * c->sh->fear * param;
		default:
			EcoFail(c->s, "XX000", "unknown behaviour tree condition %d", code);
	}
	return 0;
}

static int
action(void *arg, int32_t code, double param)
{
	Ctx		   *c = (Ctx *) arg;
	bool		ok;

	switch ((Leaf) code)
	{
		case L_REFUEL:
			ok = npc_act_refuel(c);
			break;
		case L_SELL_CARGO:
			ok = npc_act_sell_cargo(c);
			break;
		case L_DELIVER_CONTRACT:
			ok = npc_act_deliver_contract(c);
			break;
		case L_ACCEPT_CONTRACT:
			ok = npc_act_accept_contract(c);
			break;
		case L_BUY_FOR_TRADE:
			ok = npc_act_buy_for_trade(c);
			break;
		case L_BUY_FOR_CONTRACT:
			ok = npc_act_buy_for_contract(c);
			break;
		case L_UNDOCK:
			ok = act_undock(c);
			break;
		case L_MINE:
			ok = act_mine(c);
			break;
		case L_GOTO_BUYER:
			ok = act_goto_buyer(c);
			break;
		case L_GOTO_CONTRACT:
			ok = act_goto_contract(c);
			break;
		case L_GOTO_DEPOSIT:
			ok = act_goto_deposit(c);
			break;
		case L_GOTO_STATION:
			ok = act_goto_station(c);
			break;
		case L_GOTO_SAFE_SECTOR:
			ok = act_goto_safe_sector(c);
			break;
		case L_PASS:
			ok = true;
			break;
		case L_WAIT:
			EcoMutate(c->sh)->wake = c->s->tick + (param >= 1 ? (int64_t) param : c->s->cooldown_ticks);
			ok = true;
			break;
		default:
			EcoFail(c->s, "XX000", "unknown behaviour tree action %d", code);
			ok = false;
	}
	return ok ? SIM_BT_SUCCESS : SIM_BT_FAILURE;
}

/* ---------------------------------------------------------------- rescue */

/* The station of the ship's sector nearest to it (-1: none). */
static int
nearest_station(Ctx *c)
{
	EcoWorld   *s = c->s;
	int			sec = sector_of(c);
	int			best = -1;
	double		best_km = 0;
	int			i;

	if (sec < 0)
		return -1;
	for (i = 0; i < s->sectors[sec].nstations; i++)
	{
		int			st = s->sectors[sec].first_station + i;
		double		km = dist(c->sh->pos, s->stations[st].pos);

		if (best < 0 || km < best_km)
		{
			best = st;
			best_km = km;
		}
	}
	return best;
}

double
EcoDriftFuel(const SimHull *hull, double km)
{
	double		vmax = hull->max_speed * SimModeSpeed[SIM_MODE_DRIFT];
	double		accel = hull->max_accel * SimModeAccel[SIM_MODE_DRIFT];
	double		vpk = km <= vmax * vmax / accel ? sqrt(km * accel) : vmax;

	return 2.0 * vpk * hull->fuel_per_dv;
}

/*
 * Towed to station st in drift mode, its tank untouched: the flight a tug
 * flies for it; the pilot's faction pays tow_fee as far as its wallet goes.
 */
static bool
tow_to_station(Ctx *c, int st)
{
	EcoWorld   *s = c->s;
	EcoStation *station = &s->stations[st];
	EcoRow	   *r = cur(c->sh);
	SimJourney	j;
	SimJourneyError err;
	int			f = EcoFaction(s, c->sh->faction);
	int64_t		fee;

	if (!SimJourneyPlan(s->mem, s->gates, &cls(c)->hull, SIM_MODE_DRIFT, r->sector_id, c->sh->pos,
						r->sector_id, station->pos, s->tick, &j, &err) || j.nlegs != 1)
		return false;
	fee = f < 0 ? 0 : Min(s->tow_fee, s->credits[f]);
	if (fee > 0)
	{
		EcoCredit(s, c->sh->faction, -fee);
		EcoRecordLedger(s, false, "towing", -1, fee, station->id, c->sh->id, c->sh->faction);
	}
	r = EcoTransit(s, c->sh, ECO_FLYING);
	r->leg = j.legs[0].leg;
	r->arrival = j.arrival_tick;
	r->dest_kind = ECO_DEST_STATION;
	r->dest_id = station->id;
	r->wake = -1;
	r->docked_at = 0;
	r->body_id = 0;
	r->leg_seq = 0;
	return true;
}

/*
 * A pilot left at rest in space by its tree keeps a fuel reserve: below a
 * quarter of its tank it flies to the nearest station of its sector (to
 * refuel there); when it cannot reach even that one in drift mode, it is
 * towed there.
 */
static void
keep_moving(Ctx *c)
{
	EcoRow	   *r = cur(c->sh);
	int			st;
	double		km;

	if ((r->state != ECO_IDLE && r->state != ECO_ORBITING) || c->sh->store_journey)
		return;
	if (r->fuel >= SIM_FUEL_RESERVE * cls(c)->fuel_capacity)
		return;
	if ((st = nearest_station(c)) < 0)
		return;
	km = dist(c->sh->pos, c->s->stations[st].pos);
	if (km < 100.0 && r->state == ECO_IDLE)
	{
		/* alongside: dock at once */
		r = EcoTransit(c->s, c->sh, ECO_DOCKING);
		r->docked_at = c->s->stations[st].id;
		r->wake = c->s->tick + c->s->dock_ticks;
	}
	else if (r->fuel < EcoDriftFuel(&cls(c)->hull, km))
		(void) tow_to_station(c, st);
	else
		(void) fly_to_station(c, st);
}

void
EcoDecide(EcoWorld *s, EcoShip *sh)
{
	SimBtHooks	hooks = {condition, action};
	Ctx			c = {s, sh};
	SimBtTree  *tree = s->trees[s->classes[sh->cls].role];
	EcoRow	   *r;

	if (tree != NULL)
		(void) SimBtRun(tree, &hooks, &c, NULL);
	keep_moving(&c);

	/* a pilot at rest always wakes again */
	r = cur(sh);
	if (r->state != ECO_FLYING && !sh->store_journey && (r->wake < 0 || r->wake <= s->tick))
		EcoMutate(sh)->wake = s->tick + s->cooldown_ticks;
}
