// web/public/app/api.mjs -- the page's GraphQL client and its error type.
//
//   const gql = makeGql(() => session.token);
//   const data = await gql("{ allSectors { nodes { rowId name } } }");
//
// gql(query, variables) POSTs to /graphql with the session's JWT (when there
// is one) and resolves to the operation's data; any failure throws ApiError:
//   message  what went wrong, as the server said it
//   code     the SQLSTATE PostgreSQL raised (e.g. "42501", "SM003"), or the
//            HTTP status as a string ("401", "403", "500") when the request was
//            refused before reaching the database, or "network"; null for an
//            error in the GraphQL document itself (an unknown field)
//   hint     PostgreSQL's hint (or the token refusal's reason), or null
//   detail   PostgreSQL's detail, or null
// errorText(e) renders one for people: "message [code] -- hint".

export class ApiError extends Error {
	constructor(message, { code = null, hint = null, detail = null, status = null } = {}) {
		super(message);
		this.name = "ApiError";
		this.code = code;
		this.hint = hint;
		this.detail = detail;
		this.status = status;
	}
}

// The text a page shows for an error: message, [SQLSTATE or HTTP status], hint.
export function errorText(e) {
	if (!(e instanceof ApiError)) return String(e?.message ?? e);
	let s = e.message;
	if (e.code) s += ` [${e.code}]`;
	if (e.detail) s += ` -- ${e.detail}`;
	if (e.hint) s += ` -- hint: ${e.hint}`;
	return s;
}

function fromGraphqlError(err, status) {
	const x = err?.extensions ?? {};
	return new ApiError(err?.message ?? "unknown error", {
		// a GraphQL error of the query itself (a field that does not exist)
		// has neither a SQLSTATE nor a failing status: no code then
		code: typeof x.code === "string" && /^[0-9A-Z]{5}$/.test(x.code) ? x.code : status >= 400 ? String(status) : null,
		hint: x.hint ?? null,
		detail: x.detail ?? null,
		status,
	});
}

// A gql function bound to a token source (a function returning the JWT or
// null) and an endpoint.
export function makeGql(tokenOf, { url = "/graphql", fetchImpl = globalThis.fetch } = {}) {
	return async function gql(query, variables = undefined) {
		const headers = { "content-type": "application/json", accept: "application/json" };
		const token = tokenOf();
		if (token) headers.authorization = `Bearer ${token}`;
		let res;
		try {
			res = await fetchImpl(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
		} catch (e) {
			throw new ApiError(`cannot reach the API server: ${e.message}`, { code: "network" });
		}
		const text = await res.text();
		let body;
		try {
			body = JSON.parse(text);
		} catch {
			throw new ApiError(`the API server answered ${res.status} with no JSON: ${text.slice(0, 200)}`, {
				code: String(res.status),
				status: res.status,
			});
		}
		if (Array.isArray(body.errors) && body.errors.length > 0) {
			const e = fromGraphqlError(body.errors[0], res.status);
			// a refused token (401/403 from web/auth.mjs) carries an OAuth error
			// name, not a SQLSTATE: the HTTP status is the code then
			if (res.status === 401 || res.status === 403) {
				e.code = String(res.status);
				e.hint = e.hint ?? "log in again with a valid token";
			}
			throw e;
		}
		if (!res.ok) {
			throw new ApiError(`the API server answered ${res.status}`, { code: String(res.status), status: res.status });
		}
		return body.data;
	};
}
