// The minified vega, vega-lite and vega-embed builds, read from node_modules to be inlined into a
// page so it renders offline. The packages' `exports` hide `build/`, so we resolve each package's
// entry (which lives in `build/`) and read the minified file next to it.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const BUILDS = [
  ["vega", "vega.min.js"],
  ["vega-lite", "vega-lite.min.js"],
  ["vega-embed", "vega-embed.min.js"],
] as const;

let cached: string | undefined;

/** `<script>` elements defining the globals `vega`, `vegaLite` and `vegaEmbed`, in load order. */
export function vegaScripts(): string {
  const require = createRequire(import.meta.url);
  cached ??= BUILDS.map(([pkg, file]) => {
    const entry = require.resolve(pkg);
    const source = readFileSync(join(dirname(entry), file), "utf8");
    return `<script data-package="${pkg}">${escapeScript(source)}</script>`;
  }).join("\n");
  return cached;
}

/** Makes text safe inside a `<script>` element: it must not contain `</script` or `<!--`. */
export function escapeScript(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}
