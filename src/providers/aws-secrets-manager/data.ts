import { seededRandom } from '../../emulators/core.js';
import { AWS_EMULATOR_CREDENTIALS } from './credentials.js';

/**
 * Deterministic sample inventory for the AWS Secrets Manager emulator: provider-neutral data
 * (camelCase, epoch milliseconds) that emulator.ts renders into the JSON 1.1 wire shapes.
 */

export interface AwsSeedTag {
  Key: string;
  Value: string;
}

export interface AwsSeedVersion {
  versionId: string;
  /** AWSCURRENT on the newest, AWSPREVIOUS on the one before, none on older ones. */
  stages: string[];
  createdMs: number;
  /** Exactly one of the two is set; binary values are kept base64-encoded, as they travel. */
  secretString: string | null;
  secretBinaryBase64: string | null;
}

export interface AwsSeedReplica {
  region: string;
  kmsKeyId: string;
  status: 'InSync' | 'InProgress' | 'Failed';
  statusMessage: string;
  lastAccessedMs: number | null;
}

export interface AwsSeedSecret {
  arn: string;
  name: string;
  description: string | null;
  /** Null: encrypted with the AWS managed key aws/secretsmanager (the field is then omitted). */
  kmsKeyId: string | null;
  createdMs: number;
  lastChangedMs: number;
  lastAccessedMs: number | null;
  /** Set only for secrets scheduled for deletion. */
  deletedMs: number | null;
  rotationEnabled: boolean;
  rotationLambdaArn: string | null;
  rotationRules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string } | null;
  lastRotatedMs: number | null;
  nextRotationMs: number | null;
  tags: AwsSeedTag[];
  /** The AWS service that manages the secret (rds, redshift, appflow …), or null. */
  owningService: string | null;
  primaryRegion: string;
  /** Regions this (primary) secret is replicated to. */
  replicas: AwsSeedReplica[];
  /** Oldest first; never empty. */
  versions: AwsSeedVersion[];
}

export interface AwsSecretsManagerSeed {
  region: string;
  accountId: string;
  /** In creation order, oldest first (ties by name): the order ListSecrets pages in by default. */
  secrets: AwsSeedSecret[];
}

export interface AwsSeedOptions {
  /** 1 gives 300 secrets; the count scales linearly (at least 1). */
  scale?: number;
  seed?: number;
  region?: string;
  accountId?: string;
}

const APPS = [
  'billing',
  'orders',
  'payments',
  'search',
  'auth',
  'catalog',
  'ledger',
  'shipping',
  'analytics',
  'notify',
];
const ENVS = ['prod', 'staging', 'dev'];
const OTHER_REGIONS = ['us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'];

/** Path-like names (the way most teams name AWS secrets) and a few flat ones. */
const NAME_TEMPLATES: Array<(app: string, env: string) => string> = [
  (app, env) => `${env}/${app}/db/password`,
  (app, env) => `${env}/${app}/api-key`,
  (app, env) => `${env}/${app}/oauth/client-secret`,
  (app, env) => `${app}/${env}/tls-private-key`,
  (app, env) => `${app}-${env}-webhook-token`,
  (app, env) => `${env}/shared/${app}_smtp_password`,
];

const DESCRIPTIONS = [
  'Database master credentials',
  'Third-party API key',
  'OAuth client secret',
  'Webhook signing token',
  'TLS private key',
  null,
];

// A fixed reference instant, so the data never depends on when it is generated.
const REFERENCE_MS = Date.UTC(2025, 5, 1);
const DAY_MS = 86_400_000;

export function generateAwsSecretsManagerSeed(options: AwsSeedOptions = {}): AwsSecretsManagerSeed {
  const random = seededRandom(options.seed ?? 20250601);
  const region = options.region ?? AWS_EMULATOR_CREDENTIALS.region;
  const accountId = options.accountId ?? AWS_EMULATOR_CREDENTIALS.accountId;
  const count = Math.max(1, Math.round(300 * (options.scale ?? 1)));

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const uuid = () => seededUuid(random);
  const keyArn = () => `arn:aws:kms:${region}:${accountId}:key/${uuid()}`;
  const customerKeys = [keyArn(), keyArn(), keyArn()];

  const secrets: AwsSeedSecret[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const app = pick(APPS);
    const env = pick(ENVS);
    // Every ninth secret is managed by another service, named as that service names them.
    const owningService = i % 9 === 4 ? pick(['rds', 'rds', 'redshift', 'appflow']) : null;
    let name =
      owningService === 'rds'
        ? `rds!db-${uuid()}`
        : owningService
          ? `${owningService}!${app}-${uuid().slice(0, 8)}`
          : pick(NAME_TEMPLATES)(app, env);
    if (i === 0) name = 'prod/db/password';
    if (names.has(name)) name = `${name}-${i}`;
    names.add(name);

    const createdMs = REFERENCE_MS - int(20, 1200) * DAY_MS - int(0, DAY_MS - 1);
    const rotationEnabled = owningService === 'rds' || random() < 0.25;
    const rotationDays = pick([7, 30, 90]);
    const versionCount = int(1, 3);
    const binary = owningService === null && random() < 0.1;
    const versions: AwsSeedVersion[] = [];
    let versionMs = createdMs;
    for (let v = 0; v < versionCount; v++) {
      if (v > 0) versionMs += int(1, rotationDays) * DAY_MS;
      const stages = v === versionCount - 1 ? ['AWSCURRENT'] : v === versionCount - 2 ? ['AWSPREVIOUS'] : [];
      versions.push({
        versionId: uuid(),
        stages,
        createdMs: versionMs,
        secretString: binary ? null : secretValue(app, random),
        secretBinaryBase64: binary
          ? Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString('base64')
          : null,
      });
    }
    const lastRotatedMs = rotationEnabled && versionCount > 1 ? versionMs : null;
    const deleted = i % 17 === 8;
    const lastChangedMs = versionMs + int(0, 3) * DAY_MS;
    const replicated = owningService === null && i % 7 === 3;
    // A few secrets here are replicas of a primary elsewhere: their PrimaryRegion is that region.
    const primaryRegion = owningService === null && i % 23 === 11 ? pick(OTHER_REGIONS) : region;

    const tags: AwsSeedTag[] = [];
    if (random() < 0.85) tags.push({ Key: 'env', Value: env });
    if (random() < 0.6) tags.push({ Key: 'team', Value: pick(['platform', 'payments', 'data', 'identity']) });
    if (random() < 0.3) tags.push({ Key: 'cost-center', Value: String(int(1000, 1999)) });
    if (owningService) tags.push({ Key: 'aws:secretsmanager:owningService', Value: owningService });

    secrets.push({
      arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix(random)}`,
      name,
      description: owningService ? `Secret managed by ${owningService}` : pick(DESCRIPTIONS),
      kmsKeyId: random() < 0.4 ? pick(customerKeys) : null,
      createdMs,
      lastChangedMs,
      lastAccessedMs: random() < 0.8 ? startOfDay(REFERENCE_MS - int(0, 30) * DAY_MS) : null,
      deletedMs: deleted ? lastChangedMs + int(1, 20) * DAY_MS : null,
      rotationEnabled,
      rotationLambdaArn:
        rotationEnabled && owningService === null
          ? `arn:aws:lambda:${region}:${accountId}:function:rotate-${app}-${env}`
          : null,
      rotationRules: rotationEnabled
        ? random() < 0.5
          ? { AutomaticallyAfterDays: rotationDays }
          : { ScheduleExpression: `rate(${rotationDays} days)`, Duration: '2h' }
        : null,
      lastRotatedMs,
      nextRotationMs: rotationEnabled ? startOfDay((lastRotatedMs ?? createdMs) + rotationDays * DAY_MS) : null,
      tags,
      owningService,
      primaryRegion,
      replicas: replicated
        ? OTHER_REGIONS.slice(0, int(1, 2)).map((replicaRegion, index) => ({
            region: replicaRegion,
            kmsKeyId: 'alias/aws/secretsmanager',
            status: index === 0 ? ('InSync' as const) : pick(['InSync', 'InProgress', 'Failed'] as const),
            statusMessage: 'Replication succeeded',
            lastAccessedMs: random() < 0.5 ? startOfDay(REFERENCE_MS - int(0, 30) * DAY_MS) : null,
          }))
        : [],
      versions,
    });
  }
  for (const replica of secrets.flatMap((s) => s.replicas)) {
    if (replica.status === 'Failed')
      replica.statusMessage = 'Replication failed: a secret with this name already exists in this Region';
    if (replica.status === 'InProgress') replica.statusMessage = 'Replication in progress';
  }
  secrets.sort((a, b) => a.createdMs - b.createdMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { region, accountId, secrets };
}

function startOfDay(ms: number): number {
  return ms - (ms % DAY_MS);
}

/** The six random characters AWS appends to a secret's ARN. */
function suffix(random: () => number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 6 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function secretValue(app: string, random: () => number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const token = (length: number) =>
    Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  return random() < 0.5 ? token(40) : JSON.stringify({ username: `${app}_svc`, password: token(24) });
}
