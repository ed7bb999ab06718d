import { columnTypeOf, isNumeric } from './column-types';

describe('columnTypeOf', () => {
  it.each(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'])(
    'reports %s as integer',
    (duckType) => {
      expect(columnTypeOf(duckType)).toBe('integer');
    },
  );

  it.each(['FLOAT', 'DOUBLE', 'REAL', 'DECIMAL(18,3)', 'DECIMAL'])('reports %s as number', (duckType) => {
    expect(columnTypeOf(duckType)).toBe('number');
  });

  it('reports BOOLEAN as boolean', () => {
    expect(columnTypeOf('BOOLEAN')).toBe('boolean');
  });

  it.each(['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS', 'DATE'])('reports %s as timestamp', (duckType) => {
    expect(columnTypeOf(duckType)).toBe('timestamp');
  });

  it.each(['VARCHAR', 'JSON', 'TIME', 'INTERVAL', 'BLOB', 'UUID', 'STRUCT(a BIGINT)', 'BIGINT[]', 'INTEGER[]', 'MAP(VARCHAR, BIGINT)'])(
    'reports %s as string',
    (duckType) => {
      expect(columnTypeOf(duckType)).toBe('string');
    },
  );

  it('ignores the case of the engine type name', () => {
    expect(columnTypeOf('bigint')).toBe('integer');
    expect(columnTypeOf('double')).toBe('number');
    expect(columnTypeOf('boolean')).toBe('boolean');
  });
});

describe('isNumeric', () => {
  it('is true for integer and number only', () => {
    expect(isNumeric('integer')).toBe(true);
    expect(isNumeric('number')).toBe(true);
    for (const type of ['boolean', 'timestamp', 'string'] as const) expect(isNumeric(type)).toBe(false);
  });
});
