/**
 * A SQL identifier, quoted: any column name a dataset brings is safe in a query. A NUL would end
 * the statement's C string inside the quotes (the engine then fails to parse it), so loading
 * refuses such a name first and this refuses it too.
 */
export function ident(name: string): string {
  if (name.includes('\u0000')) throw new RangeError('a SQL identifier cannot hold a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal, quoted. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
