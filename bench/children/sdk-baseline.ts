/**
 * Benchmark child, scenario 6 reference (b): a plain script making the same provider call the
 * gateway makes for a page of 50 (with the same SDK client) and `JSON.stringify`-ing the page,
 * `concurrency` calls at a time, in process: no HTTP server, no GraphQL.
 */
import { createRequire } from 'node:module';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EMULATOR_CREDENTIALS } from '../../src/emulators/credentials.js';
import { CsmsClient } from '../../src/providers/huawei-csms/client.js';
import { AWS_EMULATOR_CREDENTIALS } from '../../src/providers/aws-secrets-manager/credentials.js';
import { serveIpc } from '../lib/ipc.js';
import type { ProviderKey, ThroughputReport } from '../lib/types.js';

interface PopConfig {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
}
const require = createRequire(import.meta.url);
const popCore = require('@alicloud/pop-core') as {
  RPCClient: new (
    config: PopConfig,
  ) => { request(action: string, params: Record<string, string>, opts: Record<string, unknown>): Promise<any> };
  ROAClient: new (
    config: PopConfig,
  ) => {
    request(
      method: string,
      path: string,
      query: Record<string, string>,
      body: string,
      headers: Record<string, string>,
      opts: Record<string, unknown>,
    ): Promise<any>;
  };
};

export interface SdkBaselineArgs {
  provider: ProviderKey;
  url: string;
  /** SAE namespace, CSMS project id or AWS region. */
  scope: string;
  pageSize: number;
  concurrency: number;
  durationS: number;
  warmupS: number;
}

function pageCall(args: SdkBaselineArgs): () => Promise<unknown[]> {
  const alibaba = {
    accessKeyId: EMULATOR_CREDENTIALS.alibaba.accessKeyId,
    accessKeySecret: EMULATOR_CREDENTIALS.alibaba.accessKeySecret,
  };
  const opts = { timeout: 30_000 };
  switch (args.provider) {
    case 'sae': {
      const client = new popCore.ROAClient({ endpoint: args.url, apiVersion: '2019-05-06', ...alibaba });
      // SAE's list is unpaged: the page is a slice of the namespace's list, as in the gateway.
      return async () =>
        (
          (await client.request('GET', '/pop/v1/sam/secret/secrets', { NamespaceId: args.scope }, '', {}, opts)).Data
            .Secrets as unknown[]
        ).slice(0, args.pageSize);
    }
    case 'apig': {
      const client = new popCore.ROAClient({ endpoint: args.url, apiVersion: '2024-03-27', ...alibaba });
      return async () =>
        (await client.request('GET', '/v1/secrets', { pageNumber: '1', pageSize: String(args.pageSize) }, '', {}, opts))
          .data.items as unknown[];
    }
    case 'kms': {
      const client = new popCore.RPCClient({ endpoint: args.url, apiVersion: '2016-01-20', ...alibaba });
      return async () =>
        (
          await client.request(
            'ListSecrets',
            { FetchTags: 'true', PageNumber: '1', PageSize: String(args.pageSize) },
            { method: 'GET', ...opts },
          )
        ).SecretList.Secret as unknown[];
    }
    case 'csms': {
      const huawei = EMULATOR_CREDENTIALS.huawei;
      const client = new CsmsClient({
        endpoint: args.url,
        projectId: args.scope,
        timeoutMs: 30_000,
        auth: {
          kind: 'password',
          iamEndpoint: args.url,
          domainName: huawei.domainName,
          userName: huawei.userName,
          password: huawei.password,
          projectName: 'cn-north-4',
        },
      });
      // limit + 1, as the gateway asks, to know whether more follow.
      return async () =>
        ((await client.listSecrets({ limit: args.pageSize + 1 })).secrets ?? []).slice(0, args.pageSize);
    }
    case 'aws': {
      const client = awsClient(args.url, args.scope);
      // The gateway reads whole pages of 100 (its NextToken says whether more follow) and slices.
      return async () =>
        ((await client.send(new ListSecretsCommand({ MaxResults: 100 }))).SecretList ?? []).slice(0, args.pageSize);
    }
  }
}

const awsClients = new Map<string, SecretsManagerClient>();

/** The SDK client as anyone would make it, with the emulator's keys; one per endpoint, its connections kept. */
function awsClient(endpoint: string, region: string): SecretsManagerClient {
  let client = awsClients.get(endpoint);
  if (!client) {
    client = new SecretsManagerClient({
      region,
      endpoint,
      credentials: {
        accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
        secretAccessKey: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
      },
    });
    awsClients.set(endpoint, client);
  }
  return client;
}

async function drive(call: () => Promise<unknown[]>, concurrency: number, durationS: number, pageSize: number) {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const page = await call();
          if (JSON.stringify(page).length < 2 || page.length !== pageSize) errors++;
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors, durationMs: performance.now() - started };
}

/** What scenario 7's hand-written export reads: one provider's whole inventory. */
export interface SdkExportTarget {
  provider: ProviderKey;
  url: string;
  /** SAE namespaces, the CSMS project id or the AWS region (one element); empty for APIG and KMS. */
  scopes: string[];
  /** Calls in flight at once, as the gateway's per-source limit allows. */
  concurrency: number;
}

/** `n` tasks, at most `limit` at a time, results in order. */
async function pooled<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, limit) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/**
 * The export a careful engineer writes with the SDKs: SAE namespaces in parallel; page-number
 * providers read page 1 (it tells the total) and the rest in parallel; CSMS follows its marker
 * chain, 200 a page; AWS its NextToken chain, 100 a page (ListSecretsCommand, MaxResults 100). Each provider's rows are parsed and JSON.stringify-ed, as the gateway serves them.
 */
async function exportAll(target: SdkExportTarget): Promise<{ rows: number; calls: number }> {
  const alibaba = {
    accessKeyId: EMULATOR_CREDENTIALS.alibaba.accessKeyId,
    accessKeySecret: EMULATOR_CREDENTIALS.alibaba.accessKeySecret,
  };
  const opts = { timeout: 30_000 };
  let calls = 0;
  let rows: unknown[] = [];
  const byPage = async (page: (n: number) => Promise<{ items: unknown[]; total: number }>) => {
    const first = await page(1);
    calls++;
    const rest = await pooled(
      Math.max(0, Math.ceil(first.total / 100) - 1),
      target.concurrency,
      (i) => (calls++, page(i + 2)),
    );
    return [first, ...rest].flatMap((p) => p.items);
  };
  switch (target.provider) {
    case 'sae': {
      const client = new popCore.ROAClient({ endpoint: target.url, apiVersion: '2019-05-06', ...alibaba });
      const lists = await pooled(target.scopes.length, target.concurrency, async (i) => {
        calls++;
        return (
          await client.request('GET', '/pop/v1/sam/secret/secrets', { NamespaceId: target.scopes[i] }, '', {}, opts)
        ).Data.Secrets as unknown[];
      });
      rows = lists.flat();
      break;
    }
    case 'apig': {
      const client = new popCore.ROAClient({ endpoint: target.url, apiVersion: '2024-03-27', ...alibaba });
      rows = await byPage(async (n) => {
        const data = (
          await client.request('GET', '/v1/secrets', { pageNumber: String(n), pageSize: '100' }, '', {}, opts)
        ).data;
        return { items: data.items as unknown[], total: Number(data.totalSize) };
      });
      break;
    }
    case 'kms': {
      const client = new popCore.RPCClient({ endpoint: target.url, apiVersion: '2016-01-20', ...alibaba });
      rows = await byPage(async (n) => {
        const body = await client.request(
          'ListSecrets',
          { FetchTags: 'true', PageNumber: String(n), PageSize: '100' },
          { method: 'GET', ...opts },
        );
        return { items: body.SecretList.Secret as unknown[], total: Number(body.TotalCount) };
      });
      break;
    }
    case 'csms': {
      const huawei = EMULATOR_CREDENTIALS.huawei;
      const client = new CsmsClient({
        endpoint: target.url,
        projectId: target.scopes[0],
        timeoutMs: 30_000,
        auth: {
          kind: 'password',
          iamEndpoint: target.url,
          domainName: huawei.domainName,
          userName: huawei.userName,
          password: huawei.password,
          projectName: 'cn-north-4',
        },
      });
      for (let marker: string | undefined; ; ) {
        const body = await client.listSecrets({ limit: 200, marker });
        calls++;
        rows.push(...(body.secrets ?? []));
        marker = body.page_info?.next_marker ?? undefined;
        if (!marker) break;
      }
      break;
    }
    case 'aws': {
      const client = awsClient(target.url, target.scopes[0]);
      for (let token: string | undefined; ; ) {
        const page = await client.send(new ListSecretsCommand({ MaxResults: 100, NextToken: token }));
        calls++;
        rows.push(...(page.SecretList ?? []));
        token = page.NextToken;
        if (!token) break;
      }
      break;
    }
  }
  if (JSON.stringify(rows).length < 2) throw new Error('empty export');
  return { rows: rows.length, calls };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;

serveIpc({
  /** Scenario 7: the targets' exports side by side (a multi-provider export reads them in parallel). */
  async export(args: { targets: SdkExportTarget[] }): Promise<{ ms: number; rows: number; calls: number }> {
    const t0 = performance.now();
    const results = await Promise.all(args.targets.map(exportAll));
    return {
      ms: performance.now() - t0,
      rows: results.reduce((n, r) => n + r.rows, 0),
      calls: results.reduce((n, r) => n + r.calls, 0),
    };
  },
  async run(args: SdkBaselineArgs): Promise<ThroughputReport & { cpuMsPerRequest: number }> {
    const call = pageCall(args);
    if (args.warmupS > 0) await drive(call, args.concurrency, args.warmupS, args.pageSize);
    const cpu0 = process.cpuUsage();
    const { latencies, errors, durationMs } = await drive(call, args.concurrency, args.durationS, args.pageSize);
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    return {
      requests: latencies.length,
      errors,
      durationMs,
      perSecond: (latencies.length * 1000) / durationMs,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    };
  },
});
process.send?.({ type: 'ready' });
