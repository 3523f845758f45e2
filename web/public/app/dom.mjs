// web/public/app/dom.mjs -- small helpers the page modules share: building
// an element, and the parts of an error a page shows and exposes to tests.

// An element: el("td", { class: "num", "data-field": "tick", onclick: fn },
// child, "text", ...).  Attributes that are null, undefined or false are
// left out, true sets an empty one, on* adds a listener; children that are
// null or undefined are skipped, strings become text nodes (never HTML).
export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v == null || v === false) continue;
		if (k === "class") e.className = v;
		else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
		else e.setAttribute(k, v === true ? "" : v);
	}
	for (const c of children) if (c != null) e.append(c);
	return e;
}

// { message, code, hint } of an error (an ApiError carries the SQLSTATE or
// HTTP status as code, and the hint; anything else only a message).
export function errorInfo(e) {
	return { message: String(e?.message ?? e), code: e?.code ?? null, hint: e?.hint ?? null };
}

// A function that runs once() without ever overlapping itself: a call while a
// run is under way asks for one more run after it (the calls in between
// collapse into that one) and returns the promise of the runs under way.  An
// error of a run goes to onError (unless alive() has turned false); once
// alive() is false no further run starts.  The pages read through it, so
// that a burst of tick messages costs one read under way and one after.
export function serialRuns(once, onError, alive) {
	let running = null;
	let again = false;
	return async function run() {
		if (running) {
			again = true;
			return running;
		}
		running = (async () => {
			do {
				again = false;
				try {
					await once();
				} catch (e) {
					if (!alive()) return;
					onError(e);
				}
			} while (again && alive());
		})();
		try {
			await running;
		} finally {
			running = null;
		}
	};
}
