// web/build.mjs -- bundles the page (web/public/app/main.mjs and what it
// imports: the page modules, web/public/lib/*.mjs, regl, uplot) with
// esbuild into web/public/dist/ (git-ignored), so the browser fetches
// nothing from a CDN:
//
//   node web/build.mjs            (scripts/api.sh and the browser tests run it)
//
// Output: dist/main.js (an ES module, with its source map) and dist/main.css
// (the stylesheets modules import, uplot's; empty when none does).  As a module it
// exports build(), which resolves to esbuild's result and throws on an
// error of the bundle.

import * as esbuild from "esbuild";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export const DIST = path.join(here, "public", "dist");

export async function build({ minify = true } = {}) {
	const result = await esbuild.build({
		entryPoints: { main: path.join(here, "public", "app", "main.mjs") },
		outdir: DIST,
		bundle: true,
		format: "esm",
		platform: "browser",
		target: ["es2022"],
		minify,
		sourcemap: true,
		logLevel: "silent",
	});
	// index.html links dist/main.css; without a stylesheet import it is empty
	const css = path.join(DIST, "main.css");
	if (!existsSync(css)) writeFileSync(css, "/* no module imports a stylesheet */\n");
	return result;
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
