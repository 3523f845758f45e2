// web/test/browser/map.test.mjs -- the galaxy and sector views in Chromium,
// against a fresh universe (harness.mjs): what the page draws is what the
// database holds, positions it computes are sim.ship_live's, a click shows a
// ship's row, and the live feed survives a cut connection and a restarted
// server with no tick missed or applied twice.  Each test saves a
// screenshot.
//
//   PGHOST=... PGPORT=... PGUSER=postgres web/test/browser/run.sh web/test/browser/map.test.mjs
//
// The world moves only by sim.step(n).  Positions: the page evaluates flight
// plans in float64 with the kernel's formula (web/public/lib/flight.mjs), so
// they are compared with sim.ship_live for equality, bit for bit (the float32
// copy the GPU draws is not what is compared).

import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import { browserSkip, shot, startSim, until } from "./harness.mjs";

const skip = await browserSkip();
if (skip && !process.env.SIM_BROWSER_SKIP) console.log(`browser: skipped: Chromium cannot start: ${skip}`);

// The (from_tick, to_tick] chain of applied messages from the last state on:
// each tick message starts where the one before ended.
function assertChain(applied, untilTick) {
	const lastState = applied.map((a) => a.type).lastIndexOf("state");
	assert.ok(lastState >= 0, `no state applied: ${JSON.stringify(applied)}`);
	let at = applied[lastState].to_tick;
	for (const a of applied.slice(lastState + 1)) {
		assert.equal(a.type, "tick");
		assert.equal(a.from_tick, at, `tick message (${a.from_tick}, ${a.to_tick}] after tick ${at}: ${JSON.stringify(applied)}`);
		assert.ok(a.to_tick > a.from_tick);
		at = a.to_tick;
	}
	assert.equal(at, untilTick);
}

describe("the map", { skip: skip ? `Chromium cannot start: ${skip}` : false }, () => {
	let sim;
	let sector; // the sector with the most ships
	before(async () => {
		sim = await startSim({ name: "map", seed: 7, sectors: 4, ships: 800, steps: 20, players: ["alice"] });
		sector = Number((await sim.sql(
			"SELECT sector_id FROM sim.ship GROUP BY sector_id ORDER BY count(*) DESC, sector_id LIMIT 1"))[0].sector_id);
	});
	afterEach(() => sim?.closePages());
	after(async () => {
		if (sim) {
			const errors = sim.pageErrors;
			await sim.stop();
			assert.deepEqual(errors, [], "errors in the pages");
		}
	});

	async function dbCount(s) {
		return Number((await sim.sql("SELECT count(*) AS n FROM sim.ship WHERE sector_id = $1", [s]))[0].n);
	}

	async function settled(page, tick) {
		return until(() => page.evaluate((t) => window.simPage?.worldTick === t && window.simPage.drawn > 0, tick),
			{ what: `the page at tick ${tick}` });
	}

	test("the session: #token= at load goes to sessionStorage and leaves the address; log out, log in with the box", async () => {
		const token = sim.playerToken("alice");
		const page = await sim.open("#galaxy", { token });
		assert.equal(await page.evaluate(() => location.hash), "#galaxy");
		assert.equal(await page.evaluate(() => sessionStorage.getItem("sim.token")), token);
		assert.deepEqual(await page.evaluate(() => window.simShell.session),
			{ token, role: "sim_player", playerId: sim.players.alice });
		assert.equal(await page.locator("header .who").textContent(), `sim_player #${sim.players.alice}`);
		await page.locator("header button.logout").click();
		assert.equal(await page.evaluate(() => sessionStorage.getItem("sim.token")), null);
		assert.equal(await page.evaluate(() => window.simShell.session.role), "sim_anon");
		const op = sim.operatorToken();
		await page.locator("header form.login input").fill(op);
		await page.locator("header form.login button").click();
		assert.equal(await page.evaluate(() => window.simShell.session.role), "sim_operator");
		assert.equal(await page.evaluate(() => sessionStorage.getItem("sim.token")), op);
		// the new session's feed: an operator's state of every sector (the galaxy)
		await until(() => page.evaluate(() => window.simShell.status === "connected" && window.simShell.world.ships.size > 0),
			{ what: "the operator's feed" });
		// a forged token: the server refuses it, and the page says so with the HTTP status
		await page.locator("header button.logout").click();
		await page.locator("header form.login input").fill(jwt.sign({ role: "sim_operator" }, "not the server's secret, 32+ characters", { algorithm: "HS256" }));
		await page.locator("header form.login button").click();
		await until(() => page.evaluate(() => /\[401\]/.test(document.querySelector(".error-bar").textContent)),
			{ what: "the refusal shown with its code" });
		await shot(page, "map-session");
	});

	test("the galaxy shows every sector and, for an operator, each sector's ships", async () => {
		const page = await sim.open("#galaxy", { token: sim.operatorToken() });
		const sectors = await sim.sql("SELECT sector_id AS id, count(*)::int AS n FROM sim.ship GROUP BY 1 ORDER BY 1");
		const nSectors = Number((await sim.sql("SELECT count(*) AS n FROM sim.sector"))[0].n);
		await until(() => page.evaluate(() => window.simPage?.sectors?.length > 0 && window.simShell.applied.length > 0),
			{ what: "the galaxy's sectors and state" });
		await until(async () => {
			const shown = await page.evaluate(() => window.simPage.sectors.map((s) => [s.id, s.ships]));
			return sectors.every((r) => shown.some(([id, n]) => id === Number(r.id) && n === r.n));
		}, { what: "the ship counts of every sector" });
		const shown = await page.evaluate(() => window.simPage.sectors.length);
		assert.equal(shown, nSectors);
		assert.equal(await page.locator("svg .galaxy-node").count(), nSectors);
		await shot(page, "map-galaxy");
		// a click on a sector opens its view
		await page.locator(`svg .galaxy-node[data-sector="${sector}"]`).click();
		await until(() => page.evaluate((s) => window.simPage?.route === "sector" && window.simPage.sector === s, sector),
			{ what: "the sector view" });
	});

	test("an operator's sector view draws as many ships as the database holds there", async () => {
		const page = await sim.open(`#sector/${sector}`, { token: sim.operatorToken() });
		const tick = await sim.tick();
		await settled(page, tick);
		await until(async () => (await page.evaluate(() => window.simPage.drawn)) === await dbCount(sector),
			{ what: "the page to draw the sector's ships" });
		const ids = await page.evaluate(() => window.simPage.shipIds().sort((a, b) => a - b));
		const dbIds = (await sim.sql("SELECT id FROM sim.ship WHERE sector_id = $1 ORDER BY id", [sector])).map((r) => Number(r.id));
		assert.deepEqual(ids, dbIds);
		// the world moves: the page follows
		const t2 = await sim.step(3);
		await settled(page, t2);
		await until(async () => (await page.evaluate(() => window.simPage.drawn)) === await dbCount(sector),
			{ what: "the page to draw the sector's ships after 3 ticks" });
		await shot(page, "map-sector-operator");
	});

	test("positions the page computes for a tick equal sim.ship_live's at that tick (float64, bit for bit)", async () => {
		const page = await sim.open(`#sector/${sector}`, { token: sim.operatorToken() });
		// ships in flight, so that the plans matter
		const t = await sim.step(2);
		await settled(page, t);
		await page.evaluate((tick) => window.simPage.freeze(tick), t);
		const live = await sim.sql(
			`SELECT id, ST_X(pos) AS x, ST_Y(pos) AS y, ST_Z(pos) AS z, state FROM sim.ship_live WHERE sector_id = $1 ORDER BY id`, [sector]);
		assert.ok(live.some((r) => r.state === "flying"), "some ship of the sector flies");
		const got = await page.evaluate((ids) => ids.map((id) => window.simPage.positionOf(id)), live.map((r) => Number(r.id)));
		let moving = 0;
		live.forEach((r, i) => {
			assert.ok(got[i], `the page has ship ${r.id}`);
			assert.deepEqual([got[i].x, got[i].y, got[i].z], [r.x, r.y, r.z], `ship ${r.id} at tick ${t}`);
			if (r.state === "flying") moving++;
		});
		assert.ok(moving > 0);
		// a tick the page holds a plan for but the database has moved past:
		// the page's plan at t - 1 equals sim.leg_state of the same plan
		const past = await sim.sql(
			`SELECT s.id, p.px, p.py, p.pz FROM sim.ship s,
			        sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn, s.t_coast, s.t_brake,
			                      s.leg_start_tick, $2::bigint) p
			  WHERE s.sector_id = $1 AND s.state = 'flying' ORDER BY s.id`, [sector, t - 1]);
		const gotPast = await page.evaluate(([ids, tick]) => ids.map((id) => window.simPage.positionOf(id, tick)), [past.map((r) => Number(r.id)), t - 1]);
		past.forEach((r, i) => assert.deepEqual([gotPast[i].x, gotPast[i].y, gotPast[i].z], [r.px, r.py, r.pz], `ship ${r.id} at tick ${t - 1}`));
		await shot(page, "map-positions");
	});

	test("clicking a ship shows its row: id, state, faction", async () => {
		const page = await sim.open(`#sector/${sector}`, { token: sim.operatorToken() });
		const t = await sim.tick();
		await settled(page, t);
		await page.evaluate((tick) => window.simPage.freeze(tick), t);
		// zoom (the mouse wheel, at the ship) onto a flying ship until no other
		// ship is within 10 px of it on the screen
		const box = await page.locator(".page-sector canvas").boundingBox();
		const flying = (await sim.sql(
			"SELECT id FROM sim.ship WHERE sector_id = $1 AND state = 'flying' ORDER BY id LIMIT 5", [sector])).map((r) => Number(r.id));
		assert.ok(flying.length > 0, "a ship flies in the sector");
		const alone = (id) => page.evaluate((id) => {
			const p = window.simPage;
			const me = p.screenOf(id);
			const others = p.shipIds().filter((o) => o !== id).map((o) => p.screenOf(o));
			return others.every((q) => (q.x - me.x) ** 2 + (q.y - me.y) ** 2 > 100) ? me : null;
		}, id);
		let target = null;
		for (const id of flying) {
			for (let i = 0; i < 12 && !target; i++) {
				const at = await page.evaluate((id) => window.simPage.screenOf(id), id);
				await page.mouse.move(box.x + at.x, box.y + at.y);
				await page.mouse.wheel(0, -400);
				await until(() => page.evaluate(({ id, at }) => {
					const q = window.simPage.screenOf(id);
					return Math.abs(q.x - at.x) < 1 && Math.abs(q.y - at.y) < 1;
				}, { id, at }), { what: "the zoom to keep the point under the mouse" });
				const me = await alone(id);
				if (me) target = { id, x: box.x + me.x, y: box.y + me.y };
			}
			if (target) break;
		}
		assert.ok(target, "some ship stands alone on the screen");
		await page.mouse.click(target.x, target.y);
		await until(() => page.evaluate((id) => window.simPage.selected?.id === id, target.id), { what: "the ship picked" });
		const row = (await sim.sql(
			`SELECT s.id, s.state, f.name AS faction FROM sim.ship s JOIN sim.faction f ON f.id = s.faction_id WHERE s.id = $1`,
			[target.id]))[0];
		const shown = await page.evaluate(() => Object.fromEntries(
			[...document.querySelectorAll(".details-box table.details tr")].map((tr) => [tr.dataset.field, tr.querySelector("td").textContent])));
		assert.equal(shown.id, String(row.id));
		assert.equal(shown.state, row.state);
		assert.equal(shown.faction, row.faction);
		await shot(page, "map-ship-details");
	});

	test("a cut connection and a restarted server: no tick missed, none applied twice", async () => {
		const page = await sim.open(`#sector/${sector}`, { token: sim.operatorToken() });
		let t = await sim.step(1);
		await settled(page, t);
		const states0 = await page.evaluate(() => window.simShell.applied.filter((a) => a.type === "state").length);

		// 1. the page's socket is closed; the world moves before it is back
		await page.evaluate(() => window.simShell.live.ws.close());
		t = await sim.step(4);
		await until(() => page.evaluate((tick) => window.simShell.live.lastTick === tick && window.simShell.status === "connected", t),
			{ what: `the feed back at tick ${t}` });
		for (let i = 0; i < 3; i++) t = await sim.step(1);
		await settled(page, t);

		// 2. the server stops; ticks commit; the server comes back on its port
		await sim.stopServer();
		await until(() => page.evaluate(() => window.simShell.status === "disconnected"), { what: "the page to see the server gone" });
		t = await sim.step(5);
		await sim.startServer();
		await until(() => page.evaluate((tick) => window.simShell.live.lastTick === tick, t), { what: `the feed back at tick ${t}`, ms: 60000 });
		t = await sim.step(2);
		await settled(page, t);

		const applied = await page.evaluate(() => window.simShell.applied);
		const states = applied.filter((a) => a.type === "state").length;
		assert.equal(states, states0, `resumed, not started over: ${JSON.stringify(applied)}`);
		assertChain(applied, t);
		// and what the page draws is still the database's
		assert.equal(await page.evaluate(() => window.simPage.drawn), await dbCount(sector));
		await page.evaluate((tick) => window.simPage.freeze(tick), t);
		const live = await sim.sql(`SELECT id, ST_X(pos) AS x, ST_Y(pos) AS y FROM sim.ship_live WHERE sector_id = $1 ORDER BY id`, [sector]);
		const got = await page.evaluate((ids) => ids.map((id) => window.simPage.positionOf(id)), live.map((r) => Number(r.id)));
		live.forEach((r, i) => assert.deepEqual([got[i].x, got[i].y], [r.x, r.y], `ship ${r.id} after the resume`));
		await shot(page, "map-resumed");
	});

	test("a player sees its own ships and contacts, not the sector's other ships", async () => {
		const alice = sim.players.alice;
		const home = Number((await sim.sql(
			`SELECT s.sector_id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = $1 ORDER BY s.id LIMIT 1`,
			[alice]))[0].sector_id);
		const page = await sim.open(`#sector/${home}`, { token: sim.playerToken("alice") });
		const t = await sim.step(1);
		// what alice may see there, asked as alice
		await sim.sql("BEGIN");
		await sim.sql("SELECT set_config('request.jwt.claims', $1, true)", [JSON.stringify({ role: "sim_player", sub: String(alice) })]);
		await sim.sql("SET LOCAL ROLE sim_player");
		const visible = (await sim.sql(
			`SELECT id FROM api.my_ships WHERE sector_id = $1 UNION SELECT id FROM api.contacts WHERE sector_id = $1 ORDER BY 1`,
			[home])).map((r) => Number(r.id));
		await sim.sql("ROLLBACK");
		assert.ok(visible.length > 0);
		await until(async () => {
			const ids = await page.evaluate((tick) => window.simPage?.worldTick === tick && window.simPage.shipIds().sort((a, b) => a - b), t);
			return ids && JSON.stringify(ids) === JSON.stringify(visible) ? ids : null;
		}, { what: `alice's ships and contacts in sector ${home} (${visible.length}) at tick ${t}` });
		assert.ok(visible.length < await dbCount(home), "fewer than the sector's ships");
		const hasView = (await sim.sql("SELECT to_regprocedure('api.ships_in_view(float8[], integer, integer)') IS NOT NULL AS ok"))[0].ok;
		assert.equal(await page.evaluate(() => window.simPage.via), hasView ? "ships_in_view" : "my_ships+contacts");
		await shot(page, "map-sector-player");
	});
});
