/** Small fetch wrapper: JSON in, `{status, body, headers}` out. */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Helpers bound to one server. */
export function api(baseUrl: string) {
  return {
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      request<T>(baseUrl, 'GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      request<T>(baseUrl, 'POST', path, body, headers),
    put: <T = any>(path: string, headers?: Record<string, string>) =>
      request<T>(baseUrl, 'PUT', path, undefined, headers),
    patch: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      request<T>(baseUrl, 'PATCH', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) =>
      request<T>(baseUrl, 'DELETE', path, undefined, headers),
    /** Creates a channel and returns its id (asserting 201). */
    async createChannel(body: Record<string, unknown> = {}): Promise<string> {
      const res = await request(baseUrl, 'POST', '/api/v1/channels', {
        name: 'test channel',
        ...body,
      });
      if (res.status !== 201)
        throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { id: string }).id;
    },
    /** Creates and starts a channel. */
    async activeChannel(body: Record<string, unknown> = {}): Promise<string> {
      const id = await this.createChannel(body);
      const res = await request(baseUrl, 'PUT', `/api/v1/channels/${id}/start`);
      if (res.status !== 200) throw new Error(`start failed: ${res.status}`);
      return id;
    },
  };
}
