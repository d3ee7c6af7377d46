import { type Confusion, NOBODY, STRANGER } from "./report.ts";
import { svgDoc, text } from "./svg.ts";

const CELL = 34;
const MAX_LABELS = 14;

const isRight = (c: Confusion) => c.decided === (c.truth === STRANGER ? NOBODY : c.truth);

/**
 * The top wrong decisions as a matrix: rows are who was in the photo, columns whom the product named. Only the
 * people involved in the top errors appear (79 × 79 would be unreadable), those named as someone else first;
 * the first column gives each row's right decisions for scale, the second its misses (nobody named). Correct cells are green, wrong ones red, darker for more.
 */
export function confusionSvg(counts: Confusion[], title: string): string {
  // Named-as-someone-else first: those are the confusions; "nobody named" (misses) would otherwise fill the plot.
  const errors = counts
    .filter((c) => !isRight(c))
    .sort((a, b) => Number(a.decided === NOBODY) - Number(b.decided === NOBODY) || b.count - a.count);
  const rows: string[] = [];
  const cols: string[] = [NOBODY];
  for (const e of errors) {
    const newRow = !rows.includes(e.truth);
    const newCol = !cols.includes(e.decided);
    if ((newRow && rows.length >= MAX_LABELS) || (newCol && cols.length >= MAX_LABELS)) continue;
    if (newRow) rows.push(e.truth);
    if (newCol) cols.push(e.decided);
  }
  // Misses of the rows shown count too (the nobody column is always there).
  const shown = errors
    .filter((e) => rows.includes(e.truth) && cols.includes(e.decided))
    .reduce((n, e) => n + e.count, 0);
  const last = (label: string) => (a: string, b: string) => Number(a === label) - Number(b === label);
  rows.sort(last(STRANGER));
  cols.sort((a, b) => Number(b === NOBODY) - Number(a === NOBODY)); // misses first, next to the right decisions
  const total = errors.reduce((s, e) => s + e.count, 0);
  const get = (t: string, d: string) => counts.find((c) => c.truth === t && c.decided === d)?.count ?? 0;
  const right = (t: string) => get(t, t === STRANGER ? NOBODY : t);
  const maxErr = Math.max(1, ...errors.map((e) => e.count));

  const left = 230;
  const top = 230;
  const width = Math.max(620, left + (cols.length + 1) * CELL + 150);
  const height = top + Math.max(1, rows.length) * CELL + 80;
  const body: string[] = [
    text(20, 28, title, { size: 17, weight: "bold" }),
    text(
      20,
      50,
      `${shown} of ${total} wrong decisions shown: people named as someone else first, then the most missed`,
      {
        size: 12,
        fill: "#555",
      },
    ),
    text(left - 10, top - 8, "in the photo ↓  /  named →", { size: 12, anchor: "end", fill: "#555" }),
  ];
  const colX = (j: number) => left + (j + 1) * CELL; // column 0 is "right"
  const headers = ["right decisions", ...cols];
  headers.forEach((h, j) => {
    const cx = left + j * CELL + CELL / 2;
    body.push(text(cx + 4, top - 8, h, { size: 12, rotate: -55, weight: j === 0 ? "bold" : "normal" }));
  });
  rows.forEach((r, i) => {
    const yy = top + i * CELL;
    body.push(text(left - 10, yy + CELL / 2 + 4, r, { size: 12, anchor: "end" }));
    const ok = right(r);
    body.push(
      `<rect x="${left}" y="${yy}" width="${CELL}" height="${CELL}" fill="#e4f4e4" stroke="#bbb"/>`,
      text(left + CELL / 2, yy + CELL / 2 + 4, String(ok), { size: 12, anchor: "middle" }),
    );
    cols.forEach((c, j) => {
      // A stranger's "nobody named" is its right decision, already in the first column.
      const n = r === STRANGER && c === NOBODY ? 0 : get(r, c);
      const correct = c === r;
      const shade = n === 0 ? "#ffffff" : correct ? "#9ed99e" : heat(n / maxErr);
      body.push(
        `<rect x="${colX(j)}" y="${yy}" width="${CELL}" height="${CELL}" fill="${shade}" stroke="#ccc"/>`,
      );
      if (n > 0)
        body.push(
          text(colX(j) + CELL / 2, yy + CELL / 2 + 4, String(n), {
            size: 12,
            anchor: "middle",
            fill: !correct && n / maxErr > 0.6 ? "white" : "#222",
          }),
        );
    });
  });
  if (rows.length === 0) body.push(text(left, top + 20, "no wrong decisions", { size: 14 }));
  return svgDoc(width, height, body);
}

/** Light to dark red. */
function heat(f: number): string {
  const gb = Math.round(225 - 185 * f);
  return `rgb(${Math.round(250 - 60 * f)},${gb},${gb})`;
}
