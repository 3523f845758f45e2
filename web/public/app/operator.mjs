// web/public/app/operator.mjs -- the operator dashboard (#operator): the
// ticker now (api.ticker: tick, paused, p50/p99 of the last 100 ticks, lag,
// skipped ticks, last error), a chart of tick time over ticks (api.tick_times,
// uPlot), and pause / resume / step buttons (api.pause, api.resume,
// api.step).
//
// Data: read at mount, after every button and on every "state" and "tick"
// message the shell applied (one per committed tick); reads never overlap --
// one asked for while another runs is made once it ends.  The chart shows the
// last CHART_TICKS ticks of api.tick_times, x = tick, y = duration_ms, with
// the p50 and p99 of the WINDOW ticks up to each tick (the figures api.ticker
// gives for the last ones, by the same interpolation as percentile_cont), its
// axes spanning exactly the durations' minimum and maximum.  Anyone may read the
// ticker (the last error shows only for operators: the API masks it); the
// buttons are there for everyone and a non-operator's press shows the API's
// refusal (42501 with its hint), like every other error, with its SQLSTATE.
// The page follows no sector (ctx.live.follow([])).
//
// window.simPage while mounted: { route: "operator", ticker (api.ticker's
// row, camelCased), series: { tick: [...], durationMs: [...], p50Ms: [...],
// p99Ms: [...] }, axes: { x:
// [min, max], y: [min, max] } (the chart's scales, null before data),
// reads (reads completed), lastAction ({ action, n?, result } or { action,
// error: { message, code, hint } }; settled: true once a read made after it
// has completed), error (the last read's, or null) }.

import uPlot from "uplot";
import { el, errorInfo, serialRuns } from "./dom.mjs";
import "uplot/dist/uPlot.min.css";

export const CHART_TICKS = 500;
// ticks of a percentile, as sim.status and api.ticker take them
export const WINDOW = 100;

// percentile_cont(p) of the sorted numbers: linear interpolation at p * (n - 1).
function percentileCont(sorted, p) {
	const at = p * (sorted.length - 1);
	const lo = Math.floor(at), hi = Math.ceil(at);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

// For each i, percentile_cont(p) of ys[max(0, i - window + 1) .. i].
export function rollingPercentile(ys, window, p) {
	const out = new Array(ys.length);
	for (let i = 0; i < ys.length; i++) {
		const w = ys.slice(Math.max(0, i - window + 1), i + 1).sort((a, b) => a - b);
		out[i] = percentileCont(w, p);
	}
	return out;
}

const READ = `query($n: Int!) {
  allTickers { nodes { tick paused tickIntervalMs shipsInFlight commandsPending tickMsP50 tickMsP99 lagMs ticksSkipped lastError lastErrorAt } }
  allTickTimes(orderBy: TICK_DESC, first: $n) { nodes { tick durationMs source } }
}`;

// [min, max] of the finite numbers of arr, or null when there is none.
export function extent(arr) {
	let lo = Infinity, hi = -Infinity;
	for (const v of arr) {
		if (v == null || !Number.isFinite(v)) continue;
		if (v < lo) lo = v;
		if (v > hi) hi = v;
	}
	return lo <= hi ? [lo, hi] : null;
}

// A scale's range: the data's own, widened only when it is one value (a
// zero-width axis cannot be drawn).
export function spanOf(ext) {
	if (!ext) return [0, 1];
	const [lo, hi] = ext;
	if (lo < hi) return [lo, hi];
	const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
	return [lo - pad, hi + pad];
}

const STYLE = `
.operator { padding: 0.8em; display: grid; grid-template-columns: 22em minmax(0, 1fr); gap: 1em; }
.operator h2 { font-size: 15px; margin: 0.2em 0 0.4em; }
.operator table { border-collapse: collapse; width: 100%; font-size: 13px; }
.operator td, .operator th { padding: 0.15em 0.4em; text-align: left; border-bottom: 1px solid var(--line, #273045); }
.operator td.num { text-align: right; font-variant-numeric: tabular-nums; }
.operator .controls { display: flex; gap: 0.4em; flex-wrap: wrap; margin: 0.6em 0; }
.operator .result { font-family: ui-monospace, monospace; white-space: pre-wrap; }
.operator .result[data-ok="false"] { color: var(--bad, #ff6b6b); }
.operator .chart .u-legend { color: var(--text, #d6deeb); }
.operator .empty { color: var(--dim, #7f8ba3); padding: 2em 0; }
`;

export function mount(root, ctx) {
	const state = {
		route: "operator",
		ticker: null,
		series: { tick: [], durationMs: [] },
		axes: null,
		reads: 0,
		lastAction: null,
		error: null,
	};
	window.simPage = state;
	ctx.live.follow([]);

	const fields = [
		["tick", "tick"], ["paused", "paused"], ["tickIntervalMs", "interval ms"], ["shipsInFlight", "ships in flight"],
		["commandsPending", "commands pending"], ["tickMsP50", "tick ms p50"], ["tickMsP99", "tick ms p99"],
		["lagMs", "lag ms"], ["ticksSkipped", "ticks skipped"], ["lastError", "last error"], ["lastErrorAt", "last error at"],
	];
	const cells = {};
	const table = el("table", { class: "ticker" }, el("tbody", {}, ...fields.map(([k, label]) =>
		el("tr", {}, el("th", {}, label), (cells[k] = el("td", { class: "num", "data-field": k }, "…"))))));
	const result = el("div", { class: "result", role: "status", "data-testid": "result" });
	const stepN = el("input", { name: "n", size: 6, value: "1", "aria-label": "ticks to step" });
	const buttons = [
		el("button", { type: "button", name: "pause", onclick: () => act("pause") }, "Pause"),
		el("button", { type: "button", name: "resume", onclick: () => act("resume") }, "Resume"),
		el("button", { type: "button", name: "step", onclick: () => act("step") }, "Step"),
	];
	const chartBox = el("div", { class: "chart" });
	const empty = el("p", { class: "empty" }, "no data yet");
	const note = ctx.session.role === "sim_operator" ? null
		: el("p", { class: "note" }, "Pause, resume and step are for operators: log in with a token whose role is sim_operator.");
	root.append(el("style", {}, STYLE), el("div", { class: "operator" },
		el("div", {}, el("h2", {}, "Ticker"), table, note,
			el("div", { class: "controls" }, buttons[0], buttons[1], stepN, buttons[2]), result),
		el("div", {}, el("h2", {}, "Tick time (ms) over ticks"), chartBox, empty)));

	let plot = null;
	function draw() {
		const xs = state.series.tick, ys = state.series.durationMs;
		const p50 = state.series.p50Ms, p99 = state.series.p99Ms;
		const ex = extent(xs), ey = extent(ys);
		empty.hidden = xs.length > 0;
		chartBox.hidden = xs.length === 0;
		if (xs.length === 0) {
			state.axes = null;
			return;
		}
		const width = Math.max(300, chartBox.clientWidth || root.clientWidth - 400 || 600);
		const scales = {
			x: { time: false, range: () => spanOf(ex) },
			y: { range: () => spanOf(ey) },
		};
		if (!plot) {
			plot = new uPlot({
				width, height: 320, scales,
				series: [{ label: "tick" }, { label: "duration ms", stroke: "#5ab0ff", width: 1.5, points: { show: xs.length < 60 } },
					{ label: `p50 of ${WINDOW}`, stroke: "#7fd88f", width: 1.5, points: { show: false } },
					{ label: `p99 of ${WINDOW}`, stroke: "#ff7a7a", width: 1.5, points: { show: false } }],
				axes: [{ stroke: "#7f8ba3", grid: { stroke: "#273045" } }, { stroke: "#7f8ba3", grid: { stroke: "#273045" } }],
				hooks: { draw: [(u) => { state.axes = { x: [u.scales.x.min, u.scales.x.max], y: [u.scales.y.min, u.scales.y.max] }; }] },
			}, [xs, ys, p50, p99], chartBox);
		} else {
			plot.scales.x.range = scales.x.range;
			plot.scales.y.range = scales.y.range;
			plot.setData([xs, ys, p50, p99]);
		}
	}

	function render() {
		const t = state.ticker;
		for (const [k] of fields) {
			const v = t ? t[k] : null;
			cells[k].textContent = v == null ? "—" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v);
		}
		draw();
	}

	let alive = true;
	const read = serialRuns(async () => {
		const d = await ctx.gql(READ, { n: CHART_TICKS });
		if (!alive) return;
		state.ticker = d.allTickers.nodes[0] ?? null;
		const rows = [...d.allTickTimes.nodes].reverse();
		const durations = rows.map((r) => r.durationMs);
		state.series = {
			tick: rows.map((r) => Number(r.tick)),
			durationMs: durations,
			p50Ms: rollingPercentile(durations, WINDOW, 0.5),
			p99Ms: rollingPercentile(durations, WINDOW, 0.99),
		};
		state.error = null;
		render();
		// uPlot draws in a microtask: count the read once it has
		await new Promise((r) => setTimeout(r, 0));
		state.reads++;
	}, (e) => {
		state.error = errorInfo(e);
		ctx.showError(e);
	}, () => alive);

	async function act(action) {
		// the entry is the page's last action from the press on
		const entry = { action, settled: false };
		state.lastAction = entry;
		const fail = (info) => {
			entry.error = info;
			result.dataset.ok = "false";
			result.textContent = `${action}: ${info.message}${info.code ? ` [${info.code}]` : ""}${info.hint ? ` -- hint: ${info.hint}` : ""}`;
		};
		let query, variables;
		if (action === "step") {
			const raw = stepN.value.trim();
			const n = /^-?[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
			entry.n = n;
			if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) {
				fail({ message: "the number of ticks must be a whole number", code: null, hint: null });
				entry.settled = true;
				return;
			}
			query = "mutation($n: Int!) { step(input: { n: $n }) { result } }";
			variables = { n };
		} else {
			query = `mutation { ${action}(input: {}) { clientMutationId } }`;
		}
		for (const b of buttons) b.disabled = true;
		try {
			const d = await ctx.gql(query, variables);
			entry.result = action === "step" ? Number(d.step.result) : null;
			result.dataset.ok = "true";
			result.textContent = action === "step" ? `step ${entry.n}: now at tick ${entry.result}` : `${action}: done`;
			ctx.showError(null);
		} catch (e) {
			fail(errorInfo(e));
			ctx.showError(e);
		} finally {
			for (const b of buttons) b.disabled = false;
		}
		await read();
		entry.settled = true;
	}

	const stop = ctx.onFeed(() => read());
	read();
	const onResize = () => plot && plot.setSize({ width: Math.max(300, chartBox.clientWidth), height: 320 });
	window.addEventListener("resize", onResize);

	return {
		unmount() {
			alive = false;
			stop();
			window.removeEventListener("resize", onResize);
			plot?.destroy();
		},
	};
}
