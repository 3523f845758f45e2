// bench/api-load.mjs -- a closed-loop HTTP load of sim commands through the
// API server (GraphQL mutations sell/buy of one unit), for bench/api.sh.
//
//   node api-load.mjs URL POOL_FILE CLIENTS SECONDS
//
// POOL_FILE: one "player ship good" line per player.  CLIENTS requests are
// in flight at any time over keep-alive connections; each picks a random
// player, signs nothing at run time (a token per player is made up front
// with SIM_JWT_SECRET) and sells or buys one unit on that player's ship.
// Stops by itself after SECONDS; prints one line:
//   <commands/s> <commands> <errors> <p50 ms> <p99 ms> <error codes>
// Only loopback URLs are accepted.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

const [url, poolFile, clientsArg, secondsArg] = process.argv.slice(2);
const target = new URL(url);
if (!["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
	console.error(`api-load: ${target.hostname} is not a loopback address`);
	process.exit(2);
}
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const secret = process.env.SIM_JWT_SECRET ?? "";

const b64 = (s) => Buffer.from(s).toString("base64url");
function token(sub) {
	const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
	const body = b64(JSON.stringify({ role: "sim_player", sub: String(sub), exp: Math.floor(Date.now() / 1000) + 3600 }));
	const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
	return `${head}.${body}.${sig}`;
}

const pool = readFileSync(poolFile, "utf8").trim().split("\n").map((l) => {
	const [player, ship, good] = l.trim().split(/\s+/);
	return { auth: `Bearer ${token(player)}`, ship, good: Number(good) };
});
const OPS = {
	sell: "mutation($ship: BigInt!, $good: Int!) { sell(input: { ship: $ship, good: $good, qty: \"1\" }) { result { price } } }",
	buy: "mutation($ship: BigInt!, $good: Int!) { buy(input: { ship: $ship, good: $good, qty: \"1\" }) { result { price } } }",
};

const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const latencies = [];
const codes = {};
let done = 0;
let errors = 0;
const end = Date.now() + seconds * 1000;

function request() {
	const p = pool[Math.floor(Math.random() * pool.length)];
	const op = Math.random() < 0.5 ? "sell" : "buy";
	const body = JSON.stringify({ query: OPS[op], variables: { ship: p.ship, good: p.good } });
	const t0 = process.hrtime.bigint();
	return new Promise((resolve) => {
		const req = http.request(target, {
			method: "POST",
			agent,
			headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: p.auth },
		}, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => {
				latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
				let ok = res.statusCode === 200;
				if (ok) {
					const json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
					if (json.errors) {
						ok = false;
						const c = json.errors[0]?.extensions?.code ?? "?";
						codes[c] = (codes[c] ?? 0) + 1;
					}
				} else {
					codes[`http${res.statusCode}`] = (codes[`http${res.statusCode}`] ?? 0) + 1;
				}
				if (ok) done++;
				else errors++;
				resolve();
			});
		});
		req.on("error", (e) => {
			errors++;
			codes[e.code ?? "neterr"] = (codes[e.code ?? "neterr"] ?? 0) + 1;
			resolve();
		});
		req.end(body);
	});
}

async function loop() {
	while (Date.now() < end) await request();
}

const t0 = Date.now();
await Promise.all(Array.from({ length: clients }, loop));
const elapsed = (Date.now() - t0) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((latencies.length - 1) * q))] : 0);
const codeText = Object.entries(codes).map(([c, n]) => `${c}:${n}`).join(",") || "-";
console.log(`${(done / elapsed).toFixed(1)} ${done} ${errors} ${pct(0.5).toFixed(2)} ${pct(0.99).toFixed(2)} ${codeText}`);
