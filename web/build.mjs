// web/build.mjs -- bundles the page (web/public/app/main.mjs and what it
// imports: the page modules, web/public/lib/*.mjs, regl, uplot) with
// esbuild into web/public/dist/ (git-ignored), so the browser fetches
// nothing from a CDN:
//
//   node web/build.mjs            (scripts/api.sh and the browser tests run it)
//
// Output: dist/main.js (an ES module, with its source map), and
// dist/main.css when a module imports a stylesheet (uplot's).  As a module it
// exports build(), which resolves to esbuild's result and throws on an
// error of the bundle.

import * as esbuild from "esbuild";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export const DIST = path.join(here, "public", "dist");

// The page modules the shell routes to.  A page whose module is not in the
// tree (the work of another branch, not merged yet) is bundled as a page that
// says so, with a warning from the build; every other missing import fails it.
const PAGES = ["galaxy", "sector", "console", "operator", "analyst"];
const appDir = path.join(here, "public", "app");

const absentPagesPlugin = {
	name: "sim-absent-pages",
	setup(b) {
		const filter = new RegExp(`^\\./(${PAGES.join("|")})\\.mjs$`);
		b.onResolve({ filter }, (args) => {
			if (args.importer !== path.join(appDir, "main.mjs")) return undefined;
			const file = path.join(appDir, args.path);
			if (existsSync(file)) return undefined;
			return {
				path: args.path,
				namespace: "sim-absent-page",
				warnings: [{ text: `page module public/app/${args.path.slice(2)} is absent: its route says it is not in this build` }],
			};
		});
		b.onLoad({ filter: /.*/, namespace: "sim-absent-page" }, (args) => ({
			contents: `export function mount(root) {
				const p = document.createElement("p");
				p.className = "not-found";
				p.textContent = ${JSON.stringify(`This page (${args.path.slice(2)}) is not in this build.`)};
				root.append(p);
				return { unmount() {} };
			}`,
			loader: "js",
		}));
	},
};

export async function build({ minify = true } = {}) {
	return esbuild.build({
		entryPoints: { main: path.join(here, "public", "app", "main.mjs") },
		outdir: DIST,
		bundle: true,
		format: "esm",
		platform: "browser",
		target: ["es2022"],
		minify,
		sourcemap: true,
		logLevel: "silent",
		plugins: [absentPagesPlugin],
	});
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	try {
		const t0 = performance.now();
		const r = await build();
		for (const w of r.warnings) console.warn(`web/build.mjs: warning: ${w.text}`);
		console.log(`web/build.mjs: bundled public/app/main.mjs into ${path.relative(process.cwd(), DIST) || DIST} in ${Math.round(performance.now() - t0)} ms`);
	} catch (e) {
		const errors = e.errors?.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ""}${x.text}`).join("\n") ?? e.message;
		console.error(`web/build.mjs: error: the bundle failed:\n${errors}`);
		process.exit(1);
	}
}
