import { describe, expect, it } from '@jest/globals';
import { parseRoute } from './hash-route';
import { filtersFromQuery, filtersToQuery, parseIdSearch } from './task-filters';

describe('parseRoute', () => {
  it('reads each page and its query', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    const tasks = parseRoute('#/tasks?status=failed&task_type=watermark');
    expect(tasks.page === 'tasks' && tasks.query.get('status')).toBe('failed');
    expect(parseRoute('#/tasks/0A2B3C4D-0000-4000-8000-000000000001')).toEqual({ page: 'task', id: '0a2b3c4d-0000-4000-8000-000000000001' });
    expect(parseRoute('#/workers')).toEqual({ page: 'workers' });
  });

  it('answers not-found for anything else, a script included', () => {
    expect(parseRoute('#/tasks/<script>').page).toBe('not-found');
    expect(parseRoute('#/javascript:alert(1)').page).toBe('not-found');
  });
});

describe('task filters', () => {
  it('round-trips through the query and drops values the API would refuse', () => {
    const filters = filtersFromQuery(new URLSearchParams('status=failed,bogus&task_type=watermark&created_after=2026-01-01T00:00:00Z&id_prefix=AB12&tenant=acme'));
    expect(filters).toEqual({ statuses: ['failed'], taskTypes: ['watermark'], createdAfter: '2026-01-01T00:00:00.000Z', createdBefore: '', tenant: 'acme', idPrefix: 'ab12' });
    expect(filtersFromQuery(filtersToQuery(filters))).toEqual(filters);
    expect(filtersFromQuery(new URLSearchParams('id_prefix=zz&created_before=yesterday'))).toMatchObject({ idPrefix: '', createdBefore: '' });
  });

  it('tells a whole id from a prefix and refuses other characters', () => {
    expect(parseIdSearch(' 0A2B3C4D-0000-4000-8000-000000000001 ')).toEqual({ kind: 'id', id: '0a2b3c4d-0000-4000-8000-000000000001' });
    expect(parseIdSearch('0a2b')).toEqual({ kind: 'prefix', prefix: '0a2b' });
    expect(parseIdSearch('<img>').kind).toBe('invalid');
    expect(parseIdSearch('').kind).toBe('none');
  });
});
