import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import { HttpProblem } from '../http-errors';

/**
 * The console's Content-Security-Policy: scripts, styles and fonts from this origin only (no
 * inline script or style, no eval), images from this origin or the `blob:` URLs the console makes
 * of fetched results, requests to this origin only, and the page may not be framed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /console/`: the built console (apps/console/dist) as static files, under a strict CSP. The
 * HTML is never cached (a deploy takes effect at once); the hashed assets are cached for a year.
 * Without a built console the route says how to build one.
 */
export function consoleRoutes(consoleDir: string | undefined): Router {
  const router = Router();
  router.use('/console', (_req, res, next) => {
    res.set('Content-Security-Policy', CONSOLE_CSP);
    next();
  });
  if (consoleDir === undefined || !existsSync(join(consoleDir, 'index.html'))) {
    router.use('/console', () => {
      throw new HttpProblem('not_found', 'the console is not built into this API: run `npm run build` (or use the API image, which has it)');
    });
    return router;
  }
  router.use(
    '/console',
    express.static(consoleDir, {
      index: 'index.html',
      redirect: true,
      dotfiles: 'ignore',
      setHeaders(res, path) {
        res.set('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      },
    }),
  );
  return router;
}
