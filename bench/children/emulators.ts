/**
 * Benchmark child: the five provider emulators in their own process, so that their CPU is
 * accounted apart from the gateway's and the load generator's. Controlled over IPC.
 */
import { randomUUID } from 'node:crypto';
import { startEmulators } from '../../src/emulators/index.js';
import { serveIpc } from '../lib/ipc.js';
import type { InventorySummary, ProviderKey, UpstreamStats } from '../lib/types.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
/** Per provider, instead of BENCH_SCALE (scenario 8's inventory of about 100,000). */
const scales = process.env.BENCH_SCALES ? (JSON.parse(process.env.BENCH_SCALES) as Record<ProviderKey, number>) : null;
const emulators = await startEmulators({ scale, scales: scales ?? undefined });
const { data } = emulators;

const namespaceCounts = new Map<string, number>(data.sae.namespaces.map((n) => [n.NamespaceId, 0]));
for (const s of data.sae.secrets) namespaceCounts.set(s.NamespaceId, (namespaceCounts.get(s.NamespaceId) ?? 0) + 1);
const refNamespace = data.sae.namespaces[0].NamespaceId;

const summary: InventorySummary = {
  scale,
  scales,
  sae: {
    regionId: data.sae.regionId,
    namespaces: [...namespaceCounts].map(([id, count]) => ({ id, count })),
    refNamespace,
    refIds: data.sae.secrets
      .filter((s) => s.NamespaceId === refNamespace)
      .slice(0, 100)
      .map((s) => String(s.SecretId)),
  },
  apig: { regionId: data.apig.regionId, total: data.apig.secrets.length },
  // The seed is in ListSecrets order.
  kms: {
    regionId: data.kms.regionId,
    total: data.kms.secrets.length,
    names: data.kms.secrets.map((s) => s.SecretName),
  },
  csms: { projectId: data.csms.projectId, total: data.csms.secrets.length },
  // The gateway lists AWS without IncludePlannedDeletion (its default): secrets scheduled for deletion are not rows.
  aws: { region: data.aws.region, total: data.aws.secrets.filter((s) => s.deletedMs === null).length },
};

const servers = emulators.servers;

/**
 * A new secret in one provider's seed, "created at the cloud" now: a copy of a listed one under a new
 * name, ids and times, listed from the next call on.
 */
function createSecret(provider: ProviderKey, name: string): void {
  const now = Date.now();
  switch (provider) {
    case 'sae': {
      const [like] = data.sae.secrets;
      const id = data.sae.secrets.reduce(
        (max, s) => (typeof s.SecretId === 'number' ? Math.max(max, s.SecretId) : max),
        0,
      );
      data.sae.secrets.push({
        ...structuredClone(like),
        SecretId: id + 1,
        SecretName: name,
        CreateTime: now,
        UpdateTime: now,
      });
      break;
    }
    case 'apig': {
      const [like] = data.apig.secrets;
      data.apig.secrets.push({
        ...structuredClone(like),
        secretId: `sec-${name}`,
        name,
        createTimestamp: now,
        updateTimestamp: now,
      });
      break;
    }
    case 'kms': {
      const like = data.kms.secrets.find((s) => s.PlannedDeleteTime === null)!;
      const Arn = like.Arn.replace(like.SecretName, name);
      data.kms.secrets.push({ ...structuredClone(like), SecretName: name, Arn, CreateTime: now, UpdateTime: now });
      break;
    }
    case 'csms': {
      const like = data.csms.secrets.find((s) => s.state === 'ENABLED')!;
      const added = { ...structuredClone(like), id: randomUUID(), name, createTimeMs: now, updateTimeMs: now };
      data.csms.secrets.push(added);
      break;
    }
    case 'aws': {
      const like = data.aws.secrets.find((s) => s.deletedMs === null)!;
      const arn = like.arn.replace(like.name, name);
      data.aws.secrets.push({ ...structuredClone(like), arn, name, createdMs: now, lastChangedMs: now });
      break;
    }
  }
  emulators.providers[provider].dataChanged();
}
serveIpc({
  faults: (args: { latencyMs: number }) => {
    for (const server of Object.values(servers)) server.setFaults({ latencyMs: args.latencyMs });
    return true;
  },
  reset: () => {
    for (const server of Object.values(servers)) server.resetStats();
    return true;
  },
  stats: (): UpstreamStats => {
    const out = {} as UpstreamStats;
    for (const [name, server] of Object.entries(servers) as Array<[keyof UpstreamStats, (typeof servers)['sae']]>) {
      const stats = server.getStats();
      out[name] = {
        operations: Object.fromEntries(Object.entries(stats.operations).map(([op, s]) => [op, s.calls])),
        failed: Object.values(stats.operations).reduce((n, s) => n + s.failed, 0),
        inFlight: stats.inFlight,
        maxInFlight: stats.maxInFlight,
      };
    }
    return out;
  },
  create: (args: { provider: ProviderKey; name: string }) => {
    createSecret(args.provider, args.name);
    return true;
  },
  stop: async () => {
    await emulators.stop();
    setImmediate(() => process.exit(0));
    return true;
  },
});

process.send?.({ type: 'ready', urls: emulators.urls, summary });
