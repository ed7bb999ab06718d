import { defineConfig } from 'vite';

// The console is static files the API serves at /console/: one origin, no server of its own.
// Nothing inline (the API's Content-Security-Policy allows scripts and styles from 'self' only),
// so no inline module-preload polyfill and every asset a file.
export default defineConfig({
  root: 'src',
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
