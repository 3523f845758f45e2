// web/public/lib/world.mjs -- a page's copy of the universe, kept by
// applying decoded deltas (delta.mjs): the state message's delta
// (sim.delta_state) first, then each tick's (sim.delta).  Plain ES module for
// the browser and Node.
//
//   import { World } from "./world.mjs";
//   const world = new World();             // or new World({ kinds })
//   world.loadState(decodeDelta(stateBytes));
//   world.applyDelta(decodeDelta(tickBytes));
//   world.positionAt(shipId, world.tick + 0.5);   // { x, y, z, vx, vy, vz }
//
// What it holds, keyed as the change record keys them (sim.change_kind):
// - ships: Map ship id -> ship object: `id`, `sector`, `tick` (of its last
//   record) and the ship fields of kind 1 by name (state, faction_id,
//   class_id, docked_at, body_id, wake_tick, fuel, the flight-plan fields x
//   ... leg_start_tick, arrival_tick), as the delta's numbers (NULL as
//   null).  The state is its code; world.label("ship", "state", code) gives
//   its name ("flying").  A ship object is also its flight plan for
//   flight.mjs's legState.
// - stocks: Map "station:good" -> { station_id, good_id, sector, qty,
//   target, bid, ask } (kind 3);
// - cargo (kind 2: Map "ship:good" -> { ship_id, good_id, sector, qty }),
//   from the state and the deltas;
// - orders (kind 4: Map order id -> { id, good_id, sector, station_id, side,
//   ... }), wallets (kind 6: Map faction id -> { faction_id, credits }):
//   only what deltas since the state carried (the state holds ships, holds
//   and markets only);
// - trades: the trades (kind 5) of the last delta applied, an array;
// - tick: the to_tick of the last delta applied (null before the state);
// - epoch: the universe's epoch, from the state's delta header (null before
//   the state, or for a version 1 delta); a delta of another epoch is
//   refused (WorldError): it belongs to a universe that replaced this one,
//   so the page must load a new state.
// The objects read their fields by name through getters over the record's
// values (obj.v, in the kind's field order), so a record is applied with one
// assignment; toJSON() gives a plain object.
//
// Field names come from a kinds description, [{ kind, name, fields, codes }]
// with codes { field: [label of code 0, 1, ...] }: the one the live feed's
// state message carries (web/live.mjs reads it from sim.change_kind and
// sim.change_code), or DEFAULT_KINDS below, a copy of those tables that
// web/test/live.test.mjs checks against the database.
//
// Cost: a ship is an object of four properties (key, sector, tick, v) over
// the decoder's values array; the sector index is a Map sector -> Set of
// ship ids.  bench/wire.sh measures loadState at 100k ships.

import { legState } from "./flight.mjs";

export const DEFAULT_KINDS = [
	{
		kind: 1, name: "ship",
		fields: ["state", "faction_id", "class_id", "docked_at", "body_id", "wake_tick", "fuel", "x", "y", "z",
			"dir_x", "dir_y", "dir_z", "accel", "t_burn", "t_coast", "t_brake", "leg_start_tick", "arrival_tick"],
		codes: { state: ["docked", "undocking", "idle", "flying", "docking", "orbiting", "mining"] },
	},
	{ kind: 2, name: "cargo", fields: ["qty"], codes: {} },
	{ kind: 3, name: "stock", fields: ["qty", "target", "bid", "ask"], codes: {} },
	{
		kind: 4, name: "order",
		fields: ["station_id", "side", "faction_id", "ship_id", "price", "qty", "qty_open", "status"],
		codes: { side: ["buy", "sell"], status: ["open", "filled", "cancelled"] },
	},
	{
		kind: 5, name: "trade",
		fields: ["station_id", "qty", "price", "buyer_faction", "seller_faction", "buyer_ship", "seller_ship", "kind", "tax"],
		codes: { kind: ["market", "order", "contract", "refuel"] },
	},
	{ kind: 6, name: "wallet", fields: ["credits"], codes: {} },
];

export class WorldError extends Error {
	constructor(message) {
		super(message);
		this.name = "WorldError";
	}
}

const SHIP = 1, CARGO = 2, STOCK = 3, ORDER = 4, TRADE = 5, WALLET = 6;

// A class whose instances read the fields of a kind by name from the
// record's values array (v), as getters on the prototype: applying a record
// is then one assignment, not one property store per field.  keys: the
// names of the record's id, sub and sector properties.
function rowClass(fields) {
	class Row {
		constructor(key, sector, tick, v) {
			this.key = key;
			this.sector = sector;
			this.tick = tick;
			this.v = v;
		}
		// The fields as a plain object (also what JSON.stringify gives).
		toJSON() {
			const o = { sector: this.sector, tick: this.tick };
			for (const k of this.constructor.keys) o[k] = this[k];
			for (const f of fields) o[f] = this[f];
			return o;
		}
	}
	fields.forEach((name, i) => {
		Object.defineProperty(Row.prototype, name, {
			get() {
				const x = this.v[i];
				return x === undefined ? null : x;
			},
			enumerable: true,
		});
	});
	return Row;
}

// Row classes keyed by an id (and a sub): their id names as getters.
function keyedClass(fields, idName, subName) {
	const Row = rowClass(fields);
	Row.keys = subName ? [idName, subName] : [idName];
	if (subName) {
		Object.defineProperty(Row.prototype, idName, { get() { return this.key[0]; }, enumerable: true });
		Object.defineProperty(Row.prototype, subName, { get() { return this.key[1]; }, enumerable: true });
	} else {
		Object.defineProperty(Row.prototype, idName, { get() { return this.key; }, enumerable: true });
	}
	return Row;
}

export class World {
	constructor({ kinds = DEFAULT_KINDS } = {}) {
		this.setKinds(kinds);
		this.reset();
	}

	// Use another kinds description (the server's); checks the kinds this
	// class keys by.  Rows already held keep the fields they were made with.
	setKinds(kinds) {
		const byKind = new Map();
		for (const k of kinds) byKind.set(k.kind, k);
		for (const [kind, name] of [[SHIP, "ship"], [CARGO, "cargo"], [STOCK, "stock"], [ORDER, "order"], [TRADE, "trade"], [WALLET, "wallet"]]) {
			if (byKind.get(kind)?.name !== name) throw new WorldError(`kinds description: kind ${kind} must be "${name}"`);
		}
		this.kinds = kinds;
		this.byKind = byKind;
		this.Ship = keyedClass(byKind.get(SHIP).fields, "id", null);
		this.Stock = keyedClass(byKind.get(STOCK).fields, "station_id", "good_id");
		this.Cargo = keyedClass(byKind.get(CARGO).fields, "ship_id", "good_id");
		this.Order = keyedClass(byKind.get(ORDER).fields, "id", "good_id");
		this.Wallet = keyedClass(byKind.get(WALLET).fields, "faction_id", null);
		this.Trade = keyedClass(byKind.get(TRADE).fields, "id", "good_id");
	}

	// Forget everything (before a state).
	reset() {
		this.tick = null;
		this.epoch = null;
		this.ships = new Map();
		this.stocks = new Map();
		this.cargo = new Map();
		this.orders = new Map();
		this.wallets = new Map();
		this.trades = [];
		this.sectorShips = new Map();
	}

	// The name of a coded field's value: label("ship", "state", 3) is "flying".
	label(kindName, field, code) {
		const k = this.kinds.find((x) => x.name === kindName);
		return k?.codes?.[field]?.[code] ?? null;
	}

	// Start over from a state delta (sim.delta_state): the world at its to_tick.
	loadState(decoded) {
		this.reset();
		this.epoch = decoded.epoch ?? null;
		this.apply(decoded);
	}

	// Apply the next delta: its from_tick must be the world's tick (no tick
	// missed or applied twice) and its epoch, when both are known, the
	// world's (not another universe's); throws WorldError otherwise.
	applyDelta(decoded) {
		if (this.tick === null) throw new WorldError("a delta before the state: load a state first");
		const epoch = decoded.epoch ?? null;
		if (epoch !== null && this.epoch !== null && String(epoch) !== String(this.epoch)) {
			throw new WorldError(`a delta of epoch ${epoch} does not follow epoch ${this.epoch}: the universe was replaced, load a new state`);
		}
		if (String(decoded.fromTick) !== String(this.tick)) {
			throw new WorldError(`delta (${decoded.fromTick}, ${decoded.toTick}] does not follow tick ${this.tick}`);
		}
		this.apply(decoded);
	}

	apply(decoded) {
		const trades = [];
		for (const r of decoded.records) {
			switch (r.kind) {
			case SHIP: this.applyShip(r); break;
			case STOCK: this.upsert(this.stocks, `${r.id}:${r.sub}`, [r.id, r.sub], r, this.Stock); break;
			case CARGO: this.upsert(this.cargo, `${r.id}:${r.sub}`, [r.id, r.sub], r, this.Cargo); break;
			case ORDER: this.upsert(this.orders, r.id, [r.id, r.sub], r, this.Order); break;
			case WALLET: this.upsert(this.wallets, r.id, r.id, r, this.Wallet); break;
			case TRADE: if (!r.deleted) trades.push(new this.Trade([r.id, r.sub], r.sector, r.tick, r.values)); break;
			default: break; // a kind this page does not know
			}
		}
		this.trades = trades;
		this.tick = decoded.toTick;
	}

	upsert(map, mapKey, key, r, Row) {
		if (r.deleted) map.delete(mapKey);
		else map.set(mapKey, new Row(key, r.sector, r.tick, r.values));
	}

	applyShip(r) {
		const old = this.ships.get(r.id);
		if (old !== undefined && (r.deleted || old.sector !== r.sector)) this.sectorShips.get(old.sector)?.delete(r.id);
		if (r.deleted) {
			this.ships.delete(r.id);
			return;
		}
		if (old === undefined) {
			this.ships.set(r.id, new this.Ship(r.id, r.sector, r.tick, r.values));
		} else {
			old.sector = r.sector;
			old.tick = r.tick;
			old.v = r.values;
		}
		let set = this.sectorShips.get(r.sector);
		if (set === undefined) this.sectorShips.set(r.sector, (set = new Set()));
		set.add(r.id);
	}

	// The ship objects of a sector (an array, in no particular order).
	shipsInSector(sectorId) {
		const ids = this.sectorShips.get(sectorId);
		if (!ids) return [];
		const out = [];
		for (const id of ids) out.push(this.ships.get(id));
		return out;
	}

	// { x, y, z, vx, vy, vz } of a ship at tick (default: the world's
	// tick; fractional between ticks), from its flight plan; null for a
	// ship it does not hold.
	positionAt(shipId, tick = this.tick) {
		const ship = this.ships.get(shipId);
		return ship === undefined ? null : legState(ship, Number(tick));
	}
}
