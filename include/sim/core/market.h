/*
 * market.h -- station price quotes and order matching (no Postgres inside).
 *
 * Price curve.  Given base price B (> 0), stock s (>= 0), target stock
 * t (> 0) and spread p (in [0, 1)):
 *
 *     r   = s / t
 *     mid = B * 4^(1 - r), clamped to [B/4, 4B]
 *     ask = ceil(mid * (1 + p/2))
 *     bid = floor(mid * (1 - p/2))
 *     bid = max(bid, 1)
 *     ask = max(ask, bid + 1)
 *
 * in IEEE double (B/4 is real division), 4^x computed as exp2(2x).  So an
 * empty station asks about 4B, a station at target quotes around B, one at
 * twice its target about B/4; more stock never raises either price.
 * Inputs outside the ranges above are first clamped into them (B and t to
 * at least 1, s to at least 0, p to [0, 1), NaN to 0), and prices are
 * clamped to fit in int64 (bid <= INT64_MAX - 1).
 *
 * Matching, for one (station, good) book, by price-time priority: buys by
 * price descending then id ascending, sells by price ascending then id
 * ascending (id is time: lower is earlier).  While the best buy that can
 * still fill bids at least the best sell that can still fill asks, they
 * trade min(buy qty, buy cap, sell qty, sell cap) at the price of the
 * earlier order (the resting one; the sell's price if the ids are equal).
 * An order whose qty or cap reaches 0 is passed over for the rest of the
 * round.  There is no self-trade prevention.
 */
#ifndef SIM_CORE_MARKET_H
#define SIM_CORE_MARKET_H

#include <stdint.h>

/* An open order of one side of a book. */
typedef struct SimOrder
{
	int64_t		id;				/* time priority: lower is earlier */
	int64_t		price;
	int64_t		qty;			/* open quantity */
	int64_t		cap;			/* most it may fill this round: a buyer's free
								 * hold room; for sells, qty */
} SimOrder;

/* One trade, in the order trades happen. */
typedef struct SimFill
{
	int64_t		buy_id;
	int64_t		sell_id;
	int64_t		qty;
	int64_t		price;
} SimFill;

/* Bid and ask for a station holding stock against target; see above. */
extern void SimMarketQuote(int64_t base, int64_t stock, int64_t target,
						   double spread, int64_t *bid, int64_t *ask);

/*
 * Match one book.  Sorts buys and sells in place into priority order (a
 * total order, so the result does not depend on their input order), then
 * trades, appending to fills and decrementing the qty and cap of both
 * orders of each fill in place, so the caller can write the remaining
 * quantities back.  Returns the number of fills, or -1 if more than
 * max_fills would be needed; the orders then reflect the max_fills fills
 * written.  max_fills = nbuys + nsells always suffices.  Negative counts
 * count as 0.  Allocates nothing.
 */
extern int	SimMarketMatch(SimOrder *buys, int nbuys, SimOrder *sells,
						   int nsells, SimFill *fills, int max_fills);

#endif							/* SIM_CORE_MARKET_H */
