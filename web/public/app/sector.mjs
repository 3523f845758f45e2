// web/public/app/sector.mjs -- the sector view (#sector/ID): stations,
// bodies and ships of one sector drawn with WebGL (regl), ships moving
// smoothly between ticks; zoom (mouse wheel) and pan (drag); a click picks
// the nearest ship or station within PICK_PX pixels and shows its details.
//
// Where the ships come from:
//   - operators: the World the shell keeps from the live feed (this view
//     follows its sector: ctx.live.follow([id])).  A ship's position at any
//     tick, fractional ones included, is legPosition(ship, tick) of
//     web/public/lib/flight.mjs: a pure function of the flight plan the
//     delta carried, in float64.
//   - players and anonymous pages (fog of war, empty deltas): on each tick
//     message, api.ships_in_view over the whole sector (their own ships and
//     their contacts), or api.my_ships and api.contacts where the server has
//     no ships_in_view; positions are the current tick's, and between two
//     ticks a ship moves on the straight line from the one to the other.
// Stations and bodies: api.stations and api.bodies, once.  Colours:
// api.factions; a ship's brightness says its state (flying brightest).
//
// Drawing: ships are one point each in one draw call; their positions live
// in one Float32Array (3 floats a ship, km relative to the sector's centre,
// computed in float64 first) uploaded each frame something moved, their
// colours in one Uint8Array uploaded when the ship set changes.  Only the
// ships whose leg is under way between the two ticks shown are evaluated per
// frame.  Nothing is drawn when nothing changed.
//
// The displayed tick: after a tick message for tick T arrives, the view runs
// from T-1 to T over the measured interval between ticks (so it shows the
// last committed second, never a guess past it) and rests at T.
//
// The camera: top-down orthographic.  Its matrix (column-major, WebGL's
// convention, the one api.ships_in_view takes) maps a sector's km
// coordinates to clip space: x and y by zoom and pan, z squeezed so that no
// ship of the sector is clipped.
//
// window.simPage while mounted:
//   route "sector", sector (id), tick (the displayed tick), worldTick,
//   drawn (ships in the last frame drawn), shipIds() (ids of the ships drawn,
//   as Numbers), positionOf(id, tick = displayed) -> {x, y, z} in km (float64,
//   the value before the cast to float32 for the GPU) or null, pick(x, y)
//   (CSS pixels in the canvas) -> {kind: "ship"|"station", id} or null, also
//   showing its details, screenOf(id) -> {x, y} (CSS pixels in the canvas,
//   at the displayed tick), camera (the matrix of the last frame, 16
//   Numbers), applied (the
//   shell's log of applied feed messages), freeze(tick) / freeze(null) (hold
//   the displayed tick, for tests), selected, details (the text shown),
//   frames (frames drawn), frameMs {sum, max} (JavaScript time of the drawn
//   frames: moving the ships and issuing the draw calls), firstFullFrame (performance.now() of the first
//   frame that drew every ship of the first state or ships_in_view answer,
//   and drawn then), source ("world" or "api"), via (for "api": which
//   queries answered, "ships_in_view" or "my_ships+contacts").

import createREGL from "regl";
import { legPosition } from "../lib/flight.mjs";
import { errorText } from "./api.mjs";

const PICK_PX = 6;
const STATE_BRIGHTNESS = { flying: 1.0, undocking: 0.85, docking: 0.85, mining: 0.8, orbiting: 0.7, idle: 0.7, docked: 0.45 };

function hexColor(hex) {
	const m = /^#?([0-9a-f]{6})$/i.exec(hex ?? "");
	if (!m) return [160, 170, 190];
	const n = parseInt(m[1], 16);
	return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === "class") e.className = v;
		else e.setAttribute(k, v);
	}
	for (const c of children) e.append(c);
	return e;
}

function table(rows) {
	const t = el("table", { class: "details" });
	for (const [k, v] of rows) {
		t.append(el("tr", { "data-field": k }, el("th", {}, k), el("td", {}, v == null ? "–" : String(v))));
	}
	return t;
}

const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? "–" : v.toFixed(d));

export function mount(root, ctx) {
	const sectorId = ctx.params.id;
	const operator = ctx.session.role === "sim_operator";
	const view = el("div", { class: "view" });
	const canvas = el("canvas", { "aria-label": `sector ${sectorId}` });
	const overlay = el("div", { class: "overlay" }, "loading…");
	view.append(canvas, overlay);
	const side = el("aside", { class: "side" }, el("h2", {}, `Sector ${sectorId}`),
		el("p", { class: "help" }, "Wheel: zoom · drag: pan · click: details"),
		el("div", { class: "details-box" }));
	root.append(view, side);
	const detailsBox = side.querySelector(".details-box");

	let alive = true;
	let regl;
	try {
		regl = createREGL({ canvas, attributes: { antialias: false } });
	} catch (e) {
		overlay.textContent = `WebGL is not available: ${e.message}`;
		return { unmount() { root.replaceChildren(); } };
	}

	// ---------------------------------------------------------------- data
	const sector = { id: sectorId, x: 0, y: 0, z: 0, half: 1000, name: `Sector ${sectorId}` };
	const factions = new Map(); // id -> { name, rgb }
	let stations = []; // { id, name, kind, faction_id, x, y, z }
	let bodies = []; // { id, name, kind, x, y, z, radius }
	const stationNames = new Map();
	const bodyNames = new Map();

	// Ships drawn.  For "world": ships[i] is World's object (a flight plan);
	// for "api": { id, faction_id, class_id, state, x, y, z, px, py, pz }
	// (p*: the previous tick's position, to move from).
	const source = operator ? "world" : "api";
	let ships = [];
	let moving = new Int32Array(0); // indexes of ships under way in the shown interval
	let nMoving = 0;
	let movingPlans = []; // their plans, for shipPosition
	let pos = new Float32Array(0);
	let col = new Uint8Array(0);
	let posBuf = regl.buffer({ usage: "dynamic", type: "float", length: 4 });
	let colBuf = regl.buffer({ usage: "dynamic", type: "uint8", length: 4 });
	let bufCap = 0;
	let stationBuf = null, stationCol = null, nStations = 0;
	let bodyBuf = null, bodyCol = null, bodyRad = null, nBodies = 0;

	let worldTick = ctx.world.tick;
	let lastArrival = performance.now();
	let interval = 1000; // ms between ticks, measured
	let frozen = null;
	let dirty = true;
	let lastShown = NaN;
	let firstSet = null; // ships expected in the first full frame
	let apiGen = 0;

	const page = {
		route: "sector",
		sector: sectorId,
		tick: null,
		worldTick,
		drawn: 0,
		frames: 0,
		frameMs: { sum: 0, max: 0 },
		firstFullFrame: null,
		selected: null,
		details: "",
		source,
		via: null,
		get applied() {
			return ctx.applied;
		},
		camera: [],
		shipIds: () => ships.map((s) => Number(s.id)),
		positionOf: (id, tick = page.tick) => {
			const s = ships.find((x) => Number(x.id) === Number(id));
			if (!s) return null;
			const out = [0, 0, 0];
			shipPosition(s, tick, out);
			return { x: out[0], y: out[1], z: out[2] };
		},
		pick: (x, y) => pick(x, y),
		screenOf: (id) => {
			const q = page.positionOf(id);
			if (!q) return null;
			const [x, y] = toScreen(q.x, q.y, q.z, matrix(sector.x, sector.y, sector.z));
			return { x, y };
		},
		freeze: (tick) => {
			frozen = tick == null ? null : Number(tick);
			dirty = true;
			draw();
			return page.tick;
		},
	};
	window.simPage = page;

	// Absolute km position of ship s at tick t into out.
	function shipPosition(s, t, out) {
		if (source === "world") return legPosition(s, t, out);
		const f = Math.max(0, Math.min(1, t - (worldTick - 1)));
		out[0] = s.px + (s.x - s.px) * f;
		out[1] = s.py + (s.y - s.py) * f;
		out[2] = s.pz + (s.z - s.pz) * f;
		return out;
	}

	function displayedTick(now) {
		if (frozen !== null) return frozen;
		if (worldTick == null) return null;
		const f = Math.min(1, (now - lastArrival) / interval);
		return worldTick - 1 + f;
	}

	function ensureCapacity(n) {
		if (n <= bufCap) return;
		bufCap = Math.max(n, Math.ceil(bufCap * 1.5), 1024);
		posBuf.destroy();
		colBuf.destroy();
		posBuf = regl.buffer({ usage: "dynamic", type: "float", length: bufCap * 12 });
		colBuf = regl.buffer({ usage: "dynamic", type: "uint8", length: bufCap * 4 });
		pos = new Float32Array(bufCap * 3);
		col = new Uint8Array(bufCap * 4);
	}

	const stateName = (s) => (source === "world" ? ctx.world.label("ship", "state", s.state) : s.state);
	const GREY = [160, 170, 190];

	// The ship set changed (a feed message, an API answer): colours, which
	// ships move, every position at the shown tick.
	function rebuild() {
		const n = ships.length;
		ensureCapacity(n);
		const brightness = new Map(); // state (code or name) -> brightness
		for (let i = 0; i < n; i++) {
			const s = ships[i];
			const rgb = factions.get(Number(s.faction_id))?.rgb ?? GREY;
			let b = brightness.get(s.state);
			if (b === undefined) brightness.set(s.state, (b = STATE_BRIGHTNESS[stateName(s)] ?? 0.7));
			// the faction's colour lifted towards white, so dark ones show
			col[4 * i] = (96 + 0.625 * rgb[0]) * b;
			col[4 * i + 1] = (96 + 0.625 * rgb[1]) * b;
			col[4 * i + 2] = (96 + 0.625 * rgb[2]) * b;
			col[4 * i + 3] = 255;
		}
		colBuf.subdata(col.subarray(0, 4 * n));
		// under way somewhere in (T-1, T]: evaluated every frame, from a
		// plain copy of the plan (fixed shape, no getters)
		const idx = new Int32Array(n);
		const plans = [];
		let m = 0;
		const t1 = worldTick ?? 0;
		for (let i = 0; i < n; i++) {
			const s = ships[i];
			if (source === "world") {
				const start = Number(s.leg_start_tick);
				const dur = s.t_burn + s.t_coast + s.t_brake;
				if (t1 - start > 0 && t1 - 1 - start < dur) {
					idx[m++] = i;
					plans.push({ x: s.x, y: s.y, z: s.z, dir_x: s.dir_x, dir_y: s.dir_y, dir_z: s.dir_z, accel: s.accel,
						t_burn: s.t_burn, t_coast: s.t_coast, t_brake: s.t_brake, leg_start_tick: start });
				}
			} else if (s.x !== s.px || s.y !== s.py || s.z !== s.pz) {
				idx[m++] = i;
				plans.push(s);
			}
		}
		moving = idx;
		movingPlans = plans;
		nMoving = m;
		const t = displayedTick(performance.now()) ?? t1;
		const out = [0, 0, 0];
		for (let i = 0; i < n; i++) {
			shipPosition(ships[i], t, out);
			pos[3 * i] = out[0] - sector.x;
			pos[3 * i + 1] = out[1] - sector.y;
			pos[3 * i + 2] = out[2] - sector.z;
		}
		posBuf.subdata(pos.subarray(0, 3 * n));
		lastShown = t;
		dirty = true;
	}

	let haveState = false; // a state of this sector arrived
	function fromWorld() {
		worldTick = ctx.world.tick;
		ships = ctx.world.shipsInSector(sectorId);
		if (firstSet === null && haveState) firstSet = ships.length;
		rebuild();
	}

	async function fromApi() {
		const gen = ++apiGen;
		const t = ctx.world.tick;
		let rows;
		try {
			rows = await playerShips();
		} catch (e) {
			if (alive) ctx.showError(e);
			return;
		}
		if (!alive || gen !== apiGen) return;
		const prev = new Map(ships.map((s) => [Number(s.id), s]));
		ships = rows.map((r) => {
			const p = prev.get(Number(r.id));
			const s = { ...r };
			s.px = p ? p.x : r.x;
			s.py = p ? p.y : r.y;
			s.pz = p ? p.z : r.z;
			return s;
		});
		worldTick = t ?? worldTick;
		if (firstSet === null) firstSet = ships.length;
		rebuild();
	}

	// The player's ships and contacts in this sector at the current tick.
	let haveShipsInView = true;
	async function playerShips() {
		if (ctx.session.role !== "sim_player") return [];
		if (haveShipsInView) {
			try {
				const d = await ctx.gql(`query($m: [Float]!, $s: Int!) { shipsInView(viewProjection: $m, sector: $s) {
					nodes { id factionId classId sectorId state x y z } } }`, { m: wholeSectorMatrix(), s: sectorId });
				page.via = "ships_in_view";
				return d.shipsInView.nodes.map((n) => ({ id: Number(n.id), faction_id: n.factionId, class_id: n.classId, state: n.state, x: n.x, y: n.y, z: n.z }));
			} catch (e) {
				if (!/shipsInView|Cannot query field/i.test(e.message)) throw e;
				haveShipsInView = false;
			}
		}
		page.via = "my_ships+contacts";
		const d = await ctx.gql(`{ allMyShips { nodes { rowId classId state sectorId x y z } }
		                           allMyWallets { nodes { factionId } }
		                           allContacts { nodes { rowId factionId classId sectorId state x y z } } }`);
		const mine = d.allMyWallets.nodes[0]?.factionId ?? null;
		const out = [];
		for (const n of d.allMyShips.nodes) {
			if (Number(n.sectorId) === sectorId) out.push({ id: Number(n.rowId), faction_id: mine, class_id: n.classId, state: n.state, x: n.x, y: n.y, z: n.z });
		}
		for (const n of d.allContacts.nodes) {
			if (Number(n.sectorId) === sectorId) out.push({ id: Number(n.rowId), faction_id: n.factionId, class_id: n.classId, state: n.state, x: n.x, y: n.y, z: n.z });
		}
		return out;
	}

	// ---------------------------------------------------------------- camera
	const cam = { cx: 0, cy: 0, scale: 1 }; // centre (km from the sector's), px per km
	let W = 1, H = 1, dpr = 1;

	function fitCamera() {
		cam.cx = 0;
		cam.cy = 0;
		cam.scale = Math.min(W, H) / (2.1 * sector.half);
	}

	// column-major matrix from km relative to (ox, oy, oz) to clip space
	function matrix(ox, oy, oz) {
		const a = (2 * cam.scale) / W, b = (2 * cam.scale) / H, c = 1 / (4 * sector.half);
		return [a, 0, 0, 0, 0, b, 0, 0, 0, 0, c, 0, -(ox + cam.cx) * a, -(oy + cam.cy) * b, -oz * c, 1];
	}

	function wholeSectorMatrix() {
		const h = sector.half * 1.5; // a little beyond the cube: ships leaving by a gate
		return [1 / h, 0, 0, 0, 0, 1 / h, 0, 0, 0, 0, 1 / h, 0, -sector.x / h, -sector.y / h, -sector.z / h, 1];
	}

	function resize() {
		const r = canvas.getBoundingClientRect();
		dpr = window.devicePixelRatio || 1;
		const w = Math.max(1, Math.round(r.width)), h = Math.max(1, Math.round(r.height));
		const first = W === 1 && H === 1;
		W = w;
		H = h;
		canvas.width = Math.round(w * dpr);
		canvas.height = Math.round(h * dpr);
		if (first) fitCamera();
		dirty = true;
	}

	// ---------------------------------------------------------------- drawing
	const drawPoints = regl({
		vert: `
		precision highp float;
		attribute vec3 position;
		attribute vec4 color;
		uniform mat4 m;
		uniform float size;
		varying vec4 vColor;
		void main() {
			gl_Position = m * vec4(position, 1.0);
			gl_PointSize = size;
			vColor = color;
		}`,
		frag: `
		precision mediump float;
		varying vec4 vColor;
		void main() { gl_FragColor = vColor; }`,
		attributes: {
			position: { buffer: regl.prop("pos"), size: 3 },
			color: { buffer: regl.prop("col"), size: 4, normalized: true },
		},
		uniforms: { m: regl.prop("m"), size: regl.prop("size") },
		count: regl.prop("count"),
		primitive: "points",
		depth: { enable: false },
	});

	const drawDiscs = regl({
		vert: `
		precision highp float;
		attribute vec3 position;
		attribute vec4 color;
		attribute float radius;
		uniform mat4 m;
		uniform float pxPerKm;
		varying vec4 vColor;
		void main() {
			gl_Position = m * vec4(position, 1.0);
			gl_PointSize = clamp(2.0 * radius * pxPerKm, 3.0, 64.0);
			vColor = color;
		}`,
		frag: `
		precision mediump float;
		varying vec4 vColor;
		void main() {
			vec2 d = gl_PointCoord - vec2(0.5);
			if (dot(d, d) > 0.25) discard;
			gl_FragColor = vColor;
		}`,
		attributes: {
			position: { buffer: regl.prop("pos"), size: 3 },
			color: { buffer: regl.prop("col"), size: 4, normalized: true },
			radius: { buffer: regl.prop("rad"), size: 1 },
		},
		uniforms: { m: regl.prop("m"), pxPerKm: regl.prop("pxPerKm") },
		count: regl.prop("count"),
		primitive: "points",
		depth: { enable: false },
		blend: { enable: true, func: { src: "src alpha", dst: "one minus src alpha" } },
	});

	const drawRing = regl({
		vert: `
		precision highp float;
		uniform vec3 position;
		uniform mat4 m;
		uniform float size;
		void main() {
			gl_Position = m * vec4(position, 1.0);
			gl_PointSize = size;
		}`,
		frag: `
		precision mediump float;
		void main() {
			float r = length(gl_PointCoord - vec2(0.5));
			if (r > 0.5 || r < 0.36) discard;
			gl_FragColor = vec4(1.0, 0.85, 0.3, 1.0);
		}`,
		attributes: { dummy: [0] },
		uniforms: { position: regl.prop("position"), m: regl.prop("m"), size: regl.prop("size") },
		count: 1,
		primitive: "points",
		depth: { enable: false },
	});

	// The selected ship or station, relative to the sector's centre, at t.
	function selectedAt(t) {
		const sel = page.selected;
		if (!sel) return null;
		if (sel.kind === "station") {
			const st = stations.find((x) => x.id === sel.id);
			return st ? [st.x - sector.x, st.y - sector.y, st.z - sector.z] : null;
		}
		const s = ships.find((x) => Number(x.id) === sel.id);
		if (!s) return null;
		const out = [0, 0, 0];
		shipPosition(s, t, out);
		return [out[0] - sector.x, out[1] - sector.y, out[2] - sector.z];
	}

	function draw() {
		if (!alive) return;
		const now = performance.now();
		const t = displayedTick(now);
		page.tick = t;
		page.worldTick = worldTick;
		if (t !== lastShown && t !== null) {
			// move the ships under way to t
			const out = [0, 0, 0];
			for (let k = 0; k < nMoving; k++) {
				const i = moving[k];
				shipPosition(movingPlans[k], t, out);
				pos[3 * i] = out[0] - sector.x;
				pos[3 * i + 1] = out[1] - sector.y;
				pos[3 * i + 2] = out[2] - sector.z;
			}
			if (nMoving > 0) posBuf.subdata(pos.subarray(0, 3 * ships.length));
			lastShown = t;
			dirty = true;
		}
		if (!dirty) return;
		dirty = false;
		regl.poll();
		regl.clear({ color: [0.043, 0.055, 0.078, 1], depth: 1 });
		const m = matrix(0, 0, 0);
		page.camera = matrix(sector.x, sector.y, sector.z);
		if (nBodies > 0) drawDiscs({ pos: bodyBuf, col: bodyCol, rad: bodyRad, count: nBodies, m, pxPerKm: cam.scale * dpr });
		if (nStations > 0) drawPoints({ pos: stationBuf, col: stationCol, count: nStations, m, size: 7 * dpr });
		if (ships.length > 0) drawPoints({ pos: posBuf, col: colBuf, count: ships.length, m, size: 3 * dpr });
		const ring = selectedAt(t ?? worldTick ?? 0);
		if (ring) drawRing({ position: ring, m, size: 16 * dpr });
		page.drawn = ships.length;
		page.frames++;
		const ms = performance.now() - now;
		page.frameMs.sum += ms;
		if (ms > page.frameMs.max) page.frameMs.max = ms;
		if (page.firstFullFrame === null && firstSet !== null && ships.length >= firstSet) {
			page.firstFullFrame = { at: now, drawn: ships.length };
		}
		overlay.textContent = `tick ${t === null ? "…" : t.toFixed(2)} · ${ships.length} ships${source === "api" ? " (yours and your contacts)" : ""} · ${(cam.scale * 1000).toFixed(3)} px/1000 km`;
	}

	let raf = 0;
	function loop() {
		if (!alive) return;
		try {
			draw();
		} catch (e) {
			console.error("sim: sector frame failed", e);
		}
		raf = requestAnimationFrame(loop);
	}

	// ---------------------------------------------------------------- picking
	function toScreen(ax, ay, az, m = matrix(sector.x, sector.y, sector.z)) {
		const cx = m[0] * ax + m[4] * ay + m[8] * az + m[12];
		const cy = m[1] * ax + m[5] * ay + m[9] * az + m[13];
		return [((cx + 1) / 2) * W, ((1 - cy) / 2) * H];
	}

	function pick(x, y) {
		let best = null;
		let bestD = PICK_PX * PICK_PX;
		const t = page.tick ?? worldTick;
		const out = [0, 0, 0];
		for (const s of ships) {
			shipPosition(s, t, out);
			const [sx, sy] = toScreen(out[0], out[1], out[2]);
			const d = (sx - x) ** 2 + (sy - y) ** 2;
			if (d < bestD) {
				bestD = d;
				best = { kind: "ship", id: Number(s.id) };
			}
		}
		for (const st of stations) {
			const [sx, sy] = toScreen(st.x, st.y, st.z);
			const d = (sx - x) ** 2 + (sy - y) ** 2;
			if (d < bestD) {
				bestD = d;
				best = { kind: "station", id: st.id };
			}
		}
		page.selected = best;
		dirty = true;
		showDetails(best);
		return best;
	}

	let detailsGen = 0;
	function setDetails(title, rows, extra = null) {
		detailsBox.replaceChildren(el("h3", {}, title), table(rows));
		if (extra) detailsBox.append(extra);
		page.details = detailsBox.innerText;
	}

	async function showDetails(sel) {
		const gen = ++detailsGen;
		if (!sel) {
			detailsBox.replaceChildren();
			page.details = "";
			return;
		}
		if (sel.kind === "station") {
			const st = stations.find((s) => s.id === sel.id);
			setDetails(`Station ${st.name}`, [["id", st.id], ["kind", st.kind], ["faction", factions.get(st.faction_id)?.name ?? st.faction_id]]);
			try {
				const d = await ctx.gql(`query($s: Int!) { allMarkets(condition: { stationId: $s }) { nodes { goodId good stock target bid ask } } }`, { s: st.id });
				if (gen !== detailsGen || !alive) return;
				const t = el("table", { class: "market" }, el("tr", {}, el("th", {}, "good"), el("th", { class: "num" }, "stock"),
					el("th", { class: "num" }, "bid"), el("th", { class: "num" }, "ask")));
				for (const n of d.allMarkets.nodes) {
					t.append(el("tr", { "data-good": n.goodId }, el("td", {}, n.good), el("td", { class: "num" }, String(n.stock)),
						el("td", { class: "num" }, String(n.bid)), el("td", { class: "num" }, String(n.ask))));
				}
				setDetails(`Station ${st.name}`, [["id", st.id], ["kind", st.kind], ["faction", factions.get(st.faction_id)?.name ?? st.faction_id]],
					el("div", {}, el("h3", {}, "Market"), t));
			} catch (e) {
				if (gen === detailsGen) detailsBox.append(el("p", { class: "error" }, errorText(e)));
			}
			return;
		}
		const s = ships.find((x) => Number(x.id) === sel.id);
		if (!s) return;
		const p = [0, 0, 0];
		shipPosition(s, page.tick ?? worldTick, p);
		const faction = factions.get(Number(s.faction_id))?.name ?? s.faction_id;
		const rows = [["id", sel.id], ["state", stateName(s)], ["faction", faction], ["class", s.class_id],
			["position", `${fmt(p[0])}, ${fmt(p[1])}, ${fmt(p[2])} km`]];
		if (source === "world") {
			const dur = s.t_burn + s.t_coast + s.t_brake;
			const end = [0, 0, 0];
			legPosition(s, Number(s.leg_start_tick) + dur, end);
			rows.push(["docked at", s.docked_at == null ? null : stationNames.get(Number(s.docked_at)) ?? s.docked_at]);
			rows.push(["body", s.body_id == null ? null : bodyNames.get(Number(s.body_id)) ?? s.body_id]);
			rows.push(["destination", dur > 0 ? `${fmt(end[0])}, ${fmt(end[1])}, ${fmt(end[2])} km` : null]);
			rows.push(["arrival tick", s.arrival_tick]);
			rows.push(["fuel", fmt(s.fuel)]);
			const cargo = [];
			for (const c of ctx.world.cargo.values()) if (Number(c.ship_id) === sel.id && c.qty > 0) cargo.push(`${c.good_id}: ${c.qty}`);
			rows.push(["cargo", cargo.length ? cargo.join(", ") : null]);
			setDetails(`Ship ${sel.id}`, rows);
			return;
		}
		setDetails(`Ship ${sel.id}`, rows);
		if (ctx.session.role !== "sim_player") return;
		try {
			const d = await ctx.gql(`{ allMyShips { nodes { rowId name destKind destId arrivalTick cargo cargoCapacity fuel } } }`);
			if (gen !== detailsGen || !alive) return;
			const mine = d.allMyShips.nodes.find((n) => Number(n.rowId) === sel.id);
			if (mine) {
				rows.push(["name", mine.name], ["destination", mine.destKind ? `${mine.destKind} ${mine.destId ?? ""}` : null],
					["arrival tick", mine.arrivalTick], ["cargo", `${mine.cargo} / ${mine.cargoCapacity}`], ["fuel", fmt(mine.fuel)]);
				setDetails(`Ship ${sel.id}`, rows);
			}
		} catch (e) {
			if (gen === detailsGen) detailsBox.append(el("p", { class: "error" }, errorText(e)));
		}
	}

	// ---------------------------------------------------------------- input
	let drag = null;
	canvas.addEventListener("wheel", (e) => {
		e.preventDefault();
		const r = canvas.getBoundingClientRect();
		const mx = e.clientX - r.left, my = e.clientY - r.top;
		// the km under the cursor stays under it
		const kx = cam.cx + (mx - W / 2) / cam.scale, ky = cam.cy - (my - H / 2) / cam.scale;
		cam.scale *= Math.exp(-e.deltaY * 0.0015);
		cam.cx = kx - (mx - W / 2) / cam.scale;
		cam.cy = ky + (my - H / 2) / cam.scale;
		dirty = true;
	}, { passive: false });
	canvas.addEventListener("pointerdown", (e) => {
		drag = { x: e.clientX, y: e.clientY, cx: cam.cx, cy: cam.cy, moved: false };
		canvas.setPointerCapture(e.pointerId);
	});
	canvas.addEventListener("pointermove", (e) => {
		if (!drag) return;
		const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
		if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
		cam.cx = drag.cx - dx / cam.scale;
		cam.cy = drag.cy + dy / cam.scale;
		dirty = true;
	});
	canvas.addEventListener("pointerup", (e) => {
		const d = drag;
		drag = null;
		if (d && !d.moved) {
			const r = canvas.getBoundingClientRect();
			pick(e.clientX - r.left, e.clientY - r.top);
		}
	});
	const ro = new ResizeObserver(resize);
	ro.observe(canvas);

	// ---------------------------------------------------------------- feed
	const stopFeed = ctx.onFeed(({ type, header }) => {
		const now = performance.now();
		if (type === "state" && (header.sectors == null || header.sectors.includes(sectorId))) haveState = true;
		if (type === "tick") {
			const gap = now - lastArrival;
			if (gap > 20 && gap < 10000) interval = Math.max(50, Math.min(5000, 0.7 * interval + 0.3 * gap));
		}
		lastArrival = now;
		if (source === "world") fromWorld();
		else fromApi();
	});

	// ---------------------------------------------------------------- start
	(async () => {
		try {
			const d = await ctx.gql(`query($s: Int!) {
				allSectors { nodes { rowId name x y z halfSize } }
				allFactions { nodes { rowId name color } }
				allStations(condition: { sectorId: $s }) { nodes { rowId name kind factionId x y z } }
				allBodies(condition: { sectorId: $s }) { nodes { rowId name kind x y z radius } } }`, { s: sectorId });
			if (!alive) return;
			const sec = d.allSectors.nodes.find((n) => Number(n.rowId) === sectorId);
			if (!sec) {
				ctx.showError(new Error(`there is no sector ${sectorId}`));
				overlay.textContent = `no sector ${sectorId}`;
				return;
			}
			Object.assign(sector, { x: sec.x, y: sec.y, z: sec.z, half: sec.halfSize || 1000, name: sec.name });
			side.querySelector("h2").textContent = `${sec.name} (sector ${sectorId})`;
			for (const f of d.allFactions.nodes) factions.set(Number(f.rowId), { name: f.name, rgb: hexColor(f.color) });
			stations = d.allStations.nodes.map((n) => ({ id: Number(n.rowId), name: n.name, kind: n.kind, faction_id: n.factionId, x: n.x, y: n.y, z: n.z }));
			bodies = d.allBodies.nodes.map((n) => ({ id: Number(n.rowId), name: n.name, kind: n.kind, x: n.x, y: n.y, z: n.z, radius: n.radius }));
			for (const s of stations) stationNames.set(s.id, s.name);
			for (const b of bodies) bodyNames.set(b.id, b.name);
			nStations = stations.length;
			stationBuf = regl.buffer(new Float32Array(stations.flatMap((s) => [s.x - sector.x, s.y - sector.y, s.z - sector.z])));
			stationCol = regl.buffer({ type: "uint8", data: new Uint8Array(stations.flatMap((s) => [...(factions.get(s.faction_id)?.rgb ?? [255, 255, 255]), 255])) });
			nBodies = bodies.length;
			const bodyRgb = { star: [255, 220, 120, 150], planet: [90, 140, 200, 110], moon: [150, 150, 160, 110], asteroid_field: [120, 100, 80, 60], asteroid: [140, 120, 100, 120] };
			bodyBuf = regl.buffer(new Float32Array(bodies.flatMap((b) => [b.x - sector.x, b.y - sector.y, b.z - sector.z])));
			bodyCol = regl.buffer({ type: "uint8", data: new Uint8Array(bodies.flatMap((b) => bodyRgb[b.kind] ?? [120, 120, 120, 160])) });
			bodyRad = regl.buffer(new Float32Array(bodies.map((b) => b.radius ?? 1)));
			resize();
			fitCamera();
			// the feed may have brought this sector before the catalogue came
			if (source === "world") {
				if (ctx.world.tick != null && ctx.applied.length > 0) fromWorld();
			} else {
				fromApi();
			}
			dirty = true;
		} catch (e) {
			if (alive) {
				ctx.showError(e);
				overlay.textContent = errorText(e);
			}
		}
	})();
	ctx.live.follow(operator ? [sectorId] : []);
	resize();
	loop();

	return {
		unmount() {
			alive = false;
			cancelAnimationFrame(raf);
			stopFeed();
			ro.disconnect();
			try {
				regl.destroy();
			} catch {
				// the context may be gone already
			}
			root.replaceChildren();
		},
	};
}
