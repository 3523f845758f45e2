// bench/first_paint.mjs -- time to first paint of the sector view at SHIPS
// ships in one sector, beside the database query that feeds it; run by
// bench/first_paint.sh, which gives it a throwaway cluster (PGHOST, PGPORT,
// PGUSER).
//
// What it measures, RUNS times each, medians printed:
//   first paint  Chromium opens #sector/1 as an operator (a fresh browser
//                context each run): from navigation start to the first frame
//                that drew every ship of the sector (window.simPage
//                .firstFullFrame, performance.now() in the page, whose zero
//                is the navigation's start); split into "state applied"
//                (the shell applied the state message: World loaded) and
//                the rest (the view's arrays, upload, the draw), with when the
//                page's script started, the feed connected and the state
//                message arrived (a WebSocket wrapped by the bench);
//   the peer     SELECT sim.delta_state(ARRAY[1]) -- the query behind the
//                state message -- timed inside the server (clock_timestamp
//                around it, no transfer) and from Node (round trip, 3 MB
//                of bytea to the client included);
// then, with the page open, TICKS ticks of sim.step(1) one every
// TICK_MS ms: the frames drawn per second while ships move, the JavaScript
// time per frame, and whether every tick was applied once, in order.
// The ratio printed: first paint / the query in the server.

import { startSim, launchChromium } from "../web/test/browser/harness.mjs";

const SHIPS = Number(process.env.SHIPS ?? 100000);
const RUNS = Number(process.env.RUNS ?? 3);
const TICKS = Number(process.env.TICKS ?? 10);
const TICK_MS = Number(process.env.TICK_MS ?? 1000);

const median = (a) => {
	const s = [...a].sort((x, y) => x - y);
	return s[Math.floor((s.length - 1) / 2)];
};
const f1 = (x) => x.toFixed(1);

const sim = await startSim({ name: "first_paint", seed: 42, sectors: 1, ships: SHIPS, steps: 10 });
try {
	const n = Number((await sim.sql("SELECT count(*) AS n FROM sim.ship WHERE sector_id = 1"))[0].n);
	const flying = Number((await sim.sql("SELECT count(*) AS n FROM sim.ship WHERE sector_id = 1 AND state = 'flying'"))[0].n);
	console.log(`first paint of #sector/1: ${n} ships in the sector (${flying} flying), ${RUNS} runs, Chromium with SwiftShader WebGL`);
	await sim.sql(`CREATE FUNCTION pg_temp.state_ms() RETURNS double precision LANGUAGE plpgsql AS $$
		DECLARE t0 timestamptz := clock_timestamp(); b bytea;
		BEGIN b := sim.delta_state(ARRAY[1]); RETURN extract(epoch FROM clock_timestamp() - t0) * 1000; END $$`);

	const server = [], client = [], bytes = [];
	for (let i = 0; i < RUNS; i++) {
		server.push((await sim.sql("SELECT pg_temp.state_ms() AS ms"))[0].ms);
		const t0 = performance.now();
		const r = await sim.sql("SELECT sim.delta_state(ARRAY[1]) AS d");
		client.push(performance.now() - t0);
		bytes.push(r[0].d.length);
	}

	const token = sim.operatorToken();
	const browser = await launchChromium();
	const paint = [], stateAt = [], started = [], connected = [], received = [];
	for (let i = 0; i < RUNS; i++) {
		const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
		const page = await context.newPage();
		// when the first binary message (the state) reaches the page, before
		// LiveFeed decodes it
		await page.addInitScript(() => {
			const WS = window.WebSocket;
			window.WebSocket = class extends WS {
				constructor(...a) {
					super(...a);
					this.addEventListener("message", () => {
						window.__firstMessageAt ??= performance.now();
					});
				}
			};
		});
		await page.goto(`${sim.baseUrl}/#sector/1&token=${token}`);
		const ff = await page.waitForFunction(() => window.simPage?.firstFullFrame, null, { timeout: 300000, polling: 20 });
		const r = await ff.jsonValue();
		if (r.drawn !== n) throw new Error(`the first full frame drew ${r.drawn} ships, the sector has ${n}`);
		const tm = await page.evaluate(() => ({ ...window.simShell.timings, message: window.__firstMessageAt }));
		received.push(tm.message);
		paint.push(r.at);
		stateAt.push(tm.state);
		started.push(tm.start);
		connected.push(tm.connected);
		if (i < RUNS - 1) await context.close();
		else {
			// steady state: ticks while the page draws
			const page1 = page;
			const before = await page1.evaluate(() => ({ frames: window.simPage.frames, ms: window.simPage.frameMs.sum, t: performance.now(), applied: window.simShell.applied.length }));
			const t0 = await sim.tick();
			for (let k = 0; k < TICKS; k++) {
				const w0 = performance.now();
				await sim.step(1);
				const left = TICK_MS - (performance.now() - w0);
				if (left > 0) await new Promise((res) => setTimeout(res, left));
			}
			await page1.waitForFunction((t) => window.simShell.live.lastTick === t, t0 + TICKS, { timeout: 60000 });
			const after = await page1.evaluate(() => ({ frames: window.simPage.frames, ms: window.simPage.frameMs.sum, max: window.simPage.frameMs.max, t: performance.now(), applied: window.simShell.applied }));
			const ticks = after.applied.slice(before.applied).filter((a) => a.type === "tick");
			let at = t0, chain = true;
			for (const a of ticks) {
				if (a.from_tick !== at) chain = false;
				at = a.to_tick;
			}
			const secs = (after.t - before.t) / 1000;
			const frames = after.frames - before.frames;
			console.log(`while ticking (${TICKS} ticks, one per ${TICK_MS} ms): ${f1(frames / secs)} frames/s drawn, ${f1((after.ms - before.ms) / Math.max(1, frames))} ms JavaScript per frame (max ${f1(after.max)}), ticks applied ${ticks.length} in ${ticks.length === TICKS ? "one message each" : "fewer messages"}, chain ${chain && at === t0 + TICKS ? "unbroken" : "BROKEN"} (${t0} -> ${at})`);
			await context.close();
		}
	}
	await browser.close();

	const p = median(paint), s = median(server), c = median(client), sa = median(stateAt);
	console.log(`sim.delta_state(ARRAY[1]) in the server: ${f1(s)} ms (median), round trip from Node: ${f1(c)} ms, ${(median(bytes) / 1e6).toFixed(2)} MB`);
	console.log(`first paint: ${f1(p)} ms from navigation (runs: ${paint.map(f1).join(", ")}); medians: the page's script started at ${f1(median(started))} ms, the feed connected at ${f1(median(connected))} ms, the state message arrived at ${f1(median(received))} ms, was decoded and loaded into World at ${f1(sa)} ms, and drawn ${f1(p - sa)} ms later`);
	console.log(`ratio first paint / query in the server: ${(p / s).toFixed(2)}   first paint / round trip: ${(p / c).toFixed(2)}`);
} finally {
	await sim.stop();
}
