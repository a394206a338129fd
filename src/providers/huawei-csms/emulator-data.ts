import { seededRandom } from '../../emulators/core.js';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';

/**
 * Deterministic inventory for the Huawei CSMS emulator. The seed is provider-neutral data
 * (camelCase, epoch milliseconds); csms.ts renders it into CSMS's snake_case wire shapes,
 * so one seed can be served with either timestamp unit.
 */

export const CSMS_SECRET_STATES = ['ENABLED', 'DISABLED', 'PENDING_DELETE', 'FROZEN'] as const;
export type CsmsSecretState = (typeof CSMS_SECRET_STATES)[number];

export const CSMS_SECRET_TYPES = ['COMMON', 'RDS-FG', 'GaussDB-FG'] as const;
export type CsmsSecretType = (typeof CSMS_SECRET_TYPES)[number];

/** What CSMS accepts as a secret name; also what may safely go into a URL path unencoded. */
export const CSMS_SECRET_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export interface CsmsSeedVersion {
  /** "v1", "v2", ... as CSMS numbers them. */
  id: string;
  createTimeMs: number;
  kmsKeyId: string;
  /** SYSCURRENT on the newest version, SYSPREVIOUS on the one before. */
  versionStages: string[];
  secretString: string;
}

export interface CsmsSeedSecret {
  id: string;
  name: string;
  state: CsmsSecretState;
  kmsKeyId: string;
  description: string;
  createTimeMs: number;
  updateTimeMs: number;
  /** Set only for PENDING_DELETE. */
  scheduledDeleteTimeMs: number | null;
  secretType: CsmsSecretType;
  autoRotation: boolean;
  /** e.g. "30d"; null when rotation is off. */
  rotationPeriod: string | null;
  /** JSON text, as CSMS stores it (RDS-FG / GaussDB-FG instance and account). */
  rotationConfig: string | null;
  rotationTimeMs: number | null;
  nextRotationTimeMs: number | null;
  /** Names of event subscriptions; ListSecrets' event_name filters on these. */
  eventSubscriptions: string[];
  enterpriseProjectId: string;
  rotationFuncUrn: string | null;
  /** Oldest first; the last one is "latest". Never empty. */
  versions: CsmsSeedVersion[];
}

export interface CsmsSeed {
  projectId: string;
  /** Sorted by name, ascending, by UTF-16 code unit (the order the emulator pages in). */
  secrets: CsmsSeedSecret[];
}

export interface CsmsSeedOptions {
  /** 1 gives 320 secrets; the count scales linearly (at least 1). */
  scale?: number;
  seed?: number;
  projectId?: string;
}

export const CSMS_EVENT_NAMES = ['secret-rotation-alerts', 'secret-deletion-notice', 'secret-version-audit'] as const;

/** Name order used everywhere for CSMS: plain code-unit comparison, never locale-aware. */
export function compareCsmsNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const APPS = [
  'order',
  'billing',
  'inventory',
  'payments',
  'search',
  'auth',
  'notify',
  'catalog',
  'analytics',
  'shipping',
  'crm',
  'ledger',
  'gateway',
  'reporting',
];
const ENVS = ['prod', 'staging', 'dev', 'perf'];

/** Name templates per secret type; mixed separators and case so name ordering is exercised. */
const NAME_TEMPLATES: Record<CsmsSecretType, Array<(app: string, env: string) => string>> = {
  'RDS-FG': [
    (app, env) => `rds-${app}-db-password-${env}`,
    (app, env) => `rds-${app}-readonly-user-${env}`,
    (app, env) => `RDS_${app}_migration_${env}`,
  ],
  'GaussDB-FG': [
    (app, env) => `gaussdb-${app}-admin-${env}`,
    (app, env) => `gaussdb-${app}-replica-credentials-${env}`,
  ],
  COMMON: [
    (app, env) => `${app}-api-key-${env}`,
    (app, env) => `${app}-jwt-signing-key-${env}`,
    (app, env) => `redis-${app}-auth-${env}`,
    (app, env) => `kafka-${app}-sasl-${env}`,
    (app, env) => `obs-${app}-access-key-${env}`,
    (app, env) => `oauth_${app}_client_secret_${env}`,
    (app, env) => `SMTP-relay-${app}-password-${env}`,
    (app, env) => `${app}-tls-private-key-${env}`,
  ],
};

const DESCRIPTIONS: Record<CsmsSecretType, string[]> = {
  'RDS-FG': ['RDS for MySQL account managed by CSMS rotation', 'Primary database credentials', ''],
  'GaussDB-FG': ['GaussDB account with scheduled rotation', 'Replica sync user', ''],
  COMMON: [
    'Third-party API credential',
    'Signing key for service tokens',
    'Shared cache password',
    'Broker SASL credentials',
    '',
  ],
};

// Fixed reference instant so the data never depends on when it is generated.
const REFERENCE_MS = Date.UTC(2025, 5, 1, 0, 0, 0);
const DAY_MS = 86_400_000;

export function generateCsmsSeed(options: CsmsSeedOptions = {}): CsmsSeed {
  const scale = options.scale ?? 1;
  const random = seededRandom(options.seed ?? 20240611);
  const projectId = options.projectId ?? EMULATOR_CREDENTIALS.huawei.projectId;
  const count = Math.max(1, Math.round(320 * scale));

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const uuid = (): string => seededUuid(random);
  const sharedKeys = Array.from({ length: 6 }, uuid);
  const enterpriseProjects = ['0', '0', '0', uuid(), uuid()];

  const secrets: CsmsSeedSecret[] = [];
  for (let i = 0; i < count; i++) {
    // The first rows force every state and type to appear even at tiny scales.
    const state = i < CSMS_SECRET_STATES.length ? CSMS_SECRET_STATES[i] : pickState(random());
    const secretType = i < CSMS_SECRET_TYPES.length ? CSMS_SECRET_TYPES[i] : pickType(random());
    const app = pick(APPS);
    const env = pick(ENVS);
    const base = pick(NAME_TEMPLATES[secretType])(app, env);
    const separator = base.includes('_') ? '_' : '-';
    const name = `${base}${separator}${String(i).padStart(3, '0')}`;

    const createTimeMs = REFERENCE_MS - int(30, 900) * DAY_MS - int(0, DAY_MS - 1);
    const versionCount = int(1, 3);
    const kmsKeyId = random() < 0.7 ? pick(sharedKeys) : uuid();
    const versions: CsmsSeedVersion[] = [];
    let versionTime = createTimeMs;
    for (let v = 1; v <= versionCount; v++) {
      if (v > 1) versionTime += int(1, 60) * DAY_MS;
      versions.push({
        id: `v${v}`,
        createTimeMs: versionTime,
        kmsKeyId,
        versionStages: v === versionCount ? ['SYSCURRENT'] : v === versionCount - 1 ? ['SYSPREVIOUS'] : [],
        secretString: secretValue(secretType, app, random),
      });
    }
    const updateTimeMs = versionTime + int(0, 5) * DAY_MS;

    const autoRotation = secretType !== 'COMMON' ? random() < 0.6 : random() < 0.15;
    const rotationDays = pick([7, 30, 90, 180]);
    const rotationTimeMs = autoRotation ? versionTime : null;

    secrets.push({
      id: uuid(),
      name,
      state,
      kmsKeyId,
      description: pick(DESCRIPTIONS[secretType]),
      createTimeMs,
      updateTimeMs,
      scheduledDeleteTimeMs: state === 'PENDING_DELETE' ? updateTimeMs + int(7, 30) * DAY_MS : null,
      secretType,
      autoRotation,
      rotationPeriod: autoRotation ? `${rotationDays}d` : null,
      rotationConfig: autoRotation && secretType !== 'COMMON' ? rotationConfig(secretType, app, random) : null,
      rotationTimeMs,
      nextRotationTimeMs: rotationTimeMs === null ? null : rotationTimeMs + rotationDays * DAY_MS,
      eventSubscriptions: random() < 0.25 ? [pick(CSMS_EVENT_NAMES)] : [],
      enterpriseProjectId: pick(enterpriseProjects),
      rotationFuncUrn:
        autoRotation && secretType === 'COMMON'
          ? `urn:fss:cn-north-4:${projectId}:function:default:rotate-${app}-secret:latest`
          : null,
      versions,
    });
  }

  // Array.prototype.sort is stable; names are unique anyway thanks to the index suffix.
  secrets.sort((a, b) => compareCsmsNames(a.name, b.name));
  return { projectId, secrets };
}

function pickState(r: number): CsmsSecretState {
  if (r < 0.7) return 'ENABLED';
  if (r < 0.82) return 'DISABLED';
  if (r < 0.92) return 'PENDING_DELETE';
  return 'FROZEN';
}

function pickType(r: number): CsmsSecretType {
  if (r < 0.6) return 'COMMON';
  if (r < 0.82) return 'RDS-FG';
  return 'GaussDB-FG';
}

function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function randomToken(random: () => number, length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

function secretValue(type: CsmsSecretType, app: string, random: () => number): string {
  if (type === 'COMMON') {
    return random() < 0.5
      ? randomToken(random, 40)
      : JSON.stringify({ apiKey: randomToken(random, 24), apiSecret: randomToken(random, 32) });
  }
  return JSON.stringify({ username: `${app}_svc`, password: randomToken(random, 20) });
}

function rotationConfig(type: CsmsSecretType, app: string, random: () => number): string {
  const instance = `${randomToken(random, 8).toLowerCase()}in${type === 'RDS-FG' ? '01' : '14'}`;
  return JSON.stringify({ instance_id: instance, account_name: `${app}_svc` });
}
