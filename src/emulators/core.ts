import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Shared HTTP machinery for the provider emulators: one server per provider on loopback,
 * with latency, injected faults, per-operation call counters and concurrency tracking.
 * Each provider supplies only its request handler and its own fault bodies.
 */

export interface EmulatorRequest {
  method: string;
  /** Path without the query string, still percent-encoded as sent. */
  path: string;
  /** Raw query string without the leading '?'. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is. */
  body: unknown;
}

export interface Faults {
  /** Added before every answer. */
  latencyMs: number;
  /** Share of calls (0..1) answered with the provider's throttling error. */
  throttleRate: number;
  /** Share of calls (0..1) answered with the provider's internal error (5xx). */
  serverErrorRate: number;
  /** Never answer (until the fault is cleared or the server stops). */
  hang: boolean;
  /** Answer every call with a broken body. */
  malformed: 'html-502' | 'truncated-json' | null;
  /**
   * The account's quota, as the cloud meters it (SAE: about 60 calls a minute): calls beyond `calls`
   * in one window (aligned to the clock, like a per-minute counter) are answered with the throttling error.
   */
  quota?: { calls: number; windowMs: number } | null;
  /**
   * Sent as the `Retry-After` header of throttling answers (delay-seconds or an HTTP-date), as an API
   * gateway in front of a cloud may; none when null. Forced errors (`failNext`) never carry it.
   */
  retryAfter?: string | null;
}

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  throttleRate: 0,
  serverErrorRate: 0,
  hang: false,
  malformed: null,
  quota: null,
  retryAfter: null,
};

export interface OperationStats {
  calls: number;
  ok: number;
  failed: number;
  throttled: number;
}

export interface EmulatorStats {
  operations: Record<string, OperationStats>;
  inFlight: number;
  maxInFlight: number;
  /** Start times (ms since epoch) of every call, in order, for rate checks. */
  callTimes: number[];
}

export interface ProviderEmulator {
  name: string;
  /** Names the operation a request is for, for counters and logs; null for an unknown route. */
  operationOf(req: EmulatorRequest): string | null;
  handle(req: EmulatorRequest, operation: string): EmulatorResponse | Promise<EmulatorResponse>;
  throttled(): EmulatorResponse;
  serverError(): EmulatorResponse;
  notFound(req: EmulatorRequest): EmulatorResponse;
}

/** Deterministic PRNG so that fault patterns repeat run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class EmulatorServer {
  readonly provider: ProviderEmulator;
  private server: Server | null = null;
  private faults: Faults = { ...NO_FAULTS };
  private stats: EmulatorStats = { operations: {}, inFlight: 0, maxInFlight: 0, callTimes: [] };
  private random: () => number;
  private hanging = new Set<ServerResponse>();
  private quotaWindow = { index: -1, used: 0 };
  url = '';

  constructor(provider: ProviderEmulator, options: { faultSeed?: number } = {}) {
    this.provider = provider;
    this.random = seededRandom(options.faultSeed ?? 42);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const { port: actual } = this.server.address() as AddressInfo;
    this.url = `http://${host}:${actual}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  setFaults(faults: Partial<Faults>): void {
    this.faults = { ...this.faults, ...faults };
    if (!this.faults.hang) {
      for (const res of this.hanging) res.destroy();
      this.hanging.clear();
    }
  }

  getFaults(): Faults {
    return { ...this.faults };
  }

  getStats(): EmulatorStats {
    return structuredClone(this.stats);
  }

  /** Calls of one operation so far (every call that reached the emulator, faulted or not). */
  calls(operation: string): number {
    return this.stats.operations[operation]?.calls ?? 0;
  }

  resetStats(): void {
    this.stats = { operations: {}, inFlight: 0, maxInFlight: 0, callTimes: [] };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const path = (req.url ?? '/').split('?')[0];
    const request: EmulatorRequest = {
      method: req.method ?? 'GET',
      path,
      rawQuery,
      query: url.searchParams,
      headers: req.headers,
      body,
    };

    if (path.startsWith('/_emulator/')) return this.control(request, res);

    const operation = this.provider.operationOf(request);
    if (!operation) return send(res, this.provider.notFound(request));

    const op = (this.stats.operations[operation] ??= { calls: 0, ok: 0, failed: 0, throttled: 0 });
    op.calls++;
    this.stats.callTimes.push(Date.now());
    this.stats.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    try {
      if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
      if (this.faults.hang) {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      let response: EmulatorResponse;
      if (this.faults.malformed === 'html-502') {
        response = {
          status: 502,
          headers: { 'content-type': 'text/html' },
          body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        };
      } else if (this.faults.malformed === 'truncated-json') {
        response = {
          status: 200,
          headers: { 'content-type': 'application/json;charset=utf-8' },
          body: '{"RequestId":"trunc","Data":{"Secr',
        };
      } else if (this.overQuota() || this.random() < this.faults.throttleRate) {
        response = this.throttled();
        op.throttled++;
      } else if (this.random() < this.faults.serverErrorRate) {
        response = this.provider.serverError();
      } else {
        response = await this.provider.handle(request, operation);
      }
      if (response.status < 400) op.ok++;
      else op.failed++;
      send(res, response);
    } catch (error) {
      op.failed++;
      send(res, this.provider.serverError());
    } finally {
      this.stats.inFlight--;
    }
  }

  private throttled(): EmulatorResponse {
    const response = this.provider.throttled();
    const retryAfter = this.faults.retryAfter;
    return retryAfter ? { ...response, headers: { ...response.headers, 'retry-after': retryAfter } } : response;
  }

  private overQuota(): boolean {
    const quota = this.faults.quota;
    if (!quota) return false;
    const index = Math.floor(Date.now() / quota.windowMs);
    if (index !== this.quotaWindow.index) this.quotaWindow = { index, used: 0 };
    return ++this.quotaWindow.used > quota.calls;
  }

  /** Control endpoints, so that a portal team can drive faults over HTTP too. Not part of any cloud API. */
  private control(req: EmulatorRequest, res: ServerResponse): void {
    if (req.method === 'GET' && req.path === '/_emulator/stats') {
      send(res, { status: 200, body: { ...this.getStats(), callTimes: undefined, faults: this.faults } });
      return;
    }
    if (req.method === 'POST' && req.path === '/_emulator/faults') {
      try {
        const parsed = JSON.parse(req.body || '{}') as Partial<Faults>;
        this.setFaults(parsed);
        send(res, { status: 200, body: this.faults });
        return;
      } catch {
        send(res, { status: 400, body: { error: 'body must be JSON' } });
        return;
      }
    }
    if (req.method === 'POST' && req.path === '/_emulator/reset') {
      this.resetStats();
      this.setFaults(NO_FAULTS);
      send(res, { status: 200, body: { ok: true } });
      return;
    }
    send(res, { status: 404, body: { error: 'unknown control endpoint' } });
  }
}

function send(res: ServerResponse, response: EmulatorResponse): void {
  if (res.destroyed) return;
  const isText = typeof response.body === 'string';
  const payload = isText ? (response.body as string) : JSON.stringify(response.body);
  const headers: Record<string, string> = {
    'content-type': isText ? 'text/plain' : 'application/json;charset=utf-8',
    ...response.headers,
  };
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function requestId(random: () => number = Math.random): string {
  const hex = () =>
    Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, '0')
      .toUpperCase();
  return `${hex()}${hex()}-${hex()}-${hex()}-${hex()}-${hex()}${hex()}${hex()}`;
}

/**
 * A view an emulator derives from a seed array (an order, an index by name), rebuilt when the
 * array's items change: tests add and remove secrets at "the cloud" by editing the seed. Compared
 * item by item per request (no copy, no sort), so a large seed costs a pass of reference checks.
 */
export function derivedView<T, V>(items: readonly T[], build: (items: readonly T[]) => V): () => V {
  let seen: T[] = [];
  let view: V | undefined;
  return () => {
    if (view === undefined || items.length !== seen.length || items.some((item, i) => item !== seen[i])) {
      seen = [...items];
      view = build(items);
    }
    return view;
  };
}
