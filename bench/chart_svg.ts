/**
 * A small hand-written SVG chart of W1: wall time against N, ours and the lower bound, on log–log
 * axes, medians joined by lines with min–max whiskers.
 *
 * @module
 */
import { machineLine } from "./machine.ts";
import type { Machine, PairedResult } from "./types.ts";

const WIDTH = 640;
const HEIGHT = 400;
const PLOT = { left: 80, right: WIDTH - 24, top: 64, bottom: HEIGHT - 56 };
const SERIES = [
  { side: "ours", name: "strata CLI", color: "#d9480f" },
  { side: "bound", name: "lower bound (node:sqlite, one transaction)", color: "#1c7ed6" },
] as const;

/** The SVG document of W1's results; `results` must hold at least one W1 result. */
export function renderW1Chart(results: readonly PairedResult[], machine: Machine): string {
  const w1 = results.filter((r) => r.workload === "W1").sort((a, b) => a.n - b.n);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
    `font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    text([PLOT.left, 22], "W1: apply N small migrations to a fresh database (whole process)", {
      size: 15,
      weight: "bold",
    }),
    text([PLOT.left, 42], machineLine(machine), { size: 11, fill: "#555" }),
  ];
  const x = logScale(w1.map((r) => r.n), [PLOT.left, PLOT.right], { pad: 0.15 });
  const times = w1.flatMap((r) => [r.ours.time.min, r.ours.time.max, r.bound.time.min, r.bound.time.max]);
  const y = logScale(times, [PLOT.bottom, PLOT.top], { pad: 0 });
  for (const tick of x.ticks) {
    parts.push(line([x.at(tick), PLOT.top], [x.at(tick), PLOT.bottom], { stroke: "#e5e5e5" }));
    parts.push(text([x.at(tick), PLOT.bottom + 18], tick.toLocaleString("en"), { anchor: "middle" }));
  }
  for (const tick of y.ticks) {
    parts.push(line([PLOT.left, y.at(tick)], [PLOT.right, y.at(tick)], { stroke: "#e5e5e5" }));
    parts.push(text([PLOT.left - 8, y.at(tick) + 4], duration(tick), { anchor: "end" }));
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${
      PLOT.bottom - PLOT.top
    }" fill="none" stroke="#999"/>`,
    text([(PLOT.left + PLOT.right) / 2, HEIGHT - 16], "migrations (N), log scale", { anchor: "middle" }),
    `<text transform="translate(18 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">` +
      `wall time, median and min–max, log scale</text>`,
  );
  SERIES.forEach((series, index) => {
    const points = w1.map((r) => ({ px: x.at(r.n), time: r[series.side].time }));
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${
        points.map((p) => `${p.px.toFixed(1)},${y.at(p.time.median).toFixed(1)}`).join(" ")
      }"/>`,
    );
    for (const p of points) {
      parts.push(line([p.px, y.at(p.time.min)], [p.px, y.at(p.time.max)], { stroke: series.color }));
      parts.push(
        `<circle cx="${p.px.toFixed(1)}" cy="${
          y.at(p.time.median).toFixed(1)
        }" r="3.5" fill="${series.color}"/>`,
      );
    }
    const legendY = PLOT.top + 16 + index * 18;
    parts.push(
      line([PLOT.left + 12, legendY - 4], [PLOT.left + 36, legendY - 4], { stroke: series.color, width: 2 }),
    );
    parts.push(text([PLOT.left + 42, legendY], series.name));
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

interface LogScale {
  at(value: number): number;
  ticks: number[];
}

/**
 * Maps values onto pixels on a log axis spanning whole decades around them, widened by `pad`
 * decades on each side so points do not sit on the frame.
 */
function logScale(
  values: readonly number[],
  [from, to]: [number, number],
  options: { pad: number },
): LogScale {
  let low = Math.floor(Math.log10(Math.min(...values)));
  let high = Math.ceil(Math.log10(Math.max(...values)));
  if (high === low) [low, high] = [low - 1, high + 1];
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  const [start, end] = [low - options.pad, high + options.pad];
  return { at: (value) => from + (Math.log10(value) - start) / (end - start) * (to - from), ticks };
}

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toLocaleString("en")} s` : `${ms} ms`;
}

type Point = [x: number, y: number];

function line([x1, y1]: Point, [x2, y2]: Point, style: { stroke: string; width?: number }): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ` +
    `stroke="${style.stroke}" stroke-width="${style.width ?? 1}"/>`;
}

function text(
  [x, y]: Point,
  content: string,
  style: { anchor?: string; size?: number; weight?: string; fill?: string } = {},
): string {
  const attributes = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    style.anchor ? `text-anchor="${style.anchor}"` : "",
    style.size ? `font-size="${style.size}"` : "",
    style.weight ? `font-weight="${style.weight}"` : "",
    style.fill ? `fill="${style.fill}"` : "",
  ].filter(Boolean);
  return `<text ${attributes.join(" ")}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
