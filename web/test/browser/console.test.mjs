// web/test/browser/console.test.mjs -- the player console (#console,
// web/public/app/console.mjs) in Chromium: a player logs in with a token,
// sees its ships, undocks and then sends a ship to another station from the
// page's form; sim.step moves the world, and the page shows the ship depart
// (state flying, its arrival tick) as the database has it, refreshed by the
// feed's tick messages alone.  Forbidden actions -- another player's ship, and
// selling what the hold does not carry -- show the API's error with its
// SQLSTATE and hint, the same the API answers to the same request, and change
// nothing.  Screenshots: console-departed.png, console-refused.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, shot, startSim, until } from "./harness.mjs";

const skip = await browserSkip();

describe("the player console", { skip: skip ? `Chromium cannot start: ${skip}` : false }, () => {
	let sim;
	let page;
	const my = {};
	before(async () => {
		sim = await startSim({ name: "dash_console", ships: 300, steps: 5, players: ["alice", "bob"] });
		const rows = await sim.sql(
			`SELECT p.name, s.id, s.docked_at, s.sector_id FROM sim.player p JOIN sim.ship s ON s.faction_id = p.faction_id ORDER BY s.id`);
		my.ship = String(rows.find((r) => r.name === "alice").id);
		my.station = rows.find((r) => r.name === "alice").docked_at;
		my.sector = rows.find((r) => r.name === "alice").sector_id;
		my.bobShip = String(rows.find((r) => r.name === "bob").id);
		my.dest = (await sim.sql("SELECT id FROM sim.station WHERE sector_id = $1 AND id <> $2 ORDER BY id LIMIT 1",
			[my.sector, my.station]))[0].id;
	});
	after(() => sim?.stop());

	const pageState = () => page.evaluate(() => JSON.parse(JSON.stringify(window.simPage)));
	const shipRow = async () => (await sim.sql(
		"SELECT s.state, s.arrival_tick, s.dest_kind, s.dest_id, w.tick FROM sim.ship s, sim.world w WHERE s.id = $1", [my.ship]))[0];
	const pageShip = (s) => s.ships.find((x) => x.rowId === my.ship);
	// sends the form; resolves to the page's state once a read after it is done
	async function send(action, fill = async () => {}) {
		await page.selectOption("select[name=action]", action);
		await fill();
		await page.click("button[name=send]");
		return until(async () => {
			const s = await pageState();
			return s.lastCommand?.action === action && s.lastCommand.settled && s;
		}, { what: `the page's ${action}` });
	}
	// the page showing the database's row of the ship at the current tick
	const pageAgrees = (what) => until(async () => {
		const [s, db] = [await pageState(), await shipRow()];
		const p = pageShip(s);
		return p && Number(p.tick) === Number(db.tick) && p.state === db.state && s;
	}, { what });

	test("a player sends a ship to a station from the page and sees it depart", async () => {
		page = await sim.open("#console", { token: sim.playerToken("alice") });
		let s = await until(async () => {
			const st = await pageState();
			return st?.route === "console" && st.reads > 0 && st;
		}, { what: "the console's first read" });
		assert.equal(s.player, sim.players.alice);
		assert.deepEqual(s.ships.map((x) => x.rowId), [my.ship], "alice sees her ship, only hers");
		assert.equal(pageShip(s).state, "docked");
		assert.equal(await page.getAttribute(`tr[data-ship="${my.ship}"]`, "data-state"), "docked");

		s = await send("undock");
		assert.equal(s.lastCommand.error, undefined, JSON.stringify(s.lastCommand));
		assert.equal(pageShip(s).pendingCommand, "undock");
		// the world moves by ticks; the page follows them by the feed alone
		let db;
		for (let i = 0; i < 50; i++) {
			await sim.step(1);
			db = await shipRow();
			if (db.state === "idle") break;
		}
		assert.equal(db.state, "idle");
		await pageAgrees("the page to show the ship idle");

		s = await send("navigate", async () => {
			await page.selectOption("select[name=destKind]", "station");
			await page.selectOption("select[name=destStation]", String(my.dest));
			await page.selectOption("select[name=mode]", "cruise");
		});
		assert.equal(s.lastCommand.error, undefined, JSON.stringify(s.lastCommand));
		assert.deepEqual(s.lastCommand.variables, { ship: my.ship, destination: `station:${my.dest}`, mode: "cruise" });
		const planned = s.lastCommand.result;
		assert.equal(pageShip(s).pendingCommand, "navigate");

		await sim.step(1);
		s = await pageAgrees("the page to show the ship flying");
		db = await shipRow();
		assert.equal(db.state, "flying");
		assert.equal(db.dest_kind, "station");
		assert.equal(Number(db.dest_id), my.dest);
		const p = pageShip(s);
		assert.equal(p.state, "flying");
		assert.equal(p.arrivalTick, String(db.arrival_tick));
		assert.equal(p.arrivalTick, planned.arrivalTick, "the arrival the navigate command planned");
		assert.equal(Number(p.destId), my.dest);
		assert.equal(p.pendingCommand, null);
		const row = `tr[data-ship="${my.ship}"]`;
		assert.equal(await page.getAttribute(row, "data-state"), "flying");
		assert.match(await page.textContent(row), new RegExp(`station ${my.dest}`));
		await shot(page, "console-departed");
	});

	test("forbidden actions show the API's error with its SQLSTATE and hint, and change nothing", async () => {
		const token = sim.playerToken("alice");
		const direct = async (query, variables) => {
			const r = await fetch(`${sim.baseUrl}/graphql`, {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
				body: JSON.stringify({ query, variables }),
			});
			return (await r.json()).errors[0];
		};
		const [before] = await sim.sql("SELECT count(*) AS commands FROM sim.command");

		// bob's ship, as a crafted form would send it (the form lists only hers)
		await page.evaluate((id) => {
			const sel = document.querySelector("select[name=ship]");
			const o = document.createElement("option");
			o.value = id;
			o.textContent = `${id} (not mine)`;
			sel.append(o);
			sel.value = id;
		}, my.bobShip);
		let s = await send("navigate", async () => {
			await page.selectOption("select[name=destKind]", "station");
			await page.selectOption("select[name=destStation]", String(my.dest));
		});
		const api = await direct(
			"mutation($ship: BigInt!, $destination: String!, $mode: String) { navigate(input: { ship: $ship, destination: $destination, mode: $mode }) { result { commandId } } }",
			s.lastCommand.variables);
		assert.equal(s.lastCommand.variables.ship, my.bobShip);
		assert.equal(api.extensions.code, "42501");
		assert.deepEqual(s.lastCommand.error, { message: api.message, code: "42501", hint: api.extensions.hint ?? null });
		let shown = await page.textContent("[data-testid=result]");
		assert.ok(shown.includes("[42501]") && shown.includes(api.message), shown);
		assert.equal(await page.getAttribute(".error-bar", "data-code"), "42501");

		// selling what the hold does not carry (the ship flies, and holds nothing)
		await page.selectOption("select[name=ship]", my.ship);
		s = await send("sell", async () => {
			await page.selectOption("select[name=good]", "1");
			await page.fill("input[name=qty]", "5");
		});
		const sold = await direct(
			"mutation($ship: BigInt!, $good: Int!, $qty: BigInt!, $limit: BigInt) { sell(input: { ship: $ship, good: $good, qty: $qty, minPrice: $limit }) { result { tradeId } } }",
			s.lastCommand.variables);
		assert.match(sold.extensions.code, /^[0-9A-Z]{5}$/);
		assert.notEqual(sold.extensions.code, "42501");
		assert.deepEqual(s.lastCommand.error, { message: sold.message, code: sold.extensions.code, hint: sold.extensions.hint ?? null });
		shown = await page.textContent("[data-testid=result]");
		assert.ok(shown.includes(`[${sold.extensions.code}]`), shown);
		if (sold.extensions.hint) assert.ok(shown.includes(sold.extensions.hint), shown);
		assert.equal(await page.getAttribute(".error-bar", "data-code"), sold.extensions.code);
		await shot(page, "console-refused");

		const [afterwards] = await sim.sql("SELECT count(*) AS commands FROM sim.command");
		assert.equal(afterwards.commands, before.commands);
		assert.equal((await sim.sql("SELECT count(*) AS n FROM sim.ship_cargo WHERE ship_id = $1", [my.ship]))[0].n, "0");
		assert.deepEqual(sim.pageErrors.filter((e) => !e.includes("Failed to load resource")), []);
	});
});
