// web/test/browser/analyst.test.mjs -- the analyst page (#analyst,
// web/public/app/analyst.mjs) in Chromium.  On a universe without rollups
// every chart says "no data yet" (no empty frame); once sim.step has run the
// universe through enough short periods (sim.history_policy of 10 ticks),
// the page -- refreshed by the feed's tick messages alone -- draws every chart
// with non-empty series equal to the report view's rows, and each chart's
// axes span exactly the data: their min and max equal the SQL min and max of
// the same view.  Choosing a station's market redraws the OHLC chart from
// report.market_ohlcv.  Screenshots: analyst-empty.png, analyst-charts.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, shot, startSim, until } from "./harness.mjs";

const skip = await browserSkip();
const PERIOD = 10;

describe("the analyst page", { skip: skip ? `Chromium cannot start: ${skip}` : false }, () => {
	let sim;
	before(async () => {
		sim = await startSim({
			name: "dash_analyst", ships: 500, steps: 0,
			setup: [`UPDATE sim.history_policy SET period_ticks = ${PERIOD}, partition_ticks = ${PERIOD}`],
		});
	});
	after(() => sim?.stop());

	const num = (v) => (v == null ? null : Number(v));
	const minmax = async (q, params) => {
		const [r] = await sim.sql(`SELECT min(v)::float8 AS lo, max(v)::float8 AS hi FROM (${q}) x`, params);
		return [num(r.lo), num(r.hi)];
	};
	// the chart's data extent and drawn axes are the SQL's min and max
	function spans(chart, x, y, what) {
		assert.equal(chart.empty, false, `${what} has data`);
		assert.deepEqual(chart.data, { x, y }, `${what}: the data's extent`);
		for (const [axis, [lo, hi]] of [["x", x], ["y", y]]) {
			if (lo < hi) assert.deepEqual(chart.axes[axis], [lo, hi], `${what}: the ${axis} axis spans the data`);
			else assert.ok(chart.axes[axis][0] < lo && chart.axes[axis][1] > hi, `${what}: one value, inside the ${axis} axis`);
		}
	}

	test("no data yet, then charts drawn from the report views with axes that match the data", async () => {
		const [{ rollups }] = await sim.sql("SELECT count(*)::int AS rollups FROM report.money_supply");
		assert.equal(rollups, 0, "no period has ended");
		const page = await sim.open("#analyst");
		let s = await until(async () => {
			const st = await page.evaluate(() => JSON.parse(JSON.stringify(window.simPage)));
			return st?.route === "analyst" && st.reads > 0 && st;
		}, { what: "the analyst page's first read" });
		for (const name of ["priceIndex", "moneySupply", "faucetsSinks", "ohlc"]) {
			assert.equal(s.charts[name].empty, true, name);
			assert.equal(await page.isVisible(`[data-chart=${name}] .empty`), true, `${name} says so`);
			assert.equal(await page.isVisible(`[data-chart=${name}] canvas`), false, `${name} draws no empty frame`);
			assert.equal(await page.textContent(`[data-chart=${name}] .empty`), "no data yet");
		}
		await shot(page, "analyst-empty");

		const t = await sim.step(6 * PERIOD + 3);
		s = await until(async () => {
			const st = await page.evaluate(() => JSON.parse(JSON.stringify(window.simPage)));
			return ["priceIndex", "moneySupply", "faucetsSinks", "ohlc"].every((n) => !st.charts[n].empty) && st;
		}, { what: "the charts after the feed's ticks" });
		const [{ periods }] = await sim.sql("SELECT count(*)::int AS periods FROM report.money_supply");
		assert.ok(periods >= 5, `${periods} periods rolled up by tick ${t}`);

		// price index: one series per category, the view's rows
		const pi = await sim.sql("SELECT period_start, category, index FROM report.price_index ORDER BY period_start, category");
		const cats = [...new Set(pi.map((r) => r.category))].sort();
		assert.deepEqual(Object.keys(s.charts.priceIndex.series).sort(), cats);
		for (const r of pi) {
			const i = s.charts.priceIndex.x.indexOf(Number(r.period_start));
			assert.equal(s.charts.priceIndex.series[r.category][i], r.index, `index of ${r.category} at ${r.period_start}`);
		}
		spans(s.charts.priceIndex, await minmax("SELECT period_start AS v FROM report.price_index"),
			await minmax("SELECT index AS v FROM report.price_index"), "price index");

		// money supply: money, factions and players per period
		const ms = await sim.sql("SELECT period_start, money, factions, players FROM report.money_supply ORDER BY period_start");
		assert.deepEqual(s.charts.moneySupply.x, ms.map((r) => Number(r.period_start)));
		assert.deepEqual(s.charts.moneySupply.series.money, ms.map((r) => num(r.money)));
		spans(s.charts.moneySupply, await minmax("SELECT period_start AS v FROM report.money_supply"),
			await minmax(`SELECT unnest(ARRAY[money, factions, players]) AS v FROM report.money_supply`), "money supply");

		// faucets and sinks: credits per period and flow, summed over the reasons
		const flows = "SELECT period_start, flow, sum(credits) AS v FROM report.faucets_sinks GROUP BY period_start, flow";
		const fs = await sim.sql(`${flows} ORDER BY period_start, flow`);
		for (const r of fs) {
			const i = s.charts.faucetsSinks.x.indexOf(Number(r.period_start));
			assert.equal(s.charts.faucetsSinks.series[r.flow][i], Number(r.v), `${r.flow} at ${r.period_start}`);
		}
		spans(s.charts.faucetsSinks, await minmax("SELECT period_start AS v FROM report.faucets_sinks"),
			await minmax(flows), "faucets and sinks");

		// OHLC of the sector and good the page chose (the most traded)
		const c = s.charts.ohlc.choice;
		assert.equal(c.scope, "sector");
		const [top] = await sim.sql(
			"SELECT sector_id, good_id FROM report.sector_ohlcv ORDER BY volume DESC, sector_id, good_id LIMIT 1");
		assert.deepEqual([c.id, c.good], [top.sector_id, top.good_id]);
		const where = "FROM report.sector_ohlcv WHERE sector_id = $1 AND good_id = $2";
		const o = await sim.sql(`SELECT period_start, open, high, low, close ${where} ORDER BY period_start`, [c.id, c.good]);
		assert.deepEqual(s.charts.ohlc.series.high, o.map((r) => num(r.high)));
		assert.deepEqual(s.charts.ohlc.series.low, o.map((r) => num(r.low)));
		assert.ok(s.charts.ohlc.series.high.some((v) => v != null), "some period traded");
		spans(s.charts.ohlc, await minmax(`SELECT period_start AS v ${where}`, [c.id, c.good]),
			await minmax(`SELECT unnest(ARRAY[open, high, low, close]) AS v ${where}`, [c.id, c.good]), "OHLC");
		await page.waitForSelector("[data-chart=priceIndex] canvas", { state: "visible" });
		await shot(page, "analyst-charts");

		// a station's market instead: report.market_ohlcv
		const [m] = await sim.sql(
			"SELECT station_id, good_id FROM report.market_ohlcv WHERE high IS NOT NULL ORDER BY volume DESC, station_id, good_id LIMIT 1");
		const reads = s.reads;
		await page.selectOption("select[name=scope]", "station");
		await page.selectOption("select[name=place]", String(m.station_id));
		await page.selectOption("select[name=good]", String(m.good_id));
		s = await until(async () => {
			const st = await page.evaluate(() => JSON.parse(JSON.stringify(window.simPage)));
			const ch = st.charts.ohlc.choice;
			return st.reads > reads && ch.scope === "station" && ch.id === m.station_id && ch.good === m.good_id && st;
		}, { what: "the OHLC chart of a station's market" });
		assert.equal(s.charts.ohlc.view, "report.market_ohlcv");
		const mw = "FROM report.market_ohlcv WHERE station_id = $1 AND good_id = $2";
		spans(s.charts.ohlc, await minmax(`SELECT period_start AS v ${mw}`, [m.station_id, m.good_id]),
			await minmax(`SELECT unnest(ARRAY[open, high, low, close]) AS v ${mw}`, [m.station_id, m.good_id]), "market OHLC");
		assert.deepEqual(sim.pageErrors.filter((e) => !e.includes("Failed to load resource")), []);
	});
});
