/*
 * economy.h -- the economy's part of a tick (src/economy.c, src/npc.c).
 *
 * A tick loads a snapshot of the economy (stations, markets, wallets,
 * deposits, contracts) into local memory, wakes the ships whose event is
 * due, lets NPC pilots decide through their behaviour trees, and writes
 * every change back with a few set-based statements.  The snapshot is
 * private to the tick; the tables stay the truth.
 */
#ifndef SIM_ECONOMY_H
#define SIM_ECONOMY_H

#include "postgres.h"

#include "utils/numeric.h"

#include "sim/core/btree.h"
#include "sim/core/kinematics.h"
#include "sim/core/vocab.h"
#include "sim/navigation.h"
#include "sim/world.h"

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

/* One version of a ship's row; a tick may make several (one per transition). */
typedef struct EcoRow
{
	EcoState	state;
	int32		docked_at;		/* 0: NULL */
	int32		body_id;		/* 0: NULL */
	int32		sector_id;
	int64		wake;			/* -1: NULL */
	double		fuel;
	SimLeg		leg;
	int64		arrival;		/* -1: NULL */
	EcoDest		dest_kind;
	int64		dest_id;
	int32		leg_seq;
} EcoRow;

#define ECO_MAX_ROWS 8

typedef struct EcoShip
{
	int64		id;
	uint32		slot;
	int32		faction;
	int			cls;			/* index into EcoSnapshot.classes */
	bool		npc;
	double		greed,
				fear,
				loyalty;
	bool		next_leg;		/* flying with a later leg waiting */
	EcoRow		rows[ECO_MAX_ROWS];	/* rows[0] as loaded */
	int			nrows;
	int64	   *cargo;			/* per good index */
	int64		cargo_total;
	bool		cargo_dirty;
	bool		store_journey;	/* a multi-sector journey to store after the rows */
	SimJourney	journey;
	double		pos[3];
} EcoShip;

typedef struct EcoClass
{
	int32		id;
	EcoRole		role;
	SimHull		hull;
	int64		cargo_capacity;
	double		fuel_capacity;
	double		mining_rate;
} EcoClass;

typedef struct EcoStation
{
	int32		id;
	int32		faction;
	int32		sector;			/* index into sectors */
	int32		slots;
	int32		docked;			/* -1: not counted yet */
	int64		capacity;
	int64		held;
	double		pos[3];
} EcoStation;

typedef struct EcoDeposit
{
	int32		body_id;
	int			good;			/* good index */
	double		richness;
	int64		remaining;
	bool		dirty;
} EcoDeposit;

typedef struct EcoBody
{
	int32		id;
	int32		sector;			/* index */
	double		pos[3];
	double		radius;
	int			first_deposit;
	int			ndeposits;
} EcoBody;

typedef struct EcoSector
{
	int32		id;
	double		security;
	int			first_station;	/* stations are sorted by sector */
	int			nstations;
	int			first_body;		/* bodies with deposits, sorted by sector */
	int			nbodies;
} EcoSector;

typedef struct EcoContract
{
	int64		id;
	bool		transport;
	int32		issuer;
	int			station;		/* station index */
	int			source;			/* station index or -1 */
	int			good;
	int64		qty;
	int64		reward;
	int64		deadline;
	bool		accepted;
	bool		closed;			/* fulfilled this tick */
	bool		dirty;
	int32		contractor;
	int64		ship_id;
} EcoContract;

typedef struct EcoTrade
{
	int			station;
	int			good;
	int64		qty;
	int64		price;
	int32		buyer_faction;
	int32		seller_faction;
	int64		buyer_ship;		/* 0: NULL */
	int64		seller_ship;
	const char *kind;			/* market, refuel, order, contract */
	int64		tax;			/* credits the trade paid in tax */
	int64		buy_order;		/* 0: NULL */
	int64		sell_order;
} EcoTrade;

typedef struct EcoLedger
{
	bool		faucet;
	const char *reason;
	int			good;			/* -1: credits */
	int64		amount;
	int32		station_id;		/* 0: NULL */
	int64		ship_id;
	int32		faction_id;
} EcoLedger;

typedef struct EcoSnapshot
{
	int64		tick;
	/* rules (sim.economy) */
	double		spread;
	int64		tax_ppm;		/* the tax on a value: SimLevy(value, tax_ppm) */
	int			dock_ticks,
				undock_ticks,
				mine_cycle_ticks,
				cooldown_ticks;

	int			ngoods;
	int32	   *good_id;
	int64	   *base_price;
	int			fuel_good;		/* index of 'fuel', or -1 */

	int			nclasses;
	EcoClass   *classes;

	int			nsectors;
	EcoSector  *sectors;
	int			ngates;
	int32	   *gate_a,
			   *gate_b;			/* sector indexes of each gate's ends */

	int			nstations;
	EcoStation *stations;		/* sorted by (sector, id) */
	int64	   *stock;			/* nstations x ngoods; -1: no market */
	int64	   *target;
	bool	   *stock_dirty;

	int			nfactions;
	int32	   *faction_id;
	int64	   *credits;
	bool	   *credits_dirty;

	int			nbodies;
	EcoBody    *bodies;			/* bodies with deposits, sorted by (sector, id) */
	int			ndeposits;
	EcoDeposit *deposits;

	int			ncontracts;
	EcoContract *contracts;

	int			ntrades,
				trades_cap;
	EcoTrade   *trades;
	int			nledger,
				ledger_cap;
	EcoLedger  *ledger;

	SimBtTree  *trees[ECO_NROLES];	/* per role; NULL: none */

	bool		allowed[ECO_NSTATES][ECO_NSTATES];	/* sim.ship_transition */
} EcoSnapshot;

/* True while the tick writes ship rows whose transitions it records itself. */
extern bool EcoWritingShips;

/* economy.c */
extern int	EcoGood(EcoSnapshot *s, int32 good_id);
extern int	EcoStationIndex(EcoSnapshot *s, int32 station_id);
extern int	EcoFaction(EcoSnapshot *s, int32 faction_id);
extern int	EcoBodyIndex(EcoSnapshot *s, int32 body_id);
extern int	EcoSectorIndex(EcoSnapshot *s, int32 sector_id);
extern EcoRow *EcoMutate(EcoShip *sh);
extern EcoRow *EcoTransit(EcoSnapshot *s, EcoShip *sh, EcoState to);
extern void EcoQuote(EcoSnapshot *s, int st, int g, int64 *bid, int64 *ask);
extern void EcoRecordTrade(EcoSnapshot *s, const EcoTrade *t);
extern void EcoRecordLedger(EcoSnapshot *s, bool faucet, const char *reason, int good,
							int64 amount, int32 station_id, int64 ship_id, int32 faction_id);
extern int	EcoDockedCount(EcoSnapshot *s, int st);

/* api_market.c: a numeric rate as whole millionths, or an error (22023). */
extern int64 SimRatePpm(Numeric rate, const char *what);

/* npc.c: let an NPC pilot decide what its ship does next. */
extern void EcoDecide(EcoSnapshot *s, EcoShip *sh);
extern const char *const EcoLeafNames[];
extern int	EcoLeafCode(const char *name, bool *is_action);

/* economy.c: the economy's part of tick `tick` for the due slots. */
extern void SimEconomyTick(SimWorld *w, int64 tick, const uint32 *due, int ndue, int *arrivals);

#endif							/* SIM_ECONOMY_H */
