// web/public/app/analyst.mjs -- the analyst page (#analyst): charts of the
// economy from the report views (docs/reports.md), drawn with uPlot:
//   priceIndex    report.price_index: the index per goods category over
//                 periods (one series per category);
//   ohlc          report.sector_ohlcv (a sector) or report.market_ohlcv (a
//                 station's market) for one good: a candle per period, open,
//                 high, low, close (periods without trades have none);
//   moneySupply   report.money_supply: money, factions, players over periods;
//   faucetsSinks  report.faucets_sinks: credits created (faucet) and
//                 destroyed (sink) per period, summed over the reasons.
// The x axis of every chart is period_start (a tick); each axis spans exactly
// the data's minimum and maximum over the chart's series (widened only when
// all values are equal).  A chart without rows says "no data yet" instead of
// drawing an empty frame.  The OHLC chart's sector or station and good are
// chosen in the page; until someone chooses, the sector and good traded most.
//
// Data: one GraphQL request at mount, on every "state" and "tick" message
// the shell applied (the rollups grow at the end of each period) and when
// the OHLC choice changes; requests never overlap -- one asked for while
// another runs is made once it ends.  The page follows no sector
// (ctx.live.follow([])).
//
// window.simPage while mounted: { route: "analyst", reads, error, ohlcChoice:
// { scope: "sector" | "station", id, good }, charts: { NAME: { view, empty,
// x: [...], series: { COLUMN_OR_LABEL: [...] }, data: { x: [min, max], y:
// [min, max] } (null when empty), axes: { x: [min, max], y: [min, max] } (the
// drawn scales; null when empty) } } } -- series of priceIndex are named by
// category, of ohlc open/high/low/close, of moneySupply by column (money,
// factions, players), of faucetsSinks by flow (faucet, sink).

import uPlot from "uplot";
import { el, errorInfo, serialRuns } from "./dom.mjs";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#5ab0ff", "#ffb454", "#7bd88f", "#ff6b6b", "#c792ea", "#82aaff", "#f78c6c", "#89ddff"];

const num = (v) => (v == null ? null : Number(v));

// [min, max] over the finite values of the arrays, or null.
export function extentOf(arrays) {
	let lo = Infinity, hi = -Infinity;
	for (const a of arrays) {
		for (const v of a) {
			if (v == null || !Number.isFinite(v)) continue;
			if (v < lo) lo = v;
			if (v > hi) hi = v;
		}
	}
	return lo <= hi ? [lo, hi] : null;
}

// Axis labels: 1.2M rather than 1,200,000 (an axis has little room).
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 2 });
const axisValues = (u, vals) => vals.map((v) => (v == null ? "" : compact.format(v)));

function spanOf(ext) {
	if (!ext) return [0, 1];
	const [lo, hi] = ext;
	if (lo < hi) return [lo, hi];
	const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
	return [lo - pad, hi + pad];
}

// Rows of (x, key, value) as uPlot's aligned columns: x sorted ascending
// and one array per key (null where a key has no row at an x).
export function pivot(rows, keys) {
	const xs = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
	const at = new Map(xs.map((x, i) => [x, i]));
	const series = {};
	for (const k of keys) series[k] = new Array(xs.length).fill(null);
	for (const r of rows) {
		if (series[r.key]) series[r.key][at.get(r.x)] = r.value;
	}
	return { x: xs, series };
}

// Draws candles for series 1..4 = open, high, low, close.
function candles(u) {
	const [xs, open, high, low, close] = u.data;
	const ctx = u.ctx;
	const step = xs.length > 1 ? Math.abs(u.valToPos(xs[1], "x", true) - u.valToPos(xs[0], "x", true)) : 40;
	const w = Math.max(2, Math.min(24, step * 0.6));
	ctx.save();
	for (let i = 0; i < xs.length; i++) {
		if (high[i] == null || low[i] == null) continue;
		const cx = u.valToPos(xs[i], "x", true);
		const yh = u.valToPos(high[i], "y", true), yl = u.valToPos(low[i], "y", true);
		const o = open[i] ?? close[i], c = close[i] ?? open[i];
		const up = c >= o;
		ctx.strokeStyle = ctx.fillStyle = up ? "#7bd88f" : "#ff6b6b";
		ctx.lineWidth = 1;
		ctx.beginPath();
		ctx.moveTo(cx, yh);
		ctx.lineTo(cx, yl);
		ctx.stroke();
		const yo = u.valToPos(o, "y", true), yc = u.valToPos(c, "y", true);
		ctx.fillRect(cx - w / 2, Math.min(yo, yc), w, Math.max(1, Math.abs(yc - yo)));
	}
	ctx.restore();
}

const STYLE = `
.analyst { padding: 0.8em; display: grid; grid-template-columns: repeat(auto-fit, minmax(32em, 1fr)); gap: 1em; }
.analyst section.chart-card { background: var(--panel, #141925); border: 1px solid var(--line, #273045); padding: 0.6em; border-radius: 4px; }
.analyst h2 { font-size: 15px; margin: 0 0 0.4em; }
.analyst .empty { color: var(--dim, #7f8ba3); padding: 3em 0; text-align: center; }
.analyst .choice { display: flex; gap: 0.4em; margin-bottom: 0.4em; flex-wrap: wrap; }
.analyst .u-legend { color: var(--text, #d6deeb); font-size: 12px; }
`;

export function mount(root, ctx) {
	const state = { route: "analyst", reads: 0, error: null, ohlcChoice: null, charts: {} };
	window.simPage = state;
	ctx.live.follow([]);

	const cards = {};
	const card = (name, title, view, extra = null) => {
		const box = el("div", { class: "plot" });
		const empty = el("p", { class: "empty", hidden: true }, "no data yet");
		const section = el("section", { class: "chart-card", "data-chart": name }, el("h2", {}, title), extra, box, empty);
		cards[name] = { section, box, empty, view, plot: null, keys: null };
		state.charts[name] = { view, empty: true, x: [], series: {}, data: null, axes: null };
		return section;
	};
	const scopeSel = el("select", { name: "scope" }, el("option", { value: "sector" }, "sector"), el("option", { value: "station" }, "station"));
	const idSel = el("select", { name: "place" });
	const goodSel = el("select", { name: "good" });
	const choice = el("div", { class: "choice" }, scopeSel, idSel, goodSel);
	root.append(el("style", {}, STYLE), el("div", { class: "analyst" },
		card("priceIndex", "Price index per category (100 at the first period kept)", "report.price_index"),
		card("ohlc", "OHLC per period", "report.sector_ohlcv", choice),
		card("moneySupply", "Money supply (credits at each period's end)", "report.money_supply"),
		card("faucetsSinks", "Credit faucets and sinks per period", "report.faucets_sinks")));

	let catalogue = { sectors: [], stations: [], goods: [] };
	function fillChoice() {
		const c = state.ohlcChoice;
		const places = c.scope === "sector" ? catalogue.sectors : catalogue.stations;
		idSel.replaceChildren(...places.map((p) => el("option", { value: p.rowId }, `${p.rowId} ${p.name}`)));
		goodSel.replaceChildren(...catalogue.goods.map((g) => el("option", { value: g.rowId }, `${g.rowId} ${g.name}`)));
		scopeSel.value = c.scope;
		idSel.value = String(c.id);
		goodSel.value = String(c.good);
	}
	const choose = () => {
		auto = false;
		state.ohlcChoice = { scope: scopeSel.value, id: Number(idSel.value), good: Number(goodSel.value) };
		read();
	};
	scopeSel.addEventListener("change", () => {
		auto = false;
		state.ohlcChoice.scope = scopeSel.value;
		const places = scopeSel.value === "sector" ? catalogue.sectors : catalogue.stations;
		state.ohlcChoice.id = places[0]?.rowId ?? 0;
		fillChoice();
		choose();
	});
	idSel.addEventListener("change", choose);
	goodSel.addEventListener("change", choose);

	function draw(name, x, series, { labels = null, candle = false } = {}) {
		const cd = cards[name];
		const keys = Object.keys(series);
		const cols = keys.map((k) => series[k]);
		const ey = extentOf(cols);
		const ex = extentOf([x]);
		const isEmpty = x.length === 0 || ey == null;
		const st = state.charts[name];
		Object.assign(st, { view: cd.view, empty: isEmpty, x, series, data: isEmpty ? null : { x: ex, y: ey } });
		cd.empty.hidden = !isEmpty;
		cd.box.hidden = isEmpty;
		if (isEmpty) {
			cd.plot?.destroy();
			cd.plot = null;
			st.axes = null;
			return;
		}
		const sameShape = cd.plot && cd.keys && cd.keys.join("\u0000") === keys.join("\u0000");
		const rangeX = () => spanOf(ex), rangeY = () => spanOf(ey);
		if (!sameShape) {
			cd.plot?.destroy();
			cd.keys = keys;
			const width = Math.max(320, cd.section.clientWidth - 20 || 480);
			cd.plot = new uPlot({
				width, height: 260,
				scales: { x: { time: false, range: rangeX }, y: { range: rangeY } },
				series: [{ label: "period start" }, ...keys.map((k, i) => (candle
					? { label: k, paths: () => null, points: { show: false }, stroke: COLORS[i % COLORS.length] }
					: { label: labels?.[k] ?? k, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false,
						points: { show: x.length < 40 } }))],
				axes: [{ stroke: "#7f8ba3", grid: { stroke: "#273045" } }, { stroke: "#7f8ba3", grid: { stroke: "#273045" }, size: 60, values: axisValues }],
				hooks: { draw: [...(candle ? [candles] : []), (u) => {
					state.charts[name].axes = { x: [u.scales.x.min, u.scales.x.max], y: [u.scales.y.min, u.scales.y.max] };
				}] },
			}, [x, ...cols], cd.box);
		} else {
			cd.plot.scales.x.range = rangeX;
			cd.plot.scales.y.range = rangeY;
			cd.plot.setData([x, ...cols]);
		}
	}

	function ohlcQuery(c) {
		return c.scope === "station"
			? `allReportMarketOhlcvs(condition: { stationId: ${Number(c.id)}, goodId: ${Number(c.good)} }, orderBy: PERIOD_START_ASC) { nodes { periodStart open high low close } }`
			: `allReportSectorOhlcvs(condition: { sectorId: ${Number(c.id)}, goodId: ${Number(c.good)} }, orderBy: PERIOD_START_ASC) { nodes { periodStart open high low close } }`;
	}

	let alive = true;
	// While nobody has chosen (auto), the OHLC chart shows the sector and good
	// traded most so far, asked again on every read.
	let auto = true;
	async function readOnce() {
		if (state.ohlcChoice == null) {
			const d = await ctx.gql(`{
  allSectors(orderBy: ROW_ID_ASC) { nodes { rowId name } }
  allStations(orderBy: ROW_ID_ASC) { nodes { rowId name } }
  allGoods(orderBy: ROW_ID_ASC) { nodes { rowId name } }
}`);
			if (!alive) return;
			catalogue = { sectors: d.allSectors.nodes, stations: d.allStations.nodes, goods: d.allGoods.nodes };
			state.ohlcChoice = { scope: "sector", id: catalogue.sectors[0]?.rowId ?? 0, good: catalogue.goods[0]?.rowId ?? 0 };
			fillChoice();
		}
		if (auto) {
			const d = await ctx.gql(`{ allReportSectorOhlcvs(orderBy: [VOLUME_DESC, SECTOR_ID_ASC, GOOD_ID_ASC], first: 1) { nodes { sectorId goodId } } }`);
			if (!alive) return;
			const top = d.allReportSectorOhlcvs.nodes[0];
			if (auto && top && (top.sectorId !== state.ohlcChoice.id || top.goodId !== state.ohlcChoice.good)) {
				state.ohlcChoice = { scope: "sector", id: top.sectorId, good: top.goodId };
				fillChoice();
			}
		}
		const c = { ...state.ohlcChoice };
		const d = await ctx.gql(`{
  allReportPriceIndices(orderBy: [PERIOD_START_ASC, CATEGORY_ASC]) { nodes { periodStart category index } }
  allReportMoneySupplies(orderBy: PERIOD_START_ASC) { nodes { periodStart money factions players } }
  allReportFaucetsSinks(orderBy: PERIOD_START_ASC) { nodes { periodStart flow credits } }
  ohlc: ${ohlcQuery(c)}
}`);
		if (!alive) return;
		const pi = d.allReportPriceIndices.nodes;
		const cats = [...new Set(pi.map((r) => r.category))].sort();
		const p = pivot(pi.map((r) => ({ x: Number(r.periodStart), key: r.category, value: r.index })), cats);
		draw("priceIndex", p.x, p.series);

		const ms = d.allReportMoneySupplies.nodes;
		draw("moneySupply", ms.map((r) => Number(r.periodStart)), {
			money: ms.map((r) => num(r.money)), factions: ms.map((r) => num(r.factions)), players: ms.map((r) => num(r.players)),
		});

		const sums = new Map();
		for (const r of d.allReportFaucetsSinks.nodes) {
			const k = `${r.periodStart}\u0000${r.flow}`;
			sums.set(k, (sums.get(k) ?? 0) + Number(r.credits));
		}
		const fs = pivot([...sums].map(([k, v]) => {
			const [x, flow] = k.split("\u0000");
			return { x: Number(x), key: flow, value: v };
		}), ["faucet", "sink"]);
		draw("faucetsSinks", fs.x, fs.series);

		const o = d.ohlc.nodes;
		cards.ohlc.view = c.scope === "station" ? "report.market_ohlcv" : "report.sector_ohlcv";
		draw("ohlc", o.map((r) => Number(r.periodStart)), {
			open: o.map((r) => num(r.open)), high: o.map((r) => num(r.high)), low: o.map((r) => num(r.low)),
			close: o.map((r) => num(r.close)),
		}, { candle: true });
		state.charts.ohlc.choice = c;
		state.error = null;
		// uPlot draws in a microtask: count the read once it has
		await new Promise((r) => setTimeout(r, 0));
		state.reads++;
	}

	const read = serialRuns(readOnce, (e) => {
		state.error = errorInfo(e);
		ctx.showError(e);
	}, () => alive);

	const stop = ctx.onFeed(() => read());
	read();

	return {
		unmount() {
			alive = false;
			stop();
			for (const cd of Object.values(cards)) cd.plot?.destroy();
		},
	};
}
