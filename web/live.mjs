// web/live.mjs -- the live feed: a WebSocket endpoint at /live of the API
// server (server.mjs) that sends each page one binary message per committed
// tick, with the binary delta of the sectors it follows (docs/clients.md,
// "The live feed over WebSocket"; the delta format: docs/delta-format.md).
//
//   const live = attachLive(httpServer, { connectionString, auth });
//   await live.start();   ...   await live.close();
//
// The protocol.  The client sends text frames of JSON: first
// {"type":"hello","token":JWT|null,"sectors":int[]|null,"from_tick":int|null,
// "epoch":int|null}, later {"type":"follow","sectors":int[]|null}.  The
// server sends binary frames: a uint32 little-endian N, N bytes of UTF-8
// JSON (the header), and the rest of the frame is a delta (possibly 0
// bytes).  Every header but an error's carries epoch, the universe's epoch
// (sim.world.epoch) its tick numbers and delta belong to.  Headers:
//   state  {type, tick, epoch, sectors, kinds} + sim.delta_state(sectors)
//          at tick (after a hello without from_tick, after each follow, and
//          after a reload with state_follows);
//   tick   {type, from_tick, to_tick, tick, epoch, summary} +
//          sim.delta(from_tick, to_tick, sectors): one per committed tick;
//          after a hello with from_tick F, the first covers (F, now] (F =
//          now included), and each message's from_tick is the previous
//          one's to_tick;
//   reload {type, code, message, hint, epoch, state_follows}: the client
//          cannot resume (SM012: the hello's epoch is not the universe's,
//          or the universe was replaced -- generated again, rolled back,
//          imported: its epoch changed; SM010: the change record no longer holds from_tick;
//          22023: from_tick is ahead of the universe; 54000: too much for
//          one message).  epoch is the current one.  With state_follows
//          true (a replaced universe) the server sends a new state next;
//          otherwise the connection stays open and a follow gets one;
//   error  {type, code, message, hint}: a bad hello or follow (22023,
//          22004, 54000...), a refused token (401 or 403, as HTTP answers
//          it: auth.mjs).  After an error in the hello the server closes.
//
// Who gets what: a token whose role is sim_operator gets the deltas of the
// sectors it follows; players and anonymous clients get the same headers
// with 0-byte deltas (the universe's ships are the operator's view; a
// player's page reads its ships and contacts through GraphQL on each tick).
//
// Database work.  One connection LISTENs on sim_tick, as the server's
// login role (the authenticator); a notification only wakes the feed, which
// then reads the last committed tick and the epoch (the payload gives the
// tick message's summary, when it came: see summaryOf).  A new epoch makes
// every client reload.  Deltas are read on a pool of its own, each query
// in a transaction that does SET LOCAL ROLE sim_operator (as PostGraphile
// does per request with the caller's role): per wake-up, one query per
// distinct followed sector set, giving that set's delta of every new tick
// (shared by all the clients that follow it).  Everything that reads the
// database -- wake-ups, states, resumes -- runs one at a time, in order, so
// a client's ticks are sent in order and a state is never overtaken.
//
// Limits: at most maxClients connections, and at most maxPerAddress from one
// remote address (more are refused with HTTP 503 before the upgrade); a
// connection whose messages were refused maxRefused times is closed (4400),
// and a refusal is never queued past maxBuffer; a connection is closed
// (4401) when its token's exp passes, and a follow after that is refused;
// a client message of at most maxMessage bytes (ws
// closes with 1009 beyond); at most sim.limit('sectors') sectors in a
// follow; at most maxFollows follows of one connection waiting (more get
// an error); no hello within helloMs closes the connection.  Backpressure: a
// client whose unsent bytes would pass maxBuffer with the next message is
// disconnected at once (its buffer freed; a message goes out whole when
// nothing is waiting, so a client holds at most maxBuffer bytes plus one
// message); it resumes with from_tick = the last tick it
// received, and its first message then covers the whole gap in one delta.
// So a slow page costs the server at most maxBuffer bytes and never
// delays the others.

import pg from "pg";
import { WebSocketServer } from "ws";
import { AuthError, authenticate } from "./auth.mjs";

const OPEN = 1;

// A refusal sent to the client as an "error" or "reload" header.
class FeedError extends Error {
	constructor(code, message, hint = null) {
		super(message);
		this.code = code;
		this.hint = hint;
	}
}

// The bytes of one message: uint32 LE header length, header JSON, delta.
export function frame(header, delta) {
	const json = Buffer.from(JSON.stringify(header), "utf8");
	const out = Buffer.allocUnsafe(4 + json.length + (delta ? delta.length : 0));
	out.writeUInt32LE(json.length, 0);
	json.copy(out, 4);
	if (delta) Buffer.from(delta.buffer, delta.byteOffset, delta.length).copy(out, 4 + json.length);
	return out;
}

// The to_tick of a delta, from its header (bytes 16..23).
function deltaToTick(bytes) {
	return Number(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readBigInt64LE(16));
}

// The epoch of a version 2 delta, from its header (bytes 40..47).
function deltaEpoch(bytes) {
	return Number(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readBigInt64LE(40));
}

// A sim_tick payload as a tick message's summary: its known fields, each an
// integer (sectors: an array of them), or null when it is not a tick's.  Any
// login of the database can NOTIFY sim_tick, so a payload is never trusted
// for more than these numbers: it only wakes the feed, which reads the tick,
// the epoch and the deltas from the database ("reload": true is ignored --
// a replaced universe has a new epoch, which the feed reads).
const SUMMARY_INTEGERS = ["tick", "epoch", "ships_in_flight", "arrivals", "commands", "rejected",
	"changes", "changes_total", "sectors_touched"];
function summaryOf(p) {
	if (p === null || typeof p !== "object" || p.reload === true) return null;
	if (!Number.isSafeInteger(p.tick) || !Number.isSafeInteger(p.epoch)) return null;
	const out = {};
	for (const k of SUMMARY_INTEGERS) if (Number.isSafeInteger(p[k])) out[k] = p[k];
	if (typeof p.ms === "number" && Number.isFinite(p.ms)) out.ms = p.ms;
	if (typeof p.at === "string" && p.at.length <= 64) out.at = p.at;
	if (Array.isArray(p.sectors) && p.sectors.length <= 4096 && p.sectors.every(Number.isSafeInteger)) out.sectors = p.sectors;
	if (p.sectors_truncated === true) out.sectors_truncated = true;
	if (p.changes !== null && typeof p.changes === "object" && !Array.isArray(p.changes)) {
		const kinds = Object.entries(p.changes).filter(([k, v]) => /^[a-z_]{1,32}$/.test(k) && Number.isSafeInteger(v));
		if (kinds.length <= 64) out.changes = Object.fromEntries(kinds);
	}
	return out;
}

// The message of a client that follows another epoch than the universe's.
function staleEpoch(theirs, current) {
	return new FeedError("SM012", `epoch ${theirs} is not the current epoch ${current}`,
		"The universe was replaced (generated again, rolled back or imported): start over with a state.");
}

// The integer array or null of a hello/follow's sectors (throws FeedError).
function parseSectors(v, limit) {
	if (v === null || v === undefined) return null;
	if (!Array.isArray(v)) throw new FeedError("22023", "sectors must be an array of sector ids or null");
	if (v.length > limit) {
		throw new FeedError("54000", `too many sectors: ${v.length}`, `Follow at most ${limit} sectors (sim.limit('sectors')), or all of them with null.`);
	}
	for (const s of v) {
		if (s === null) throw new FeedError("22004", "sectors must not contain null");
		if (!Number.isInteger(s) || s < -2147483648 || s > 2147483647) {
			throw new FeedError("22023", `sector ${JSON.stringify(s)?.slice(0, 40)} is not an integer`);
		}
	}
	return [...new Set(v)].sort((a, b) => a - b);
}

function sectorsKey(sectors) {
	return sectors === null ? "*" : sectors.join(",");
}

export function attachLive(server, options) {
	const {
		connectionString,
		auth,
		maxClients = 1000,
		maxBuffer = 16 * 1024 * 1024,
		maxMessage = 128 * 1024,
		helloMs = 10000,
		maxFollows = 64,
		maxPerAddress = 64,
		maxRefused = 16,
		log = (...a) => console.error("sim-live:", ...a),
	} = options;

	const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessage, perMessageDeflate: false });
	const pool = new pg.Pool({ connectionString, max: 2 });
	pool.on("error", (e) => log("pool connection failed:", e.message));
	const clients = new Set();
	const summaries = new Map(); // "epoch:tick" -> sim_tick payload, the last 1000
	let listener = null;
	let closing = false;
	let tick = null; // the last tick whose messages have been sent
	let epoch = null; // the epoch of that tick
	let kinds = null;
	let sectorLimit = 10000;
	let chain = Promise.resolve();
	let pumpQueued = false;
	const stats = { messages: 0, bytes: 0, dropped: 0, queries: 0 };

	// Run fn after everything queued before it (see the top of the file).
	function serial(fn) {
		const p = chain.then(fn);
		chain = p.catch((e) => log("failed:", e.stack ?? e.message));
		return p;
	}

	// One query as sim_operator, in its own transaction.
	async function asOperator(text, params) {
		const c = await pool.connect();
		stats.queries++;
		try {
			await c.query("BEGIN");
			await c.query("SET LOCAL ROLE sim_operator");
			const r = await c.query(text, params);
			await c.query("COMMIT");
			return r.rows;
		} catch (e) {
			await c.query("ROLLBACK").catch(() => {});
			throw e;
		} finally {
			c.release();
		}
	}

	// { tick, epoch } of the universe, or null without one.
	async function currentWorld() {
		const rows = await asOperator("SELECT tick, epoch FROM sim.world");
		return rows.length ? { tick: Number(rows[0].tick), epoch: Number(rows[0].epoch) } : null;
	}

	function summary(e, t) {
		return summaries.get(`${e}:${t}`) ?? null;
	}

	function send(c, buf) {
		if (c.ws.readyState !== OPEN) return false;
		if (c.ws.bufferedAmount > 0 && c.ws.bufferedAmount + buf.length > maxBuffer) {
			// too slow: free its buffer now; it resumes from its last tick
			stats.dropped++;
			log(`client ${c.n} dropped: ${c.ws.bufferedAmount} bytes unsent`);
			drop(c);
			c.ws.terminate();
			return false;
		}
		c.ws.send(buf, { binary: true });
		stats.messages++;
		stats.bytes += buf.length;
		return true;
	}

	function refuse(c, type, e, close = false, extra = null) {
		const header = { type, code: e.code ?? "XX000", message: e.message, hint: e.hint ?? null, ...extra };
		const buf = frame(header, null);
		if (c.ws.readyState === OPEN) {
			if (c.ws.bufferedAmount > 0 && c.ws.bufferedAmount + buf.length > maxBuffer) {
				// a client that sends without reading: its refusals are not queued
				stats.dropped++;
				drop(c);
				c.ws.terminate();
				return;
			}
			c.ws.send(buf, { binary: true });
		}
		if (close) c.ws.close(e.code === 401 ? 4401 : e.code === 403 ? 4403 : 4400, String(header.message).slice(0, 100));
	}

	// A refusal of a client's message; the maxRefused-th closes the connection.
	function refuseMessage(c, e, close) {
		c.refused++;
		if (!close && c.refused >= maxRefused) {
			refuse(c, "error", new FeedError(e.code ?? "08P01", `${e.message} (${c.refused} messages refused: closing)`, e.hint ?? null), true);
			return;
		}
		refuse(c, "error", e, close);
	}

	// Close c when its token expires (exp: seconds since the epoch, or none).
	function expireAt(c, exp) {
		if (!Number.isFinite(exp)) return;
		clearTimeout(c.expiryTimer);
		const wait = exp * 1000 - Date.now();
		if (wait <= 0) {
			drop(c);
			refuse(c, "error", new FeedError(401, "the token has expired", "Log in again: the token is invalid or expired."), true);
			return;
		}
		c.expiryTimer = setTimeout(() => expireAt(c, exp), Math.min(wait, 2 ** 31 - 1));
		c.expiryTimer.unref?.();
	}

	function drop(c) {
		clients.delete(c);
		c.ready = false;
	}

	// A PostgreSQL error as a FeedError (its SQLSTATE, message and hint).
	function fromPg(e) {
		if (e instanceof FeedError) return e;
		if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return new FeedError(e.code, e.message, e.hint ?? null);
		log("unexpected:", e.stack ?? e.message);
		return new FeedError("XX000", "the live feed failed; try again");
	}

	// The state message of c's sectors; c follows from its tick on.
	async function sendState(c) {
		let t, e, delta;
		if (c.operator) {
			const [r] = await asOperator("SELECT sim.delta_state($1::integer[]) AS d", [c.sectors]);
			delta = r.d;
			t = deltaToTick(delta);
			e = deltaEpoch(delta);
		} else {
			const w = await currentWorld();
			t = w?.tick ?? null;
			e = w?.epoch ?? null;
			delta = null;
		}
		if (t === null) throw new FeedError("55000", "there is no universe", "Create one with sim.generate_universe().");
		c.lastTick = t;
		c.epoch = e;
		c.ready = true;
		send(c, frame({ type: "state", tick: t, epoch: e, sectors: c.sectors, kinds }, delta));
	}

	// The catch-up (from, now] of c: one tick message.
	// With c.epoch (null: not checked), SM012 when it is not the universe's.
	async function sendCatchUp(c, from) {
		if (c.operator) {
			const [r] = await asOperator(
				"SELECT w.tick, sim.delta($1::bigint, w.tick, $2::integer[], true, $3::bigint) AS d FROM sim.world w",
				[from, c.sectors, c.epoch]);
			if (!r) throw new FeedError("55000", "there is no universe", "Create one with sim.generate_universe().");
			const to = Number(r.tick);
			const e = deltaEpoch(r.d);
			c.lastTick = to;
			c.epoch = e;
			c.ready = true;
			send(c, frame({ type: "tick", from_tick: from, to_tick: to, tick: to, epoch: e, summary: summary(e, to) }, r.d));
		} else {
			const w = await currentWorld();
			if (w === null) throw new FeedError("55000", "there is no universe");
			if (c.epoch !== null && c.epoch !== w.epoch) throw staleEpoch(c.epoch, w.epoch);
			if (from > w.tick) {
				throw new FeedError("22023", `tick ${from} has not happened yet`, `The last committed tick is ${w.tick}: start over with a state.`);
			}
			c.lastTick = w.tick;
			c.epoch = w.epoch;
			c.ready = true;
			send(c, frame({ type: "tick", from_tick: from, to_tick: w.tick, tick: w.tick, epoch: w.epoch, summary: summary(w.epoch, w.tick) }, null));
		}
	}

	// The universe was replaced: every client reloads and gets a new state.
	async function reloadClients(now, e, why) {
		for (const c of [...clients]) {
			if (!c.ready) continue;
			c.ready = false;
			refuse(c, "reload", why(c), false, { epoch: e, state_follows: true });
			try {
				await sendState(c);
			} catch (err) {
				refuse(c, "error", fromPg(err));
			}
		}
	}

	// Send every client the ticks after its last one, up to the last
	// committed tick.
	async function pump() {
		pumpQueued = false;
		const w = await currentWorld();
		if (w === null) return;
		const now = w.tick;
		if (tick === null) {
			tick = now;
			epoch = w.epoch;
		}
		if (w.epoch !== epoch || now < tick) {
			// the universe was replaced (generated again, rolled back,
			// imported): nobody's copy follows from it
			tick = now;
			epoch = w.epoch;
			await reloadClients(now, w.epoch, (c) => (c.epoch !== null && c.epoch !== w.epoch
				? staleEpoch(c.epoch, w.epoch)
				: new FeedError("SM012", `the universe of epoch ${w.epoch} was replaced or restored`,
					"Its followers start over with a state.")));
			return;
		}
		const from = tick;
		const groups = new Map(); // sectors key -> { sectors, clients }
		const others = [];
		const players = [];
		for (const c of clients) {
			if (!c.ready || c.lastTick >= now) continue;
			if (!c.operator) players.push(c);
			else if (c.lastTick >= from) {
				// (a client whose state is newer than from joins at its tick)
				const k = sectorsKey(c.sectors);
				if (!groups.has(k)) groups.set(k, { sectors: c.sectors, clients: [], since: c.lastTick });
				const g = groups.get(k);
				g.clients.push(c);
				g.since = Math.min(g.since, c.lastTick);
			} else others.push(c);
		}
		for (const g of groups.values()) {
			let rows;
			try {
				rows = await asOperator(
					`SELECT t, sim.delta(t - 1, t, $1::integer[], true, $4::bigint) AS d
					   FROM generate_series($2::bigint + 1, $3::bigint) AS t ORDER BY t`, [g.sectors, g.since, now, epoch]);
			} catch (e) {
				for (const c of g.clients) {
					refuse(c, "reload", fromPg(e));
					c.ready = false;
				}
				continue;
			}
			for (const r of rows) {
				const t = Number(r.t);
				const buf = frame({ type: "tick", from_tick: t - 1, to_tick: t, tick: t, epoch, summary: summary(epoch, t) }, r.d);
				for (const c of g.clients) {
					if (c.ready && c.lastTick === t - 1 && send(c, buf)) c.lastTick = t;
				}
			}
		}
		for (const c of others) {
			try {
				await sendCatchUp(c, c.lastTick);
			} catch (e) {
				refuse(c, "reload", fromPg(e));
				c.ready = false;
			}
		}
		const perTick = new Map();
		for (const c of players) {
			if (c.lastTick >= from) {
				for (let t = c.lastTick + 1; t <= now; t++) {
					if (!perTick.has(t)) perTick.set(t, frame({ type: "tick", from_tick: t - 1, to_tick: t, tick: t, epoch, summary: summary(epoch, t) }, null));
					if (!send(c, perTick.get(t))) break;
					c.lastTick = t;
				}
			} else if (send(c, frame({ type: "tick", from_tick: c.lastTick, to_tick: now, tick: now, epoch, summary: summary(epoch, now) }, null))) {
				c.lastTick = now;
			}
		}
		tick = now;
	}

	function wake() {
		if (pumpQueued || closing) return;
		pumpQueued = true;
		serial(pump);
	}

	async function listen() {
		if (closing) return;
		const c = new pg.Client({ connectionString });
		c.on("notification", (n) => {
			try {
				const p = summaryOf(JSON.parse(n.payload));
				if (p !== null) {
					summaries.set(`${p.epoch}:${p.tick}`, p);
					if (summaries.size > 1000) summaries.delete(summaries.keys().next().value);
				}
			} catch {
				// a payload that is not JSON: still a wake-up
			}
			wake();
		});
		c.on("error", (e) => {
			log("LISTEN connection failed:", e.message);
			relisten(c);
		});
		c.on("end", () => relisten(c));
		await c.connect();
		await c.query("LISTEN sim_tick");
		listener = c;
		wake(); // ticks committed while not listening
	}

	function relisten(c) {
		if (listener !== c || closing) return;
		listener = null;
		c.end().catch(() => {});
		setTimeout(() => listen().catch((e) => {
			log("cannot LISTEN:", e.message);
			listener = null;
			relisten(c);
		}), 1000).unref();
	}

	async function onHello(c, msg) {
		const sectors = parseSectors(msg.sectors, sectorLimit);
		const fromTick = msg.from_tick ?? null;
		if (fromTick !== null && !(Number.isSafeInteger(fromTick) && fromTick >= 0)) {
			throw new FeedError("22023", "from_tick must be a tick number or null");
		}
		const helloEpoch = msg.epoch ?? null;
		if (helloEpoch !== null && !Number.isSafeInteger(helloEpoch)) {
			throw new FeedError("22023", "epoch must be an integer (the epoch of from_tick) or null");
		}
		if (msg.token !== null && msg.token !== undefined && typeof msg.token !== "string") {
			throw new FeedError("22023", "token must be a JWT string or null");
		}
		let who;
		try {
			who = authenticate(msg.token ? { authorization: `Bearer ${msg.token}` } : {}, auth);
		} catch (e) {
			if (e instanceof AuthError) throw new FeedError(e.status, e.message, e.status === 401 ? "Log in again: the token is invalid or expired." : "This token's role may not use this server.");
			throw e;
		}
		c.role = who.role;
		c.operator = who.role === "sim_operator";
		c.exp = typeof who.claims?.exp === "number" ? who.claims.exp : null;
		c.sectors = sectors;
		c.epoch = fromTick === null ? null : helloEpoch;
		c.phase = "live";
		clearTimeout(c.helloTimer);
		clients.add(c);
		expireAt(c, c.exp);
		await serial(async () => {
			try {
				if (fromTick === null) await sendState(c);
				else await sendCatchUp(c, fromTick);
			} catch (e) {
				const fe = fromPg(e);
				if (fromTick !== null && (fe.code === "SM010" || fe.code === "SM012" || fe.code === "22023")) {
					c.epoch = null;
					refuse(c, "reload", fe, false, { epoch: (await currentWorld().catch(() => null))?.epoch ?? null });
				}
				else {
					drop(c);
					refuse(c, "error", fe, true);
				}
			}
		});
	}

	async function onFollow(c, msg) {
		if (c.exp !== null && c.exp * 1000 <= Date.now()) {
			expireAt(c, c.exp);
			return;
		}
		const sectors = parseSectors(msg.sectors, sectorLimit);
		if (c.follows >= maxFollows) {
			throw new FeedError("54000", `${c.follows} follows of this connection are still waiting`, "Wait for the state of one follow before sending the next.");
		}
		c.follows++;
		await serial(async () => {
			c.follows--;
			const old = c.sectors;
			const wasReady = c.ready;
			c.ready = false;
			c.sectors = sectors;
			try {
				await sendState(c);
			} catch (e) {
				// it keeps what it followed, from its last tick
				c.sectors = old;
				c.ready = wasReady;
				refuse(c, "error", fromPg(e));
			}
		});
	}

	let nextId = 1;
	const perAddress = new Map(); // remote address -> open connections
	wss.on("connection", (ws, req) => {
		const address = req?.socket?.remoteAddress ?? "";
		perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
		const c = { n: nextId++, ws, phase: "hello", ready: false, operator: false, sectors: null, lastTick: null, epoch: null, role: null, follows: 0, refused: 0, exp: null };
		c.helloTimer = setTimeout(() => {
			refuse(c, "error", new FeedError("08P01", "no hello", "Send {\"type\":\"hello\",...} first."), true);
		}, helloMs);
		c.helloTimer.unref?.();
		ws.on("message", (data, isBinary) => {
			let msg;
			try {
				if (isBinary) throw new FeedError("08P01", "client messages are JSON text frames");
				try {
					msg = JSON.parse(data.toString("utf8"));
				} catch {
					throw new FeedError("08P01", "a client message must be JSON");
				}
				if (msg === null || typeof msg !== "object" || Array.isArray(msg)) throw new FeedError("08P01", "a client message must be a JSON object");
				if (c.phase === "hello" && msg.type !== "hello") throw new FeedError("08P01", `the first message must be a hello, not ${JSON.stringify(String(msg.type)).slice(0, 40)}`);
				if (c.phase === "live" && msg.type !== "follow") throw new FeedError("08P01", `unknown message type ${JSON.stringify(String(msg.type)).slice(0, 40)}`, "Send {\"type\":\"follow\",\"sectors\":[...]}.");
			} catch (e) {
				refuseMessage(c, e, c.phase === "hello");
				return;
			}
			const p = c.phase === "hello" ? onHello(c, msg) : onFollow(c, msg);
			p.catch((e) => {
				const fe = e instanceof FeedError ? e : fromPg(e);
				refuseMessage(c, fe, c.phase === "hello");
			});
		});
		ws.on("close", () => {
			clearTimeout(c.helloTimer);
			clearTimeout(c.expiryTimer);
			drop(c);
			const left = (perAddress.get(address) ?? 1) - 1;
			if (left > 0) perAddress.set(address, left);
			else perAddress.delete(address);
		});
		ws.on("error", () => drop(c));
	});

	function onUpgrade(req, socket, head) {
		let pathname;
		try {
			pathname = new URL(req.url, "http://x").pathname;
		} catch {
			pathname = "";
		}
		if (pathname !== "/live") {
			if (server.listenerCount("upgrade") === 1) socket.destroy();
			return;
		}
		const address = req.socket.remoteAddress ?? "";
		if (closing || wss.clients.size >= maxClients || (perAddress.get(address) ?? 0) >= maxPerAddress) {
			socket.end("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntoo many live feed clients\n");
			return;
		}
		wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
	}

	return {
		// Read the vocabulary and the current tick, start listening, take connections.
		async start() {
			const rows = await asOperator(
				`SELECT k.kind, k.name, k.fields,
				        (SELECT coalesce(jsonb_object_agg(f.field, f.labels), '{}')
				           FROM (SELECT cc.field, jsonb_agg(cc.label ORDER BY cc.code) AS labels
				                   FROM sim.change_code cc WHERE cc.kind = k.kind GROUP BY cc.field) f) AS codes
				   FROM sim.change_kind k ORDER BY k.kind`);
			kinds = rows.map((r) => ({ kind: r.kind, name: r.name, fields: r.fields, codes: r.codes }));
			sectorLimit = (await asOperator("SELECT sim.limit('sectors') AS n"))[0].n;
			const w = await currentWorld();
			tick = w?.tick ?? null;
			epoch = w?.epoch ?? null;
			await listen();
			server.on("upgrade", onUpgrade);
		},
		// Close every connection and the database connections.
		async close() {
			closing = true;
			server.off("upgrade", onUpgrade);
			for (const ws of wss.clients) ws.terminate();
			wss.close();
			const l = listener;
			listener = null;
			await l?.end().catch(() => {});
			await chain.catch(() => {});
			await pool.end().catch(() => {});
		},
		stats: () => ({ ...stats, clients: clients.size, tick, epoch }),
	};
}
