/**
 * Benchmark child: the five provider emulators in their own process, so that their CPU is
 * accounted apart from the gateway's and the load generator's. Controlled over IPC.
 */
import { startEmulators } from '../../src/emulators/index.js';
import { serveIpc } from '../lib/ipc.js';
import type { InventorySummary, UpstreamStats } from '../lib/types.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const emulators = await startEmulators({ scale });
const { data } = emulators;

const namespaceCounts = new Map<string, number>(data.sae.namespaces.map((n) => [n.NamespaceId, 0]));
for (const s of data.sae.secrets) namespaceCounts.set(s.NamespaceId, (namespaceCounts.get(s.NamespaceId) ?? 0) + 1);
const refNamespace = data.sae.namespaces[0].NamespaceId;

const summary: InventorySummary = {
  scale,
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
  stop: async () => {
    await emulators.stop();
    setImmediate(() => process.exit(0));
    return true;
  },
});

process.send?.({ type: 'ready', urls: emulators.urls, summary });
