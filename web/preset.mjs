// web/preset.mjs -- the PostGraphile v5 preset that serves sim's api schema.
//
// What it decides, and why:
// - Only the `api` and `report` schemas are introspected: players act
//   through api's views and functions, analysts read report's views (their
//   grants, in sql/report.sql, say who reads which: report.trader_profit
//   only players, for their own rows, and operators); nothing of schema
//   `sim` is in the GraphQL schema (the test in web/test/api.test.mjs
//   checks that the mutations are exactly api's volatile functions and the
//   queries api's and report's views and api's read functions).  The two
//   schemas' names must not collide in GraphQL: PostGraphile refuses to
//   build a schema where they do, so server.mjs would not start.
// - Every object of `api` belongs to the extension sim, and PostGraphile v5
//   drops extension members twice over, with no option to keep them (v4's
//   includeExtensionResources is gone): pg-introspection's
//   parseIntrospectionResults() deletes them from the introspection unless
//   its second argument is true, which PgIntrospectionPlugin never passes,
//   and PgRemoveExtensionResourcesPlugin hides any left.  So this module
//   makes parseIntrospectionResults() keep them (includeExtensionMembers()
//   below: the one patch of a library's internals here, checked at start-up
//   by server.mjs and by the HTTP test), disables
//   PgRemoveExtensionResourcesPlugin, and SimExtensionResourcesPlugin hides
//   extension members in every schema but `api` (so a later schema list that
//   adds, say, `public` still hides PostGIS's functions).  Those of
//   `report` (EXPOSED_SCHEMAS) are kept too.
// - Per request, the role and the verified JWT claims become the
//   transaction-local settings `role` and `request.jwt.claims` (see
//   auth.mjs), PostgREST's convention, which sim.current_player() reads.
// - Errors raised by PostgreSQL reach the client with their SQLSTATE
//   (extensions.code), detail and hint, as PostgREST returns them; other
//   errors stay masked (PostGraphile's default).
// - GraphiQL is served at /graphiql, so that `/` and other paths stay free
//   for static files (web/public, see server.mjs).
// - One request runs at most maxFields root fields (aliases and fragments
//   counted; SimRequestLimitsPlugin), so a client cannot pack thousands of
//   commands -- each its own transaction -- into one request.

import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { GraphQLError, Kind, parse } from "postgraphile/graphql";
import { SafeError } from "postgraphile/grafast";
import { defaultMaskError } from "postgraphile/grafserv";
import { gatherConfig } from "postgraphile/graphile-build";
import { createRequire } from "node:module";
import { pgSettingsFor } from "./auth.mjs";

export const API_SCHEMA = "api";
export const REPORT_SCHEMA = "report";
// The schemas served, in this order; their extension members are kept.
export const EXPOSED_SCHEMAS = [API_SCHEMA, REPORT_SCHEMA];

// Makes the pg-introspection instance that graphile-build-pg uses keep
// extension members (see the top of this file).  Idempotent.
function includeExtensionMembers() {
	const requireHere = createRequire(import.meta.url);
	const requireBuildPg = createRequire(requireHere.resolve("graphile-build-pg"));
	const pgIntrospection = requireBuildPg("pg-introspection");
	const parse = pgIntrospection.parseIntrospectionResults;
	if (parse.simKeepsExtensionMembers) return;
	const keep = (text) => parse(text, true);
	keep.simKeepsExtensionMembers = true;
	pgIntrospection.parseIntrospectionResults = keep;
	if (pgIntrospection.parseIntrospectionResults !== keep) {
		throw new Error("cannot make pg-introspection keep extension members: its export is read-only in this version");
	}
}

// Hides the members of extensions, except those in the exposed schemas.
const SimExtensionResourcesPlugin = {
	name: "SimExtensionResourcesPlugin",
	description: "Hides resources that belong to an extension, except those in the exposed schemas (api, report)",
	version: "0.1.0",
	gather: gatherConfig({
		namespace: "simExtensionResources",
		initialCache() {
			return {};
		},
		initialState() {
			return { hidden: new Set() };
		},
		helpers: {},
		hooks: {
			pgIntrospection_introspection(info, event) {
				const { introspection } = event;
				const catalogOid = {};
				for (const oid in introspection.catalog_by_oid) {
					catalogOid[introspection.catalog_by_oid[oid]] = oid;
				}
				const exposed = new Set(introspection.namespaces
					.filter((n) => EXPOSED_SCHEMAS.includes(n.nspname)).map((n) => n._id));
				for (const dep of introspection.depends) {
					if (dep.refclassid !== catalogOid.pg_extension || dep.deptype !== "e") continue;
					let entity = null;
					if (dep.classid === catalogOid.pg_proc) {
						entity = introspection.procs.find((p) => p._id === dep.objid);
						if (entity && exposed.has(entity.pronamespace)) entity = null;
					} else if (dep.classid === catalogOid.pg_class) {
						entity = introspection.classes.find((c) => c._id === dep.objid);
						if (entity && exposed.has(entity.relnamespace)) entity = null;
					}
					if (entity) info.state.hidden.add(entity);
				}
			},
			async pgProcedures_PgResourceOptions(info, event) {
				if (info.state.hidden.has(event.pgProc)) {
					event.resourceOptions.extensions ??= {};
					event.resourceOptions.extensions.simHidden = true;
				}
			},
			async pgTables_PgResourceOptions(info, event) {
				if (info.state.hidden.has(event.pgClass)) {
					event.resourceOptions.extensions ??= {};
					event.resourceOptions.extensions.simHidden = true;
				}
			},
		},
	}),
	schema: {
		entityBehavior: {
			pgResource: {
				inferred: {
					after: ["inferred"],
					provides: ["postInferred"],
					callback(behavior, resource) {
						return resource.extensions?.simHidden ? [behavior, "-*"] : behavior;
					},
				},
			},
		},
	},
};

// The root fields an operation of a request asks for, aliases and fragments
// counted (a field under an alias is a field), counting stopped past limit;
// Infinity when the query has more than MAX_TOKENS tokens (refused: it is
// never parsed in full, here or by grafserv); 0 when it does not parse otherwise
// or names no single operation (grafserv reports that itself).  Each fragment is counted once (a fragment used
// many times in many fragments would otherwise cost exponential time), and
// a fragment that spreads itself counts as over the limit.
const MAX_TOKENS = 20000;
function rootFields(query, operationName, limit) {
	let doc;
	try {
		doc = parse(query, { maxTokens: MAX_TOKENS });
	} catch (e) {
		return /tokens/i.test(String(e?.message)) ? Infinity : 0;
	}
	const fragments = new Map();
	for (const d of doc.definitions) {
		if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
	}
	const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
	const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : null;
	const over = limit + 1;
	const counted = new Map();   // fragment name -> its root fields (at most over)
	const counting = new Set();  // fragments being counted: a cycle
	const count = (set) => {
		let n = 0;
		for (const sel of set.selections) {
			if (sel.kind === Kind.FIELD) n++;
			else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet);
			else if (sel.kind === Kind.FRAGMENT_SPREAD) {
				const name = sel.name.value;
				if (counting.has(name)) return over;
				if (!counted.has(name)) {
					const f = fragments.get(name);
					counting.add(name);
					counted.set(name, f ? count(f.selectionSet) : 0);
					counting.delete(name);
				}
				n += counted.get(name);
			}
			if (n >= over) return over;
		}
		return n;
	};
	return op ? count(op.selectionSet) : 0;
}

function requestLimitsPlugin(maxFields) {
	return {
		name: "SimRequestLimitsPlugin",
		version: "1.0.0",
		description: "Refuses a request whose operation asks for more than maxFields root fields",
		grafserv: {
			middleware: {
				processGraphQLRequestBody(next, event) {
					const body = event.body;
					const n = typeof body?.query === "string" ? rootFields(body.query, body.operationName, maxFields) : 0;
					if (n === Infinity) {
						throw new SafeError(
							`the request has more than ${MAX_TOKENS} GraphQL tokens; send it as several requests`,
							{ statusCode: 400 });
					}
					if (n > maxFields) {
						throw new SafeError(
							`the request asks for more than the ${maxFields} root fields one request may; send it as several requests`,
							{ statusCode: 400 });
					}
					return next();
				},
			},
		},
	};
}

// A PostgreSQL error as the client sees it: message, SQLSTATE, detail, hint.
function maskError(error) {
	const orig = error.originalError;
	if (orig && typeof orig.code === "string" && /^[0-9A-Z]{5}$/.test(orig.code) && "severity" in orig) {
		return new GraphQLError(orig.message, {
			nodes: error.nodes,
			source: error.source,
			positions: error.positions,
			path: error.path,
			originalError: orig,
			extensions: {
				code: orig.code,
				...(orig.detail ? { detail: orig.detail } : {}),
				...(orig.hint ? { hint: orig.hint } : {}),
			},
		});
	}
	return null;
}

// The preset: connectionString as the authenticator role; pool, the number
// of connections; maxFields, the root fields one request may ask for.
export function makePreset({ connectionString, pool = 10, maxFields = 20 }) {
	includeExtensionMembers();
	return {
		extends: [PostGraphileAmberPreset],
		// Query.query and the mutation payloads' query field (Relay 1) would
		// let a request nest any number of reads under one root field.
		disablePlugins: ["PgRemoveExtensionResourcesPlugin", "QueryQueryPlugin", "MutationPayloadQueryPlugin"],
		plugins: [SimExtensionResourcesPlugin, requestLimitsPlugin(maxFields)],
		pgServices: [
			makePgService({
				connectionString,
				schemas: EXPOSED_SCHEMAS,
				poolConfig: { max: pool },
			}),
		],
		grafast: {
			// server.mjs authenticates every request before PostGraphile sees
			// it and leaves the outcome on the request; no outcome, no access.
			context(requestContext) {
				const auth = requestContext?.node?.req?.simAuth;
				if (!auth) {
					throw new Error("request reached PostGraphile without authentication");
				}
				return { pgSettings: pgSettingsFor(auth) };
			},
		},
		grafserv: {
			graphqlPath: "/graphql",
			graphiqlPath: "/graphiql",
			graphiql: true,
			graphiqlOnGraphQLGET: false,
			watch: false,
			maskError(error) {
				return maskError(error) ?? defaultMaskError(error);
			},
		},
	};
}

