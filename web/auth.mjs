// web/auth.mjs -- who an HTTP request acts as, from its Authorization header.
//
// PostgREST's convention, which sim's api schema is written for: a request
// with no token acts as the anonymous role; a request with a valid HS256 JWT
// acts as the token's `role` claim (PostgREST's `role-claim-key` default),
// and the whole verified claim set is handed to PostgreSQL as the
// transaction-local setting `request.jwt.claims` (sim.current_player()
// reads its `sub`).  A token that is present but malformed, badly signed,
// expired or not yet valid is refused with 401 -- never downgraded to
// anonymous.  A valid token whose role is not one this server lets tokens
// take is refused with 403.

import jwt from "jsonwebtoken";

export class AuthError extends Error {
	// status: 401 or 403; oauthError: RFC 6750's error code for the
	// WWW-Authenticate header (invalid_request, invalid_token,
	// insufficient_scope)
	constructor(status, oauthError, message) {
		super(message);
		this.status = status;
		this.oauthError = oauthError;
	}
}

// The settings of the authentication, from the environment (see
// docs/api.md): throws an Error a person can act on when one is missing
// or unusable.
export function authConfigFromEnv(env) {
	const secret = env.SIM_JWT_SECRET ?? "";
	if (secret === "") {
		throw new Error("SIM_JWT_SECRET is not set: give the HS256 secret the tokens are signed with (at least 32 characters)");
	}
	if (secret.length < 32) {
		throw new Error(`SIM_JWT_SECRET is ${secret.length} characters long; an HS256 secret needs at least 32`);
	}
	const anonRole = env.SIM_API_ANON_ROLE || "sim_anon";
	const tokenRoles = (env.SIM_API_TOKEN_ROLES || "sim_player")
		.split(",")
		.map((r) => r.trim())
		.filter((r) => r !== "");
	for (const r of [anonRole, ...tokenRoles]) {
		if (!/^[a-z_][a-z0-9_]*$/.test(r)) {
			throw new Error(`role name "${r}" in SIM_API_ANON_ROLE/SIM_API_TOKEN_ROLES is not a plain lower-case identifier`);
		}
	}
	return {
		secret,
		anonRole,
		tokenRoles,
		audience: env.SIM_JWT_AUD || undefined,
	};
}

// The role and claims of a request with these headers: { role, claims }.
// Throws AuthError for a token that must be refused.
export function authenticate(headers, config) {
	const header = headers.authorization;
	if (header === undefined) {
		return { role: config.anonRole, claims: { role: config.anonRole } };
	}
	const m = /^Bearer +([A-Za-z0-9_.~+/=-]+) *$/i.exec(header);
	if (!m) {
		throw new AuthError(401, "invalid_request", "the Authorization header must be \"Bearer <JWT>\"");
	}
	let claims;
	try {
		claims = jwt.verify(m[1], config.secret, {
			algorithms: ["HS256"],
			audience: config.audience,
		});
	} catch (e) {
		// TokenExpiredError, NotBeforeError, JsonWebTokenError: their
		// messages say which ("jwt expired", "invalid signature", ...)
		throw new AuthError(401, "invalid_token", `JWT refused: ${e.message}`);
	}
	if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
		throw new AuthError(401, "invalid_token", "JWT refused: its payload is not a JSON object");
	}
	if (claims.role === undefined) {
		// PostgREST: a token without a role claim acts as the anonymous role
		return { role: config.anonRole, claims };
	}
	if (typeof claims.role !== "string" || !config.tokenRoles.includes(claims.role)) {
		throw new AuthError(403, "insufficient_scope",
			`JWT role ${JSON.stringify(String(claims.role)).slice(0, 70)} is not one this server accepts (${config.tokenRoles.join(", ")})`);
	}
	return { role: claims.role, claims };
}

// The transaction-local settings PostGraphile applies before each
// operation (set_config(name, value, true), as PostgREST does with
// SET LOCAL ROLE and request.jwt.claims).
export function pgSettingsFor(auth) {
	return {
		role: auth.role,
		"request.jwt.claims": JSON.stringify(auth.claims),
	};
}
