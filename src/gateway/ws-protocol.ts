/** The WebSocket side of the contract: where clients connect and how connections end. */

/** `ws://HOST:PORT/api/v1/channels/{id}/ws` (`?since=N` resumes from stored history). */
export const CHANNEL_WS_PATH = '/api/v1/channels/:id/ws';

export const CloseCode = {
  /** Channel stopped or deleted. */
  NORMAL: 1000,
  /** Server shutting down: reconnect later. */
  GOING_AWAY: 1001,
  /** Unknown, inactive or full channel (after a `denied` frame). */
  POLICY_VIOLATION: 1008,
  /** Inbound message over EMIT_HUB_MESSAGE_SIZE_LIMIT. */
  MESSAGE_TOO_BIG: 1009,
  /** Client too slow to keep up: its send buffer passed the bound. */
  TRY_AGAIN_LATER: 1013,
} as const;

/** Compiles a path template (`/a/:id/b`) to a matcher returning its parameters. */
export function pathMatcher(template: string): (pathname: string) => Record<string, string> | null {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        names.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return (pathname) => {
    const m = regex.exec(pathname);
    if (!m) return null;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(m[i + 1]);
      } catch {
        params[name] = m[i + 1];
      }
    });
    return params;
  };
}
