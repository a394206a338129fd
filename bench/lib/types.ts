/** Shapes shared by the benchmark driver and its child processes. */

export type ProviderKey = 'sae' | 'apig' | 'kms' | 'csms' | 'aws';
export const PROVIDER_KEYS: readonly ProviderKey[] = ['sae', 'apig', 'kms', 'csms', 'aws'];

export interface InventorySummary {
  scale: number;
  /** Per provider, where the emulators were sized one by one (scenario 8); null: `scale` for all. */
  scales: Record<ProviderKey, number> | null;
  sae: {
    regionId: string;
    /** In seed order (default namespace first), with their secret counts. */
    namespaces: Array<{ id: string; count: number }>;
    /** Namespace and SecretIds of 100 secrets of one namespace: the SAE entity references. */
    refNamespace: string;
    refIds: string[];
  };
  apig: { regionId: string; total: number };
  /** KMS names in ListSecrets order. */
  kms: { regionId: string; total: number; names: string[] };
  csms: { projectId: string; total: number };
  /** Secrets ListSecrets returns (those scheduled for deletion are not listed by default). */
  aws: { region: string; total: number };
}

export interface EmulatorUrls {
  sae: string;
  apig: string;
  kms: string;
  csms: string;
  aws: string;
}

/** Calls per operation of each emulator since its last reset. */
export type UpstreamStats = Record<
  ProviderKey,
  { operations: Record<string, number>; failed: number; inFlight: number; maxInFlight: number }
>;

/** What a scenario-6 reference child reports. */
export interface ThroughputReport {
  requests: number;
  errors: number;
  durationMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxRssMb: number;
}
