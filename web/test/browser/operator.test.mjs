// web/test/browser/operator.test.mjs -- the operator dashboard (#operator,
// web/public/app/operator.mjs) in Chromium: an operator pauses, steps N and
// resumes from the page; sim.world agrees, and the tick-time chart shows the N
// new ticks (its series equal api.tick_times, its axes span them).  Ticks
// stepped from SQL reach the chart through the live feed, without a click.  A
// player pressing Pause gets the API's 42501 with its hint, and nothing
// changes.  Screenshots: operator-stepped.png, operator-refused.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, shot, startSim, until } from "./harness.mjs";

const skip = await browserSkip();

describe("the operator dashboard", { skip: skip ? `Chromium cannot start: ${skip}` : false }, () => {
	let sim;
	before(async () => {
		sim = await startSim({ name: "dash_operator", ships: 300, steps: 5, players: ["alice"] });
	});
	after(() => sim?.stop());

	const world = async () => {
		const [w] = await sim.sql("SELECT tick, paused FROM sim.world");
		return { tick: Number(w.tick), paused: w.paused };
	};
	const pageState = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.simPage)));
	// waits for the page's action to finish, and a read made after it
	const actionDone = async (page, action) => until(async () => {
		const s = await pageState(page);
		return s.lastAction?.action === action && s.lastAction.settled && s;
	}, { what: `the page's ${action} and the read after it` });

	test("pause, step N, resume: sim.world agrees and the chart shows the N ticks", async () => {
		const page = await sim.open("#operator", { token: sim.operatorToken() });
		const w0 = await world();
		let s = await until(async () => {
			const st = await pageState(page);
			return st?.route === "operator" && st.ticker && Number(st.ticker.tick) === w0.tick && st;
		}, { what: "the dashboard's first read" });
		assert.equal(s.ticker.paused, false);
		assert.deepEqual(s.series.tick, (await sim.sql("SELECT tick FROM sim.tick_log ORDER BY tick")).map((r) => Number(r.tick)));

		await page.click("button[name=pause]");
		s = await actionDone(page, "pause");
		assert.equal(s.lastAction.error, undefined, JSON.stringify(s.lastAction));
		assert.deepEqual(await world(), { tick: w0.tick, paused: true });
		assert.equal(s.ticker.paused, true);
		assert.equal(await page.textContent("td[data-field=paused]"), "true");

		const N = 7;
		await page.fill("input[name=n]", String(N));
		await page.click("button[name=step]");
		s = await actionDone(page, "step");
		assert.equal(s.lastAction.result, w0.tick + N, JSON.stringify(s.lastAction));
		assert.deepEqual(await world(), { tick: w0.tick + N, paused: true });
		// the chart: every logged tick, the N new ones last, with their durations
		const log = await sim.sql("SELECT tick, duration_ms, source FROM sim.tick_log ORDER BY tick");
		s = await until(async () => {
			const st = await pageState(page);
			return st.series.tick.at(-1) === w0.tick + N && st;
		}, { what: "the chart to reach the stepped tick" });
		assert.deepEqual(s.series.tick, log.map((r) => Number(r.tick)));
		assert.deepEqual(s.series.durationMs, log.map((r) => r.duration_ms));
		assert.deepEqual(log.slice(-N).map((r) => [Number(r.tick), r.source]),
			Array.from({ length: N }, (_, i) => [w0.tick + i + 1, "step"]));
		const [lo, hi] = [Math.min(...s.series.durationMs), Math.max(...s.series.durationMs)];
		assert.deepEqual(s.axes.x, [Number(log[0].tick), w0.tick + N]);
		assert.deepEqual(s.axes.y, lo < hi ? [lo, hi] : s.axes.y);
		assert.ok(s.axes.y[0] <= lo && s.axes.y[1] >= hi);
		assert.equal(Number(await page.textContent("td[data-field=tick]")), w0.tick + N);
		// the p50 and p99 lines: at each tick, those of the 100 ticks up to it, as SQL's percentile_cont
		const pct = await sim.sql(
			`SELECT l.tick,
			        (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w.duration_ms)
			           FROM sim.tick_log w WHERE w.tick <= l.tick AND w.tick > l.tick - 100) AS p50,
			        (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY w.duration_ms)
			           FROM sim.tick_log w WHERE w.tick <= l.tick AND w.tick > l.tick - 100) AS p99
			   FROM sim.tick_log l ORDER BY l.tick`);
		const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
		pct.forEach((r, i) => {
			assert.ok(close(s.series.p50Ms[i], r.p50), `p50 at tick ${r.tick}: ${s.series.p50Ms[i]} vs ${r.p50}`);
			assert.ok(close(s.series.p99Ms[i], r.p99), `p99 at tick ${r.tick}: ${s.series.p99Ms[i]} vs ${r.p99}`);
		});
		assert.ok(close(s.series.p50Ms.at(-1), s.ticker.tickMsP50) && close(s.series.p99Ms.at(-1), s.ticker.tickMsP99),
			"the last point is api.ticker's p50 and p99");

		await page.click("button[name=resume]");
		s = await actionDone(page, "resume");
		assert.deepEqual(await world(), { tick: w0.tick + N, paused: false });
		assert.equal(s.ticker.paused, false);

		// ticks made elsewhere reach the chart by the feed's tick messages
		const t = await sim.step(3);
		s = await until(async () => {
			const st = await pageState(page);
			return st.series.tick.at(-1) === t && Number(st.ticker.tick) === t && st;
		}, { what: "the feed's ticks on the chart" });
		assert.deepEqual(s.series.tick.slice(-3), [t - 2, t - 1, t]);
		await shot(page, "operator-stepped");

		// a step outside the bound: the API's 22023, shown with its code
		await page.fill("input[name=n]", "0");
		await page.click("button[name=step]");
		s = await actionDone(page, "step");
		assert.equal(s.lastAction.error.code, "22023", JSON.stringify(s.lastAction));
		assert.match(await page.textContent("[data-testid=result]"), /\[22023\]/);
		assert.equal((await world()).tick, t);
	});

	test("a player's Pause is refused with 42501 and the hint; nothing changes", async () => {
		const page = await sim.open("#operator", { token: sim.playerToken("alice") });
		let s = await until(async () => {
			const st = await pageState(page);
			return st?.route === "operator" && st.reads > 0 && st;
		}, { what: "the dashboard's first read" });
		// a player reads the ticker, not its last error
		assert.equal(s.ticker.lastError, null);
		const w0 = await world();
		await page.click("button[name=pause]");
		s = await actionDone(page, "pause");
		assert.equal(s.lastAction.error.code, "42501", JSON.stringify(s.lastAction));
		assert.match(s.lastAction.error.hint, /sim_operator/);
		const shown = await page.textContent("[data-testid=result]");
		assert.ok(shown.includes("[42501]") && shown.includes(s.lastAction.error.hint), shown);
		assert.equal(await page.getAttribute(".error-bar", "data-code"), "42501");
		assert.deepEqual(await world(), w0);
		await shot(page, "operator-refused");
		// no uncaught error (a resource the browser asks for by itself, a favicon, may 404)
		assert.deepEqual(sim.pageErrors.filter((e) => !e.includes("Failed to load resource")), []);
	});
});
