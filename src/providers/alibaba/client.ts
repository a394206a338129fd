import { createRequire } from 'node:module';
import { assertSuccessBody } from '../../upstream/errors.js';
import { installFastJsonForPopCore } from './json.js';
import { credentialsSource, type CredentialsSource } from './credentials.js';
import type { AlibabaCredentialsConfig } from './credentials-config.js';

/** pop-core ships types for RPCClient only; these describe the parts we call. */
interface PopConfig {
  endpoint: string;
  apiVersion: string;
  /** Asked on every call (pop-core 1.8): renewed temporary credentials take effect at once. */
  credentialsProvider: CredentialsSource;
  opts?: { timeout?: number };
}
interface RpcClient {
  request(
    action: string,
    params: Record<string, unknown>,
    opts?: { method?: string; timeout?: number },
  ): Promise<unknown>;
}
interface RoaClient {
  request(
    method: string,
    path: string,
    query: Record<string, string>,
    body: string,
    headers: Record<string, string>,
    opts: { timeout?: number },
  ): Promise<unknown>;
}

const require = createRequire(import.meta.url);
const popCore = require('@alicloud/pop-core') as {
  RPCClient: new (config: PopConfig) => RpcClient;
  ROAClient: new (config: PopConfig) => RoaClient;
};
installFastJsonForPopCore();

export interface AlibabaClientOptions {
  endpoint: string;
  apiVersion: string;
  credentials: AlibabaCredentialsConfig;
  timeoutMs: number;
}

/** Drops undefined and empty values: pop-core would send them as "undefined" or sign them wrongly. */
function compact(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out[k] = String(v);
  return out;
}

function popConfig(options: AlibabaClientOptions): PopConfig {
  return {
    endpoint: options.endpoint.replace(/\/+$/, ''),
    apiVersion: options.apiVersion,
    credentialsProvider: credentialsSource(options.credentials),
  };
}

/** RPC-style APIs (KMS). Results come back as plain objects with a success check done. */
export class AlibabaRpc {
  private readonly client: RpcClient;
  constructor(private readonly options: AlibabaClientOptions) {
    this.client = new popCore.RPCClient(popConfig(options));
  }
  async call<T = Record<string, unknown>>(action: string, params: Record<string, unknown>): Promise<T> {
    const body = await this.client.request(action, compact(params), { method: 'GET', timeout: this.options.timeoutMs });
    assertSuccessBody(body as Record<string, unknown>);
    return body as T;
  }
}

/** ROA-style APIs (SAE, APIG). */
export class AlibabaRoa {
  private readonly client: RoaClient;
  constructor(private readonly options: AlibabaClientOptions) {
    this.client = new popCore.ROAClient(popConfig(options));
  }
  async get<T = Record<string, unknown>>(path: string, query: Record<string, unknown> = {}): Promise<T> {
    // Headers go as the 5th argument: headers inside opts would replace the signed set.
    const body = await this.client.request('GET', path, compact(query), '', {}, { timeout: this.options.timeoutMs });
    // ROA returns non-JSON bodies as raw strings, even for a 5xx.
    if (typeof body === 'string') throw Object.assign(new Error('non-JSON response'), { name: 'FormatError' });
    assertSuccessBody(body as Record<string, unknown>);
    return body as T;
  }
}
