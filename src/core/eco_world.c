/*
 * eco_world.c -- the economy world's lookups, quotes, money and stock
 * changes, the records a tick keeps (trades, ledger) and ship state
 * transitions (include/sim/core/economy.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"

#define ECO_NAME_(tag, name) name,
const char *const EcoStateNames[ECO_NSTATES] = {SIM_SHIP_STATES(ECO_NAME_)};
const char *const EcoRoleNames[ECO_NROLES] = {SIM_NPC_ROLES(ECO_NAME_)};
const char *const EcoDestNames[] = {NULL, "station", "body", "point"};

void
EcoFail(const EcoWorld *s, const char *sqlstate, const char *fmt,...)
{
	char		msg[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->fail(sqlstate, msg, NULL);
	__builtin_unreachable();
}

int
EcoGood(const EcoWorld *s, int32_t good_id)
{
	int			i;

	for (i = 0; i < s->ngoods; i++)
		if (s->good_id[i] == good_id)
			return i;
	return -1;
}

int
EcoStationIndex(const EcoWorld *s, int32_t station_id)
{
	int			lo = 0,
				hi = s->nstations - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int32_t		id = s->stations[s->station_by_id[mid]].id;

		if (id == station_id)
			return s->station_by_id[mid];
		if (id < station_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int
EcoFaction(const EcoWorld *s, int32_t faction_id)
{
	int			lo = 0,
				hi = s->nfactions - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->faction_id[mid] == faction_id)
			return mid;
		if (s->faction_id[mid] < faction_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int
EcoBodyIndex(const EcoWorld *s, int32_t body_id)
{
	int			i;

	for (i = 0; i < s->nbodies; i++)
		if (s->bodies[i].id == body_id)
			return i;
	return -1;
}

int
EcoSectorIndex(const EcoWorld *s, int32_t id)
{
	int			lo = 0,
				hi = s->nsectors - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->sectors[mid].id == id)
			return mid;
		if (s->sectors[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

void
EcoQuote(const EcoWorld *s, int st, int g, int64_t *bid, int64_t *ask)
{
	SimMarketQuote(s->base_price[g], s->stock[st * s->ngoods + g], s->target[st * s->ngoods + g],
				   s->spread, bid, ask);
}

void
EcoStockAdd(EcoWorld *s, int st, int g, int64_t qty)
{
	s->stock[st * s->ngoods + g] += qty;
	s->stock_dirty[st * s->ngoods + g] = true;
	s->stations[st].held += qty;
}

/* Copy n elements of size from old into a new array of n + 1, leaving a gap at `at`. */
static void *
insert_gap(const EcoWorld *s, void *old, int n, int at, size_t size)
{
	char	   *a = s->keep->alloc((n + 1) * size);

	if (at > 0)
		memcpy(a, old, at * size);
	if (n > at)
		memcpy(a + (at + 1) * size, (char *) old + at * size, (n - at) * size);
	memset(a + at * size, 0, size);
	if (old)
		s->keep->free(old);
	return a;
}

/* The wallet of faction, opened (empty) when it has none. */
static int
wallet_of(EcoWorld *s, int32_t faction)
{
	int			f = EcoFaction(s, faction);
	int			at = 0;

	if (f >= 0)
		return f;
	while (at < s->nfactions && s->faction_id[at] < faction)
		at++;
	s->faction_id = insert_gap(s, s->faction_id, s->nfactions, at, sizeof(int32_t));
	s->credits = insert_gap(s, s->credits, s->nfactions, at, sizeof(int64_t));
	if (s->credits_base)
		s->credits_base = insert_gap(s, s->credits_base, s->nfactions, at, sizeof(int64_t));
	s->credits_dirty = insert_gap(s, s->credits_dirty, s->nfactions, at, sizeof(bool));
	s->nfactions++;
	s->faction_id[at] = faction;
	return at;
}

void
EcoCredit(EcoWorld *s, int32_t faction, int64_t amount)
{
	int			f = wallet_of(s, faction);

	s->credits[f] += amount;
	s->credits_dirty[f] = true;
}

/* Grow *arr (of *cap elements of size) to hold one more than n. */
static void *
grow(const EcoWorld *s, void *arr, int n, int *cap, size_t size)
{
	void	   *bigger;

	if (n < *cap)
		return arr;
	*cap = *cap > 0 ? *cap * 2 : 64;
	bigger = s->mem->alloc(*cap * size);
	if (n > 0)
		memcpy(bigger, arr, n * size);
	if (arr)
		s->mem->free(arr);
	return bigger;
}

void
EcoRecordTrade(EcoWorld *s, const EcoTrade *t)
{
	s->trades = grow(s, s->trades, s->ntrades, &s->trades_cap, sizeof(EcoTrade));
	s->trades[s->ntrades++] = *t;
}

static EcoLedger *
new_ledger(EcoWorld *s, bool faucet, const char *reason, int good, int64_t amount,
		   int64_t ship_id, int32_t faction_id)
{
	EcoLedger  *l;

	s->ledger = grow(s, s->ledger, s->nledger, &s->ledger_cap, sizeof(EcoLedger));
	l = &s->ledger[s->nledger++];
	memset(l, 0, sizeof(*l));
	l->faucet = faucet;
	l->reason = reason;
	l->good = good;
	l->amount = amount;
	l->ship_id = ship_id;
	l->faction_id = faction_id;
	return l;
}

void
EcoRecordLedger(EcoWorld *s, bool faucet, const char *reason, int good,
				int64_t amount, int32_t station_id, int64_t ship_id, int32_t faction_id)
{
	EcoLedger  *l;
	int			st;

	if (amount <= 0)
		return;
	l = new_ledger(s, faucet, reason, good, amount, ship_id, faction_id);
	l->station_id = station_id;
	if (station_id != 0 && (st = EcoStationIndex(s, station_id)) >= 0)
		l->sector_id = s->sectors[s->stations[st].sector].id;
}

void
EcoRecordLedgerAt(EcoWorld *s, bool faucet, const char *reason, int good, int64_t amount,
				  int64_t ship_id, int32_t faction_id, int32_t sector_id, int32_t body_id)
{
	EcoLedger  *l;

	if (amount <= 0)
		return;
	l = new_ledger(s, faucet, reason, good, amount, ship_id, faction_id);
	l->sector_id = sector_id;
	l->body_id = body_id;
}

void
EcoClearRecords(EcoWorld *s)
{
	int			i;

	memset(s->stock_dirty, 0, (size_t) s->nstations * s->ngoods * sizeof(bool));
	memset(s->credits_dirty, 0, (size_t) s->nfactions * sizeof(bool));
	for (i = 0; i < s->ndeposits; i++)
		s->deposits[i].dirty = false;
	for (i = 0; i < s->nstations; i++)
		s->stations[i].docked = -1;
	s->ntrades = 0;
	s->nledger = 0;
	s->ndeliveries = 0;
	s->norders = 0;
}

EcoRow *
EcoMutate(EcoShip *sh)
{
	if (sh->nrows == 1)
	{
		sh->rows[1] = sh->rows[0];
		sh->nrows = 2;
	}
	return &sh->rows[sh->nrows - 1];
}

EcoRow *
EcoTransit(EcoWorld *s, EcoShip *sh, EcoState to)
{
	EcoRow	   *cur = &sh->rows[sh->nrows - 1];

	if (!s->allowed[cur->state][to])
	{
		char		msg[160];

		snprintf(msg, sizeof(msg), "ship %lld cannot go from %s to %s", (long long) sh->id,
				 EcoStateNames[cur->state], EcoStateNames[to]);
		s->fail("SM009", msg, "sim.ship_transition lists the state changes a ship may make.");
	}

	/* a version that made no transition yet takes this one */
	if (sh->nrows >= 2 && cur->state == sh->rows[sh->nrows - 2].state)
	{
		cur->state = to;
		return cur;
	}
	if (sh->nrows == ECO_MAX_ROWS)
		EcoFail(s, "XX000", "ship %lld changed state more than %d times in a tick",
				(long long) sh->id, ECO_MAX_ROWS - 1);
	sh->rows[sh->nrows] = *cur;
	sh->rows[sh->nrows].state = to;
	return &sh->rows[sh->nrows++];
}
