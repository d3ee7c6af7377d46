import type { CurvePoint } from "./metrics.ts";
import { svgDoc, text } from "./svg.ts";

export interface RocSeries {
  label: string;
  color: string;
  curve: CurvePoint[];
  /** The product's decision at its calibrated thresholds: strangers named, probes named correctly. */
  operating: { far: number; tar: number };
}

const W = 820;
const H = 560;
const L = 80;
const R = 230;
const T = 60;
const B = 70;

/**
 * Open-set ROC on a log false-accept axis: the region that matters for a door (below a few percent strangers
 * named) gets most of the width. Points with no stranger named sit on the left edge.
 */
export function rocSvg(series: RocSeries[], title: string, targetFar = 0.01): string {
  const pw = W - L - R;
  const ph = H - T - B;
  const minFar = 1e-3;
  const x = (far: number) =>
    L + ((Math.log10(Math.max(far, minFar)) - Math.log10(minFar)) / -Math.log10(minFar)) * pw;
  const y = (tar: number) => T + (1 - tar) * ph;
  const body: string[] = [
    text(W / 2 - R / 2 + L / 2, 30, title, { size: 17, anchor: "middle", weight: "bold" }),
  ];
  for (let t = 0; t <= 10; t++) {
    const v = t / 10;
    body.push(`<line x1="${L}" x2="${L + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e3e3"/>`);
    body.push(text(L - 8, y(v) + 4, v.toFixed(1), { anchor: "end", size: 12 }));
  }
  for (const d of [1e-3, 1e-2, 1e-1, 1]) {
    for (let m = 1; m < 10 && d * m <= 1; m++) {
      const xx = x(d * m);
      body.push(
        `<line x1="${xx}" x2="${xx}" y1="${T}" y2="${T + ph}" stroke="${m === 1 ? "#cfcfcf" : "#f0f0f0"}"/>`,
      );
    }
    body.push(text(x(d), T + ph + 20, `${d * 100} %`, { anchor: "middle", size: 12 }));
  }
  const tx = x(targetFar);
  body.push(
    `<line x1="${tx}" x2="${tx}" y1="${T}" y2="${T + ph}" stroke="#888" stroke-dasharray="6 4"/>`,
    text(tx + 4, T + 14, `target ${targetFar * 100} %`, { size: 11, fill: "#666" }),
    `<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`,
    text(L + pw / 2, H - 22, "strangers named (false-accept rate, log scale)", {
      anchor: "middle",
      size: 14,
    }),
    text(24, T + ph / 2, "enrolled people named correctly", { anchor: "middle", size: 14, rotate: -90 }),
  );
  series.forEach((s, i) => {
    // Step curve: the rate of named probes rises at fixed FAR until the next stranger passes.
    const pts: string[] = [];
    let prev: CurvePoint | null = null;
    for (const p of s.curve) {
      if (prev) pts.push(`${x(p.far).toFixed(1)},${y(prev.tar).toFixed(1)}`);
      pts.push(`${x(p.far).toFixed(1)},${y(p.tar).toFixed(1)}`);
      prev = p;
    }
    body.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2.2"/>`);
    const ox = x(s.operating.far);
    const oy = y(s.operating.tar);
    body.push(`<circle cx="${ox}" cy="${oy}" r="6.5" fill="white" stroke="${s.color}" stroke-width="3"/>`);
    const ly = T + 20 + i * 62;
    body.push(
      `<line x1="${W - R + 18}" x2="${W - R + 46}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`,
      text(W - R + 52, ly + 5, s.label, { size: 14, weight: "bold" }),
      `<circle cx="${W - R + 32}" cy="${ly + 24}" r="5.5" fill="white" stroke="${s.color}" stroke-width="3"/>`,
      text(W - R + 52, ly + 22, `operating point:`, { size: 12 }),
      text(
        W - R + 52,
        ly + 38,
        `ID ${s.operating.tar.toFixed(3)} at ${(s.operating.far * 100).toFixed(1)} % FA`,
        { size: 12 },
      ),
    );
  });
  return svgDoc(W, H, body);
}
