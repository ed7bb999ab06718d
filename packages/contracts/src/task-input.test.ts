import { describe, expect, it } from '@jest/globals';
import { toFieldProblems } from './problem';
import { taskInputSchema } from './task-input';

const KEY = 'up_0123456789abcdef0123456789abcdef';

function problemsOf(input: unknown): { path: string; code: string }[] {
  const parsed = taskInputSchema.safeParse(input);
  if (parsed.success) {
    return [];
  }
  return toFieldProblems(parsed.error).map(({ path, code }) => ({ path, code }));
}

describe('taskInputSchema', () => {
  it('applies the watermark defaults when only the required options are given', () => {
    const parsed = taskInputSchema.parse({ task_type: 'watermark', content: { image: KEY, watermark: { text: 'hi' } } });

    expect(parsed).toEqual({
      task_type: 'watermark',
      content: {
        image: KEY,
        watermark: { text: 'hi', position: 'bottom-right', tile: false, opacity: 0.5, size: 0.25, margin: 0.02 },
      },
    });
  });

  it('applies the analysis defaults when given a dataset only', () => {
    const parsed = taskInputSchema.parse({ task_type: 'analysis', content: { dataset: KEY } });
    expect(parsed).toEqual({ task_type: 'analysis', content: { dataset: KEY, histogram_bins: 10 } });
  });

  it('reports one unknown field per key at every level when the input has extras', () => {
    const problems = problemsOf({
      task_type: 'watermark',
      extra: 1,
      content: { image: KEY, foo: 2, watermark: { text: 'hi', colour: 'red', blur: 2 } },
    });

    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'extra', code: 'unrecognized_keys' },
        { path: 'content.foo', code: 'unrecognized_keys' },
        { path: 'content.watermark.colour', code: 'unrecognized_keys' },
        { path: 'content.watermark.blur', code: 'unrecognized_keys' },
      ]),
    );
  });

  it('reports an unknown field in analysis content', () => {
    expect(problemsOf({ task_type: 'analysis', content: { dataset: KEY, bins: 3 } })).toEqual([
      { path: 'content.bins', code: 'unrecognized_keys' },
    ]);
  });

  it('reports an unknown task type at task_type', () => {
    expect(problemsOf({ task_type: 'transcode', content: {} }).map((p) => p.path)).toEqual(['task_type']);
  });

  it('accepts 200 characters of text and rejects 201', () => {
    const input = (text: string): unknown => ({ task_type: 'watermark', content: { image: KEY, watermark: { text } } });

    expect(problemsOf(input('x'.repeat(200)))).toEqual([]);
    expect(problemsOf(input('x'.repeat(201)))).toEqual([{ path: 'content.watermark.text', code: 'too_big' }]);
  });

  it('requires text or a logo when the watermark has neither', () => {
    expect(problemsOf({ task_type: 'watermark', content: { image: KEY, watermark: { opacity: 0.3 } } })).toEqual([
      { path: 'content.watermark.text', code: 'custom' },
    ]);
    expect(problemsOf({ task_type: 'watermark', content: { image: KEY, watermark: { logo: KEY } } })).toEqual([]);
  });

  it.each(['../secret.png', '/etc/passwd', 'https://example.com/a.png', 'up_xyz'])(
    'rejects %j as an image when it is not an upload key',
    (image) => {
      expect(problemsOf({ task_type: 'watermark', content: { image, watermark: { text: 'hi' } } })).toEqual([
        { path: 'content.image', code: 'invalid_format' },
      ]);
    },
  );

  it.each([
    ['both dataset and rows', { dataset: KEY, rows: [{ a: 1 }] }],
    ['neither dataset nor rows', { histogram_bins: 5 }],
  ])('requires exactly one data source when analysis content has %s', (_, content) => {
    expect(problemsOf({ task_type: 'analysis', content })).toEqual([{ path: 'content.dataset', code: 'custom' }]);
  });
});

describe('toFieldProblems', () => {
  it('prefixes every path when given a path prefix', () => {
    const parsed = taskInputSchema.safeParse({ task_type: 'analysis', content: { rows: [], x: 1, y: 2 } });
    if (parsed.success) {
      throw new Error('expected the input to be invalid');
    }

    expect(toFieldProblems(parsed.error, ['body']).map((p) => p.path)).toEqual(['body.content.x', 'body.content.y']);
    for (const problem of toFieldProblems(parsed.error)) {
      expect(problem.message).toBe('unknown field');
    }
  });
});
