import sharp from "sharp";
import type { EpochLog } from "./head.ts";

/** Report figures as SVG rendered to PNG with sharp (no plotting dependency). */

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function confusionSvg(labels: string[], predicted: string[], matrix: number[][]): string {
  const cell = Math.max(18, Math.min(48, Math.floor(560 / Math.max(labels.length, predicted.length))));
  const left = 170;
  const top = 150;
  const w = Math.max(560, left + cell * predicted.length + 20);
  const h = top + cell * labels.length + 40;
  const max = Math.max(1, ...matrix.flat());
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="16" font-size="13">confusion matrix (validation photos): rows true, columns predicted</text>`,
  ];
  predicted.forEach((p, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(`<text transform="translate(${x},${top - 6}) rotate(-60)">${esc(p.slice(0, 24))}</text>`);
  });
  labels.forEach((l, i) => {
    const y = top + i * cell;
    parts.push(
      `<text x="${left - 6}" y="${y + cell / 2 + 4}" text-anchor="end">${esc(l.slice(0, 26))}</text>`,
    );
    matrix[i].forEach((n, j) => {
      const shade = Math.round(255 - (n / max) * 200);
      const fill =
        i === j ? `rgb(${shade},${shade},255)` : n > 0 ? `rgb(255,${shade},${shade})` : "rgb(248,248,248)";
      parts.push(
        `<rect x="${left + j * cell}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"/>`,
      );
      if (n > 0)
        parts.push(
          `<text x="${left + j * cell + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle">${n}</text>`,
        );
    });
  });
  parts.push("</svg>");
  return parts.join("");
}

export function curvesSvg(history: EpochLog[], bestEpoch: number): string {
  const w = 720;
  const h = 300;
  const pad = 40;
  const panel = (w - 3 * pad) / 2;
  const n = Math.max(2, history.length);
  const maxLoss = Math.max(1e-6, ...history.flatMap((e) => [e.loss, e.valLoss]));
  const line = (vals: number[], x0: number, scale: number, color: string, dash = "") =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" ${dash ? `stroke-dasharray="${dash}"` : ""} points="${vals
      .map(
        (v, i) =>
          `${(x0 + (i / (n - 1)) * panel).toFixed(1)},${(h - pad - (v / scale) * (h - 2 * pad)).toFixed(1)}`,
      )
      .join(" ")}"/>`;
  const x1 = pad;
  const x2 = 2 * pad + panel;
  const bx = (x0: number) => x0 + ((bestEpoch - 1) / (n - 1)) * panel;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${x1}" y="20" font-size="13">loss (max ${maxLoss.toFixed(2)})</text>`,
    `<text x="${x2}" y="20" font-size="13">accuracy (0–1)</text>`,
    ...[x1, x2].map(
      (x) =>
        `<rect x="${x}" y="${pad}" width="${panel}" height="${h - 2 * pad}" fill="none" stroke="#999"/>` +
        `<line x1="${bx(x)}" x2="${bx(x)}" y1="${pad}" y2="${h - pad}" stroke="#2a2" stroke-dasharray="3,3"/>`,
    ),
    line(
      history.map((e) => e.loss),
      x1,
      maxLoss,
      "#1f77b4",
    ),
    line(
      history.map((e) => e.valLoss),
      x1,
      maxLoss,
      "#d62728",
      "5,3",
    ),
    line(
      history.map((e) => e.acc),
      x2,
      1,
      "#1f77b4",
    ),
    line(
      history.map((e) => e.valAcc),
      x2,
      1,
      "#d62728",
      "5,3",
    ),
    `<text x="${x1}" y="${h - 12}">epochs 1–${history.length}; blue train, red dashed validation, green: kept epoch ${bestEpoch}</text>`,
    "</svg>",
  ].join("");
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}
