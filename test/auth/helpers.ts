import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { createGateway, type GatewayOptions } from '../../src/server/app.js';
import { listen } from '../../src/server/listen.js';
import type { Stack } from '../helpers/stack.js';
import { PROVIDER_CATALOG, type ProvidersConfig } from '../../src/providers/index.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  body: {
    data?: any;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  } | null;
}

/** A POST (or any request) to /graphql with exactly the headers given: no credential is added. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  init: RequestInit = {},
): Promise<RawResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await response.text();
  let parsed: RawResponse['body'] = null;
  try {
    parsed = JSON.parse(text) as RawResponse['body'];
  } catch {
    parsed = null;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Every call an emulator received since the last reset, whatever the operation. */
export function upstreamCalls(stack: Stack, provider: keyof Stack['emulators']['servers']): number {
  return stack.emulators.servers[provider].getStats().callTimes.length;
}

export function allUpstreamCalls(stack: Stack): number {
  return (['sae', 'apig', 'kms', 'csms'] as const).reduce((sum, p) => sum + upstreamCalls(stack, p), 0);
}

/** A second gateway over the same emulators, with its own configuration and captured logs. */
export async function gatewayOn(
  stack: Stack,
  configure: (config: ProvidersConfig) => void,
  options: GatewayOptions = {},
): Promise<{ url: string; logs: string[]; config: ProvidersConfig; close(): Promise<void> }> {
  const config = structuredClone(stack.config);
  configure(config);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const server = await listen(
    createGateway(PROVIDER_CATALOG, config, createLogger({ level: 'debug', destination }), options),
    '127.0.0.1',
    0,
  );
  return { url: server.url, logs, config, close: () => server.close(1000) };
}

export function codes(response: RawResponse): string[] {
  return (response.body?.errors ?? []).map((e) => String(e.extensions?.code));
}
