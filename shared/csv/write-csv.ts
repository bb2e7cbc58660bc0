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

/**
 * The first line of a rejected.csv (design.md §3.5): a UTF-8 BOM (so Excel reads it as
 * UTF-8, whatever the upload's encoding), the upload's headers and `reasons`, every cell
 * neutralised like the rows'.
 */
export function rejectedCsvHeader(headers: readonly string[], delimiter: string): string {
  return `\uFEFF${rejectedCsvRow(headers, ['reasons'], delimiter)}`;
}

/** A rejected row as uploaded, plus its reasons joined by `|`. */
export function rejectedCsvRow(cells: readonly string[], reasons: readonly string[], delimiter: string): string {
  return `${toCsvLine([...cells, reasons.join('|')].map(neutraliseCsvCell), delimiter)}\r\n`;
}
