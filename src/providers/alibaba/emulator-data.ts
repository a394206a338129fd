import { createHash } from 'node:crypto';
import { seededRandom } from '../../emulators/core.js';

/**
 * Deterministic seed data for the Alibaba Cloud emulators. Same options, same data, run to run.
 *
 * Seeds keep every time as epoch milliseconds; each emulator renders times the way its API does
 * (SAE: integer ms; APIG: ms or s; KMS: ISO strings without ms). Field names follow the wire so
 * that emulators can copy records with little mapping. All values are fake.
 */

export interface SeedOptions {
  /** Multiplies every record count (benchmarks use > 1). Default 1. */
  scale?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
}

// ---------------------------------------------------------------------------------------------
// Seed types
// ---------------------------------------------------------------------------------------------

export type SaeSecretType = 'Opaque' | 'kubernetes.io/dockerconfigjson' | 'kubernetes.io/tls';

export interface SaeRelateApp {
  AppId: string;
  AppName: string;
}

export interface SaeNamespaceSeed {
  NamespaceId: string;
  NamespaceName: string;
  NamespaceDescription: string;
  NameSpaceShortId: string;
  RegionId: string;
  VpcId: string;
  VSwitchId: string;
  SecurityGroupId: string;
  /** false only for the region's default namespace. */
  Custom: boolean;
  HybridCloudEnable: boolean;
  AgentInstall: string;
}

export interface SaeSecretSeed {
  NamespaceId: string;
  /** A bigint when beyond Number.MAX_SAFE_INTEGER; the emulator writes it as a bare JSON integer. */
  SecretId: number | bigint;
  SecretName: string;
  SecretType: SaeSecretType;
  CreateTime: number;
  UpdateTime: number;
  RelateApps: SaeRelateApp[];
  /** key → base64 value, as in a Kubernetes Secret. */
  SecretData: Record<string, string>;
}

export interface SaeSeed {
  regionId: string;
  /** Default namespace first. */
  namespaces: SaeNamespaceSeed[];
  /** Ordered by namespace (as in `namespaces`), then CreateTime, then SecretId. */
  secrets: SaeSecretSeed[];
}

export type ApigGatewayType = 'AI' | 'API';

export interface ApigSecretSeed {
  secretId: string;
  name: string;
  gatewayType: ApigGatewayType;
  secretSource: 'KMS' | 'MANUAL';
  status: 'ENABLE' | 'DISABLE';
  referenceCount: number;
  createTimestamp: number;
  updateTimestamp: number;
  /** Empty strings for MANUAL secrets, as in the documented example. */
  kmsConfig: { kmsInstanceId: string; kmsKeyId: string };
}

export interface ApigSeed {
  regionId: string;
  /** Ordered by createTimestamp, then secretId. */
  secrets: ApigSecretSeed[];
  /** What GetSecretValue returns, by secret name. */
  values: Record<string, string>;
}

export type KmsSecretType = 'Generic' | 'Rds' | 'Redis' | 'RAMCredentials' | 'ECS' | 'PolarDB';

export interface KmsTag {
  TagKey: string;
  TagValue: string;
}

export interface KmsSecretVersion {
  VersionId: string;
  VersionStages: string[];
  SecretData: string;
  SecretDataType: 'text' | 'binary';
  CreateTime: number;
}

export interface KmsSecretSeed {
  SecretName: string;
  SecretType: KmsSecretType;
  Description: string;
  EncryptionKeyId: string;
  Arn: string;
  CreateTime: number;
  UpdateTime: number;
  /** Set when the secret is scheduled for deletion. */
  PlannedDeleteTime: number | null;
  /** "" unless a cloud service manages the secret. */
  OwingService: string;
  Tags: KmsTag[];
  /** "" for secrets in the shared KMS. */
  DKMSInstanceId: string;
  /** UID of the account or RAM user that created the secret (a ListSecrets filter key). */
  Creator: string;
  AutomaticRotation: 'Enabled' | 'Disabled';
  RotationInterval: string | null;
  LastRotationDate: number | null;
  NextRotationDate: number | null;
  /** JSON text for managed (non-Generic) secrets. */
  ExtendedConfig: string | null;
  /** Newest first; the first carries ACSCurrent. */
  Versions: KmsSecretVersion[];
}

export interface KmsSeed {
  regionId: string;
  accountId: string;
  /** Ordered by CreateTime, then SecretName. */
  secrets: KmsSecretSeed[];
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

export const ALIBABA_REGION = 'cn-hangzhou';
export const ALIBABA_ACCOUNT_ID = '1234567890123456';
/** The one SAE SecretId beyond 2^53 (in the default namespace): json-bigint returns it as a BigNumber. */
export const SAE_BIG_SECRET_ID = 9007199254740993n;

const FIRST_TIME = Date.UTC(2023, 0, 1);
const LAST_TIME = Date.UTC(2026, 2, 31);
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Random helpers
// ---------------------------------------------------------------------------------------------

class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  float(): number {
    return this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: [[value, weight], …]. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars('0123456789abcdef', length);
  }

  lowerAlnum(length: number): string {
    return this.chars('abcdefghijklmnopqrstuvwxyz0123456789', length);
  }

  password(length: number): string {
    return this.chars('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=_', length);
  }

  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }

  /** A creation time, and an update time at or after it (a quarter never updated). */
  times(): { created: number; updated: number } {
    const created = FIRST_TIME + Math.floor(this.next() * (LAST_TIME - FIRST_TIME - 30 * DAY));
    const updated = this.chance(0.25) ? created : created + Math.floor(this.next() ** 2 * (LAST_TIME - created));
    return { created, updated };
  }
}

function scaled(count: number, scale: number): number {
  return Math.max(1, Math.round(count * scale));
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}

/** Hands out unique names: a taken name gets a numeric suffix, as people do (`…-017`). */
class NameRegistry {
  private readonly taken = new Set<string>();
  private readonly counters = new Map<string, number>();

  claim(base: string): string {
    // snake_case names get an underscore suffix, everything else a hyphen.
    const separator = base.includes('_') && !base.includes('-') ? '_' : '-';
    let name = base;
    while (this.taken.has(name)) {
      const n = (this.counters.get(base) ?? 1) + 1;
      this.counters.set(base, n);
      name = `${base}${separator}${pad3(n)}`;
    }
    this.taken.add(name);
    return name;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const APP_NAMES = [
  'order-service',
  'payment-gateway',
  'user-center',
  'inventory-service',
  'cart-service',
  'checkout-web',
  'notification-worker',
  'search-api',
  'recommendation-engine',
  'auth-server',
  'billing-service',
  'shipping-tracker',
  'catalog-service',
  'pricing-engine',
  'coupon-service',
  'review-service',
  'gateway-bff',
  'admin-console',
  'report-generator',
  'data-sync-job',
  'log-shipper',
  'metrics-collector',
  'image-processor',
  'email-sender',
  'sms-dispatcher',
  'risk-control',
  'settlement-batch',
  'ledger-service',
  'wallet-api',
  'member-service',
  'loyalty-points',
  'feed-service',
  'chat-service',
  'file-storage-api',
  'cms-backend',
  'config-center',
  'scheduler-job',
  'webhook-relay',
  'geo-service',
  'translation-api',
  'audit-trail',
  'promo-engine',
  'invoice-service',
  'refund-worker',
] as const;

const SHORT_APPS = [
  'orders',
  'payments',
  'checkout',
  'billing',
  'ledger',
  'search',
  'catalog',
  'users',
  'wallet',
  'risk',
  'reports',
  'notifications',
] as const;
const DATABASES = ['mysql', 'postgres', 'redis', 'mongodb', 'polardb', 'clickhouse'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;
const TEAMS = ['payments', 'platform', 'data'] as const;
const REGION_SHORT = ['hz', 'sh', 'bj', 'sz', 'zjk', 'hk', 'sg'] as const;
const DOMAINS = ['shop-example', 'pay-example', 'internal-example'] as const;
const THIRD_PARTIES = ['stripe', 'github', 'slack', 'dingtalk', 'sendgrid', 'twilio', 'datadog', 'sentry'] as const;

function fakePem(rng: Rng, label: string): string {
  return `-----BEGIN ${label}-----\nMII${rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 61)}\n-----END ${label}-----\n`;
}

function rdsHost(rng: Rng): string {
  return `rm-bp1${rng.lowerAlnum(14)}.mysql.rds.aliyuncs.com`;
}

// ---------------------------------------------------------------------------------------------
// SAE
// ---------------------------------------------------------------------------------------------

interface NamespacePlan {
  shortId: string | null;
  name: string;
  description: string;
  env: (typeof ENVS)[number] | null;
  /** Secret count at scale 1. */
  count: (rng: Rng) => number;
}

const SAE_NAMESPACES: NamespacePlan[] = [
  { shortId: null, name: 'Default', description: 'Default namespace', env: null, count: () => 272 },
  { shortId: 'prod', name: 'prod', description: 'Production workloads', env: 'prod', count: (rng) => rng.int(90, 120) },
  {
    shortId: 'staging',
    name: 'staging',
    description: 'Pre-release verification',
    env: 'staging',
    count: (rng) => rng.int(55, 90),
  },
  {
    shortId: 'dev',
    name: 'dev',
    description: 'Development and feature branches',
    env: 'dev',
    count: (rng) => rng.int(40, 65),
  },
];

function saeApps(rng: Rng, count: number): SaeRelateApp[] {
  const names = rng.shuffle(APP_NAMES);
  const variants = ['', '-v2', '-canary', '-worker', '-gray'];
  const apps: SaeRelateApp[] = [];
  for (let i = 0; i < count; i++) {
    const variant = variants[Math.floor(i / names.length) % variants.length];
    apps.push({ AppId: rng.uuid(), AppName: `${names[i % names.length]}${variant}` });
  }
  return apps;
}

/** 0–3 apps, skewed so that a few popular apps are shared by many secrets. */
function relateApps(rng: Rng, pool: SaeRelateApp[]): SaeRelateApp[] {
  const count = rng.weighted([
    [0, 2],
    [1, 4],
    [2, 2.5],
    [3, 1.5],
  ] as const);
  const chosen = new Set<SaeRelateApp>();
  while (chosen.size < Math.min(count, pool.length)) chosen.add(pool[Math.floor(rng.float() ** 2 * pool.length)]);
  return [...chosen].map((app) => ({ ...app }));
}

function saeSecretName(rng: Rng, type: SaeSecretType, env: string, apps: SaeRelateApp[]): string {
  const app = apps[0]?.AppName ?? rng.pick(APP_NAMES);
  const short = rng.pick(SHORT_APPS);
  switch (type) {
    case 'kubernetes.io/dockerconfigjson':
      return rng.pick([
        `registry-auth-${rng.pick(REGION_SHORT)}`,
        `acr-pull-${rng.pick(TEAMS)}`,
        `${app}-registry-cred`,
        `acr-ee-${rng.pick(TEAMS)}-${env}`,
      ]);
    case 'kubernetes.io/tls':
      return rng.pick([`${short}-api-tls`, `${app}-tls`, `wildcard-${rng.pick(DOMAINS)}-tls`, `${app}-ingress-cert`]);
    default: {
      const base = rng.pick([
        `${env}-${rng.pick(DATABASES)}-credentials`,
        `${app}-config`,
        `${app}-api-key`,
        `${short}-db-password`,
        `${rng.pick(THIRD_PARTIES)}-webhook-secret`,
        `${app}-jwt-signing-key`,
        `${short}-oauth-client`,
        `${env}-${short}-${rng.pick(DATABASES)}-readonly`,
      ]);
      // Some teams number their secrets anyway.
      return rng.chance(0.15) ? `${base}-${pad3(rng.int(1, 40))}` : base;
    }
  }
}

function saeSecretData(rng: Rng, type: SaeSecretType): Record<string, string> {
  if (type === 'kubernetes.io/dockerconfigjson') {
    const registry = rng.pick([
      `registry-vpc.${ALIBABA_REGION}.aliyuncs.com`,
      `${rng.pick(TEAMS)}-registry.${ALIBABA_REGION}.cr.aliyuncs.com`,
    ]);
    const username = `acr-pull@${ALIBABA_ACCOUNT_ID}`;
    const password = rng.password(24);
    const auths = { auths: { [registry]: { username, password, auth: base64(`${username}:${password}`) } } };
    return { '.dockerconfigjson': base64(JSON.stringify(auths)) };
  }
  if (type === 'kubernetes.io/tls') {
    const data: Record<string, string> = {
      'tls.crt': base64(fakePem(rng, 'CERTIFICATE')),
      'tls.key': base64(fakePem(rng, 'PRIVATE KEY')),
    };
    if (rng.chance(0.3)) data['ca.crt'] = base64(fakePem(rng, 'CERTIFICATE'));
    return data;
  }
  const candidates: Array<[string, () => string]> = [
    ['username', () => `app_${rng.pick(SHORT_APPS)}`],
    ['password', () => rng.password(20)],
    ['host', () => rdsHost(rng)],
    ['port', () => rng.pick(['3306', '5432', '6379'])],
    ['database', () => rng.pick(SHORT_APPS)],
    ['api-key', () => `ak_${rng.lowerAlnum(32)}`],
    ['token', () => rng.password(40)],
    ['client-id', () => rng.uuid()],
    ['client-secret', () => rng.password(32)],
  ];
  const data: Record<string, string> = {};
  for (const [key, value] of rng.shuffle(candidates).slice(0, rng.int(1, 4))) data[key] = base64(value());
  return data;
}

function saeNamespace(rng: Rng, regionId: string, plan: NamespacePlan): SaeNamespaceSeed {
  const zone = 'bp1';
  return {
    NamespaceId: plan.shortId ? `${regionId}:${plan.shortId}` : regionId,
    NamespaceName: plan.name,
    NamespaceDescription: plan.description,
    NameSpaceShortId: plan.shortId ?? 'default',
    RegionId: regionId,
    VpcId: `vpc-${zone}${rng.lowerAlnum(18)}`,
    VSwitchId: `vsw-${zone}${rng.lowerAlnum(18)}`,
    SecurityGroupId: `sg-${zone}${rng.lowerAlnum(17)}`,
    Custom: plan.shortId !== null,
    HybridCloudEnable: false,
    AgentInstall: '',
  };
}

export function generateSaeSeed(options: SeedOptions = {}): SaeSeed {
  const scale = options.scale ?? 1;
  const rng = new Rng((options.seed ?? 1) * 7919 + 11);
  const regionId = ALIBABA_REGION;
  const namespaces: SaeNamespaceSeed[] = [];
  const secrets: SaeSecretSeed[] = [];

  for (const plan of SAE_NAMESPACES) {
    const namespace = saeNamespace(rng, regionId, plan);
    namespaces.push(namespace);
    const pool = saeApps(rng, Math.max(8, Math.round(40 * Math.sqrt(scale))));
    const names = new NameRegistry();
    const count = scaled(plan.count(rng), scale);
    for (let i = 0; i < count; i++) {
      const type = rng.weighted([
        ['Opaque', 6],
        ['kubernetes.io/dockerconfigjson', 2],
        ['kubernetes.io/tls', 2],
      ] as const);
      const apps = relateApps(rng, pool);
      const { created, updated } = rng.times();
      secrets.push({
        NamespaceId: namespace.NamespaceId,
        SecretId: 0,
        SecretName: names.claim(saeSecretName(rng, type, plan.env ?? rng.pick(ENVS), apps)),
        SecretType: type,
        CreateTime: created,
        UpdateTime: updated,
        RelateApps: apps,
        SecretData: saeSecretData(rng, type),
      });
    }
  }

  // SecretIds grow with creation time across the region, with gaps where secrets were deleted.
  let id = 1000;
  for (const secret of [...secrets].sort((a, b) => a.CreateTime - b.CreateTime)) {
    id += rng.int(1, 4);
    secret.SecretId = id;
  }
  // The newest secret of the default namespace gets an id no double can hold exactly.
  const defaults = secrets.filter((secret) => secret.NamespaceId === regionId);
  defaults.reduce((newest, secret) => (secret.CreateTime > newest.CreateTime ? secret : newest)).SecretId =
    SAE_BIG_SECRET_ID;

  const namespaceOrder = new Map(namespaces.map((ns, index) => [ns.NamespaceId, index]));
  secrets.sort(
    (a, b) =>
      namespaceOrder.get(a.NamespaceId)! - namespaceOrder.get(b.NamespaceId)! ||
      a.CreateTime - b.CreateTime ||
      compareIds(a.SecretId, b.SecretId),
  );
  return { regionId, namespaces, secrets };
}

/** Orders SAE SecretIds exactly, also when one of them is a bigint. */
export function compareIds(a: number | bigint, b: number | bigint): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// APIG
// ---------------------------------------------------------------------------------------------

const AI_PROVIDERS = [
  'dashscope',
  'qwen',
  'openai',
  'azure-openai',
  'deepseek',
  'moonshot',
  'zhipu',
  'minimax',
  'baichuan',
  'anthropic',
] as const;

function apigName(rng: Rng, gatewayType: ApigGatewayType): string {
  const env = rng.pick(ENVS);
  const short = rng.pick(SHORT_APPS);
  if (gatewayType === 'AI') {
    const provider = rng.pick(AI_PROVIDERS);
    return rng.pick([
      `${provider}-api-key-${env}`,
      `${provider}_token_${env}`,
      `llm-${provider}-${rng.pick(TEAMS)}`,
      `${provider}-${short}-${env}`,
      `ai-proxy-${provider}-${rng.pick(REGION_SHORT)}`,
    ]);
  }
  return rng.pick([
    `${short}-backend-basic-auth-${env}`,
    `jwt-signing-key-${short}`,
    `consumer-${rng.pick(THIRD_PARTIES)}-hmac-${env}`,
    `${short}_oauth_client_${env}`,
    `${rng.pick(APP_NAMES)}-api-tls`,
    `${rng.pick(APP_NAMES)}-upstream-token`,
    `${rng.pick(TEAMS)}_mtls_ca_${env}`,
  ]);
}

export function generateApigSeed(options: SeedOptions = {}): ApigSeed {
  const scale = options.scale ?? 1;
  const rng = new Rng((options.seed ?? 1) * 104_729 + 23);
  const names = new NameRegistry();
  const ids = new Set<string>();
  const kmsInstances = [`kst-hzz${rng.lowerAlnum(17)}`, `kst-hzz${rng.lowerAlnum(17)}`];
  const secrets: ApigSecretSeed[] = [];

  for (let i = 0, count = scaled(312, scale); i < count; i++) {
    let secretId: string;
    do secretId = `sec-${rng.lowerAlnum(20)}`;
    while (ids.has(secretId));
    ids.add(secretId);

    const gatewayType: ApigGatewayType = rng.chance(0.35) ? 'AI' : 'API';
    const fromKms = rng.chance(0.4);
    const { created, updated } = rng.times();
    secrets.push({
      secretId,
      name: names.claim(apigName(rng, gatewayType)),
      gatewayType,
      secretSource: fromKms ? 'KMS' : 'MANUAL',
      status: rng.chance(0.85) ? 'ENABLE' : 'DISABLE',
      referenceCount: rng.chance(0.2) ? 0 : Math.floor(rng.float() ** 2 * 13),
      createTimestamp: created,
      updateTimestamp: updated,
      kmsConfig: fromKms
        ? { kmsInstanceId: rng.pick(kmsInstances), kmsKeyId: `key-hzz${rng.lowerAlnum(17)}` }
        : { kmsInstanceId: '', kmsKeyId: '' },
    });
  }

  secrets.sort((a, b) => a.createTimestamp - b.createTimestamp || (a.secretId < b.secretId ? -1 : 1));
  // Derived from the id, not drawn from `rng`, so that adding values left every other seeded field as it was.
  const values: Record<string, string> = {};
  for (const secret of secrets) {
    const digest = createHash('sha256')
      .update(`apig-value:${options.seed ?? 1}:${secret.secretId}`)
      .digest('base64url');
    values[secret.name] = secret.gatewayType === 'AI' ? `sk-${digest.slice(0, 40)}` : `apk_${digest.slice(0, 32)}`;
  }
  return { regionId: ALIBABA_REGION, secrets, values };
}

// ---------------------------------------------------------------------------------------------
// KMS
// ---------------------------------------------------------------------------------------------

const RAM_USERS = [
  'ci-deployer',
  'log-shipper',
  'backup-agent',
  'terraform-runner',
  'oss-sync',
  'monitoring-reader',
  'data-export',
  'cdn-refresher',
  'dns-updater',
  'sls-collector',
  'billing-exporter',
  'ack-autoscaler',
  'fc-invoker',
  'mq-consumer',
] as const;
const CREATORS = [ALIBABA_ACCOUNT_ID, '203456789012345678', '208765432109876543', '201122334455667788'] as const;
const ROTATION_INTERVALS = ['86400s', '604800s', '2592000s'] as const;

function kmsName(rng: Rng, type: KmsSecretType, env: string): string {
  const short = rng.pick(SHORT_APPS);
  switch (type) {
    case 'Rds':
      return rng.pick([`${env}-rds-${short}-account`, `${env}-mysql-credentials`, `rds/${env}/${short}`]);
    case 'Redis':
      return rng.pick([`${env}-redis-${short}-auth`, `tair-${short}-${env}`]);
    case 'PolarDB':
      return rng.pick([`${env}-polardb-${short}-user`, `polardb/${env}/${short}`]);
    case 'RAMCredentials':
      // RAM secrets must be named acs/ram/user/<user>.
      return `acs/ram/user/${rng.pick(RAM_USERS)}`;
    case 'ECS':
      return `acs/ecs/i-bp1${rng.lowerAlnum(17)}/${rng.pick(['root', 'admin', 'deploy'])}`;
    default: {
      // KMS names may contain / + = . @ too; a few such names keep callers' encoding honest.
      const pattern = rng.weighted([
        ['db', 4],
        ['path', 3],
        ['vendor', 3],
        ['jwt', 2],
        ['dotted', 0.7],
        ['at', 0.3],
      ] as const);
      const names: Record<typeof pattern, () => string> = {
        db: () => `${env}-${rng.pick(DATABASES)}-credentials`,
        path: () => `${env}/${short}/${rng.pick(['api-key', 'db-password', 'signing-key', 'webhook-secret'])}`,
        vendor: () => `${short}-${rng.pick(THIRD_PARTIES)}-key`,
        jwt: () => `${env}-${short}-jwt-secret`,
        dotted: () => `${short}.${env}.oauth+client`,
        at: () => `ci/deployer@${rng.pick(TEAMS)}`,
      };
      return names[pattern]();
    }
  }
}

function kmsDescription(rng: Rng, type: KmsSecretType, name: string, env: string): string {
  if (rng.chance(0.2)) return '';
  const what: Record<KmsSecretType, string> = {
    Generic: 'Application secret',
    Rds: 'ApsaraDB RDS account',
    Redis: 'Tair/Redis password',
    RAMCredentials: 'AccessKey of a RAM user',
    ECS: 'ECS login credentials',
    PolarDB: 'PolarDB account',
  };
  return `${what[type]} for ${name
    .split(/[/.@-]/)
    .filter(Boolean)
    .slice(-2)
    .join(' ')} (${env})`;
}

function kmsExtendedConfig(rng: Rng, type: KmsSecretType): string | null {
  const sub = (config: Record<string, unknown>) => JSON.stringify({ ...config, CustomData: {} });
  switch (type) {
    case 'Rds':
      return sub({
        SecretSubType: rng.pick(['SingleUser', 'DoubleUsers']),
        DBInstanceId: `rm-bp1${rng.lowerAlnum(14)}`,
      });
    case 'Redis':
      return sub({ SecretSubType: 'SingleUser', InstanceId: `r-bp1${rng.lowerAlnum(14)}` });
    case 'PolarDB':
      return sub({ SecretSubType: 'SingleUser', DBClusterId: `pc-bp1${rng.lowerAlnum(14)}` });
    case 'RAMCredentials':
      return sub({ SecretSubType: 'RamUserAccessKey', UserName: rng.pick(RAM_USERS) });
    case 'ECS':
      return sub({
        SecretSubType: rng.pick(['Password', 'SSHKey']),
        RegionId: ALIBABA_REGION,
        InstanceId: `i-bp1${rng.lowerAlnum(17)}`,
      });
    default:
      return null;
  }
}

function kmsValue(rng: Rng, type: KmsSecretType): { data: string; dataType: 'text' | 'binary' } {
  switch (type) {
    case 'Rds':
    case 'PolarDB':
    case 'Redis':
      return {
        data: JSON.stringify({ AccountName: `app_${rng.pick(SHORT_APPS)}`, AccountPassword: rng.password(20) }),
        dataType: 'text',
      };
    case 'RAMCredentials':
      return {
        data: JSON.stringify({
          AccessKeyId: `LTAI5t${rng.chars('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789', 18)}`,
          AccessKeySecret: rng.password(30),
        }),
        dataType: 'text',
      };
    case 'ECS':
      return { data: JSON.stringify({ UserName: 'root', Password: rng.password(20) }), dataType: 'text' };
    default:
      if (rng.chance(0.04)) return { data: Buffer.from(rng.password(32)).toString('base64'), dataType: 'binary' };
      return rng.chance(0.5)
        ? {
            data: JSON.stringify({ username: `svc_${rng.pick(SHORT_APPS)}`, password: rng.password(20) }),
            dataType: 'text',
          }
        : { data: rng.password(40), dataType: 'text' };
  }
}

function kmsTags(rng: Rng, env: string): KmsTag[] {
  const count = rng.weighted([
    [0, 2],
    [1, 2],
    [2, 3],
    [3, 2],
    [4, 1],
  ] as const);
  const values: Record<string, () => string> = {
    env: () => env,
    team: () => rng.pick(TEAMS),
    app: () => rng.pick(SHORT_APPS),
    'cost-center': () => rng.pick(['cc-1042', 'cc-2077', 'cc-3150']),
  };
  // env is the most common tag, so it comes first more often than not.
  const keys = rng.chance(0.7)
    ? ['env', ...rng.shuffle(['team', 'app', 'cost-center'])]
    : rng.shuffle(Object.keys(values));
  return keys.slice(0, count).map((key) => ({ TagKey: key, TagValue: values[key]() }));
}

export function generateKmsSeed(options: SeedOptions = {}): KmsSeed {
  const scale = options.scale ?? 1;
  const rng = new Rng((options.seed ?? 1) * 15_485_863 + 37);
  const names = new NameRegistry();
  const instances = [`kst-hzz${rng.lowerAlnum(17)}`, `kst-hzz${rng.lowerAlnum(17)}`];
  const keysByInstance = new Map(
    instances.map((instance) => [instance, [0, 1, 2].map(() => `key-hzz${rng.lowerAlnum(17)}`)]),
  );
  const secrets: KmsSecretSeed[] = [];

  for (let i = 0, count = scaled(330, scale); i < count; i++) {
    const type = rng.weighted([
      ['Generic', 50],
      ['Rds', 15],
      ['Redis', 10],
      ['RAMCredentials', 10],
      ['ECS', 7],
      ['PolarDB', 8],
    ] as const);
    const env = rng.pick(ENVS);
    const name = names.claim(kmsName(rng, type, env));
    const dedicated = rng.chance(0.6);
    const instance = dedicated ? rng.pick(instances) : '';
    const { created, updated: edited } = rng.times();

    // Only managed secrets rotate automatically; a rotation also leaves an ACSPrevious version.
    const rotating = type !== 'Generic' && rng.chance(0.6);
    const interval = rotating ? rng.pick(ROTATION_INTERVALS) : null;
    const intervalMs = interval ? Number.parseInt(interval, 10) * 1000 : 0;
    const lastRotation = rotating
      ? Math.max(created + intervalMs, LAST_TIME - Math.floor(rng.float() * intervalMs))
      : null;
    const updated = lastRotation ? Math.max(edited, lastRotation) : edited;

    const current = kmsValue(rng, type);
    const versionId = (n: number) => (type === 'Generic' ? `v${n}` : String(n).padStart(32, '0'));
    const generation = rotating ? rng.int(2, 12) : 1;
    const versions: KmsSecretVersion[] = [
      {
        VersionId: versionId(generation),
        VersionStages: ['ACSCurrent'],
        SecretData: current.data,
        SecretDataType: current.dataType,
        CreateTime: lastRotation ?? created,
      },
    ];
    if (generation > 1) {
      const previous = kmsValue(rng, type);
      versions.push({
        VersionId: versionId(generation - 1),
        VersionStages: ['ACSPrevious'],
        SecretData: previous.data,
        SecretDataType: previous.dataType,
        CreateTime: (lastRotation ?? created) - intervalMs,
      });
    }

    const owingService = rng.chance(0.1)
      ? (({ Rds: 'rds', PolarDB: 'polardb', Redis: 'redis', Generic: 'ack' } as Partial<Record<KmsSecretType, string>>)[
          type
        ] ?? '')
      : '';
    secrets.push({
      SecretName: name,
      SecretType: type,
      Description: kmsDescription(rng, type, name, env),
      EncryptionKeyId: instance
        ? rng.pick(keysByInstance.get(instance)!)
        : rng.chance(0.5)
          ? `key-hzz${rng.lowerAlnum(17)}`
          : '',
      Arn: `acs:kms:${ALIBABA_REGION}:${ALIBABA_ACCOUNT_ID}:secret/${name}`,
      CreateTime: created,
      UpdateTime: updated,
      PlannedDeleteTime: rng.chance(0.05) ? updated + rng.int(7, 30) * DAY : null,
      OwingService: owingService,
      Tags: kmsTags(rng, env),
      DKMSInstanceId: instance,
      Creator: rng.pick(CREATORS),
      AutomaticRotation: rotating ? 'Enabled' : 'Disabled',
      RotationInterval: interval,
      LastRotationDate: lastRotation,
      NextRotationDate: lastRotation ? lastRotation + intervalMs : null,
      ExtendedConfig: kmsExtendedConfig(rng, type),
      Versions: versions,
    });
  }

  secrets.sort((a, b) => a.CreateTime - b.CreateTime || (a.SecretName < b.SecretName ? -1 : 1));
  return { regionId: ALIBABA_REGION, accountId: ALIBABA_ACCOUNT_ID, secrets };
}
