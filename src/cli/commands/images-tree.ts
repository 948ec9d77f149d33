/**
 * `images --tree` (Docker 28's `docker image ls --tree`): one block per image, its names one a line
 * (the last carrying the columns), then one line per platform of a multi-platform image
 * (`├─ linux/amd64`, `└─ linux/arm64`). The layout is Docker's docs example: the columns IMAGE, ID
 * (12, left), DISK USAGE (10, right), CONTENT SIZE (12, right), EXTRA (`U`: in use), three spaces
 * apart; the IMAGE column as wide as its widest value, measured as Docker's CLI measures it (in
 * bytes, so a platform line counts its 7-byte `└─ ` prefix). Platforms not stored here are listed
 * with 0B, greyed on a terminal. On a terminal the legend comes first and the IMAGE column fits the
 * terminal's width (values cut with `...`), as Docker's CLI does; piped, nothing is cut (29.0.1).
 */
import type { TreeImage } from "../../images/index.js";
import { imageSize } from "../render/index.js";
import { truncateId } from "./image-contexts.js";

const SPACING = 3;
const LEGEND = "i Info →   U  In Use";

const ANSI = {
  bold: "\u001b[1m",
  faint: "\u001b[2m",
  blueBold: "\u001b[34;1m",
  green: "\u001b[32m",
  reset: "\u001b[0m",
} as const;

type Align = "left" | "right";

interface Column {
  title: string;
  width: number;
  align: Align;
}

/** One line's values: the first column's text, then the detail columns'. */
interface Cells {
  values: string[];
  inUse: boolean;
}

export interface TreeRenderOptions {
  /** Writing to a terminal: legend, colours, the width below. */
  tty: boolean;
  /** The terminal's columns (80 when unknown, at least 20), only with `tty`. */
  width?: number;
  /** Colours on a terminal (default: `tty`); off with `NO_COLOR`. */
  color?: boolean;
}

/** Docker's `truncateRunes`: at most `n` characters, the last three `...` when cut. */
function cut(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, Math.max(n - 3, 0)).join("")}...` : s;
}

function pad(s: string, c: Column): string {
  const v = cut(s, c.width);
  const fill = " ".repeat(Math.max(c.width - [...v].length, 0));
  return c.align === "right" ? fill + v : v + fill;
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** The table's lines for `images` (no trailing newline), as Docker 28 prints them. */
export function renderTree(images: readonly TreeImage[], opts: TreeRenderOptions): string[] {
  const color = opts.color ?? opts.tty;
  const paint = (code: string, s: string) => (color && s.trim() !== "" ? `${code}${s}${ANSI.reset}` : s);
  let columns: Column[] = [
    { title: "IMAGE", width: 0, align: "left" },
    { title: "ID", width: 12, align: "left" },
    { title: "DISK USAGE", width: 10, align: "right" },
    { title: "CONTENT SIZE", width: 12, align: "right" },
    { title: "EXTRA", width: 5, align: "left" },
  ];
  let widest = bytes("Image");
  for (const t of images) {
    for (const n of t.image.repoTags.length > 0 ? t.image.repoTags : ["<untagged>"])
      widest = Math.max(widest, bytes(n));
    for (const p of t.platforms) widest = Math.max(widest, bytes(p.platform) + bytes("└─ "));
  }
  let nameWidth = widest;
  const termWidth = Math.max(opts.width ?? 80, 20);
  if (opts.tty) {
    // Docker's rule: the other columns take their widths; drop those that leave IMAGE under 12.
    let room = termWidth;
    for (let i = 1; i < columns.length; i++) {
      const d = (columns[i] as Column).width + SPACING;
      if (room - d < 12) {
        columns = columns.slice(0, i);
        break;
      }
      room -= d;
    }
    nameWidth = Math.min(room, widest);
  }
  (columns[0] as Column).width = nameWidth;
  const details = columns.slice(1);
  type Style = (s: string) => string;
  const plain: Style = (s) => s;
  const line = (first: string, firstStyle: Style, cells?: Cells, style: Style = plain): string => {
    let s = firstStyle(pad(first, columns[0] as Column));
    if (cells) {
      details.forEach((c, i) => {
        s += " ".repeat(SPACING);
        s +=
          c.title === "EXTRA"
            ? paint(ANSI.green, pad(cells.inUse ? " U" : "", c))
            : style(pad(cells.values[i] ?? "", c));
      });
    }
    return s.trimEnd();
  };
  const out: string[] = [];
  if (opts.tty) {
    out.push(" ".repeat(Math.max(termWidth - [...LEGEND].length, 0)) + LEGEND, "");
  }
  out.push(
    columns
      .map((c, i) => (i === 0 ? "" : " ".repeat(SPACING)) + paint(ANSI.bold, pad(c.title, c)))
      .join("")
      .trimEnd(),
  );
  const spacing = images.some((t) => t.platforms.length > 0);
  for (const t of images) {
    const top: Cells = {
      values: [truncateId(t.image.id), imageSize(t.diskUsage), imageSize(t.contentSize)],
      inUse: t.inUse,
    };
    const names = t.image.repoTags;
    if (names.length === 0) out.push(line("<untagged>", (s) => paint(ANSI.faint, s), top));
    names.forEach((n, i) => {
      out.push(line(n, (s) => paint(ANSI.blueBold, s), i === names.length - 1 ? top : undefined));
    });
    t.platforms.forEach((p, i) => {
      const branch = i === t.platforms.length - 1 ? "└─ " : "├─ ";
      const cells: Cells = {
        values: [truncateId(p.id), imageSize(p.diskUsage), imageSize(p.contentSize)],
        inUse: p.inUse,
      };
      const style: Style = (s) => (p.available ? s : paint(ANSI.faint, s));
      out.push(line(branch + p.platform, style, cells, style));
    });
    if (spacing) out.push("");
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}
