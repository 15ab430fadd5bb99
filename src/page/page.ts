// The shell every report page shares: styles, HTML escaping, tables, and the embedding of charts.
// A page with charts inlines vega, vega-lite and vega-embed, so it renders offline from file://.
// A chart that fails to render says so on the page (class `chart-error`); Vega warnings are listed
// under their chart (class `chart-warning`) instead of hiding in the browser console.

import type { Chart } from "./chart.ts";
import { escapeScript, vegaScripts } from "./vega-assets.ts";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A table cell: text is escaped; `{ html }` is trusted markup; numbers are formatted and right-aligned. */
export type TableCell = string | number | null | { readonly html: string; readonly className?: string };

export function htmlTable(headers: readonly string[], rows: readonly (readonly TableCell[])[], className = ""): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map(tableCell).join("")}</tr>`).join("\n");
  return `<table class="${escapeHtml(className)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function tableCell(cell: TableCell): string {
  if (cell === null) return `<td class="empty">–</td>`;
  if (typeof cell === "number") return `<td class="num">${escapeHtml(formatNumber(cell))}</td>`;
  if (typeof cell === "string") return `<td>${escapeHtml(cell)}</td>`;
  return `<td${cell.className ? ` class="${escapeHtml(cell.className)}"` : ""}>${cell.html}</td>`;
}

/** Four significant digits, thousands separated; integers stay whole. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString("en-US");
  return Number(x.toPrecision(4)).toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/** One chart's placeholder and its spec; the page's embed script renders it. */
export function chartSection(chart: Chart): string {
  const json = escapeScript(JSON.stringify(chart.spec));
  return `<section class="chart-section" id="section-${chart.id}">
<h2>${escapeHtml(chart.title)}</h2>
<p class="note">${escapeHtml(chart.description)}</p>
<div class="chart" id="chart-${chart.id}"></div>
<script type="application/json" data-chart="chart-${chart.id}">${json}</script>
</section>`;
}

// Runs in the browser. Every failure path ends in visible text on the page.
const EMBED_SCRIPT = `
(function () {
  function note(target, className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    target.parentNode.insertBefore(p, target.nextSibling);
  }
  function fail(target, err) {
    target.classList.add("chart-error");
    target.textContent = "This chart failed to render: " + (err && err.message ? err.message : String(err));
  }
  function logger(target) {
    var level = 2;
    var self = {
      level: function (l) { if (arguments.length === 0) return level; level = l; return self; },
      error: function () { fail(target, Array.prototype.join.call(arguments, " ")); return self; },
      warn: function () { note(target, "chart-warning", "Vega warning: " + Array.prototype.join.call(arguments, " ")); return self; },
      info: function () { return self; },
      debug: function () { return self; }
    };
    return self;
  }
  var specs = document.querySelectorAll("script[data-chart]");
  for (var i = 0; i < specs.length; i++) {
    var target = document.getElementById(specs[i].getAttribute("data-chart"));
    try {
      var spec = JSON.parse(specs[i].textContent);
      vegaEmbed(target, spec, { actions: false, renderer: "svg", logger: logger(target) })
        .catch(fail.bind(null, target));
    } catch (err) {
      fail(target, err);
    }
  }
})();
`;

// Registered before the inlined libraries, so an error while loading them is shown too.
const ERROR_SCRIPT = `
window.addEventListener("error", function (e) {
  function show() {
    var p = document.createElement("p");
    p.className = "chart-error";
    p.textContent = "Script error: " + e.message;
    document.getElementById("page-errors").appendChild(p);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
});
`;

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0 auto; padding: 24px 32px 64px; max-width: 1500px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 4px; border-top: 1px solid #e5e5e5; padding-top: 18px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.subtitle, .note { color: #555; margin: 2px 0 10px; max-width: 1000px; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.empty { color: #aaa; text-align: center; }
td.failed, .failed { color: #b00020; font-weight: 600; }
td.good { color: #1b7f3b; font-weight: 600; }
.panel { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 8px 24px; }
.panel table { width: 100%; }
.summary li { margin: 6px 0; max-width: 1100px; }
.verdict-helps { color: #1b7f3b; font-weight: 600; }
.verdict-hurts { color: #b00020; font-weight: 600; }
.verdict-none { color: #8a6d00; font-weight: 600; }
.chart { margin: 8px 0; overflow-x: auto; }
.chart-error { color: #b00020; background: #fff0f0; border: 1px solid #f3b5b5; padding: 8px 12px; white-space: pre-wrap; }
.chart-warning { color: #8a6d00; font-size: 12px; margin: 2px 0; }
.links a { margin-right: 16px; }
details > summary { cursor: pointer; color: #333; }
.scroll { max-height: 560px; overflow: auto; border: 1px solid #eee; }
`;

export interface PageParts {
  readonly title: string;
  /** Trusted markup. */
  readonly body: string;
  /** Whether to inline the vega scripts and the embed script (pages without charts stay small). */
  readonly charts: boolean;
}

export function htmlPage({ title, body, charts }: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${charts ? `<script>${ERROR_SCRIPT}</script>\n${vegaScripts()}` : ""}
</head>
<body>
<div id="page-errors"></div>
${body}
${charts ? `<script>${EMBED_SCRIPT}</script>` : ""}
</body>
</html>
`;
}
