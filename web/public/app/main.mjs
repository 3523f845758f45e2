// web/public/app/main.mjs -- the page's shell: the session, the live feed,
// the shared World, the navigation between the five routes, and the mount
// contract the page modules follow.  esbuild bundles it with everything it
// imports into web/public/dist/main.js (web/build.mjs); index.html loads that.
//
// Routes (the URL fragment):
//   #galaxy         sectors and jump gates (galaxy.mjs; the default)
//   #sector/ID      one sector in WebGL (sector.mjs)
//   #console        the player console (console.mjs)
//   #operator       the operator dashboard (operator.mjs)
//   #analyst        the analyst's charts (analyst.mjs)
//
// Session: a JWT pasted into the login box, or given in the fragment at
// load as `#token=JWT` or `#ROUTE&token=JWT` (e.g. `#sector/3&token=ey...`).
// The token is kept in sessionStorage (key "sim.token") and removed from the
// address at once (history.replaceState), so it is not left in the history
// or sent on as a Referer.  Its payload is read, not verified (the server
// verifies it on every request): role = the `role` claim (sim_anon without a
// token), playerId = the `sub` claim as a Number for sim_player, else null.
// Logging in or out makes a new LiveFeed and World and mounts the page again.
//
// The mount contract: each page module exports mount(root, ctx) and returns
// { unmount() }.  ctx is
//   gql(query, variables) -> Promise<data>   throws ApiError (api.mjs)
//   session  { token, role, playerId }
//   live     the one LiveFeed of the page (web/public/lib/live.mjs)
//   world    the one World (web/public/lib/world.mjs), kept by the live
//            feed: a "state" message loads its delta (world.loadState), a
//            "tick" message applies its delta (world.applyDelta, which refuses
//            one that does not follow; the feed then shows the error and asks
//            for a new state); pages only read it.  A player's page gets empty
//            deltas: its world holds no ship and follows the tick
//   navigate(hash)   go to a route, e.g. navigate("#sector/3")
//   params   the route's parameters: { id } for #sector/ID, else {}
//   applied  the feed messages applied to world, oldest first:
//            { type: "state" | "tick", from_tick, to_tick, at } ("state":
//            from_tick = to_tick - 1, as the state delta's range is (T-1, T];
//            at: performance.now() once applied); the last 10,000 are kept
//   onFeed(fn)  calls fn({ type, header }) after the feed applied each
//            "state" or "tick" message to world; returns a function that stops it
//   showError(e)  shows an error (ApiError: message, SQLSTATE, hint) in the
//            page's message bar
// A page follows the sectors it shows with ctx.live.follow(sectors) (the
// galaxy follows none for players, all for operators; a sector view its own).
//
// For tests the shell exposes window.simShell = { route, session, applied,
// world, live, status, timings }, timings = performance.now() of the shell's
// start, the feed's first connection and the first state loaded; each page sets window.simPage (documented in its
// module) while it is mounted and clears it on unmount.

import { LiveFeed } from "../lib/live.mjs";
import { World } from "../lib/world.mjs";
import { ApiError, errorText, makeGql } from "./api.mjs";
import * as galaxy from "./galaxy.mjs";
import * as sector from "./sector.mjs";
import * as consolePage from "./console.mjs";
import * as operatorPage from "./operator.mjs";
import * as analystPage from "./analyst.mjs";

const TOKEN_KEY = "sim.token";
const APPLIED_KEPT = 10000;

const ROUTES = [
	{ name: "galaxy", label: "Galaxy", re: /^galaxy$/, module: galaxy },
	{ name: "sector", label: null, re: /^sector\/([0-9]{1,9})$/, module: sector, params: (m) => ({ id: Number(m[1]) }) },
	{ name: "console", label: "Console", re: /^console$/, module: consolePage },
	{ name: "operator", label: "Operator", re: /^operator$/, module: operatorPage },
	{ name: "analyst", label: "Analyst", re: /^analyst$/, module: analystPage },
];

// The claims of a JWT, unverified; null when it is not one.
export function jwtClaims(token) {
	const parts = String(token).split(".");
	if (parts.length !== 3) return null;
	try {
		const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
		const json = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
		const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
		return claims && typeof claims === "object" && !Array.isArray(claims) ? claims : null;
	} catch {
		return null;
	}
}

export function sessionOf(token) {
	if (!token) return { token: null, role: "sim_anon", playerId: null };
	const claims = jwtClaims(token) ?? {};
	const role = typeof claims.role === "string" ? claims.role : "sim_player";
	const sub = claims.sub != null && /^[0-9]+$/.test(String(claims.sub)) ? Number(claims.sub) : null;
	return { token, role, playerId: role === "sim_player" ? sub : null };
}

// Splits a fragment into the route and a token given with it.
export function parseFragment(hash) {
	const h = hash.replace(/^#/, "");
	let route = h;
	let token = null;
	const m = /(^|&)token=([A-Za-z0-9_.~+/=-]+)/.exec(h);
	if (m) {
		token = m[2];
		route = h.slice(0, m.index) + h.slice(m.index + m[0].length);
		route = route.replace(/^&/, "");
	}
	return { route, token };
}

function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === "class") e.className = v;
		else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
		else e.setAttribute(k, v);
	}
	for (const c of children) e.append(c);
	return e;
}

class Shell {
	constructor(root) {
		this.root = root;
		this.applied = [];
		this.feedListeners = new Set();
		this.mounted = null;
		this.routeName = null;
		this.status = "disconnected";
		this.timings = { start: performance.now(), connected: null, state: null };
		this.gql = makeGql(() => this.session.token);

		const { route, token } = parseFragment(location.hash);
		if (token) sessionStorage.setItem(TOKEN_KEY, token);
		if (token || route === "") {
			history.replaceState(null, "", `${location.pathname}${location.search}#${route || "galaxy"}`);
		}
		this.session = sessionOf(sessionStorage.getItem(TOKEN_KEY));
		this.buildChrome();
		this.startFeed();
		window.addEventListener("hashchange", () => this.route());
		this.route();
	}

	buildChrome() {
		this.nav = el("nav", { class: "routes" });
		for (const r of ROUTES) {
			if (r.label) this.nav.append(el("a", { href: `#${r.name}`, "data-route": r.name }, r.label));
		}
		this.statusEl = el("span", { class: "feed-status", "data-status": "disconnected" }, "feed: disconnected");
		this.whoEl = el("span", { class: "who" });
		this.tokenInput = el("input", { type: "password", placeholder: "JWT", "aria-label": "token", name: "token", autocomplete: "off" });
		this.loginForm = el("form", { class: "login", onsubmit: (e) => (e.preventDefault(), this.login(this.tokenInput.value.trim())) },
			this.tokenInput, el("button", { type: "submit" }, "Log in"));
		this.logoutButton = el("button", { type: "button", class: "logout", onclick: () => this.login(null) }, "Log out");
		this.errorEl = el("div", { class: "error-bar", role: "alert", hidden: "" });
		this.main = el("main", { id: "page" });
		this.root.replaceChildren(
			el("header", {}, el("strong", { class: "brand" }, "sim"), this.nav, this.statusEl,
				el("span", { class: "session" }, this.whoEl, this.loginForm, this.logoutButton)),
			this.errorEl, this.main);
		this.showSession();
	}

	showSession() {
		const s = this.session;
		this.whoEl.textContent = s.token ? `${s.role}${s.playerId != null ? ` #${s.playerId}` : ""}` : "anonymous";
		this.loginForm.hidden = !!s.token;
		this.logoutButton.hidden = !s.token;
	}

	showError(e) {
		if (e == null) {
			this.errorEl.hidden = true;
			this.errorEl.textContent = "";
			return;
		}
		this.errorEl.hidden = false;
		this.errorEl.textContent = errorText(e);
		if (e instanceof ApiError) {
			this.errorEl.dataset.code = e.code ?? "";
		} else {
			delete this.errorEl.dataset.code;
		}
	}

	login(token) {
		if (token) sessionStorage.setItem(TOKEN_KEY, token);
		else sessionStorage.removeItem(TOKEN_KEY);
		this.session = sessionOf(token || null);
		this.tokenInput.value = "";
		this.showSession();
		this.showError(null);
		this.live.close();
		this.startFeed();
		this.route(true);
	}

	startFeed() {
		const proto = location.protocol === "https:" ? "wss:" : "ws:";
		this.world = new World();
		this.applied = [];
		this.live = new LiveFeed({ url: `${proto}//${location.host}/live`, token: this.session.token, sectors: [], world: this.world });
		const live = this.live;
		live.addEventListener("status", (e) => {
			if (live !== this.live) return;
			this.status = e.detail?.status ?? "unknown";
			if (this.status === "connected") this.timings.connected ??= performance.now();
			this.statusEl.textContent = `feed: ${this.status}`;
			this.statusEl.dataset.status = this.status;
		});
		live.addEventListener("state", (e) => live === this.live && this.applyFeed("state", e.detail));
		live.addEventListener("tick", (e) => live === this.live && this.applyFeed("tick", e.detail));
		live.addEventListener("reload", (e) => live === this.live && this.showError(new ApiError(
			e.detail?.header?.message ?? e.detail?.message ?? "the feed cannot resume; starting over",
			{ code: e.detail?.header?.code ?? e.detail?.code ?? "SM010", hint: e.detail?.header?.hint ?? e.detail?.hint ?? null })));
		live.addEventListener("error", (e) => live === this.live && e.detail && this.showError(new ApiError(
			e.detail.header?.message ?? e.detail.message ?? "live feed error",
			{ code: e.detail.header?.code ?? e.detail.code ?? null, hint: e.detail.header?.hint ?? e.detail.hint ?? null })));
	}

	// Records one feed message LiveFeed applied to world ({ header, delta })
	// and tells the page.  The delta of a player's or an anonymous page has no
	// records (fog of war): world then only follows the tick.
	applyFeed(type, detail) {
		const header = detail.header;
		if (type === "state") {
			this.timings.state ??= performance.now();
			this.record({ type, from_tick: header.tick - 1, to_tick: header.tick, epoch: header.epoch ?? null, at: performance.now() });
		} else {
			this.record({ type, from_tick: header.from_tick, to_tick: header.to_tick, epoch: header.epoch ?? null, at: performance.now() });
		}
		for (const fn of this.feedListeners) {
			try {
				fn({ type, header });
			} catch (e) {
				console.error("sim: a page's feed listener failed", e);
			}
		}
	}

	record(entry) {
		this.applied.push(entry);
		if (this.applied.length > APPLIED_KEPT) this.applied.splice(0, this.applied.length - APPLIED_KEPT);
	}

	ctxFor(params) {
		const listeners = new Set();
		const shell = this;
		return {
			gql: this.gql,
			session: this.session,
			live: this.live,
			world: this.world,
			params,
			get applied() {
				return shell.applied;
			},
			navigate: (hash) => {
				location.hash = hash.startsWith("#") ? hash : `#${hash}`;
			},
			onFeed: (fn) => {
				this.feedListeners.add(fn);
				listeners.add(fn);
				return () => {
					this.feedListeners.delete(fn);
					listeners.delete(fn);
				};
			},
			showError: (e) => this.showError(e),
			_release: () => {
				for (const fn of listeners) this.feedListeners.delete(fn);
			},
		};
	}

	// Mounts the page of the current fragment (again, when force).
	route(force = false) {
		const { route, token } = parseFragment(location.hash);
		if (token) {
			// a token pasted into the address later: log in with it
			history.replaceState(null, "", `#${route || "galaxy"}`);
			this.login(token);
			return;
		}
		const name = route || "galaxy";
		let match = null;
		let r;
		for (r of ROUTES) {
			match = r.re.exec(name);
			if (match) break;
		}
		if (!force && this.routeName === name && this.mounted) return;
		this.unmountPage();
		this.showError(null);
		for (const a of this.nav.querySelectorAll("a")) {
			a.classList.toggle("active", match != null && a.dataset.route === r.name);
		}
		if (!match) {
			this.routeName = name;
			this.main.replaceChildren(el("p", { class: "not-found" }, `No page "#${name}". `, el("a", { href: "#galaxy" }, "Galaxy")));
			return;
		}
		this.routeName = name;
		const params = r.params ? r.params(match) : {};
		const ctx = this.ctxFor(params);
		const root = el("section", { class: `page page-${r.name}` });
		this.main.replaceChildren(root);
		try {
			this.mounted = { handle: r.module.mount(root, ctx), ctx };
		} catch (e) {
			ctx._release();
			this.showError(e);
			console.error(e);
		}
	}

	unmountPage() {
		if (!this.mounted) return;
		const { handle, ctx } = this.mounted;
		this.mounted = null;
		ctx._release();
		try {
			handle?.unmount?.();
		} catch (e) {
			console.error("sim: unmount failed", e);
		}
		window.simPage = undefined;
	}
}

const shell = new Shell(document.getElementById("app"));
window.simShell = {
	get route() {
		return shell.routeName;
	},
	get session() {
		return shell.session;
	},
	get applied() {
		return shell.applied;
	},
	get world() {
		return shell.world;
	},
	get live() {
		return shell.live;
	},
	get status() {
		return shell.status;
	},
	get timings() {
		return shell.timings;
	},
};
