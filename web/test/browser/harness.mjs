// web/test/browser/harness.mjs -- what a browser test needs: a fresh
// database with a universe and players, the API server (scripts/api.sh run)
// on it with its own JWT secret, a token signer, Chromium driven by
// playwright-core, and screenshots under the test output directory.
//
//   import { browserSkip, startSim, shot } from "./harness.mjs";
//   const skip = await browserSkip();          // null, or why Chromium cannot start
//   describe("...", { skip: skip && `Chromium cannot start: ${skip}` }, () => {
//       let sim;
//       before(async () => { sim = await startSim({ name: "map", ships: 500, players: ["alice"] }); });
//       after(() => sim?.stop());
//       test("...", async () => {
//           const page = await sim.open("#galaxy", { token: sim.operatorToken() });
//           ...
//           await shot(page, "galaxy");
//       });
//   });
//
// The cluster comes from PGHOST/PGPORT/PGUSER (a superuser; sim installed or
// installable there), as for web/test/run.sh.  startSim makes database
// sim_browser_<name> (dropped by stop()), runs sim.generate_universe(seed,
// sectors, ships) and sim.step(steps), creates the players (sim.create_player),
// and starts the server with SIM_API_TOKEN_ROLES=sim_player,sim_operator and
// a random secret.  The world moves only by sim.step(n) (sim.database is ''
// on the test cluster: no ticker); every step commits a tick, which the
// server's /live feed sends on.
//
// Chromium: $SIM_CHROMIUM or /usr/bin/chromium, with SwiftShader's WebGL
// (--use-angle=swiftshader --enable-unsafe-swiftshader) and --no-sandbox
// (needed as root; harmless otherwise).  browserSkip() launches it once and
// answers null when it starts, else the reason; $SIM_BROWSER_SKIP (set by
// run.sh after its own probe) answers without launching.  Screenshots go
// to $SIM_TEST_OUT, else web/test/browser/out/.
//
// As a program, `node harness.mjs probe` prints "ok" and exits 0 when
// Chromium starts, else prints the reason and exits 3 (run.sh uses it).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import jwt from "jsonwebtoken";
import pg from "pg";
import { chromium } from "playwright-core";
import { build } from "../../build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "../../..");
export const OUT = path.resolve(process.env.SIM_TEST_OUT || path.join(here, "out"));
export const CHROMIUM = process.env.SIM_CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"];

export function launchChromium(options = {}) {
	return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000, ...options });
}

// null when Chromium starts and gives a WebGL context, else why not.
export async function chromiumProblem() {
	let browser;
	try {
		browser = await launchChromium();
		const page = await browser.newPage();
		const gl = await page.evaluate(() => {
			const c = document.createElement("canvas");
			return !!(c.getContext("webgl") || c.getContext("experimental-webgl"));
		});
		return gl ? null : "it starts, but gives no WebGL context";
	} catch (e) {
		return String(e.message || e).split("\n")[0];
	} finally {
		await browser?.close().catch(() => {});
	}
}

let probed;
export async function browserSkip() {
	if (process.env.SIM_BROWSER_SKIP) return process.env.SIM_BROWSER_SKIP;
	probed ??= chromiumProblem();
	return probed;
}

// Saves a PNG of the page as <OUT>/<name>.png; resolves to its path.
export async function shot(page, name) {
	mkdirSync(OUT, { recursive: true });
	const file = path.join(OUT, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.png`);
	await page.screenshot({ path: file });
	return file;
}

// Waits until fn() is truthy (polled every `every` ms), for at most `ms`:
// resolves to its value, or rejects saying what was awaited.
export async function until(fn, { ms = 30000, every = 50, what = "a condition" } = {}) {
	const t0 = Date.now();
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() - t0 > ms) {
			throw new Error(`timed out after ${ms} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
		}
		await new Promise((r) => setTimeout(r, every));
	}
}

export async function startSim({
	name,
	seed = 42,
	sectors = 5,
	ships = 500,
	steps = 5,
	players = [],
	setup = [],
	env = {},
} = {}) {
	if (!/^[a-z0-9_]+$/.test(name ?? "")) throw new Error("startSim: name must be lower-case letters, digits and _");
	for (const v of ["PGHOST", "PGPORT"]) {
		if (!process.env[v]) throw new Error(`${v} must name the cluster to test against`);
	}
	const db = `sim_browser_${name}`;
	const secret = randomBytes(32).toString("hex");
	const state = mkdtempSync(path.join(tmpdir(), `sim-browser-${name}.`));

	const root = new pg.Client({ database: "postgres" });
	await root.connect();
	await root.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
	await root.query(`CREATE DATABASE ${db}`);
	await root.end();

	const admin = new pg.Client({ database: db });
	await admin.connect();
	const sql = async (text, params) => (await admin.query(text, params)).rows;
	await sql("SET client_min_messages = warning");
	await sql("CREATE EXTENSION sim CASCADE");
	await sql("SELECT sim.generate_universe($1, $2, $3)", [seed, sectors, ships]);
	if (steps > 0) await sql("SELECT sim.step($1)", [steps]);
	const playerIds = {};
	for (const p of players) {
		playerIds[p] = Number((await sql("SELECT sim.create_player($1) AS id", [p]))[0].id);
	}
	for (const s of setup) await sql(s);

	await build();

	const sim = {
		db,
		sql,
		admin,
		secret,
		players: playerIds,
		baseUrl: null,
		port: 0,
		serverLog: "",
		server: null,
		browser: null,
		pages: [],
		pageErrors: [],
		// A JWT signed with the server's secret.
		sign(claims, expiresIn = 3600) {
			return jwt.sign(claims, secret, { algorithm: "HS256", expiresIn });
		},
		operatorToken() {
			return sim.sign({ role: "sim_operator", sub: "operator" });
		},
		playerToken(player) {
			const id = typeof player === "number" ? player : playerIds[player];
			if (id == null) throw new Error(`no player ${player}`);
			return sim.sign({ role: "sim_player", sub: String(id) });
		},
		async step(n = 1) {
			return Number((await sql("SELECT sim.step($1) AS t", [n]))[0].t);
		},
		async tick() {
			return Number((await sql("SELECT tick FROM sim.world"))[0].tick);
		},
		async startServer() {
			sim.serverLog = "";
			const child = spawn(path.join(REPO, "scripts/api.sh"), ["run"], {
				env: {
					...process.env,
					SIM_API_PGHOST: process.env.PGHOST,
					SIM_API_PGPORT: process.env.PGPORT,
					SIM_API_DB: db,
					SIM_API_PORT: String(sim.port),
					SIM_API_STATE: state,
					SIM_JWT_SECRET: secret,
					SIM_API_TOKEN_ROLES: "sim_player,sim_operator",
					...env,
				},
				stdio: ["ignore", "pipe", "pipe"],
			});
			sim.server = child;
			const url = await new Promise((resolve, reject) => {
				const seen = (chunk) => {
					sim.serverLog += chunk;
					const m = /listening on (http:\/\/\S+)\/graphql/.exec(sim.serverLog);
					if (m) resolve(m[1]);
				};
				child.stdout.on("data", seen);
				child.stderr.on("data", seen);
				child.on("exit", (code) => reject(new Error(`scripts/api.sh run exited (${code}) before listening:\n${sim.serverLog}`)));
			});
			sim.baseUrl = url;
			sim.port = Number(new URL(url).port);
			return url;
		},
		async stopServer() {
			const child = sim.server;
			if (!child || child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((resolve) => child.on("exit", resolve));
			child.kill("SIGTERM");
			await exited;
			sim.server = null;
		},
		// A new page (its own browser context, so its own sessionStorage) at
		// route (e.g. "#sector/3"), logged in with token when given; resolves
		// once the shell runs.
		async open(route = "#galaxy", { token = null, viewport = { width: 1200, height: 800 } } = {}) {
			sim.browser ??= await launchChromium();
			const context = await sim.browser.newContext({ viewport });
			const page = await context.newPage();
			page.on("pageerror", (e) => sim.pageErrors.push(`${route}: ${e.message}`));
			page.on("console", (m) => {
				if (m.type() === "error") sim.pageErrors.push(`${route}: console: ${m.text()}`);
			});
			sim.pages.push(page);
			const r = route.replace(/^#/, "");
			await page.goto(`${sim.baseUrl}/#${r}${token ? `${r ? "&" : ""}token=${token}` : ""}`);
			await page.waitForFunction(() => window.simShell !== undefined, null, { timeout: 30000 });
			return page;
		},
		async stop() {
			await sim.browser?.close().catch(() => {});
			sim.browser = null;
			await sim.stopServer();
			await admin.end().catch(() => {});
			const r = new pg.Client({ database: "postgres" });
			await r.connect();
			await r.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
			await r.end();
			rmSync(state, { recursive: true, force: true });
		},
	};
	try {
		await sim.startServer();
	} catch (e) {
		await sim.stop().catch(() => {});
		throw e;
	}
	return sim;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	if (process.argv[2] !== "probe") {
		console.error("usage: node harness.mjs probe");
		process.exit(2);
	}
	const problem = await chromiumProblem();
	console.log(problem ?? "ok");
	process.exit(problem ? 3 : 0);
}
