// web/public/app/console.mjs -- the player console (#console): the calling
// player's wallet, ships, cargo and contacts, and a form that issues the
// commands navigate, dock, undock, mine, buy and sell through GraphQL.
//
// Data (GraphQL, as the session's player): api.my_wallet, api.my_ships,
// api.my_cargo and api.contacts (fog of war: other ships only within the
// sensor range of the player's own), read at mount, after every command and
// on every "state" and "tick" message the shell applied (a player's feed
// carries the tick, not the ships); reads never overlap -- one asked for
// while another runs is made once it ends.  The catalogues the form offers
// (api.stations, api.bodies, api.goods) are read once.  The page follows no
// sector (ctx.live.follow([])): it needs the feed's ticks only.
//
// Commands: the form's action decides which GraphQL mutation runs and which
// fields it sends: navigate (destination station:ID, body:ID or point:X,Y,Z;
// mode drift, cruise or burn), dock (station), undock, mine (body, or none:
// the one the ship orbits), buy and sell (good, qty, an optional price
// limit).  Every API error is shown with its SQLSTATE and hint, in the
// page's result line and in the shell's message bar.
//
// window.simPage while mounted: { route: "console", player (the session's
// playerId), tick (of the last read), wallet ({ credits, ... } or null),
// ships ([{ rowId, state, arrivalTick, destKind, destId, pendingCommand,
// ... }] as api.my_ships), contacts, cargo, reads (reads completed),
// lastCommand ({ action, variables, result } or { action, variables, error:
// { message, code, hint } }; settled: true once a read made after it has
// completed), error (the last read's error, or null) }.

import { el, errorInfo, serialRuns } from "./dom.mjs";

const MODES = ["cruise", "drift", "burn"];
const ACTIONS = ["navigate", "undock", "dock", "mine", "buy", "sell"];

const READ = `{
  allMyWallets { nodes { playerId player factionId faction credits } }
  allMyShips(orderBy: ROW_ID_ASC) { nodes { rowId name class state sectorId dockedAt bodyId tick x y z speed
    destKind destId arrivalTick fuel fuelCapacity cargo cargoCapacity pendingCommand } }
  allMyCargos { nodes { shipId goodId good qty } }
  allContacts(orderBy: DISTANCE_ASC, first: 200) { nodes { rowId factionId classId sectorId state distance seenBy } }
}`;

const CATALOGUE = `{
  allStations(orderBy: ROW_ID_ASC) { nodes { rowId name sectorId } }
  allBodies(orderBy: ROW_ID_ASC) { nodes { rowId name kind sectorId } }
  allGoods(orderBy: ROW_ID_ASC) { nodes { rowId name } }
}`;

// The GraphQL mutation of an action and its variables from the form's
// values; throws Error for a value the form cannot send.
export function commandOf(action, f) {
	const ship = String(f.ship ?? "");
	if (!/^[0-9]+$/.test(ship)) throw new Error("choose one of your ships");
	const int = (v, what) => {
		if (!/^-?[0-9]+$/.test(String(v ?? "").trim())) throw new Error(`${what} must be a whole number`);
		return String(v).trim();
	};
	switch (action) {
		case "navigate": {
			let destination;
			if (f.destKind === "point") {
				const xyz = [f.x, f.y, f.z].map((v) => Number(String(v ?? "").trim()));
				if (xyz.some((v) => !Number.isFinite(v)) || [f.x, f.y, f.z].some((v) => String(v ?? "").trim() === "")) {
					throw new Error("a point needs x, y and z in km");
				}
				destination = `point:${xyz.join(",")}`;
			} else if (f.destKind === "station" || f.destKind === "body") {
				destination = `${f.destKind}:${int(f.destId, f.destKind)}`;
			} else {
				throw new Error("the destination is a station, a body or a point");
			}
			return {
				query: `mutation($ship: BigInt!, $destination: String!, $mode: String) {
  navigate(input: { ship: $ship, destination: $destination, mode: $mode }) { result { commandId startTick arrivalTick fuel legs } } }`,
				variables: { ship, destination, mode: MODES.includes(f.mode) ? f.mode : "cruise" },
			};
		}
		case "undock":
			return { query: `mutation($ship: BigInt!) { undock(input: { ship: $ship }) { result } }`, variables: { ship } };
		case "dock":
			return {
				query: `mutation($ship: BigInt!, $station: Int!) { dock(input: { ship: $ship, station: $station }) { result } }`,
				variables: { ship, station: Number(int(f.station, "station")) },
			};
		case "mine":
			return {
				query: `mutation($ship: BigInt!, $body: Int) { mine(input: { ship: $ship, body: $body }) { result } }`,
				variables: { ship, body: String(f.body ?? "") === "" ? null : Number(int(f.body, "body")) },
			};
		case "buy":
		case "sell": {
			const limit = String(f.price ?? "").trim() === "" ? null : int(f.price, "price");
			const arg = action === "buy" ? "maxPrice" : "minPrice";
			return {
				query: `mutation($ship: BigInt!, $good: Int!, $qty: BigInt!, $limit: BigInt) {
  ${action}(input: { ship: $ship, good: $good, qty: $qty, ${arg}: $limit }) { result { tradeId price total tax } } }`,
				variables: { ship, good: Number(int(f.good, "good")), qty: int(f.qty, "qty"), limit },
			};
		}
		default:
			throw new Error(`unknown action ${action}`);
	}
}

function errorLine(e) {
	const i = errorInfo(e);
	return `${i.message}${i.code ? ` [${i.code}]` : ""}${i.hint ? ` -- hint: ${i.hint}` : ""}`;
}

const STYLE = `
.console { padding: 0.8em; display: grid; grid-template-columns: minmax(0, 2fr) minmax(18em, 1fr); gap: 1em; }
.console h2 { font-size: 15px; margin: 0.2em 0 0.4em; }
.console table { border-collapse: collapse; width: 100%; font-size: 13px; }
.console td, .console th { padding: 0.15em 0.4em; text-align: left; border-bottom: 1px solid var(--line, #273045); }
.console td.num, .console th.num { text-align: right; font-variant-numeric: tabular-nums; }
.console form.command { display: grid; grid-template-columns: 7em 1fr; gap: 0.3em 0.5em; align-items: center; }
.console form.command .wide { grid-column: 1 / -1; }
.console .result { font-family: ui-monospace, monospace; white-space: pre-wrap; margin-top: 0.5em; }
.console .result[data-ok="false"] { color: var(--bad, #ff6b6b); }
.console .note { color: var(--dim, #7f8ba3); }
`;

export function mount(root, ctx) {
	const player = ctx.session.playerId;
	const state = {
		route: "console",
		player,
		tick: null,
		wallet: null,
		ships: [],
		contacts: [],
		cargo: [],
		reads: 0,
		lastCommand: null,
		error: null,
	};
	window.simPage = state;
	ctx.live.follow([]);

	const style = el("style", {}, STYLE);
	const walletEl = el("p", { class: "wallet" }, "…");
	const shipsBody = el("tbody");
	const cargoBody = el("tbody");
	const contactsBody = el("tbody");
	const result = el("div", { class: "result", role: "status", "data-testid": "result" });

	// the form
	const f = {
		ship: el("select", { name: "ship" }),
		action: el("select", { name: "action" }, ...ACTIONS.map((a) => el("option", { value: a }, a))),
		destKind: el("select", { name: "destKind" }, ...["station", "body", "point"].map((k) => el("option", { value: k }, k))),
		destStation: el("select", { name: "destStation" }),
		destBody: el("select", { name: "destBody" }),
		x: el("input", { name: "x", size: 8, placeholder: "x km" }),
		y: el("input", { name: "y", size: 8, placeholder: "y km" }),
		z: el("input", { name: "z", size: 8, placeholder: "z km" }),
		mode: el("select", { name: "mode" }, ...MODES.map((m) => el("option", { value: m }, m))),
		station: el("select", { name: "station" }),
		body: el("select", { name: "body" }, el("option", { value: "" }, "(the one it orbits)")),
		good: el("select", { name: "good" }),
		qty: el("input", { name: "qty", size: 6, value: "1" }),
		price: el("input", { name: "price", size: 8, placeholder: "(any)" }),
	};
	const rows = {};
	const row = (key, label, ...inputs) => (rows[key] = el("label", { class: "wide", "data-field": key },
		el("span", {}, label, " "), ...inputs));
	const send = el("button", { type: "submit", name: "send" }, "Send");
	const form = el("form", { class: "command", onsubmit: (e) => (e.preventDefault(), issue()) },
		el("label", {}, "ship"), f.ship,
		el("label", {}, "action"), f.action,
		row("dest", "to", f.destKind, " ", f.destStation, f.destBody, f.x, f.y, f.z),
		row("mode", "mode", f.mode),
		row("station", "station", f.station),
		row("body", "body", f.body),
		row("good", "good", f.good),
		row("qty", "qty", f.qty),
		row("price", "price limit", f.price),
		el("span", { class: "wide" }, send));
	const fieldsOf = {
		navigate: ["dest", "mode"], undock: [], dock: ["station"], mine: ["body"], buy: ["good", "qty", "price"],
		sell: ["good", "qty", "price"],
	};
	const showFields = () => {
		const want = new Set(fieldsOf[f.action.value]);
		for (const [k, r] of Object.entries(rows)) r.hidden = !want.has(k);
		const kind = f.destKind.value;
		f.destStation.hidden = kind !== "station";
		f.destBody.hidden = kind !== "body";
		for (const c of [f.x, f.y, f.z]) c.hidden = kind !== "point";
	};
	f.action.addEventListener("change", showFields);
	f.destKind.addEventListener("change", showFields);
	showFields();

	const note = player == null
		? el("p", { class: "note" }, "Log in with a player's token (its sub claim is the player id) to see your ships and command them.")
		: null;
	root.append(style, el("div", { class: "console" },
		el("div", {},
			note,
			el("h2", {}, "Wallet"), walletEl,
			el("h2", {}, "Ships"),
			el("table", { class: "ships" },
				el("thead", {}, el("tr", {}, ...["id", "name", "class", "state", "sector", "at", "destination", "arrival", "fuel", "cargo", "pending"]
					.map((h) => el("th", {}, h)))), shipsBody),
			el("h2", {}, "Cargo"),
			el("table", { class: "cargo" }, el("thead", {}, el("tr", {}, ...["ship", "good", "qty"].map((h) => el("th", {}, h)))), cargoBody),
			el("h2", {}, "Contacts"),
			el("table", { class: "contacts" },
				el("thead", {}, el("tr", {}, ...["id", "faction", "class", "sector", "state", "distance km", "seen by"].map((h) => el("th", {}, h)))),
				contactsBody)),
		el("div", {}, el("h2", {}, "Command"), form, result)));

	let alive = true;

	const td = (v, num = false) => el("td", num ? { class: "num" } : {}, v == null ? "" : String(v));
	function render() {
		const w = state.wallet;
		walletEl.textContent = w ? `${w.player} (${w.faction}): ${Number(w.credits).toLocaleString("en")} credits` : "—";
		shipsBody.replaceChildren(...state.ships.map((s) => el("tr", { "data-ship": s.rowId, "data-state": s.state },
			td(s.rowId, true), td(s.name), td(s.class), td(s.state), td(s.sectorId, true),
			td(s.dockedAt != null ? `station ${s.dockedAt}` : s.bodyId != null ? `body ${s.bodyId}` : ""),
			td(s.destKind ? `${s.destKind}${s.destId != null ? ` ${s.destId}` : ""}` : ""),
			td(s.arrivalTick, true), td(`${Math.round(s.fuel)}/${Math.round(s.fuelCapacity)}`, true),
			td(`${s.cargo}/${s.cargoCapacity}`, true), td(s.pendingCommand))));
		cargoBody.replaceChildren(...state.cargo.map((c) => el("tr", {}, td(c.shipId, true), td(c.good), td(c.qty, true))));
		contactsBody.replaceChildren(...state.contacts.map((c) => el("tr", {},
			td(c.rowId, true), td(c.factionId, true), td(c.classId, true), td(c.sectorId, true), td(c.state),
			td(Math.round(c.distance), true), td(c.seenBy, true))));
		const chosen = f.ship.value;
		f.ship.replaceChildren(...state.ships.map((s) => el("option", { value: s.rowId }, `${s.rowId} ${s.name} (${s.state})`)));
		if (chosen && state.ships.some((s) => s.rowId === chosen)) f.ship.value = chosen;
	}

	const readNow = serialRuns(async () => {
		const d = await ctx.gql(READ);
		if (!alive) return;
		state.wallet = d.allMyWallets.nodes[0] ?? null;
		state.ships = d.allMyShips.nodes;
		state.cargo = d.allMyCargos.nodes;
		state.contacts = d.allContacts.nodes;
		state.tick = state.ships.length > 0 ? Number(state.ships[0].tick) : state.tick;
		state.error = null;
		state.reads++;
		render();
	}, (e) => {
		state.error = errorInfo(e);
		ctx.showError(e);
	}, () => alive);
	async function read() {
		if (player == null) return;
		return readNow();
	}

	async function issue() {
		const action = f.action.value;
		// the entry is the page's last command from the press on
		const entry = { action, variables: null, settled: false };
		state.lastCommand = entry;
		const values = {
			ship: f.ship.value, destKind: f.destKind.value,
			destId: f.destKind.value === "station" ? f.destStation.value : f.destBody.value,
			x: f.x.value, y: f.y.value, z: f.z.value, mode: f.mode.value, station: f.station.value,
			body: f.body.value, good: f.good.value, qty: f.qty.value, price: f.price.value,
		};
		let cmd;
		try {
			cmd = commandOf(action, values);
		} catch (e) {
			entry.error = errorInfo(e);
			entry.settled = true;
			result.dataset.ok = "false";
			result.textContent = `${action}: ${e.message}`;
			return;
		}
		entry.variables = cmd.variables;
		send.disabled = true;
		try {
			const data = await ctx.gql(cmd.query, cmd.variables);
			entry.result = data[action]?.result ?? null;
			result.dataset.ok = "true";
			result.textContent = `${action}: ok ${JSON.stringify(entry.result)}`;
			ctx.showError(null);
		} catch (e) {
			entry.error = errorInfo(e);
			result.dataset.ok = "false";
			result.textContent = `${action}: ${errorLine(e)}`;
			ctx.showError(e);
		} finally {
			send.disabled = false;
		}
		await read();
		entry.settled = true;
	}

	ctx.gql(CATALOGUE).then((d) => {
		if (!alive) return;
		f.destStation.replaceChildren(...d.allStations.nodes.map((s) => el("option", { value: s.rowId }, `${s.rowId} ${s.name} (sector ${s.sectorId})`)));
		f.station.replaceChildren(...d.allStations.nodes.map((s) => el("option", { value: s.rowId }, `${s.rowId} ${s.name} (sector ${s.sectorId})`)));
		f.destBody.replaceChildren(...d.allBodies.nodes.map((b) => el("option", { value: b.rowId }, `${b.rowId} ${b.name} (${b.kind}, sector ${b.sectorId})`)));
		f.body.append(...d.allBodies.nodes.map((b) => el("option", { value: b.rowId }, `${b.rowId} ${b.name} (${b.kind}, sector ${b.sectorId})`)));
		f.good.replaceChildren(...d.allGoods.nodes.map((g) => el("option", { value: g.rowId }, `${g.rowId} ${g.name}`)));
	}, (e) => alive && ctx.showError(e));

	const stop = ctx.onFeed(() => read());
	read();

	return {
		unmount() {
			alive = false;
			stop();
		},
	};
}
