// web/token.mjs -- print a JWT for a player, signed with SIM_JWT_SECRET:
//
//   node token.mjs PLAYER_ID [ROLE] [SECONDS]
//
// Claims: {"role": ROLE (default sim_player), "sub": "PLAYER_ID", "iat", "exp"
// (SECONDS from now, default 3600)}, HS256 -- what both PostGraphile
// (server.mjs) and PostgREST accept.  For demos and tests: a real deployment
// mints tokens in its login service.
import jwt from "jsonwebtoken";

const [player, role = "sim_player", seconds = "3600"] = process.argv.slice(2);
if (!/^[0-9]+$/.test(player ?? "") || !/^[a-z_][a-z0-9_]*$/.test(role) || !/^[0-9]+$/.test(seconds)) {
	console.error("usage: node token.mjs PLAYER_ID [ROLE] [SECONDS]");
	process.exit(2);
}
const secret = process.env.SIM_JWT_SECRET ?? "";
if (secret.length < 32) {
	console.error("SIM_JWT_SECRET must be set to the server's secret (at least 32 characters)");
	process.exit(2);
}
console.log(jwt.sign({ role, sub: player }, secret, { algorithm: "HS256", expiresIn: Number(seconds) }));
