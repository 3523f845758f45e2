/*
 * economy.h -- the economy's world and its decisions (no Postgres inside).
 *
 * EcoWorld is what a tick knows of the economy: rules, goods, hulls,
 * sectors and the gate graph, stations with their stock and recipes,
 * wallets, bodies and deposits, contracts and behaviour trees.  The glue
 * (src/eco_load.c) keeps one per backend between ticks and reloads it when
 * a writer other than the tick changed its tables; the tick's own changes
 * are made here first and written back by the glue (src/eco_write.c).
 * EcoShip is a woken ship with the versions of its row the tick makes.
 *
 * The decisions work on these structures only:
 *   src/core/eco_world.c   lookups, quotes, state transitions, records
 *   src/core/eco_stations.c production, consumption, contracts' expiry and offers
 *   src/core/eco_wake.c    what a woken ship's state does next (arrive, dock, mine)
 *   src/core/npc.c         NPC pilots: behaviour-tree conditions and actions
 *   src/core/eco_match.c   order books matched by price-time priority
 * Everything is deterministic: candidates are scanned in a fixed order and
 * ties go to the lower id.  Errors go through EcoWorld.fail, which does not
 * return (the glue raises them; tests record and jump out).
 */
#ifndef SIM_CORE_ECONOMY_H
#define SIM_CORE_ECONOMY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/btree.h"
#include "sim/core/journey.h"
#include "sim/core/kinematics.h"
#include "sim/core/route.h"
#include "sim/core/vocab.h"

/* Ship states, as in sim.ship.state: ECO_DOCKED ... (SIM_SHIP_STATES). */
#define ECO_STATE_ENUM_(tag, name) ECO_##tag,
typedef enum EcoState
{
	SIM_SHIP_STATES(ECO_STATE_ENUM_)
	ECO_NSTATES
} EcoState;

extern const char *const EcoStateNames[ECO_NSTATES];

/* Roles of ships and hulls: ECO_ROLE_MINER ... (SIM_NPC_ROLES). */
#define ECO_ROLE_ENUM_(tag, name) ECO_ROLE_##tag,
typedef enum EcoRole
{
	SIM_NPC_ROLES(ECO_ROLE_ENUM_)
	ECO_NROLES
} EcoRole;

extern const char *const EcoRoleNames[ECO_NROLES];

typedef enum EcoDest
{
	ECO_DEST_NONE,
	ECO_DEST_STATION,
	ECO_DEST_BODY,
	ECO_DEST_POINT
} EcoDest;

extern const char *const EcoDestNames[];	/* NULL, "station", "body", "point" */

/* One version of a ship's row; a tick may make several (one per transition). */
typedef struct EcoRow
{
	EcoState	state;
	int32_t		docked_at;		/* 0: NULL */
	int32_t		body_id;		/* 0: NULL */
	int32_t		sector_id;
	int64_t		wake;			/* -1: NULL */
	double		fuel;
	SimLeg		leg;
	int64_t		arrival;		/* -1: NULL */
	EcoDest		dest_kind;
	int64_t		dest_id;
	int32_t		leg_seq;
} EcoRow;

#define ECO_MAX_ROWS 8

typedef struct EcoShip
{
	int64_t		id;
	uint32_t	slot;			/* the glue's: its slot in the shared-memory world */
	int32_t		faction;
	int			cls;			/* index into EcoWorld.classes */
	bool		npc;
	double		greed,
				fear,
				loyalty;
	bool		next_leg;		/* flying with a later leg waiting: */
	EcoRow		next;			/* the row that leg makes (sector, leg, arrival, leg_seq) */
	EcoRow		rows[ECO_MAX_ROWS];	/* rows[0] as loaded */
	int			nrows;
	int64_t    *cargo;			/* per good index */
	int64_t		cargo_total;
	bool		cargo_dirty;
	bool		store_journey;	/* a journey through gates: its first leg flown from the
								 * last row, the later ones stored (eco_write.c) */
	SimJourney	journey;
	double		pos[3];
} EcoShip;

typedef struct EcoClass
{
	int32_t		id;
	EcoRole		role;
	SimHull		hull;
	int64_t		cargo_capacity;
	double		fuel_capacity;
	double		mining_rate;
} EcoClass;

typedef struct EcoStation
{
	int32_t		id;
	int32_t		faction;
	int32_t		sector;			/* index into sectors */
	int32_t		slots;
	int32_t		docked;			/* -1: not counted (the glue counts the stations asked for) */
	int64_t		capacity;
	int64_t		held;			/* units in stock, all goods */
	double		pos[3];
} EcoStation;

typedef struct EcoDeposit
{
	int32_t		body_id;
	int			good;			/* good index */
	double		richness;
	int64_t		remaining;
	int64_t		remaining_base;	/* the glue's: as last read or written */
	bool		dirty;
} EcoDeposit;

typedef struct EcoBody
{
	int32_t		id;
	int32_t		sector;			/* index */
	double		pos[3];
	double		radius;
	int			first_deposit;
	int			ndeposits;
} EcoBody;

typedef struct EcoSector
{
	int32_t		id;
	double		security;
	int			first_station;	/* stations are sorted by sector */
	int			nstations;
	int			first_body;		/* bodies with deposits, sorted by sector */
	int			nbodies;
} EcoSector;

typedef struct EcoContract
{
	int64_t		id;
	bool		transport;
	int32_t		issuer;
	int			station;		/* station index */
	int			source;			/* station index or -1 */
	int			good;
	int64_t		qty;
	int64_t		reward;
	int64_t		deadline;
	bool		accepted;
	bool		closed;			/* fulfilled this tick */
	bool		expired;		/* expired this tick */
	bool		created;		/* offered this tick: to insert */
	bool		dirty;
	int32_t		contractor;
	int64_t		ship_id;
} EcoContract;

/* A recipe's inputs and outputs (goods as indexes, net units per cycle). */
typedef struct EcoRecipe
{
	int32_t		id;
	int32_t		cycle_ticks;
	int			first_item;		/* items[first_item .. first_item + nitems - 1] */
	int			nitems;			/* inputs first, then outputs; each good once per side */
	int			ninputs;
} EcoRecipe;

typedef struct EcoRecipeItem
{
	int			good;
	int64_t		qty;
} EcoRecipeItem;

/* A station's recipe (sim.station_recipe), sorted by (station id, recipe id). */
typedef struct EcoStationRecipe
{
	int			station;		/* index */
	int			recipe;			/* index */
} EcoStationRecipe;

/* A station's population demand (sim.station_demand), sorted by (station id, good id). */
typedef struct EcoDemand
{
	int			station;
	int			good;
	int64_t		qty;
	int32_t		cycle_ticks;
} EcoDemand;

typedef struct EcoTrade
{
	int			station;
	int			good;
	int64_t		qty;
	int64_t		price;
	int32_t		buyer_faction;
	int32_t		seller_faction;
	int64_t		buyer_ship;		/* 0: NULL */
	int64_t		seller_ship;
	const char *kind;			/* market, refuel, order, contract */
	int64_t		tax;			/* credits the trade paid in tax */
	int64_t		buy_order;		/* 0: NULL */
	int64_t		sell_order;
} EcoTrade;

typedef struct EcoLedger
{
	bool		faucet;
	const char *reason;
	int			good;			/* -1: credits */
	int64_t		amount;
	int32_t		station_id;		/* 0: NULL */
	int64_t		ship_id;
	int32_t		faction_id;
	int32_t		sector_id;		/* where it happened (0: NULL): the station's, the ship's */
	int32_t		body_id;		/* mined from (0: NULL) */
} EcoLedger;

/* An open order of a book with both sides open, as the matcher needs it. */
typedef struct EcoOrder
{
	int64_t		id;
	int			station;		/* index */
	int			good;			/* index */
	bool		buy;
	int32_t		faction;
	int64_t		ship;
	int64_t		price;
	int64_t		qty;			/* open */
	int64_t		escrow;
	int64_t		room;			/* buys: free room of the ship's hold, docked at the station; else 0 */
	bool		dirty;
} EcoOrder;

/* Units matched into a buyer's hold, to add to its cargo. */
typedef struct EcoDelivery
{
	int64_t		ship;
	int			good;
	int64_t		qty;
} EcoDelivery;

/* Raise an error with SQLSTATE code (five characters): does not return. */
typedef void (*EcoFailFn) (const char *sqlstate, const char *message, const char *detail);

typedef struct EcoWorld
{
	const SimAllocator *mem;	/* for what lasts one tick */
	const SimAllocator *keep;	/* for what lasts with the world (wallets opened) */
	EcoFailFn	fail;
	int64_t		tick;

	/* rules (sim.economy) */
	double		spread;
	int64_t		tax_ppm;		/* the tax on a value: SimLevy(value, tax_ppm) */
	int			dock_ticks,
				undock_ticks,
				mine_cycle_ticks,
				cooldown_ticks,
				contract_period_ticks,
				contract_ticks;

	/* the balance (docs/gameplay.md, "The economy in balance") */
	int64_t		pay_ppm;		/* millionths of the bid the population pays */
	int			budget_period_ticks;
	int64_t		money_anchor;	/* -1: none */
	int64_t		anchor_pull_ppm;
	int64_t		docking_fee,
				tow_fee;
	int			dock_stay_ticks,
				handling_rate,
				recipe_batches;
	double		mining_speed;

	int			ngoods;
	int32_t    *good_id;
	int64_t    *base_price;
	int			fuel_good;		/* index of 'fuel', or -1 */

	int			nclasses;
	EcoClass   *classes;

	int			nsectors;
	EcoSector  *sectors;
	int			ngates;
	int32_t    *gate_a,
			   *gate_b;			/* sector indexes of each gate's ends */
	SimGateGraph *gates;		/* for journeys through them */

	int			nstations;
	EcoStation *stations;		/* sorted by (sector, id) */
	int		   *station_by_id;	/* station indexes in ascending id order */
	int64_t    *stock;			/* nstations x ngoods; -1: no market */
	int64_t    *stock_base;		/* the glue's: stock as last read or written */
	int64_t    *target;
	bool	   *stock_dirty;
	bool	   *wanted;			/* nstations x ngoods: an input of its recipes or in its demand */

	int			nrecipes;
	EcoRecipe  *recipes;
	EcoRecipeItem *items;
	int			nstation_recipes;
	EcoStationRecipe *station_recipes;
	int			ndemands;
	EcoDemand  *demands;

	int			nfactions;
	int32_t    *faction_id;		/* ascending */
	int64_t    *credits;
	int64_t    *credits_base;	/* the glue's: credits as last read or written (0: opened) */
	bool	   *credits_dirty;

	int			nbodies;
	EcoBody    *bodies;			/* bodies with deposits, sorted by (sector, id) */
	int			ndeposits;
	EcoDeposit *deposits;

	int			ncontracts,
				contracts_cap;
	EcoContract *contracts;		/* open and accepted, ascending id */

	int			norders;
	EcoOrder   *orders;			/* by (station id, good id, id) */
	int			ndeliveries,
				deliveries_cap;
	EcoDelivery *deliveries;

	int			ntrades,
				trades_cap;
	EcoTrade   *trades;
	int			nledger,
				ledger_cap;
	EcoLedger  *ledger;

	SimBtTree  *trees[ECO_NROLES];	/* per role; NULL: none */

	bool		allowed[ECO_NSTATES][ECO_NSTATES];	/* sim.ship_transition */
} EcoWorld;

/* eco_world.c: lookups (-1: none) */
extern int	EcoGood(const EcoWorld *s, int32_t good_id);
extern int	EcoStationIndex(const EcoWorld *s, int32_t station_id);
extern int	EcoFaction(const EcoWorld *s, int32_t faction_id);
extern int	EcoBodyIndex(const EcoWorld *s, int32_t body_id);
extern int	EcoSectorIndex(const EcoWorld *s, int32_t sector_id);
extern void EcoFail(const EcoWorld *s, const char *sqlstate, const char *fmt,...)
			__attribute__((format(printf, 3, 4), noreturn));

extern void EcoQuote(const EcoWorld *s, int st, int g, int64_t *bid, int64_t *ask);
extern void EcoStockAdd(EcoWorld *s, int st, int g, int64_t qty);
/* Add amount to the wallet of faction (opened when it has none: written as an upsert). */
extern void EcoCredit(EcoWorld *s, int32_t faction, int64_t amount);
extern void EcoRecordTrade(EcoWorld *s, const EcoTrade *t);
/* A ledger row; at a station (station_id not 0) it happened in the station's sector. */
extern void EcoRecordLedger(EcoWorld *s, bool faucet, const char *reason, int good,
							int64_t amount, int32_t station_id, int64_t ship_id, int32_t faction_id);
/* A ledger row of a ship away from stations: in sector_id, at body_id (0: none). */
extern void EcoRecordLedgerAt(EcoWorld *s, bool faucet, const char *reason, int good, int64_t amount,
							  int64_t ship_id, int32_t faction_id, int32_t sector_id, int32_t body_id);
/* Start a tick's records afresh: trades, ledger, deliveries, dirty marks. */
extern void EcoClearRecords(EcoWorld *s);

/* The ship's row as this tick leaves it, to change without a transition. */
extern EcoRow *EcoMutate(EcoShip *sh);
/* A new version of the ship's row in state `to` (checked against sim.ship_transition). */
extern EcoRow *EcoTransit(EcoWorld *s, EcoShip *sh, EcoState to);

/*
 * eco_stations.c: the monetary rule.  Every budget period the population's
 * pay rate moves a tenth of the way to what the last SIM_BUDGET_WINDOW
 * periods ask: they paid `paid` while sinks removed `sinks`, and the money
 * supply is `money`; they should have paid want = sinks + (anchor - money)
 * * pull_ppm / 10^6 (at least 0; no pull when anchor < 0).  So
 * next = ppm * (9 * paid + want) / (10 * paid), at most 10% from ppm
 * (paid 0: 10% up), within [SIM_PAY_PPM_MIN, 10^6].
 */
#define SIM_BUDGET_WINDOW 10
#define SIM_PAY_PPM_MIN 1000
extern int64_t EcoPopulationRate(int64_t ppm, int64_t paid, int64_t sinks, int64_t money,
								 int64_t anchor, int64_t pull_ppm);
/* What the population pays for qty units at bid at rate ppm: floor(qty * bid * ppm / 10^6). */
extern int64_t EcoPopulationPays(int64_t qty, int64_t bid, int64_t ppm);

/* eco_stations.c: the stations' part of tick s->tick, before the ships wake. */
extern void EcoRunStations(EcoWorld *s);
/* Contracts whose deadline passed expire (the escrow returns to the issuer). */
extern void EcoExpireContracts(EcoWorld *s);
/* Stations short of a good they need offer procurement contracts; returns how many (ids 0: to number). */
extern int	EcoOfferContracts(EcoWorld *s);

/*
 * eco_wake.c: what a woken ship does: a flying ship with a later leg starts
 * it (an arrival); else its state's next step, then (NPC) a decision.
 */
extern void EcoWake(EcoWorld *s, EcoShip *sh, int *arrivals);

/* npc.c */
extern void EcoDecide(EcoWorld *s, EcoShip *sh);
/* An NPC waiting for a docking slot tries again after a quarter of dock_stay_ticks, at least this many. */
#define SIM_NPC_DOCK_RETRY_TICKS 10
/* A pilot at rest in space below this share of its tank makes for a station. */
#define SIM_FUEL_RESERVE 0.25
/*
 * Fuel of the cheapest rest-to-rest flight of km (drift mode): the rule of
 * sim.stranded_ship, which counts ships at rest in space that cannot reach
 * the nearest station of their sector.
 */
extern double EcoDriftFuel(const SimHull *hull, double km);
extern const char *const EcoLeafNames[];
extern int	EcoLeafCode(const char *name, bool *is_action);

/* eco_match.c: match every book of s->orders (price-time priority); trades, ledger, deliveries. */
extern void EcoMatchOrders(EcoWorld *s);

#endif							/* SIM_CORE_ECONOMY_H */
