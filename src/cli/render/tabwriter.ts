/**
 * Go's text/tabwriter with flags 0 and a space pad character, as Docker's tables use it
 * (`tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`): tab-terminated cells of consecutive lines form a
 * column block whose width is the widest cell plus the padding, at least `minWidth`; the last cell of
 * a line (after its last tab) belongs to no column and is written as is.
 */

export interface TabOptions {
  minWidth: number;
  padding: number;
}

/** Docker's table settings. */
export const DOCKER_TABS: TabOptions = { minWidth: 10, padding: 3 };

interface Cell {
  text: string;
  width: number;
}

const width = (s: string): number => [...s].length;

/** Aligns `text` (lines of tab-separated cells) as a flushed Go tabwriter would. */
export function tabulate(text: string, opts: TabOptions = DOCKER_TABS): string {
  const rawLines = text.split("\n");
  const trailing = rawLines.at(-1) === "";
  if (trailing) rawLines.pop();
  const lines: Cell[][] = rawLines.map((l) => l.split("\t").map((t) => ({ text: t, width: width(t) })));
  const widths: number[] = [];
  let out = "";

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] as Cell[];
      line.forEach((c, j) => {
        out += c.text;
        const w = widths[j];
        if (j < line.length - 1 && w !== undefined) out += " ".repeat(Math.max(0, w - c.width));
      });
      if (i + 1 < lines.length || trailing) out += "\n";
    }
  };

  formatFrom(0, lines.length);
  return out;

  function formatFrom(line0: number, line1: number): void {
    const column = widths.length;
    let start = line0;
    let t = line0;
    while (t < line1) {
      if (column >= (lines[t] as Cell[]).length - 1) {
        t++;
        continue;
      }
      writeLines(start, t);
      start = t;
      let w = opts.minWidth;
      while (t < line1) {
        const line = lines[t] as Cell[];
        if (column >= line.length - 1) break;
        w = Math.max(w, (line[column] as Cell).width + opts.padding);
        t++;
      }
      widths.push(w);
      formatFrom(start, t);
      widths.pop();
      start = t;
    }
    writeLines(start, line1);
  }
}
