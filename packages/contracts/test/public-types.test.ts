import { describe, expect, it } from '@jest/globals';
import {
  ERROR_CODE_NAMES,
  problemSchema,
  taskRecordSchema,
  type AnalysisResultRef,
  type ErrorCode,
  type Problem,
  type ResultOf,
  type TaskRecordOf,
  type ThumbnailResult,
  type WatermarkResult,
} from '../src/index';

/**
 * Type-level checks of the public surface: `npm run typecheck` compiles this file, so a wrong
 * type fails there (jest only runs the few runtime lines). `Equal` is exact, in both directions.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

describe('the public types', () => {
  it('types the result of each task type by its registry entry when reading a record', () => {
    assertType<Equal<ResultOf<'watermark'>, WatermarkResult>>();
    assertType<Equal<ResultOf<'thumbnail'>, ThumbnailResult>>();
    assertType<Equal<ResultOf<'analysis'>, AnalysisResultRef>>();
    assertType<Equal<TaskRecordOf<'thumbnail'>['result'], ThumbnailResult | undefined>>();
    assertType<Equal<TaskRecordOf<'watermark'>['task_type'], 'watermark'>>();

    // Narrowing a parsed record by task_type gives that type's result.
    const parsed = taskRecordSchema.parse({
      id: '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11',
      task_type: 'watermark',
      status: 'succeeded',
      attempts: 1,
      created_at: '2026-11-24T10:00:00.000Z',
      updated_at: '2026-11-24T10:00:01.000Z',
      result: { output_key: 'o', content_type: 'image/png', format: 'png', width: 1, height: 1, pages: 1, bytes: 1 },
    });
    const record = parsed as TaskRecordOf<'watermark'>;
    const width: number | undefined = record.result?.width;
    // @ts-expect-error a watermark result has no renditions
    expect(record.result?.outputs).toBeUndefined();
    expect(width).toBe(1);
  });

  it('types problem.code as one of the known error codes', () => {
    assertType<Equal<Problem['code'], ErrorCode>>();
    // @ts-expect-error a problem's code is one of ERROR_CODES
    const wrong: Problem['code'] = 'teapot';
    expect(ERROR_CODE_NAMES).not.toContain(wrong);
    expect(problemSchema.safeParse({ type: '/problems/x', title: 't', status: 418, detail: 'd', code: wrong }).success).toBe(false);
  });
});
