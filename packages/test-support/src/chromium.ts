import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (the `chromium` package; Playwright's own browser download cannot work on
 * these machines). Throws, saying how to install it, when it is missing.
 */
export function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error("Debian's chromium is not installed: run `apt-get install chromium` (.ci/run does)");
  }
}

/** Debian's Chromium, headless, with nothing that calls out to the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * Where browser tests put their screenshots: `OFFLOAD_SCREENSHOTS_DIR` (`npm run screenshots` sets
 * it to docs/console, whose pictures the README shows), else a temp directory.
 */
export async function screenshotDir(): Promise<string> {
  const dir = process.env.OFFLOAD_SCREENSHOTS_DIR ?? join(tmpdir(), 'offload-console-screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}
