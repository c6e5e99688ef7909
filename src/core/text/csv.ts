/** CSV for spreadsheets: a cell quoted, and a leading = + - @ made inert, so a spreadsheet never runs a cell as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

/** A cell read back from a file: the apostrophe csvCell put before a leading = + - @ taken off again. */
export function csvValue(cell: string): string {
  return cell.replace(/^'(?=[=+\-@\t\r])/, '');
}

/** The lines as a CSV file: a BOM (so a spreadsheet reads UTF-8), CRLF line ends. */
export function csvFile(rows: readonly (readonly (string | number | null)[])[]): Buffer {
  return Buffer.from(`\uFEFF${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`, 'utf8');
}
