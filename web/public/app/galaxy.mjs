// web/public/app/galaxy.mjs -- the galaxy view (#galaxy): sectors and jump
// gates as a graph in SVG, with live counts; a click on a sector opens
// #sector/ID.
//
// Data: api.sectors and api.jump_gates over GraphQL, once.  Layout: the
// sectors' centres (x, y) scaled into the view when they are not all in one
// point, else a circle in id order -- either way a pure function of the rows.
// Live counts, on every "state" and "tick" message the shell applied:
//   - everyone: the tick, and from the tick message's summary (the sim_tick
//     payload) the universe's trades and changes of the last tick, and per
//     sector how many of the last 20 ticks touched it (its `sectors` list);
//   - operators: ships per sector from the World (the galaxy follows every
//     sector: ctx.live.follow(null)) and trades per sector of the last tick
//     (World's trades of the last delta).
// Players and anonymous pages follow no sector here (their deltas are empty).
//
// window.simPage while mounted: { route: "galaxy", tick, sectors: [{ id,
// name, x, y (px in the SVG), ships (operators, else null), trades,
// touched }], gates: [[a, b]...], lastSummary }.

const SVGNS = "http://www.w3.org/2000/svg";
const RECENT = 20;

function svg(tag, attrs = {}) {
	const e = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
	return e;
}

// Moves apart, in place, the positions closer than minGap px (each pair
// pushed along the line between them, half each way, coincident ones along
// a direction from their ids), for a fixed number of rounds, keeping them in
// [pad, w - pad] x [pad, h - pad]: sectors whose centres nearly coincide get
// nodes and labels of their own.  Deterministic: the same rows give the same
// picture.
function spread(out, w, h, pad, minGap) {
	const ids = [...out.keys()].sort((a, b) => a - b);
	for (let round = 0; round < 200; round++) {
		let moved = false;
		for (let i = 0; i < ids.length; i++) {
			for (let j = i + 1; j < ids.length; j++) {
				const a = out.get(ids[i]), b = out.get(ids[j]);
				let dx = b.x - a.x, dy = b.y - a.y;
				let d = Math.hypot(dx, dy);
				if (d >= minGap) continue;
				if (d < 1e-6) {
					const ang = ((ids[i] * 7 + ids[j] * 13) % 360) * (Math.PI / 180);
					dx = Math.cos(ang);
					dy = Math.sin(ang);
					d = 1;
				}
				const push = (minGap - d) / 2 / d;
				a.x -= dx * push; a.y -= dy * push;
				b.x += dx * push; b.y += dy * push;
				moved = true;
			}
		}
		for (const p of out.values()) {
			p.x = Math.min(w - pad, Math.max(pad, p.x));
			p.y = Math.min(h - pad, Math.max(pad, p.y));
		}
		if (!moved) break;
	}
	return out;
}

// Positions in [pad, w - pad] x [pad, h - pad] for the sectors, from their
// centres or, when those do not spread, on a circle in id order; then
// spread so that no two nodes are closer than 90 px (fewer when that many
// cannot fit).
export function layout(sectors, w, h, pad = 60) {
	const gap = Math.min(90, Math.sqrt(((w - 2 * pad) * (h - 2 * pad)) / Math.max(1, sectors.length)) * 0.8);
	return spread(place(sectors, w, h, pad), w, h, pad, gap);
}

function place(sectors, w, h, pad) {
	const out = new Map();
	const xs = sectors.map((s) => s.x);
	const ys = sectors.map((s) => s.y);
	const finite = sectors.every((s) => Number.isFinite(s.x) && Number.isFinite(s.y));
	const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
	if (finite && sectors.length > 1 && (maxX > minX || maxY > minY)) {
		const span = Math.max(maxX - minX, maxY - minY);
		const sc = Math.min(w - 2 * pad, h - 2 * pad) / span;
		const ox = (w - (maxX - minX) * sc) / 2, oy = (h - (maxY - minY) * sc) / 2;
		for (const s of sectors) out.set(s.id, { x: ox + (s.x - minX) * sc, y: h - (oy + (s.y - minY) * sc) });
		return out;
	}
	const sorted = [...sectors].sort((a, b) => a.id - b.id);
	const r = Math.min(w, h) / 2 - pad;
	sorted.forEach((s, i) => {
		const a = (2 * Math.PI * i) / Math.max(1, sorted.length) - Math.PI / 2;
		out.set(s.id, { x: w / 2 + r * Math.cos(a), y: h / 2 + r * Math.sin(a) });
	});
	return out;
}

export function mount(root, ctx) {
	const operator = ctx.session.role === "sim_operator";
	const view = document.createElement("div");
	view.className = "view";
	const side = document.createElement("aside");
	side.className = "side";
	side.innerHTML = `<h2>Galaxy</h2><p class="tick">tick …</p><p class="summary"></p>
		<table class="sectors"><thead><tr><th>sector</th>${operator ? '<th class="num">ships</th>' : ""}<th class="num">trades</th><th class="num">active</th></tr></thead><tbody></tbody></table>
		<p class="hint">${operator ? "Ship counts from the live feed." : "Log in as an operator for ship counts; players see their own ships in the sector view and the console."}</p>`;
	root.append(view, side);
	const W = 1000, H = 700;
	const canvas = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "xMidYMid meet", role: "img", "aria-label": "sectors and jump gates" });
	view.append(canvas);

	const state = {
		route: "galaxy",
		tick: ctx.world.tick,
		sectors: [],
		gates: [],
		lastSummary: null,
	};
	const bySector = new Map();
	const touchedAt = new Map(); // sector -> ticks (recent) that touched it
	let alive = true;
	window.simPage = state;

	if (operator) ctx.live.follow(null);
	else ctx.live.follow([]);

	function render() {
		const tickEl = side.querySelector(".tick");
		tickEl.textContent = `tick ${ctx.world.tick ?? "…"}`;
		state.tick = ctx.world.tick;
		const s = state.lastSummary;
		side.querySelector(".summary").textContent = s
			? `last tick: ${s.changes?.trade ?? 0} trades, ${s.changes_total ?? 0} changes, ${s.ships_in_flight ?? "?"} ships in flight`
			: "";
		const tbody = side.querySelector("tbody");
		tbody.replaceChildren();
		for (const sec of state.sectors) {
			const tr = document.createElement("tr");
			tr.dataset.sector = sec.id;
			const cells = [sec.name];
			if (operator) cells.push(sec.ships ?? 0);
			cells.push(sec.trades, sec.touched);
			cells.forEach((c, i) => {
				const td = document.createElement("td");
				td.textContent = String(c);
				if (i > 0) td.className = "num";
				tr.append(td);
			});
			tr.style.cursor = "pointer";
			tr.addEventListener("click", () => ctx.navigate(`#sector/${sec.id}`));
			tbody.append(tr);
			const node = bySector.get(sec.id);
			if (node) {
				node.count.textContent = operator ? `${sec.ships ?? 0} ships · ${sec.trades} trades` : `active ${sec.touched}/${RECENT}`;
				node.circle.setAttribute("r", String(14 + Math.min(16, Math.sqrt(operator ? sec.ships ?? 0 : sec.touched * 10))));
			}
		}
	}

	function count() {
		const t = Number(ctx.world.tick ?? 0);
		const tradesBy = new Map();
		if (operator) for (const tr of ctx.world.trades ?? []) tradesBy.set(tr.sector, (tradesBy.get(tr.sector) ?? 0) + 1);
		for (const sec of state.sectors) {
			if (operator) sec.ships = ctx.world.sectorShips?.get(sec.id)?.size ?? 0;
			sec.trades = tradesBy.get(sec.id) ?? 0;
			const ticks = touchedAt.get(sec.id) ?? [];
			sec.touched = ticks.filter((k) => k > t - RECENT).length;
		}
	}

	const stop = ctx.onFeed(({ type, header }) => {
		if (type === "tick") {
			state.lastSummary = header.summary ?? null;
			const touched = header.summary?.sectors ?? [];
			for (const id of touched) {
				const a = touchedAt.get(id) ?? [];
				a.push(Number(header.to_tick));
				while (a.length > RECENT) a.shift();
				touchedAt.set(id, a);
			}
		}
		count();
		render();
	});

	ctx.gql(`{ allSectors { nodes { rowId name x y z halfSize security } }
	           allJumpGates { nodes { rowId sectorA sectorB } } }`).then((data) => {
		if (!alive) return;
		const sectors = data.allSectors.nodes.map((n) => ({ id: Number(n.rowId), name: n.name, x: n.x, y: n.y, security: n.security }));
		const pos = layout(sectors, W, H);
		state.gates = data.allJumpGates.nodes.map((g) => [Number(g.sectorA), Number(g.sectorB)]);
		for (const [a, b] of state.gates) {
			const p = pos.get(a), q = pos.get(b);
			if (p && q) canvas.append(svg("line", { class: "galaxy-gate", x1: p.x, y1: p.y, x2: q.x, y2: q.y }));
		}
		for (const s of sectors) {
			const p = pos.get(s.id);
			const g = svg("g", { class: "galaxy-node", "data-sector": s.id, transform: `translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})`, tabindex: "0" });
			const circle = svg("circle", { r: 16 });
			const label = svg("text", { y: -22, "text-anchor": "middle" });
			label.textContent = s.name;
			const cnt = svg("text", { class: "count", y: 32, "text-anchor": "middle" });
			g.append(circle, label, cnt);
			g.addEventListener("click", () => ctx.navigate(`#sector/${s.id}`));
			g.addEventListener("keydown", (e) => e.key === "Enter" && ctx.navigate(`#sector/${s.id}`));
			canvas.append(g);
			bySector.set(s.id, { circle, count: cnt });
			state.sectors.push({ id: s.id, name: s.name, x: p.x, y: p.y, ships: operator ? 0 : null, trades: 0, touched: 0 });
		}
		count();
		render();
	}).catch((e) => alive && ctx.showError(e));

	return {
		unmount() {
			alive = false;
			stop();
			root.replaceChildren();
		},
	};
}
