import { dirname, join } from 'node:path';

/**
 * Where the built console is: the `dist` of the installed @offload/console package (a dependency
 * of the API, so the image and a production install carry it). Undefined when it is not installed.
 */
export function findConsoleDir(): string | undefined {
  try {
    return join(dirname(require.resolve('@offload/console/package.json')), 'dist');
  } catch {
    return undefined;
  }
}
