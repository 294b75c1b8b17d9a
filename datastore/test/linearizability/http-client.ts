import * as http from 'node:http';

/**
 * One logical request of the workload: sent to a base URL, following 307 redirects (bounded),
 * within one deadline. Records whether the request may have reached a server that acts on it,
 * which decides between "outcome unknown" and "nothing happened".
 */

/** How a request ended. `delivered: false` means no server can have acted on it. */
export type Answer =
  | { status: number; text: string; location?: string }
  | { error: string; delivered: boolean };

/** Where and how to send. */
export interface Target {
  /** Base URLs to try, in order, while a connection is refused. */
  bases: string[];
  /** Maps a redirect's absolute Location to a reachable URL. */
  resolve: (url: string) => string;
  maxRedirects: number;
  agent: http.Agent;
}

const MAX_BODY = 1 << 20;

/**
 * Sends `method path` to the first base that accepts a connection and follows 307s. Hops
 * before the last one were redirects, which change nothing, so a refused connection on any hop
 * or running out of redirects or time between hops leaves `delivered: false`.
 */
export async function send(target: Target, method: string, path: string, body: string | undefined, deadline: number): Promise<Answer> {
  let answer: Answer = { error: 'no-endpoint', delivered: false };
  for (const base of target.bases) {
    answer = await follow(target, method, base.replace(/\/+$/, '') + path, body, deadline);
    if (!('error' in answer) || answer.delivered || answer.error !== 'ECONNREFUSED') return answer;
  }
  return answer;
}

async function follow(target: Target, method: string, url: string, body: string | undefined, deadline: number): Promise<Answer> {
  for (let hop = 0; ; hop++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { error: 'timeout', delivered: false };
    const answer = await once(target.agent, method, url, body, remaining);
    if ('error' in answer || answer.status !== 307) return answer;
    if (hop >= target.maxRedirects) return { error: 'redirect-limit', delivered: false };
    const location = answer.location;
    if (!location) return { error: 'redirect-without-location', delivered: false };
    url = target.resolve(new URL(location, url).toString());
  }
}

/** One HTTP exchange; `delivered` becomes true once the connection is established. */
function once(agent: http.Agent, method: string, url: string, body: string | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (a: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const fail = (err: NodeJS.ErrnoException): void => finish({ error: err.code ?? err.message, delivered: connected });
    let req: http.ClientRequest;
    try {
      const headers = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
      req = http.request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), location: res.headers.location }));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
        });
      });
    } catch (err) {
      finish({ error: (err as Error).message, delivered: false });
      return;
    }
    timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })), timeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('error', fail);
    req.end(body);
  });
}
