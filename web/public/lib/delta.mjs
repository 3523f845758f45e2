// web/public/lib/delta.mjs -- the JavaScript decoder of sim's binary deltas
// (docs/delta-format.md), LZ4 block decoder included; a plain ES module for
// the browser and for Node.
//
//   import { decodeDelta, DeltaError } from "./delta.mjs";
//   const { version, epoch, fromTick, toTick, records } = decodeDelta(uint8array);
//
// A record is { tick, seq, id, sub, sector, kind, deleted, values }:
// - tick, seq and id are int64 in the format: each is a Number when it is a
//   safe integer (Number.isSafeInteger), else a BigInt -- so ordinary ids
//   and ticks are plain Numbers and no value is ever rounded;
// - sub and sector are Numbers (int32), kind a Number (1..255), deleted a
//   boolean;
// - values is an array of Numbers (doubles, bit for bit: -0, NaN payloads
//   aside, which JavaScript cannot keep, infinities, subnormals) with null
//   for a NULL value; a deleted record has none.
// fromTick and toTick follow the same Number-or-BigInt rule, and so does
// epoch, the universe's epoch from a version 2 header (sim's are in
// [1, 2^53 - 1]: Numbers); version is 2, or 1 for a delta of the previous
// version, which has no epoch (epoch null).
//
// The decoder takes hostile input and refuses what sim's C decoder
// (src/core/delta_decode.c) refuses, in the same order of checks, with a
// DeltaError whose `reason` is the C decoder's class ("truncated", "magic",
// "version", "flags", "corrupt", "too_large", "tick_range", "record_range",
// "bad_record", "too_many_values", "trailing") and whose message is the C
// decoder's text ("delta is truncated", ...); `detail` says more when known.  One difference, allowed by the
// format: an LZ4 match offset of 0 is refused as corrupt (liblz4 accepts it).
// Nothing is allocated before the header has been checked against the input
// length and maxRaw.

export class DeltaError extends Error {
	constructor(reason, detail = null) {
		super(MESSAGES[reason] ?? "delta is corrupt");
		this.name = "DeltaError";
		this.reason = reason;
		this.detail = detail; // what exactly, when known ("lz4 offset 0", ...)
	}
}

// The C decoder's messages (SimDeltaErrorString), by reason.
const MESSAGES = {
	truncated: "delta is truncated",
	magic: "delta has a bad magic number",
	version: "delta format version is not supported",
	flags: "delta has unknown flags",
	corrupt: "delta is corrupt",
	too_large: "delta is too large",
	tick_range: "delta tick range is invalid",
	record_range: "delta record tick is outside the tick range",
	bad_record: "delta record is invalid",
	too_many_values: "delta record has too many values",
	trailing: "delta has trailing bytes",
};

export const HEADER_SIZE = 48; // version 2; version 1's is 40 (no epoch)
export const HEADER_SIZE_V1 = 40;
export const VERSION = 2;
export const MAX_BODY = 0x7e000000;
// sim.delta_records's limit on a body before compression (SIM_DELTA_SQL_MAX_RAW)
export const DEFAULT_MAX_RAW = 64 * 1024 * 1024;
const NSTREAMS = 10;
const REC_MIN_BYTES = 7;
const MAX_VALS = 64;
const ST_TICK = 0, ST_SEQ = 1, ST_ID = 2, ST_SUB = 3, ST_SECTOR = 4;
const ST_KIND = 5, ST_FLAGS = 6, ST_CLASS = 7, ST_INT = 8, ST_XOR = 9;
const TWO53 = 9007199254740992;
// the 32-bit halves of a double in a Uint32Array view: low, high
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const B64 = 1n << 64n;

function fail(reason, detail = null) {
	throw new DeltaError(reason, detail);
}

// Decompress one LZ4 block (the block format, not the frame format) of
// src[start, end) into exactly size bytes; throws DeltaError("corrupt") on
// anything else: a cut-off sequence, an offset of 0 or before the output's
// start, output past size or short of it.
export function lz4BlockDecompress(src, size, start = 0, end = src.length) {
	const out = new Uint8Array(size);
	let i = start;
	let op = 0;
	while (i < end) {
		const token = src[i++];
		let n = token >>> 4;
		if (n === 15) {
			for (;;) {
				if (i >= end) fail("corrupt");
				const b = src[i++];
				n += b;
				if (b !== 255) break;
			}
		}
		if (n > end - i || n > size - op) fail("corrupt");
		if (n < 32) {
			for (let k = 0; k < n; k++) out[op + k] = src[i + k];
		} else {
			out.set(src.subarray(i, i + n), op);
		}
		i += n;
		op += n;
		if (i >= end) break; // the last sequence has no match
		if (end - i < 2) fail("corrupt");
		const off = src[i] | (src[i + 1] << 8);
		i += 2;
		if (off === 0) fail("corrupt", "lz4 offset 0");
		if (off > op) fail("corrupt", "lz4 offset before the start");
		let m = (token & 15) + 4;
		if ((token & 15) === 15) {
			for (;;) {
				if (i >= end) fail("corrupt");
				const b = src[i++];
				m += b;
				if (b !== 255) break;
			}
		}
		if (m > size - op) fail("corrupt");
		if (off >= m && m >= 32) {
			out.copyWithin(op, op - off, op - off + m);
			op += m;
		} else {
			// short or overlapping: byte by byte
			for (let k = 0; k < m; k++, op++) out[op] = out[op - off];
		}
	}
	if (op !== size) fail("corrupt");
	return out;
}

// A stream of the body: bytes p[pos, end).
class Stream {
	constructor(p, pos, len) {
		this.p = p;
		this.pos = pos;
		this.end = pos + len;
	}
	byte() {
		if (this.pos >= this.end) fail("corrupt");
		return this.p[this.pos++];
	}
	// An unsigned LEB128 varint of at most 10 bytes and 64 bits: a Number
	// when below 2^53, else a BigInt.
	varint() {
		const p = this.p;
		let pos = this.pos;
		const end = this.end;
		let v = 0;
		let mul = 1;
		for (let k = 0; k < 7; k++) {
			if (pos >= end) fail("corrupt");
			const b = p[pos++];
			v += (b & 0x7f) * mul;
			if (b < 0x80) {
				this.pos = pos;
				return v;
			}
			mul *= 128;
		}
		// 49 bits read so far: the rest in BigInt
		let big = BigInt(v);
		for (let shift = 49n; shift < 70n; shift += 7n) {
			if (pos >= end) fail("corrupt");
			const b = p[pos++];
			if (shift === 63n && b > 1) fail("corrupt");
			big |= BigInt(b & 0x7f) << shift;
			if (b < 0x80) {
				this.pos = pos;
				return big < TWO53n ? Number(big) : big;
			}
		}
		fail("corrupt");
	}
}
const TWO53n = 1n << 53n;

// The signed difference of a zigzag value z (Number < 2^53 or BigInt < 2^64).
function unzigzag(z) {
	if (typeof z === "number") return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
	return (z >> 1n) ^ -(z & 1n);
}

// prev + d modulo 2^64 as a signed int64: a Number when safe, else a BigInt.
function add64(prev, d) {
	if (typeof prev === "number" && typeof d === "number") {
		const s = prev + d;
		if (Number.isSafeInteger(s)) return s;
	}
	const s = BigInt.asIntN(64, BigInt(prev) + BigInt(d));
	return s >= -MAX_SAFE_N && s <= MAX_SAFE_N ? Number(s) : s;
}
const MAX_SAFE_N = BigInt(Number.MAX_SAFE_INTEGER);

// prev + d modulo 2^32 as a signed int32 (z: the zigzag value, < 2^32).
function add32(prev, z) {
	const d = (z >>> 1) ^ -(z & 1);
	return (prev + d) | 0;
}

// An int64 header field at off (little-endian): a Number when safe, else a BigInt.
function int64At(view, off) {
	const v = view.getBigInt64(off, true);
	return v >= -MAX_SAFE_N && v <= MAX_SAFE_N ? Number(v) : v;
}

// a <= b for int64s given as Number or BigInt.
function le(a, b) {
	return typeof a === typeof b ? a <= b : BigInt(a) <= BigInt(b);
}

// Decode a delta: { version, epoch, fromTick, toTick, records } (see the top
// of this file).
// maxRaw: the largest body (before LZ4) accepted, DEFAULT_MAX_RAW as
// sim.delta_records; a larger one is refused as "too_large".
export function decodeDelta(bytes, { maxRaw = DEFAULT_MAX_RAW } = {}) {
	if (!(bytes instanceof Uint8Array)) {
		if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
		else throw new TypeError("decodeDelta takes a Uint8Array or an ArrayBuffer");
	}
	const len = bytes.length;
	// the header, checked in the C decoder's order (read_header)
	if (len >= 4 && (bytes[0] !== 0x53 || bytes[1] !== 0x49 || bytes[2] !== 0x4d || bytes[3] !== 0x44)) fail("magic");
	if (len < HEADER_SIZE_V1) fail("truncated");
	if (bytes[4] !== 1 && bytes[4] !== 2) fail("version");
	const version = bytes[4];
	const hsize = version === 1 ? HEADER_SIZE_V1 : HEADER_SIZE;
	if (len < hsize) fail("truncated");
	if ((bytes[5] & ~1) !== 0 || bytes[6] !== 0 || bytes[7] !== 0) fail("flags");
	const view = new DataView(bytes.buffer, bytes.byteOffset, len);
	const epoch = version === 1 ? null : int64At(view, 40);
	const lz4 = (bytes[5] & 1) !== 0;
	const fromTick = int64At(view, 8);
	const toTick = int64At(view, 16);
	const nrecs = view.getUint32(24, true);
	const nvals = view.getUint32(28, true);
	const rawLen = view.getUint32(32, true);
	const packedLen = view.getUint32(36, true);
	if (!le(fromTick, toTick)) fail("tick_range");
	if (rawLen > MAX_BODY || packedLen > MAX_BODY || rawLen > maxRaw) fail("too_large");
	if (len - hsize < packedLen) fail("truncated");
	if (len - hsize > packedLen) fail("trailing");
	if (lz4) {
		if (packedLen === 0 || rawLen > packedLen * 255) fail("corrupt");
	} else if (packedLen !== rawLen) {
		fail("corrupt");
	}
	if (nrecs * REC_MIN_BYTES + nvals + NSTREAMS > rawLen || nvals > nrecs * MAX_VALS) fail("corrupt");

	const body = lz4 ? lz4BlockDecompress(bytes, rawLen, hsize, len) : bytes;
	const base = lz4 ? 0 : hsize;

	// the directory (read_directory)
	const dir = new Stream(body, base, rawLen);
	const lens = new Array(NSTREAMS);
	let sum = 0;
	for (let i = 0; i < NSTREAMS; i++) {
		const l = dir.varint();
		if (typeof l !== "number" || l > rawLen) fail("corrupt");
		lens[i] = l;
		sum += l;
	}
	const left = dir.end - dir.pos;
	if (sum > left) fail("corrupt");
	if (sum < left) fail("trailing");
	const st = new Array(NSTREAMS);
	let pos = dir.pos;
	for (let i = 0; i < NSTREAMS; i++) {
		st[i] = new Stream(body, pos, lens[i]);
		pos += lens[i];
	}
	if (lens[ST_KIND] !== nrecs || lens[ST_FLAGS] !== nrecs || lens[ST_CLASS] !== nvals) fail("corrupt");

	// kinds and flags of every record (check_records)
	const kindAt = st[ST_KIND].pos;
	const flagsAt = st[ST_FLAGS].pos;
	let total = 0;
	const maxnv = new Uint8Array(256);
	for (let r = 0; r < nrecs; r++) {
		const kind = body[kindAt + r];
		const fl = body[flagsAt + r];
		const nv = fl & 0x7f;
		if (kind === 0 || ((fl & 0x80) && nv > 0)) fail("bad_record");
		if (nv > MAX_VALS) fail("too_many_values");
		if (nv > maxnv[kind]) maxnv[kind] = nv;
		total += nv;
	}
	if (total !== nvals) fail("corrupt");

	// the prediction slots: P[kind][i] as doubles, with their 32-bit halves
	// (for XOR) in a view of the same bytes
	const slotOff = new Uint32Array(256);
	let nslots = 0;
	for (let k = 0; k < 256; k++) {
		slotOff[k] = nslots;
		nslots += maxnv[k];
	}
	const slotF = new Float64Array(nslots);
	const slotU = new Uint32Array(slotF.buffer);

	const tickS = st[ST_TICK], seqS = st[ST_SEQ], idS = st[ST_ID], subS = st[ST_SUB], sectorS = st[ST_SECTOR];
	const classS = st[ST_CLASS], intS = st[ST_INT], xorS = st[ST_XOR];
	const prevId = new Array(256).fill(0);
	let tick = fromTick;
	let seq = 0;
	let sub = 0;
	let sector = 0;
	const records = new Array(nrecs);
	for (let r = 0; r < nrecs; r++) {
		const kind = body[kindAt + r];
		const fl = body[flagsAt + r];
		const deleted = (fl & 0x80) !== 0;
		const nv = fl & 0x7f;
		tick = add64(tick, unzigzag(tickS.varint()));
		if (le(tick, fromTick) || !le(tick, toTick)) fail("record_range");
		seq = add64(seq, unzigzag(seqS.varint()));
		const id = (prevId[kind] = add64(prevId[kind], unzigzag(idS.varint())));
		let z = subS.varint();
		if (typeof z !== "number" || z > 0xffffffff) fail("corrupt");
		sub = add32(sub, z);
		z = sectorS.varint();
		if (typeof z !== "number" || z > 0xffffffff) fail("corrupt");
		sector = add32(sector, z);

		const values = new Array(nv);
		const so = slotOff[kind];
		for (let j = 0; j < nv; j++) {
			const s = so + j;
			const c = classS.byte();
			if (c === 0) {
				values[j] = null;
			} else if (c === 1) {
				values[j] = slotF[s];
			} else if (c === 2) {
				const p = slotF[s];
				const baseInt = p >= -TWO53 && p <= TWO53 && Math.trunc(p) === p && !Object.is(p, -0) ? p : 0;
				const zz = intS.varint();
				let n;
				if (typeof zz === "number") {
					n = baseInt + unzigzag(zz); // exact: both within 2^53
				} else {
					const nb = BigInt(baseInt) + unzigzag(zz);
					if (nb < -TWO53n || nb > TWO53n) fail("corrupt");
					n = Number(nb);
				}
				if (n < -TWO53 || n > TWO53) fail("corrupt");
				slotF[s] = n;
				values[j] = n;
			} else if (c <= 66) {
				const k = c - 3;
				const lead = k >> 3;
				const trail = k & 7;
				if (lead + trail > 7) fail("corrupt");
				let l = 0, h = 0;
				for (let b = trail; b < 8 - lead; b++) {
					const byte = xorS.byte();
					if (b < 4) l |= byte << (8 * b);
					else h |= byte << (8 * (b - 4));
				}
				slotU[2 * s + LO] ^= l;
				slotU[2 * s + HI] ^= h;
				values[j] = slotF[s];
			} else {
				fail("corrupt");
			}
		}
		records[r] = { tick, seq, id, sub, sector, kind, deleted, values };
	}
	st[ST_KIND].pos = st[ST_KIND].end;
	st[ST_FLAGS].pos = st[ST_FLAGS].end;
	for (let i = 0; i < NSTREAMS; i++) if (st[i].pos !== st[i].end) fail("trailing");
	return { version, epoch, fromTick, toTick, records };
}
