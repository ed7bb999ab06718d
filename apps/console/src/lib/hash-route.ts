/** The console's pages, read from the URL's hash: links work, and the server serves one file. */
export type Route =
  | { page: 'overview' }
  | { page: 'tasks'; query: URLSearchParams }
  | { page: 'task'; id: string }
  | { page: 'dead-letters'; query: URLSearchParams }
  | { page: 'workers' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'overview' };
  if (parts[0] === 'tasks' && parts.length === 1) return { page: 'tasks', query };
  if (parts[0] === 'tasks' && parts.length === 2 && /^[0-9a-fA-F-]{36}$/.test(parts[1] ?? '')) return { page: 'task', id: (parts[1] ?? '').toLowerCase() };
  if (parts[0] === 'dead-letters' && parts.length === 1) return { page: 'dead-letters', query };
  if (parts[0] === 'workers' && parts.length === 1) return { page: 'workers' };
  return { page: 'not-found', path: path.slice(0, 200) };
}

export function tasksHref(query?: URLSearchParams): string {
  const search = query?.toString() ?? '';
  return `#/tasks${search === '' ? '' : `?${search}`}`;
}

export function taskHref(id: string): string {
  return `#/tasks/${id}`;
}
