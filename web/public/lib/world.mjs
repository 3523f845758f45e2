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
//   orders (kind 4), wallets (kind 6): only what deltas since the state
//   carried (the state holds ships and markets only);
// - trades: the trades (kind 5) of the last delta applied, an array;
// - tick: the to_tick of the last delta applied (null before the state).
//
// Field names come from a kinds description, [{ kind, name, fields, codes }]
// with codes { field: [label of code 0, 1, ...] }: the one the live feed's
// state message carries (web/live.mjs reads it from sim.change_kind and
// sim.change_code), or DEFAULT_KINDS below, a copy of those tables that
// web/test/live.test.mjs checks against the database.
//
// Cost: a ship is one plain object of 22 properties (one hidden class for
// all); the sector index is a Map sector -> Set of ship ids.

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

export class World {
	constructor({ kinds = DEFAULT_KINDS } = {}) {
		this.setKinds(kinds);
		this.reset();
	}

	// Use another kinds description (the server's); checks the kinds this
	// class keys by.
	setKinds(kinds) {
		const byKind = new Map();
		for (const k of kinds) byKind.set(k.kind, k);
		for (const [kind, name] of [[SHIP, "ship"], [CARGO, "cargo"], [STOCK, "stock"], [ORDER, "order"], [TRADE, "trade"], [WALLET, "wallet"]]) {
			if (byKind.get(kind)?.name !== name) throw new WorldError(`kinds description: kind ${kind} must be "${name}"`);
		}
		this.kinds = kinds;
		this.byKind = byKind;
		this.shipFields = byKind.get(SHIP).fields;
	}

	// Forget everything (before a state).
	reset() {
		this.tick = null;
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
		this.apply(decoded);
	}

	// Apply the next delta: its from_tick must be the world's tick (no tick
	// missed or applied twice); throws WorldError otherwise.
	applyDelta(decoded) {
		if (this.tick === null) throw new WorldError("a delta before the state: load a state first");
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
			case STOCK: this.upsert(this.stocks, `${r.id}:${r.sub}`, r, "station_id", "good_id"); break;
			case CARGO: this.upsert(this.cargo, `${r.id}:${r.sub}`, r, "ship_id", "good_id"); break;
			case ORDER: this.upsert(this.orders, r.id, r, "id", "good_id"); break;
			case WALLET: this.upsert(this.wallets, r.id, r, "faction_id", null); break;
			case TRADE: if (!r.deleted) trades.push(this.fields(r, { id: r.id, good_id: r.sub, sector: r.sector })); break;
			default: break; // a kind this page does not know
			}
		}
		this.trades = trades;
		this.tick = decoded.toTick;
	}

	fields(r, obj) {
		const names = this.byKind.get(r.kind).fields;
		const v = r.values;
		for (let i = 0; i < names.length; i++) obj[names[i]] = i < v.length ? v[i] : null;
		return obj;
	}

	upsert(map, key, r, idName, subName) {
		if (r.deleted) {
			map.delete(key);
			return;
		}
		const obj = { [idName]: r.id };
		if (subName) obj[subName] = r.sub;
		obj.sector = r.sector;
		map.set(key, this.fields(r, obj));
	}

	applyShip(r) {
		const old = this.ships.get(r.id);
		if (old !== undefined && old.sector !== r.sector) this.sectorShips.get(old.sector)?.delete(r.id);
		if (r.deleted) {
			if (old !== undefined) {
				this.ships.delete(r.id);
				this.sectorShips.get(old.sector)?.delete(r.id);
			}
			return;
		}
		const ship = old ?? { id: r.id, sector: r.sector, tick: r.tick };
		ship.sector = r.sector;
		ship.tick = r.tick;
		const names = this.shipFields;
		const v = r.values;
		for (let i = 0; i < names.length; i++) ship[names[i]] = i < v.length ? v[i] : null;
		if (old === undefined) this.ships.set(r.id, ship);
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
