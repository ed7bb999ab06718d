import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { decodePixels, diffBox, solidPng, textSample, type Pixels, type Region } from '../../test/image-helpers';

const run = promisify(execFile);

/** What fontconfig must find for the texts below (the worker image and .ci/run install them). */
const FAMILIES = ['DejaVu Sans', 'Noto Sans CJK JP', 'Noto Color Emoji'];

const EMOJI = '😀🎉👍';
const TEXTS = [
  ['Chinese', '水印文字'],
  ['Japanese', 'こんにちは世界'],
  ['emoji', EMOJI],
] as const;

/** Draws textSample(text) in a child process whose fontconfig sees only the font file in `dir`. */
async function sampleInChild(text: string, dir: string): Promise<Buffer> {
  const helpers = JSON.stringify(join(__dirname, '../../test/image-helpers.ts'));
  const script = `require(${helpers}).textSample(process.env.SAMPLE_TEXT).then((png) => process.stdout.write(png))`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: __dirname,
    env: { PATH: process.env.PATH ?? '', HOME: dir, FONTCONFIG_FILE: join(dir, 'fonts.conf'), SAMPLE_TEXT: text },
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

function union(a: Region | undefined, b: Region | undefined): Region {
  if (a === undefined || b === undefined) throw new Error('a sample has no mark at all');
  return {
    left: Math.min(a.left, b.left),
    top: Math.min(a.top, b.top),
    right: Math.max(a.right, b.right),
    bottom: Math.max(a.bottom, b.bottom),
  };
}

/** Share of the region's pixels for which `test` holds. */
function share(pixels: Pixels, region: Region, test: (i: number) => boolean): number {
  let n = 0;
  for (let y = region.top; y < region.bottom; y += 1) {
    for (let x = region.left; x < region.right; x += 1) if (test((y * pixels.width + x) * pixels.channels)) n += 1;
  }
  return n / ((region.right - region.left) * (region.bottom - region.top));
}

/** Pixels that differ clearly (by more than a quarter of the range in some channel). */
function changed(a: Pixels, b: Pixels, region: Region): number {
  return share(a, region, (i) => [0, 1, 2].some((c) => Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0)) > 64));
}

/** Pixels whose channels are far apart: colour, where the text mark is only white, black and grey. */
function coloured(pixels: Pixels, region: Region): number {
  return share(pixels, region, (i) => {
    const rgb = [0, 1, 2].map((c) => pixels.data[i + c] ?? 0);
    return Math.max(...rgb) - Math.min(...rgb) > 64;
  });
}

// fontconfig reads its configuration once per process, so the run with boxes is a child process
// whose fontconfig sees DejaVu Sans Bold alone: Pango then draws CJK and emoji as hex boxes.
describe('renderTextMark with text DejaVu has no glyphs for', () => {
  let boxesDir = '';
  let base: Pixels;

  beforeAll(async () => {
    boxesDir = await mkdtemp(join(tmpdir(), 'offload-dejavu-only-'));
    const { stdout } = await run('fc-match', ['--format=%{file}', 'DejaVu Sans:bold']);
    expect(basename(stdout)).toBe('DejaVuSans-Bold.ttf');
    await copyFile(stdout, join(boxesDir, basename(stdout)));
    // The system's rules (hinting, antialiasing, aliases) but none of its font directories.
    const config = [
      `<dir>${boxesDir}</dir>`,
      `<cachedir>${join(boxesDir, 'cache')}</cachedir>`,
      '<include ignore_missing="yes">/etc/fonts/conf.d</include>',
    ];
    await writeFile(join(boxesDir, 'fonts.conf'), `<?xml version="1.0"?>\n<fontconfig>${config.join('')}</fontconfig>\n`);
    base = await decodePixels(await solidPng(480, 160, '#808080'));
  });

  afterAll(async () => {
    if (boxesDir !== '') await rm(boxesDir, { recursive: true, force: true });
  });

  it('finds the CJK and colour emoji fonts through fontconfig', async () => {
    const { stdout } = await run('fc-list', ['--format=%{family}\n']);
    const families = new Set(stdout.split('\n').flatMap((line) => line.split(',')));
    for (const family of FAMILIES) expect([family, families.has(family)]).toEqual([family, true]);
  });

  /** The sample drawn here and in the DejaVu-only child, and the region either mark covers. */
  async function drawBoth(text: string): Promise<{ drawn: Pixels; boxed: Pixels; region: Region }> {
    const [sample, boxes] = await Promise.all([textSample(text), sampleInChild(text, boxesDir)]);
    const drawn = await decodePixels(sample);
    const boxed = await decodePixels(boxes);
    return { drawn, boxed, region: union(diffBox(base, drawn), diffBox(base, boxed)) };
  }

  it('draws Latin text the same as the DejaVu-only run, so only fonts tell the runs apart', async () => {
    const { drawn, boxed, region } = await drawBoth('Offload 2025');
    expect(changed(drawn, boxed, region)).toBe(0);
  });

  it.each(TEXTS)('draws %s text with glyphs, not the boxes a DejaVu-only run draws', async (_script, text) => {
    const { drawn, boxed, region } = await drawBoth(text);
    // Measured: 50–70 % of the region's pixels change, none when the Noto fonts are missing (and
    // up to 19 % when only the hinting differs, which the Latin test above rules out).
    expect(changed(drawn, boxed, region)).toBeGreaterThan(0.3);
  });

  it('draws emoji in colour, where a DejaVu-only run has none', async () => {
    const { drawn, boxed, region } = await drawBoth(EMOJI);
    expect(coloured(boxed, region)).toBe(0);
    // Measured: about 40 %.
    expect(coloured(drawn, region)).toBeGreaterThan(0.2);
  });
});
