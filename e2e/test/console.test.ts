import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TaskRecord } from '@offload/contracts';
import { createHandlers, loadWorkerConfig, runWorker, type RunningWorker, type TaskHandler } from '@offload/worker/testing';
import { TEST_AMQP_URL, deleteTestTopology, launchChromium, screenshotDir, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, REPO_ROOT, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

const run = promisify(execFile);
const XSS = '<img src=x onerror=alert(1)>';

/**
 * The console in Debian's Chromium against the built API and worker processes on the real broker:
 * sign in, live updates, results, re-drive, cancel, text-only rendering of task data, read-only
 * keys, forged requests, an API outage. The screenshots it takes are the README's.
 */
describe('the console in a real browser', () => {
  const prefix = uniquePrefix();
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess;
  let analysisWorker: RunningWorker;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let port: number;
  let env: Record<string, string>;
  let adminKey: string;
  let readKey: string;
  let shots: string;
  /** alert(), confirm() or prompt() calls any page made: an injected script would make one. */
  const dialogs: string[] = [];

  async function startApi(): Promise<void> {
    api = startNode(API_ENTRY, { ...env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' });
    await waitForHttp(`${base}/readyz`);
  }

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-console');
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path };
    await startApi();
    // What `npm start` prints on a fresh database: the first admin key, once, on stderr.
    adminKey = /offload: {5}(ofk_[A-Za-z0-9_-]{43})/.exec(api.stderr())?.[1] ?? '';
    expect(adminKey).not.toBe('');
    const created = await run(process.execPath, [join(REPO_ROOT, 'apps/api/dist/keys/main.js'), 'create', '--name', 'viewer', '--tenant', 'default', '--scopes', 'tasks:read'], {
      env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'silent' },
    });
    readKey = created.stdout.trim();
    worker = startNode(WORKER_ENTRY, { ...env, LOG_LEVEL: 'warn', WORKER_HTTP_PORT: '0', WORKER_TASK_TYPES: 'watermark,thumbnail', WORKER_HEARTBEAT_MS: '500', RETRY_BASE_MS: '200', RETRY_MAX_MS: '400' });
    // Analysis runs here, with the real handler, except tasks whose first row says `hold`: they
    // run until cancelled (a task that is surely running when the test cancels it).
    const config = loadWorkerConfig({ ...env, LOG_LEVEL: 'silent', WORKER_HTTP_PORT: '0', WORKER_TASK_TYPES: 'analysis', WORKER_HEARTBEAT_MS: '500' });
    const real = createHandlers(config, { imageMaxPixels: config.IMAGE_MAX_PIXELS, tempDir: dataDir.path }).analysis;
    if (real === undefined) throw new Error('no analysis handler');
    const analysis: TaskHandler<'analysis'> = async (content, context) => {
      if (content.rows?.[0]?.hold === true) {
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
        throw context.signal.reason;
      }
      return real(content, context);
    };
    analysisWorker = await runWorker({ config, name: 'e2e-console-analysis', handlers: { analysis }, taskTypes: ['analysis'], healthHost: '127.0.0.1' });
    browser = await launchChromium();
    shots = await screenshotDir();
  });

  afterAll(async () => {
    await browser?.close();
    await analysisWorker?.shutdown('test');
    await worker?.stop();
    await api?.stop();
    await deleteTestTopology(prefix);
    await dataDir?.remove();
  });

  async function newPage(width = 1280, height = 900): Promise<Page> {
    context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const p = await context.newPage();
    p.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return p;
  }

  async function signIn(p: Page, key: string): Promise<void> {
    await p.goto(`${base}/console/`);
    await p.getByLabel('API key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('who').waitFor();
  }

  const tasks = {
    async record(id: string): Promise<TaskRecord> {
      return (await (await fetch(`${base}/v1/tasks/${id}`, { headers: { Authorization: `Bearer ${adminKey}` } })).json()) as TaskRecord;
    },
    async until(id: string, status: string): Promise<TaskRecord> {
      return waitUntil(async () => {
        const r = await tasks.record(id);
        return r.status === status ? r : undefined;
      }, { description: `task ${id} ${status}`, timeoutMs: 30_000 });
    },
    async submit(body: object): Promise<string> {
      const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    },
    async image(bytes: Buffer, text: string): Promise<string> {
      const form = new FormData();
      form.set('image', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'photo.jpg');
      form.set('text', text);
      const res = await fetch(`${base}/v1/images`, { method: 'POST', headers: { Authorization: `Bearer ${adminKey}` }, body: form });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    },
  };

  const photo = () => sharp({ create: { width: 480, height: 320, channels: 3, background: { r: 40, g: 110, b: 170 } } }).jpeg().toBuffer();

  it('signs in with the key the start printed, keeps it out of URLs and storage, and refuses a wrong one in the API’s words', async () => {
    page = await newPage();
    await page.goto(`${base}/console/`);
    await page.getByLabel('API key').fill(`ofk_${'A'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('sign-in-error').textContent()).resolves.toContain('unknown or revoked');
    await page.screenshot({ path: join(shots, 'sign-in.png') });
    await signIn(page, adminKey);
    await expect(page.getByTestId('who').textContent()).resolves.toContain('admin');
    expect(page.url()).not.toContain(adminKey);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('ofk_');
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('shows a task submitted by curl within a second, without a reload, as it walks to succeeded, and displays its watermarked image', async () => {
    await page.goto(`${base}/console/#/tasks`);
    await page.getByTestId('live-state').and(page.locator('[data-state="live"]')).waitFor();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const file = join(dataDir.path, 'photo.jpg');
    await writeFile(file, await photo());
    const curl = await run('curl', ['-sS', '-H', `Authorization: Bearer ${adminKey}`, '-F', `image=@${file};type=image/jpeg`, '-F', 'text=© offload', `${base}/v1/images`]);
    const id = (JSON.parse(curl.stdout) as { id: string }).id;
    // The bar: on screen within a second of the API's 202.
    await page.locator(`tr[data-task-id="${id}"]`).waitFor({ timeout: 1_000 });
    await page.locator(`tr[data-task-id="${id}"][data-status="succeeded"]`).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.screenshot({ path: join(shots, 'tasks.png') });

    await page.locator(`tr[data-task-id="${id}"] a`).click();
    const image = page.getByTestId('result-image');
    await image.waitFor();
    await waitUntil(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 480), { description: 'the result image decoded', timeoutMs: 10_000 });
    await expect(page.getByTestId('timeline').textContent()).resolves.toContain('succeeded');
    await page.screenshot({ path: join(shots, 'task.png'), fullPage: true });
  });

  it('filters failed watermark tasks and re-drives them', async () => {
    const jpeg = await photo();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const ids = [await tasks.image(truncated, 'one'), await tasks.image(truncated, 'two')];
    for (const id of ids) await tasks.until(id, 'failed');

    await page.goto(`${base}/console/#/dead-letters`);
    await page.locator(`[data-testid="dead-letter-table"] tr[data-task-id="${ids[0]}"]`).waitFor();
    await page.screenshot({ path: join(shots, 'dead-letters.png') });

    await page.goto(`${base}/console/#/tasks`);
    await page.getByRole('checkbox', { name: 'failed' }).check();
    await page.getByRole('checkbox', { name: 'watermark' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=failed/);
    // The list settles on exactly the two failed watermarks (the page asks the API again for the
    // new filters; the earlier rows go at once).
    const shown = () => page.locator('[data-testid="task-table"] tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-task-id') ?? ''}:${r.getAttribute('data-status') ?? ''}`));
    await waitUntil(async () => JSON.stringify([...(await shown())].sort()) === JSON.stringify(ids.map((id) => `${id}:failed`).sort()), {
      description: 'the two failed watermark tasks, and nothing else, listed',
      timeoutMs: 10_000,
    });
    await page.getByTestId('redrive-shown').click();
    await page.getByTestId('confirm').click();
    await expect(page.getByTestId('notice').textContent()).resolves.toBe('Re-drove 2 of 2.');
    // The same corrupt upload fails again: each task now has a second round, attempts from 1.
    for (const id of ids) {
      const again = await waitUntil(async () => {
        const r = await tasks.record(id);
        return r.status === 'failed' && (r.runs ?? []).length === 2 ? r : undefined;
      }, { description: `task ${id} re-driven and failed again`, timeoutMs: 30_000 });
      expect(again.runs?.map((r) => [r.attempt, r.outcome])).toEqual([[1, 'failed'], [1, 'failed']]);
    }
  });

  it('cancels a running task', async () => {
    const id = await tasks.submit({ task_type: 'analysis', content: { rows: [{ hold: true, n: 1 }] } });
    await tasks.until(id, 'processing');
    await page.goto(`${base}/console/#/tasks/${id}`);
    await page.locator('.badge[data-status="processing"]').first().waitFor();
    await page.getByTestId('cancel-task').click();
    await page.getByTestId('confirm').click();
    await page.locator('[data-field="Status"] .badge[data-status="cancelled"]').waitFor({ timeout: 15_000 });
    expect((await tasks.record(id)).status).toBe('cancelled');
  });

  it('renders task data as text: a column named like markup shows those characters and runs nothing', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ [XSS]: i, price: i * 1.5 + (i % 7), qty: 40 - i + (i % 3), label: i % 2 === 0 ? XSS : 'plain' }));
    const id = await tasks.submit({ task_type: 'analysis', content: { rows } });
    await tasks.until(id, 'succeeded');
    await page.goto(`${base}/console/#/tasks/${id}`);
    const table = page.getByTestId('columns-table');
    await table.waitFor();
    await expect(table.locator('tbody th').first().textContent()).resolves.toBe(XSS);
    await expect(table.textContent()).resolves.toContain(`${XSS} (20)`);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.getByTestId('heatmap').waitFor();
    await page.screenshot({ path: join(shots, 'analysis.png'), fullPage: true });
  });

  it('gives a read-only key no action buttons, and refuses a forged action, from its key or from another site', async () => {
    const held = await tasks.submit({ task_type: 'analysis', content: { rows: [{ hold: true, n: 2 }] } });
    await tasks.until(held, 'processing');
    const viewer = await newPage();
    await signIn(viewer, readKey);
    await expect(viewer.getByTestId('who').textContent()).resolves.toContain('read-only');
    await viewer.goto(`${base}/console/#/tasks/${held}`);
    await viewer.locator('[data-field="Status"] .badge[data-status="processing"]').waitFor();
    expect(await viewer.locator('.actions button').count()).toBe(0);
    await viewer.goto(`${base}/console/#/tasks?status=failed`);
    await viewer.locator('[data-testid="task-table"] tbody tr').first().waitFor();
    expect(await viewer.getByTestId('redrive-shown').count()).toBe(0);
    await viewer.goto(`${base}/console/#/dead-letters`);
    await expect(viewer.locator('main').textContent()).resolves.toContain('for admin keys');

    // The same request the console would make, with the read-only key: 403.
    const forged = await viewer.evaluate(async ([id, key]) => {
      const res = await fetch(`/v1/tasks/${id}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });
      return res.status;
    }, [held, readKey] as const);
    expect(forged).toBe(403);

    // A page of another origin posting a form to the API (the classic CSRF): refused, unrun.
    const evil: Server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<form id="f" method="POST" action="${base}/v1/tasks/${held}/cancel"></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const answer = viewer.waitForResponse((res) => res.url().endsWith(`/v1/tasks/${held}/cancel`));
      await viewer.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      expect((await answer).status()).toBe(403);
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }
    expect((await tasks.record(held)).status).toBe('processing');
    await fetch(`${base}/v1/tasks/${held}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${adminKey}` } });
    await viewer.context().close();
  });

  it('shows the overview live, says when the API is down, and recovers by itself', async () => {
    await page.goto(`${base}/console/#/`);
    await page.getByTestId('count-watermark-succeeded').waitFor();
    await waitUntil(async () => Number(await page.getByTestId('count-watermark-succeeded').textContent()) >= 1, { description: 'the overview counted the watermark', timeoutMs: 10_000 });
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    await api.stop();
    await page.locator('[data-testid="live-state"][data-state="down"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(shots, 'api-down.png') });
    await startApi();
    await page.locator('[data-testid="live-state"][data-state="live"]').waitFor({ timeout: 30_000 });
  });

  it('lists the workers, live', async () => {
    await page.goto(`${base}/console/#/workers`);
    await page.locator('[data-testid="worker-table"] tr[data-status="live"]').nth(1).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'workers.png') });
  });

  it('works 390 px wide, with the keyboard alone, in readable contrast', async () => {
    const phone = await newPage(390, 844);
    await signIn(phone, adminKey);
    await phone.goto(`${base}/console/#/tasks`);
    await phone.locator('[data-testid="task-table"] tbody tr').first().waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(shots, 'tasks-390.png') });

    // Tab from the top of the page to the first task's link, open it with Enter.
    await phone.locator('body').focus();
    let onTask = false;
    for (let i = 0; i < 80 && !onTask; i++) {
      await phone.keyboard.press('Tab');
      onTask = await phone.evaluate(() => document.activeElement?.closest('[data-testid="task-table"] tbody') != null);
    }
    expect(onTask).toBe(true);
    await phone.keyboard.press('Enter');
    await phone.waitForURL(/#\/tasks\/[0-9a-f-]{36}$/);
    await phone.getByTestId('fields').waitFor();

    // WCAG 2 contrast of text against its background, on every text element of two pages: 4.5:1.
    const worst = async () =>
      phone.evaluate(() => {
        const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r = 0, g = 0, b = 0]: number[]) =>
          [r, g, b].map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * ([0.2126, 0.7152, 0.0722][i] ?? 0), 0);
        const background = (el: Element | null): number[] => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && (c[3] ?? 0) > 0.5)) return c.slice(0, 3);
          }
          return [255, 255, 255];
        };
        let min = { ratio: 21, text: '' };
        for (const el of document.querySelectorAll('body *')) {
          const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
          if (!own || (el as HTMLElement).offsetParent === null) continue;
          const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < min.ratio) min = { ratio, text: (el.textContent ?? '').trim().slice(0, 40) };
        }
        return min;
      });
    const taskPage = await worst();
    await phone.goto(`${base}/console/#/`);
    await phone.getByTestId('count-watermark-succeeded').waitFor();
    const overview = await worst();
    for (const found of [taskPage, overview]) expect([found.text, found.ratio >= 4.5]).toEqual([found.text, true]);
    await phone.context().close();
  });
});
