// bench/wire.mjs -- the measuring half of bench/wire.sh: an operator page
// following the whole universe over the live feed (WebSocket /live), each
// figure beside its peer measured here in the same run.
//
//   node bench/wire.mjs LIVE_URL TOKEN TICKS     (PGHOST, PGPORT, PGDATABASE set)
//
// 1. the state message (bytes, beside the same rows as JSON, as
//    sim.delta_decode renders them; the time from hello to a loaded World);
// 2. TICKS ticks driven by sim.step(1): the bytes of each frame the server
//    sent (WebSocket framing included), beside sim.delta's bytes of the same
//    ticks and the JSON change feed's (sim.changes_since rendered as JSON,
//    one object a row);
// 3. decoding: the JS decoder (web/public/lib/delta.mjs) on the state and on
//    one delta of the measured ticks, beside sim.delta_records on the same
//    bytes timed in SQL (best of 5 each: JIT-warm JS), the page's first,
//    cold decode of the state, and World.loadState at that size.
// Prints one line per figure: name, sim/JS value, peer value, ratio.

import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.join(here, "../web");
const require = createRequire(path.join(web, "package.json"));
const pg = require("pg");
const WebSocket = require("ws");
const { decodeDelta } = await import(path.join(web, "public/lib/delta.mjs"));
const { parseFrame } = await import(path.join(web, "public/lib/live.mjs"));
const { World } = await import(path.join(web, "public/lib/world.mjs"));

const [url, token, ticksArg] = process.argv.slice(2);
const TICKS = Number(ticksArg);
const db = new pg.Client();
await db.connect();
const q = async (text, params) => (await db.query(text, params)).rows;

// WebSocket framing of a binary message of n bytes from the server (unmasked)
const wsOverhead = (n) => (n < 126 ? 2 : n < 65536 ? 4 : 10);

const frames = [];
let notify = null;
const ws = new WebSocket(url, { perMessageDeflate: false });
ws.on("message", (data) => {
	const buf = new Uint8Array(data);
	const { header, delta } = parseFrame(buf);
	frames.push({ header, delta, wire: buf.length + wsOverhead(buf.length), at: performance.now() });
	if (notify) notify();
});
await new Promise((resolve, reject) => {
	ws.on("open", resolve);
	ws.on("error", reject);
});
const waitFor = (pred) => new Promise((resolve) => {
	const check = () => {
		const f = frames.find(pred);
		if (f) {
			notify = null;
			resolve(f);
		}
	};
	notify = check;
	check();
});

const t0 = performance.now();
ws.send(JSON.stringify({ type: "hello", token, sectors: null, from_tick: null }));
const state = await waitFor((f) => f.header.type === "state");
const world = new World({ kinds: state.header.kinds });
const heap0 = process.memoryUsage().heapUsed;
const tl0 = performance.now();
const stateDecoded = decodeDelta(state.delta);
const tlD = performance.now();
world.loadState(stateDecoded);
const tl1 = performance.now();
const heap1 = process.memoryUsage().heapUsed;
const firstPaintMs = tl1 - t0;
const from = state.header.tick;

for (let i = 1; i <= TICKS; i++) {
	await q("SELECT sim.step(1)");
	const f = await waitFor((x) => x.header.type === "tick" && x.header.to_tick === from + i);
	world.applyDelta(decodeDelta(f.delta));
}
const to = from + TICKS;
const ticks = frames.filter((f) => f.header.type === "tick");
const wire = ticks.reduce((s, f) => s + f.wire, 0);
const inFlight = ticks.reduce((s, f) => s + (f.header.summary?.ships_in_flight ?? 0), 0) / ticks.length;

const [sizes] = await q(
	`SELECT sum(length(sim.delta(t - 1, t)))::float8 AS lz4, sum(length(sim.delta(t - 1, t, compress => false)))::float8 AS raw
	   FROM generate_series($1::bigint + 1, $2::bigint) t`, [from, to]);
const [feed] = await q(
	`SELECT sum(octet_length(row_to_json(f)::text) + 1)::float8 AS bytes, count(*)::float8 AS n
	   FROM sim.changes_since($1) f WHERE f.tick <= $2`, [from, to]);
const ships = Number((await q("SELECT count(*) AS n FROM sim.ship"))[0].n);

// decoding: JS vs C on the same bytes
await q("CREATE TEMP TABLE wire_bytes (name text PRIMARY KEY, d bytea)");
const range = (await q("SELECT sim.delta($1, $2) AS d", [from, to]))[0].d;
await q("INSERT INTO wire_bytes VALUES ('state', $1), ('range', $2)", [Buffer.from(state.delta), range]);
function jsBest(bytes) {
	let best = Infinity;
	let n = 0;
	for (let i = 0; i < 5; i++) {
		const a = performance.now();
		n = decodeDelta(bytes).records.length;
		best = Math.min(best, performance.now() - a);
	}
	return { ms: best, n };
}
async function cBest(name) {
	const [r] = await q(
		`SELECT min(bench_ms(format('SELECT count(*) FROM wire_bytes b, sim.delta_records(b.d) WHERE b.name = %L', $1::text))) AS ms
		   FROM generate_series(1, 5)`, [name]);
	return Number(r.ms);
}
const [stateJson] = await q(
	"SELECT sum(octet_length(row_to_json(x)::text) + 1)::float8 AS bytes FROM wire_bytes b, sim.delta_decode(b.d) x WHERE b.name = 'state'");
// the header (40 bytes in version 1, 48 in version 2) and the body before LZ4
const rawBytes = (bytes) => (bytes[4] === 1 ? 40 : 48) + new DataView(bytes.buffer, bytes.byteOffset).getUint32(32, true);
const decode = [];
for (const [name, bytes] of [["state", new Uint8Array(state.delta)], ["range", new Uint8Array(range)]]) {
	const js = jsBest(bytes);
	const c = await cBest(name);
	decode.push({ name, n: js.n, jsMs: js.ms, cMs: c, packed: bytes.length, raw: rawBytes(bytes) });
}

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const row = (name, a, b, r, note = "") => console.log(`${name.padEnd(52)} ${String(a).padStart(16)} ${String(b).padStart(16)} ${String(r).padStart(9)}  ${note}`);
console.log(`${ships} ships, ticks (${from}, ${to}], ${Math.round(inFlight)} ships in flight on average, ${Math.round(feed.n / TICKS)} changes/tick`);
row("measure", "sim / JS", "peer", "ratio");
row("bytes/tick: live frames vs JSON change feed", kb(wire / TICKS), kb(feed.bytes / TICKS), ratio(feed.bytes, wire), "(peer/sim)");
row("bytes/tick: live frames vs sim.delta (LZ4)", kb(wire / TICKS), kb(sizes.lz4 / TICKS), ratio(wire, sizes.lz4), "(header and framing)");
row("bytes/tick: sim.delta LZ4 vs raw", kb(sizes.lz4 / TICKS), kb(sizes.raw / TICKS), ratio(sizes.raw, sizes.lz4));
row("state message: frame vs JSON of the same rows", kb(state.wire), kb(stateJson.bytes), ratio(stateJson.bytes, state.wire), `(peer/sim, ${stateDecoded.records.length} records)`);
for (const d of decode) {
	const jsRate = d.n / d.jsMs * 1000;
	const cRate = d.n / d.cMs * 1000;
	row(`decode ${d.name} (${d.n} records): JS vs sim.delta_records`, `${(jsRate / 1e3).toFixed(0)}k rec/s`, `${(cRate / 1e3).toFixed(0)}k rec/s`, ratio(jsRate, cRate),
		`(JS ${(d.raw / d.jsMs / 1000).toFixed(1)} MB/s raw, ${(d.packed / d.jsMs / 1000).toFixed(1)} MB/s LZ4; C ${(d.raw / d.cMs / 1000).toFixed(1)} MB/s raw)`);
}
row("the page's first decode of the state (cold JIT)", `${(tlD - tl0).toFixed(0)} ms`, "", "", `${(stateDecoded.records.length / (tlD - tl0)).toFixed(0)}k rec/s`);
row("World.loadState of the decoded state", `${(tl1 - tlD).toFixed(0)} ms`, "", "", `heap +${((heap1 - heap0) / 1048576).toFixed(0)} MB with the decoded records`);
row("hello to a loaded World (first paint's data)", `${firstPaintMs.toFixed(0)} ms`, "", "");
ws.close();
await db.end();
