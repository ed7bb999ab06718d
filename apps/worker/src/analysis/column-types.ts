import type { ColumnType } from '@offload/contracts';

/** Maps a DuckDB column type to the type offload reports. */
export function columnTypeOf(duckType: string): ColumnType {
  const t = duckType.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return 'integer';
  if (/^(FLOAT|DOUBLE|REAL|DECIMAL)/.test(t)) return 'number';
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(TIMESTAMP|DATE)/.test(t)) return 'timestamp';
  return 'string';
}

export function isNumeric(type: ColumnType): boolean {
  return type === 'integer' || type === 'number';
}
