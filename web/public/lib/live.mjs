// web/public/lib/live.mjs -- the page's end of the live feed (web/live.mjs,
// docs/clients.md "The live feed over WebSocket"): connects, follows sectors,
// decodes each message and reconnects after a drop, resuming from its last
// tick and epoch so that no tick is missed or applied twice, and no tick of
// a universe that replaced the one it follows is applied.  Plain ES module for the
// browser and Node (Node 22+ has a global WebSocket; another implementation
// can be passed as options.WebSocket).
//
//   const feed = new LiveFeed({ url: "ws://host/live", token, sectors: [3], world });
//   feed.addEventListener("tick", (e) => draw(e.detail));
//   feed.follow([3, 4]);  ...  feed.close();
//
// Events (CustomEvent, the payload in e.detail):
//   "state"  { header, delta, bytes }: a new starting point (after connecting
//            and after follow); delta is decoded (delta.mjs), with no
//            records for a player or anonymous client;
//   "tick"   { header, delta, bytes }: the ticks (header.from_tick,
//            header.to_tick], header.summary the sim_tick notification's
//            fields (null when the server missed it);
//   "reload" { header }: the feed could not resume (header.code SM010 and
//            the like), or the universe was replaced (SM012: generated
//            again, rolled back, imported); a "state" follows (the server
//            sends it when header.state_follows, else the feed asks);
//   "error"  { header }: the server refused the hello or a follow
//            (header.code: 401/403 for a token, a SQLSTATE otherwise); after
//            a refused hello the feed stops (no reconnect).  Also a message
//            the page could not decode or apply (header.code "DeltaError",
//            "WorldError"...): the feed then asks for a new state;
//   "status" { status: "connected" | "disconnected", code, reason }.
// With options.world (a World of world.mjs), the feed applies each state and
// tick to it before dispatching the event, and sets its kinds from the state.
// lastTick is the to_tick of the last state or tick received (null before),
// epoch the universe's epoch of the last state (null before); a tick of
// another epoch makes the feed start over with a new state.
// Reconnecting waits reconnectMs (doubling up to 30 s after failures).

import { decodeDelta } from "./delta.mjs";

const decoder = new TextDecoder();

// { header, delta: Uint8Array } of one binary message (see web/live.mjs).
export function parseFrame(buf) {
	const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
	if (bytes.length < 4) throw new Error("live feed message shorter than 4 bytes");
	const n = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] * 2 ** 24);
	if (4 + n > bytes.length) throw new Error("live feed message header is cut off");
	const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + n)));
	return { header, delta: bytes.subarray(4 + n) };
}

export class LiveFeed extends EventTarget {
	constructor({ url, token = null, sectors = null, world = null, WebSocket: WS = globalThis.WebSocket, reconnectMs = 500 } = {}) {
		super();
		if (!url) throw new Error("LiveFeed needs the url of the feed (ws://host:port/live)");
		if (!WS) throw new Error("no WebSocket implementation: pass options.WebSocket");
		this.url = url;
		this.token = token;
		this.sectors = sectors;
		this.world = world;
		this.WS = WS;
		this.reconnectMs = reconnectMs;
		this.lastTick = null;
		this.epoch = null;
		this.connected = false;
		this.closed = false;
		this.stopped = null; // why it stopped for good (a refused hello)
		this.failures = 0;
		this.helloDone = false;
		this.ws = null;
		this.timer = null;
		this.connect();
	}

	connect() {
		if (this.closed) return;
		const ws = new this.WS(this.url);
		ws.binaryType = "arraybuffer";
		this.ws = ws;
		ws.onopen = () => {
			this.connected = true;
			this.helloDone = false; // until the first state, tick or reload
			this.failures = 0;
			ws.send(JSON.stringify({ type: "hello", token: this.token, sectors: this.sectors, from_tick: this.lastTick,
				epoch: this.lastTick === null ? null : this.epoch }));
			this.emit("status", { status: "connected" });
		};
		ws.onmessage = (ev) => {
			if (typeof ev.data === "string") return;
			try {
				this.onFrame(ev.data);
			} catch (e) {
				// a message this page cannot decode or apply: start over
				this.lastTick = null;
				this.epoch = null;
				this.emit("error", { header: { type: "error", code: e.name ?? "Error", message: e.message, hint: "The page asked for a new state." } });
				this.send({ type: "follow", sectors: this.sectors });
			}
		};
		ws.onclose = (ev) => {
			if (this.ws !== ws) return;
			const was = this.connected;
			this.connected = false;
			this.ws = null;
			if (was || this.failures === 0) this.emit("status", { status: "disconnected", code: ev.code, reason: ev.reason });
			if (this.closed || this.stopped) return;
			this.failures++;
			const wait = Math.min(30000, this.reconnectMs * 2 ** Math.min(this.failures - 1, 6));
			this.timer = setTimeout(() => this.connect(), wait);
		};
		ws.onerror = () => {};
	}

	onFrame(data) {
		const { header, delta } = parseFrame(data);
		switch (header.type) {
		case "state": {
			const d = delta.length ? decodeDelta(delta) : { epoch: header.epoch ?? null, fromTick: header.tick - 1, toTick: header.tick, records: [] };
			if (this.world) {
				if (header.kinds) this.world.setKinds(header.kinds);
				this.world.loadState(d);
			}
			this.lastTick = header.tick;
			this.epoch = header.epoch ?? d.epoch ?? null;
			this.emit("state", { header, delta: d, bytes: delta });
			break;
		}
		case "tick": {
			if ((this.lastTick !== null && header.from_tick !== this.lastTick) ||
				(this.epoch !== null && header.epoch != null && String(header.epoch) !== String(this.epoch))) {
				// another universe's tick, or one not following ours: start over
				this.lastTick = null;
				this.epoch = null;
				this.send({ type: "follow", sectors: this.sectors });
				return;
			}
			const d = delta.length ? decodeDelta(delta) : { epoch: header.epoch ?? null, fromTick: header.from_tick, toTick: header.to_tick, records: [] };
			if (this.world) this.world.applyDelta(d);
			this.lastTick = header.to_tick;
			this.emit("tick", { header, delta: d, bytes: delta });
			break;
		}
		case "reload":
			this.lastTick = null;
			this.epoch = null;
			this.emit("reload", { header });
			if (!header.state_follows) this.send({ type: "follow", sectors: this.sectors });
			break;
		case "error":
			if (!this.helloDone) this.stopped = header; // the hello was refused
			this.emit("error", { header });
			break;
		default:
			break;
		}
		if (header.type !== "error") this.helloDone = true;
	}

	send(msg) {
		if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(msg));
	}

	// Follow other sectors (null: all); a "state" of them follows.
	follow(sectors) {
		this.sectors = sectors;
		this.send({ type: "follow", sectors });
	}

	// Stop for good.
	close() {
		this.closed = true;
		clearTimeout(this.timer);
		if (this.ws) this.ws.close();
	}

	emit(type, detail) {
		this.dispatchEvent(new CustomEvent(type, { detail }));
	}
}
