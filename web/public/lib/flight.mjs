// web/public/lib/flight.mjs -- a ship's position and velocity at a tick from
// its flight plan, in the browser and in Node: the same formula and the same
// double operations, in the same order, as sim's scalar kernel
// (src/core/kinematics.c, leg_along and SimLegEval) and so as sim.leg_state
// and sim.ship_live.
//
//   import { legState } from "./flight.mjs";
//   const { x, y, z, vx, vy, vz } = legState(plan, tick);
//
// plan holds the leg's fields under their sim.leg_field names (the ship
// fields of a delta's kind-1 record, see world.mjs): x, y, z (start, km),
// dir_x, dir_y, dir_z (unit direction), accel (km/s^2), t_burn, t_coast,
// t_brake (s), leg_start_tick.  tick may be fractional (a page between two
// ticks); a tick is one second of flight.  Results are km and km/s.

// Distance and speed along a leg at tau seconds since its start (leg_along).
function along(a, tb, tc, tk, tau, out) {
	const halfA = 0.5 * a;
	const vpk = a * tb;
	const s1 = (halfA * tb) * tb;
	const s2 = s1 + vpk * tc;
	const t2 = tb + tc;
	const t3 = t2 + tk;
	if (tau <= 0.0) {
		out.s = 0.0;
		out.v = 0.0;
	} else if (tau < tb) {
		out.s = (halfA * tau) * tau;
		out.v = a * tau;
	} else if (tau < t2) {
		out.s = s1 + vpk * (tau - tb);
		out.v = vpk;
	} else if (tau < t3) {
		const u = (tau - tb) - tc;
		out.s = (s2 + vpk * u) - (halfA * u) * u;
		out.v = vpk - a * u;
	} else {
		// also a NaN tau, as in the C kernels
		out.s = s2 + (vpk * tk - (halfA * tk) * tk);
		out.v = 0.0;
	}
}

const scratch = { s: 0, v: 0 };

// { x, y, z, vx, vy, vz } of the leg plan at tick.
export function legState(plan, tick) {
	along(plan.accel, plan.t_burn, plan.t_coast, plan.t_brake, Number(tick) - Number(plan.leg_start_tick), scratch);
	const { s, v } = scratch;
	return {
		x: plan.x + plan.dir_x * s,
		y: plan.y + plan.dir_y * s,
		z: plan.z + plan.dir_z * s,
		vx: plan.dir_x * v,
		vy: plan.dir_y * v,
		vz: plan.dir_z * v,
	};
}

// The position only, written into out[0..2] (no allocation: for drawing
// many ships a frame).
export function legPosition(plan, tick, out) {
	along(plan.accel, plan.t_burn, plan.t_coast, plan.t_brake, Number(tick) - Number(plan.leg_start_tick), scratch);
	const s = scratch.s;
	out[0] = plan.x + plan.dir_x * s;
	out[1] = plan.y + plan.dir_y * s;
	out[2] = plan.z + plan.dir_z * s;
	return out;
}

// The ship is moving at tick: between its leg's start and its end.
export function inFlight(plan, tick) {
	const tau = Number(tick) - Number(plan.leg_start_tick);
	return tau > 0 && tau < (plan.t_burn + plan.t_coast) + plan.t_brake;
}
