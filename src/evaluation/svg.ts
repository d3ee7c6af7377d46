/** Small SVG helpers for the evaluation plots (rendered to PNG by sharp, so no plotting dependency). */

export const FONT = "DejaVu Sans, Arial, Helvetica, sans-serif";

export const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function text(
  x: number,
  y: number,
  s: string,
  opts: {
    size?: number;
    anchor?: "start" | "middle" | "end";
    weight?: string;
    fill?: string;
    rotate?: number;
  } = {},
): string {
  const rot = opts.rotate ? ` transform="rotate(${opts.rotate} ${x} ${y})"` : "";
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT}" font-size="${opts.size ?? 13}" text-anchor="${opts.anchor ?? "start"}" font-weight="${opts.weight ?? "normal"}" fill="${opts.fill ?? "#222"}"${rot}>${esc(s)}</text>`;
}

export function svgDoc(width: number, height: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="white"/>${body.join("")}</svg>`;
}
