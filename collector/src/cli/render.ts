/** Terminal output helpers: colour only when a person is watching (stdout is a TTY). */
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function paint(enabled: boolean = process.stdout.isTTY === true): Paint {
  const wrap = (code: number, reset: number) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[${reset}m` : text);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

const ansi = /\u001b\[\d+m/g;

/** Left-aligned columns sized to their widest cell (colour codes excluded from the width). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').replace(ansi, '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - cell.replace(ansi, '').length)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function milliseconds(ns: number): string {
  return `${(ns / 1e6).toFixed(1)} ms`;
}
