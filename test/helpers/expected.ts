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

/** "namespace|key" for every secret an emulator holds, in the order the gateway walks them. */
export function expectedKeys(emulators: EmulatorSet, provider: ProviderKey): string[] {
  const { data } = emulators;
  switch (provider) {
    case 'sae': {
      // Namespaces in id order (as discovered and sorted by the adapter), then the emulator's list order.
      const ids = data.sae.namespaces.map((n) => n.NamespaceId).sort((a, b) => a.localeCompare(b));
      return ids.flatMap((ns) =>
        data.sae.secrets.filter((s) => s.NamespaceId === ns).map((s) => `${ns}|${String(s.SecretId)}`),
      );
    }
    case 'apig':
      return data.apig.secrets.map((s) => `${data.apig.regionId}|${s.secretId}`);
    case 'kms':
      return data.kms.secrets.map((s) => `${data.kms.regionId}|${s.SecretName}`);
    case 'csms':
      return data.csms.secrets.map((s) => `${data.csms.projectId}|${s.name}`);
    case 'aws':
      // Oldest first, as ListSecrets sorts; secrets scheduled for deletion are not listed.
      return data.aws.secrets.filter((s) => s.deletedMs === null).map((s) => `${data.aws.region}|${s.name}`);
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
