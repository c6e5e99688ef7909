/** PostgreSQL `integer`: a larger id names no row, and must be refused before it reaches SQL (where it is an error, not a miss). */
export const maxId = 2_147_483_647;

/** True for a value that can be the id of a row: a positive PostgreSQL integer. */
export function isRowId(value: number): boolean {
  return Number.isInteger(value) && value > 0 && value <= maxId;
}
