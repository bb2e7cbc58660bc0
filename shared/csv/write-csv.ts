/** Writing CSV for operators (rejected.csv): quoting, and formula-injection neutralisation. */

/**
 * A cell starting with = + - @ would run as a formula when the operator opens the file
 * in a spreadsheet (CSV injection): prefix it with an apostrophe.
 */
export function neutraliseCsvCell(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** One CSV line (no line break), quoting cells that hold the delimiter, a quote or a line break. */
export function toCsvLine(cells: readonly string[], delimiter: string): string {
  return cells
    .map((cell) =>
      cell.includes(delimiter) || cell.includes('"') || cell.includes('\n') || cell.includes('\r')
        ? `"${cell.replaceAll('"', '""')}"`
        : cell,
    )
    .join(delimiter);
}
