/** A SQL identifier, quoted: any column name a dataset brings is safe in a query. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal, quoted. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
