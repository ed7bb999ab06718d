/** A problem+json answer of the API (RFC 9457), or a failure to reach it (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly { path: string; message: string }[] = [],
  ) {
    super(detail === '' ? title : detail);
    this.name = 'ApiError';
  }

  /** The API could not be reached at all (down, or the network). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClient {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** A binary answer (an image result, a download), with its content type. */
  blob(path: string, signal?: AbortSignal): Promise<Blob>;
  /** The raw response of a GET that may be large: the caller reads it as it sees fit. */
  raw(path: string, signal?: AbortSignal): Promise<Response>;
  readonly key: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error of a non-2xx answer, from its problem+json body when it has one. */
export async function problemOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!isRecord(body)) return new ApiError(response.status, response.statusText || `HTTP ${response.status}`, '');
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }))
    : [];
  return new ApiError(response.status, typeof body.title === 'string' ? body.title : `HTTP ${response.status}`, typeof body.detail === 'string' ? body.detail : '', errors);
}

/**
 * The console's only way to the API: same origin, the key in the Authorization header (never in
 * a URL, never in a cookie, so a page of another site cannot act with it), JSON bodies only.
 */
export function createApiClient(key: string, fetchImpl: FetchLike = (input, init) => fetch(input, init)): ApiClient {
  const headers = { Authorization: `Bearer ${key}` };
  async function send(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(path, { ...init, credentials: 'omit', cache: 'no-store', headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'The API is unreachable', 'the API did not answer; the console keeps trying');
    }
    if (!response.ok) throw await problemOf(response);
    return response;
  }
  return {
    key,
    async get<T>(path: string, signal?: AbortSignal) {
      return (await (await send(path, { method: 'GET', ...(signal === undefined ? {} : { signal }) })).json()) as T;
    },
    async post<T>(path: string, body?: unknown) {
      const response = await send(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      return (await response.json()) as T;
    },
    async blob(path, signal) {
      return (await send(path, { method: 'GET', ...(signal === undefined ? {} : { signal }) })).blob();
    },
    raw(path, signal) {
      return send(path, { method: 'GET', ...(signal === undefined ? {} : { signal }) });
    },
  };
}
