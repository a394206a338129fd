import type { EmulatorSet } from '../../src/emulators/index.js';

/** Source ids of the embedded configuration. */
export const SOURCE = {
  sae: 'sae-demo',
  apig: 'apig-demo',
  kms: 'kms-demo',
  csms: 'csms-demo',
  aws: 'aws-demo',
} as const;
export type ProviderKey = keyof typeof SOURCE;

/** "namespace|key" of one seeded secret of `provider`, as its global ID carries them. */
export function seedKey(emulators: EmulatorSet, provider: ProviderKey, seed: object): string {
  const { data } = emulators;
  const s = seed as Record<string, unknown>;
  switch (provider) {
    case 'sae':
      return `${s.NamespaceId}|${String(s.SecretId)}`;
    case 'apig':
      return `${data.apig.regionId}|${s.secretId}`;
    case 'kms':
      return `${data.kms.regionId}|${s.SecretName}`;
    case 'csms':
      return `${data.csms.projectId}|${s.name}`;
    case 'aws':
      return `${data.aws.region}|${s.name}`;
  }
}

/** "namespace|key" for every secret an emulator holds, in the order the gateway walks them. */
export function expectedKeys(emulators: EmulatorSet, provider: ProviderKey): string[] {
  const { data } = emulators;
  const keys = (seeds: object[]) => seeds.map((seed) => seedKey(emulators, provider, seed));
  switch (provider) {
    case 'sae': {
      // Namespaces in id order (as discovered and sorted by the adapter), then the emulator's list order.
      const ids = data.sae.namespaces.map((n) => n.NamespaceId).sort((a, b) => a.localeCompare(b));
      return ids.flatMap((ns) => keys(data.sae.secrets.filter((s) => s.NamespaceId === ns)));
    }
    case 'aws':
      // Oldest first, as ListSecrets sorts; secrets scheduled for deletion are not listed.
      return keys(data.aws.secrets.filter((s) => s.deletedMs === null));
    default:
      return keys(data[provider].secrets);
  }
}

/** "namespace|key" from a secret's global ID. */
export function keyOfGlobalId(id: string): string {
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const [, namespaceId, key] = JSON.parse(text.slice(text.indexOf(':') + 1)) as [string, string, string];
  return `${namespaceId}|${key}`;
}

/** How many sources the embedded demo configures (one per provider). */
export const DEMO_SOURCE_COUNT = Object.keys(SOURCE).length;
