import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchGetSecretValueCommand, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { SignatureV4 } from '@smithy/signature-v4';
import { NO_FAULTS } from '../../src/emulators/core.js';
import {
  AWS_SECRETS_MANAGER_ERROR_CODES,
  createAwsSecretsManagerClient,
  readAwsError,
  type AwsFilter,
  type AwsSecretsManagerClient,
  type AwsStaticCredentials,
  type ListSecretsPageInput,
} from '../../src/providers/aws-secrets-manager/client.js';
import { AWS_EMULATOR_CREDENTIALS } from '../../src/providers/aws-secrets-manager/credentials.js';
import { generateAwsSecretsManagerSeed, type AwsSeedSecret } from '../../src/providers/aws-secrets-manager/data.js';
import { startAwsSecretsManagerEmulator } from '../../src/providers/aws-secrets-manager/emulator.js';
import { NodeSha256 } from '../../src/providers/aws-secrets-manager/sigv4.js';
import { classify, readProviderError } from '../../src/upstream/errors.js';

const KEYS: AwsStaticCredentials = {
  accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
  secretAccessKey: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
};
const REGION = AWS_EMULATOR_CREDENTIALS.region;

let started: Awaited<ReturnType<typeof startAwsSecretsManagerEmulator>>;
let client: AwsSecretsManagerClient;
const clients: AwsSecretsManagerClient[] = [];

function clientWith(credentials: AwsStaticCredentials): AwsSecretsManagerClient {
  const created = createAwsSecretsManagerClient({ region: REGION, endpoint: started.url, credentials });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  started = await startAwsSecretsManagerEmulator();
  client = clientWith(KEYS);
});
afterAll(async () => {
  for (const created of clients) created.destroy();
  await started.server.stop();
});
afterEach(() => {
  vi.unstubAllEnvs();
  started.server.setFaults(NO_FAULTS);
  started.emulator.clearForcedErrors();
});

const seed = () => started.emulator.seed.secrets;
const byCreation = (secrets: AwsSeedSecret[]) =>
  [...secrets].sort((a, b) => a.createdMs - b.createdMs || (a.arn < b.arn ? -1 : 1));
const active = () => seed().filter((secret) => secret.deletedMs === null);

async function walk(input: Omit<ListSecretsPageInput, 'nextToken'>): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let nextToken: string | null = null;
  let pages = 0;
  do {
    const page = await client.listSecretsPage({ ...input, nextToken });
    if (input.maxResults) expect(page.secrets.length).toBeLessThanOrEqual(input.maxResults);
    names.push(...page.secrets.map((secret) => secret.name));
    nextToken = page.nextToken;
    if (++pages > 1000) throw new Error('runaway pagination');
  } while (nextToken);
  return { names, pages };
}

/** The AWS error a call fails with (the SDK's own exception). */
async function awsError(call: Promise<unknown>): Promise<SecretsManagerServiceException> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretsManagerServiceException);
  return error as SecretsManagerServiceException;
}

/** An independent reading of AWS's Filter documentation, for every key but `all`. */
function expectedMatch(secret: AwsSeedSecret, filters: AwsFilter[]): boolean {
  const candidates = (key: AwsFilter['key']): string[] => {
    switch (key) {
      case 'name':
        return [secret.name];
      case 'description':
        return secret.description === null ? [] : [secret.description.toLowerCase()];
      case 'tag-key':
        return secret.tags.map((tag) => tag.Key);
      case 'tag-value':
        return secret.tags.map((tag) => tag.Value);
      case 'primary-region':
        return [secret.primaryRegion];
      case 'owning-service':
        return secret.owningService === null ? [] : [secret.owningService];
      default:
        throw new Error(`no oracle for ${key}`);
    }
  };
  return filters.every(({ key, values }) => {
    const hits = (value: string) =>
      candidates(key).some((c) => c.startsWith(key === 'description' ? value.toLowerCase() : value));
    const plain = values.filter((v) => !v.startsWith('!'));
    const negated = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    return (plain.length === 0 || plain.some(hits)) && !negated.some(hits);
  });
}

describe('seed', () => {
  it('is deterministic, a few hundred secrets, with every feature the emulator serves', () => {
    expect(JSON.stringify(generateAwsSecretsManagerSeed())).toBe(JSON.stringify(generateAwsSecretsManagerSeed()));
    const secrets = generateAwsSecretsManagerSeed().secrets;
    expect(secrets.length).toBe(300);
    expect(generateAwsSecretsManagerSeed({ scale: 2 }).secrets.length).toBe(600);
    expect(new Set(secrets.map((s) => s.name)).size).toBe(secrets.length);
    expect(secrets.some((s) => s.name === 'prod/db/password')).toBe(true);
    expect(secrets.filter((s) => s.deletedMs !== null).length).toBeGreaterThan(5);
    expect(secrets.filter((s) => s.rotationEnabled).length).toBeGreaterThan(20);
    expect(secrets.filter((s) => s.owningService !== null).length).toBeGreaterThan(10);
    expect(secrets.filter((s) => s.replicas.length > 0).length).toBeGreaterThan(10);
    expect(secrets.filter((s) => s.primaryRegion !== REGION).length).toBeGreaterThan(3);
    expect(secrets.filter((s) => s.versions.some((v) => v.secretBinaryBase64 !== null)).length).toBeGreaterThan(5);
  });
});

describe('ListSecrets', () => {
  it('walks every secret not scheduled for deletion exactly once, oldest first', async () => {
    const { names, pages } = await walk({ maxResults: 7 });
    expect(names).toEqual(byCreation(active()).map((s) => s.name));
    expect(pages).toBe(Math.ceil(active().length / 7));
  });

  it('lists newest first with SortOrder desc', async () => {
    const { names } = await walk({ maxResults: 100, sortOrder: 'desc' });
    expect(names).toEqual(
      byCreation(active())
        .map((s) => s.name)
        .reverse(),
    );
  });

  it('includes secrets scheduled for deletion only with IncludePlannedDeletion, with their DeletedDate', async () => {
    const { names } = await walk({ maxResults: 100, includePlannedDeletion: true });
    expect(names).toEqual(byCreation(seed()).map((s) => s.name));
    const deleted = seed().find((s) => s.deletedMs !== null)!;
    const page = await client.listSecretsPage({
      includePlannedDeletion: true,
      filters: [{ key: 'name', values: [deleted.name] }],
    });
    const entry = page.secrets.find((s) => s.name === deleted.name)!;
    expect(entry.deletedDate?.getTime()).toBe(deleted.deletedMs);
  });

  it('answers with the documented fields, timestamps to the millisecond', async () => {
    const secret = seed().find(
      (s) =>
        s.rotationEnabled &&
        s.owningService === null &&
        s.kmsKeyId !== null &&
        s.tags.length > 0 &&
        s.deletedMs === null,
    )!;
    const [entry] = (
      await client.listSecretsPage({ filters: [{ key: 'name', values: [secret.name] }] })
    ).secrets.filter((s) => s.name === secret.name);
    expect(entry).toMatchObject({
      arn: secret.arn,
      description: secret.description,
      kmsKeyId: secret.kmsKeyId,
      rotationEnabled: true,
      rotationLambdaArn: secret.rotationLambdaArn,
      tags: secret.tags.map((t) => ({ key: t.Key, value: t.Value })),
      primaryRegion: secret.primaryRegion,
      owningService: null,
    });
    expect(entry.createdDate?.getTime()).toBe(secret.createdMs);
    expect(entry.lastChangedDate?.getTime()).toBe(secret.lastChangedMs);
    expect(entry.nextRotationDate?.getTime()).toBe(secret.nextRotationMs);
    expect(Object.values(entry.versionStages).flat()).toContain('AWSCURRENT');
  });

  const filterCases: Array<[string, AwsFilter[]]> = [
    ['name prefix', [{ key: 'name', values: ['prod/'] }]],
    ['name is case-sensitive', [{ key: 'name', values: ['PROD/'] }]],
    ['name negated', [{ key: 'name', values: ['!prod/'] }]],
    ['two names (either)', [{ key: 'name', values: ['prod/', 'staging/'] }]],
    ['description, case-insensitive prefix', [{ key: 'description', values: ['DATABASE'] }]],
    ['description negated', [{ key: 'description', values: ['!Secret managed'] }]],
    ['tag-key prefix', [{ key: 'tag-key', values: ['cost'] }]],
    ['tag-key negated', [{ key: 'tag-key', values: ['!team'] }]],
    ['tag-value', [{ key: 'tag-value', values: ['platform'] }]],
    ['tag-value negated', [{ key: 'tag-value', values: ['!prod'] }]],
    ['primary-region', [{ key: 'primary-region', values: ['us-west'] }]],
    ['primary-region negated', [{ key: 'primary-region', values: [`!${REGION}`] }]],
    ['owning-service', [{ key: 'owning-service', values: ['rds'] }]],
    ['owning-service negated', [{ key: 'owning-service', values: ['!rds'] }]],
    [
      'filters combine with AND',
      [
        { key: 'tag-value', values: ['prod'] },
        { key: 'name', values: ['!prod/'] },
      ],
    ],
  ];
  it.each(filterCases)('filters: %s', async (_label, filters) => {
    const expected = byCreation(active())
      .filter((s) => expectedMatch(s, filters))
      .map((s) => s.name);
    const { names } = await walk({ maxResults: 100, filters });
    expect(names).toEqual(expected);
    if (_label !== 'name is case-sensitive') expect(names.length).toBeGreaterThan(0);
    else expect(names).toEqual([]);
  });

  it('filters: all splits the value into words and matches any of them anywhere, case-insensitively', async () => {
    const { names } = await walk({ maxResults: 100, filters: [{ key: 'all', values: ['WebhookPlatform'] }] });
    const hasWord = (s: AwsSeedSecret, word: string) =>
      [s.name, s.description ?? '', ...s.tags.flatMap((t) => [t.Key, t.Value])].some((text) =>
        text.toLowerCase().includes(word),
      );
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const secret = seed().find((s) => s.name === name)!;
      expect(hasWord(secret, 'webhook') || hasWord(secret, 'platform')).toBe(true);
    }
    const negated = await walk({ maxResults: 100, filters: [{ key: 'all', values: ['!webhook'] }] });
    expect(
      negated.names.length +
        (await walk({ maxResults: 100, filters: [{ key: 'all', values: ['webhook'] }] })).names.length,
    ).toBe(active().length);
  });

  it('rejects MaxResults outside 1..100 and bad filters with InvalidParameterException', async () => {
    for (const maxResults of [0, 101]) {
      const error = await awsError(client.listSecretsPage({ maxResults }));
      expect(error.name).toBe('InvalidParameterException');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    expect((await client.listSecretsPage({ maxResults: 100 })).secrets).toHaveLength(100);
    expect((await client.listSecretsPage({ maxResults: 1 })).secrets).toHaveLength(1);
    const tooMany = Array.from({ length: 11 }, (_, i) => `v${i}`);
    expect((await awsError(client.listSecretsPage({ filters: [{ key: 'name', values: tooMany }] }))).name).toBe(
      'InvalidParameterException',
    );
    expect((await awsError(client.listSecretsPage({ filters: [{ key: 'name', values: ['bad*char'] }] }))).name).toBe(
      'InvalidParameterException',
    );
  });

  it('refuses a forged, altered or foreign NextToken with InvalidNextTokenException', async () => {
    const first = await client.listSecretsPage({ maxResults: 5 });
    const token = first.nextToken!;
    const forged = `${Buffer.from(JSON.stringify({ o: 50 })).toString('base64url')}.${token.split('.')[1]}`;
    for (const bad of ['garbage', forged, `${token}x`]) {
      const error = await awsError(client.listSecretsPage({ maxResults: 5, nextToken: bad }));
      expect(error.name).toBe('InvalidNextTokenException');
      expect(error.message).toBe('The NextToken value is invalid.');
    }
    // A token belongs to its query: reused with other filters it is refused too.
    expect(
      (
        await awsError(
          client.listSecretsPage({ maxResults: 5, nextToken: token, filters: [{ key: 'name', values: ['prod/'] }] }),
        )
      ).name,
    ).toBe('InvalidNextTokenException');
    expect((await client.listSecretsPage({ maxResults: 5, nextToken: token })).secrets).toHaveLength(5);
  });

  it.each([
    ['asc', 'deleted'],
    ['asc', 'created'],
    ['desc', 'deleted'],
    ['desc', 'created'],
  ] as const)(
    'NextToken (%s) resumes after the last secret returned: a secret %s between pages shifts no other',
    async (sortOrder, change) => {
      const secrets = seed();
      const names = byCreation(active()).map((s) => s.name);
      const before = sortOrder === 'asc' ? names : names.reverse();
      const first = await client.listSecretsPage({ maxResults: 5, sortOrder });
      expect(first.secrets.map((s) => s.name)).toEqual(before.slice(0, 5));
      // Deleted at the cloud: the second secret of page 1 (AWS stops listing a secret deleted for good).
      // Created at the cloud: dated before every other in asc order, after every other in desc: ahead of page 1 either way.
      const template = secrets.find((s) => s.name === before[1])!;
      const created = {
        ...structuredClone(template),
        name: 'created-between-pages',
        arn: `${template.arn}-new`,
        createdMs: sortOrder === 'asc' ? 0 : Date.now() + 60_000,
      };
      const undo =
        change === 'deleted'
          ? (() => {
              const at = secrets.indexOf(template);
              secrets.splice(at, 1);
              return () => secrets.splice(at, 0, template);
            })()
          : (secrets.push(created), () => secrets.splice(secrets.indexOf(created), 1));
      started.emulator.dataChanged();
      try {
        const second = await client.listSecretsPage({ maxResults: 5, sortOrder, nextToken: first.nextToken });
        // Exactly the five after page 1's last secret: none hidden by a deletion, none repeated for a creation.
        expect(second.secrets.map((s) => s.name)).toEqual(before.slice(5, 10));
      } finally {
        undo();
        started.emulator.dataChanged();
      }
    },
  );

  it('property: any page sizes and filters walk to exactly the filtered set, in order', async () => {
    const values: Record<Exclude<AwsFilter['key'], 'all'>, string[]> = {
      name: ['prod/', 'staging/', 'dev/', 'rds!', 'billing', 'prod/db/password'],
      description: ['database', 'THIRD', 'o', 'secret managed by'],
      'tag-key': ['env', 'team', 'cost-center', 'aws:', 'e'],
      'tag-value': ['prod', 'platform', 'payments', '1', 'data'],
      'primary-region': [REGION, 'us-', 'eu-west-1', 'ap'],
      'owning-service': ['rds', 'redshift', 'app', 'r'],
    };
    const filterArb = fc.constantFrom(...(Object.keys(values) as Array<keyof typeof values>)).chain((key) =>
      fc.record({
        key: fc.constant(key),
        values: fc.uniqueArray(
          fc
            .tuple(fc.constantFrom(...values[key]), fc.boolean())
            .map(([value, negate]) => (negate ? `!${value}` : value)),
          { minLength: 1, maxLength: 3 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100 }),
        fc.uniqueArray(filterArb, { maxLength: 2, selector: (f) => f.key }),
        fc.boolean(),
        async (maxResults, filters, includePlannedDeletion) => {
          const { names } = await walk({ maxResults, filters, includePlannedDeletion });
          const expected = byCreation(seed())
            .filter((s) => (includePlannedDeletion || s.deletedMs === null) && expectedMatch(s, filters))
            .map((s) => s.name);
          expect(names).toEqual(expected);
        },
      ),
      { seed: 1302, numRuns: 40 },
    );
  });
});

describe('DescribeSecret', () => {
  it('finds a secret by name, ARN or partial ARN, with replication, rotation and versions', async () => {
    const secret = seed().find((s) => s.replicas.length > 0 && s.deletedMs === null)!;
    for (const id of [secret.name, secret.arn, secret.arn.slice(0, -7)]) {
      const detail = await client.describeSecret(id);
      expect(detail.arn).toBe(secret.arn);
      expect(detail.replicationStatus.map((r) => r.region)).toEqual(secret.replicas.map((r) => r.region));
      expect(Object.keys(detail.versionStages).sort()).toEqual(
        secret.versions
          .filter((v) => v.stages.length)
          .map((v) => v.versionId)
          .sort(),
      );
    }
    const rotating = seed().find((s) => s.rotationEnabled && s.lastRotatedMs !== null)!;
    const detail = await client.describeSecret(rotating.name);
    expect(detail.rotationEnabled).toBe(true);
    expect(detail.lastRotatedDate?.getTime()).toBe(rotating.lastRotatedMs);
    expect(detail.rotationRules).not.toBeNull();
    const managed = seed().find((s) => s.owningService === 'rds')!;
    expect((await client.describeSecret(managed.arn)).owningService).toBe('rds');
  });

  it('answers ResourceNotFoundException for an unknown secret, in AWS JSON shape', async () => {
    const error = await awsError(client.describeSecret('prod/does/not/exist'));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(classify(readProviderError(error, readAwsError), AWS_SECRETS_MANAGER_ERROR_CODES)).toBe(
      'UPSTREAM_NOT_FOUND',
    );

    const raw = await fetch(started.url, {
      method: 'POST',
      body: '{}',
      headers: { 'x-amz-target': 'secretsmanager.DescribeSecret' },
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-errortype')).toMatch(
      /^MissingAuthenticationTokenException:http:\/\/internal\.amazon\.com\/coral\//,
    );
    expect(await raw.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });
});

describe('GetSecretValue and BatchGetSecretValue', () => {
  it('returns string and binary values', async () => {
    const binary = active().find((s) => s.versions.some((v) => v.secretBinaryBase64 !== null))!;
    const value = await client.getSecretValue(binary.name);
    expect(value.secretString).toBeNull();
    expect(value.secretBinaryBase64).toBe(binary.versions.at(-1)!.secretBinaryBase64);
    expect(value.versionStages).toEqual(['AWSCURRENT']);
    const text = active().find((s) => s.versions.at(-1)!.secretString !== null)!;
    expect((await client.getSecretValue(text.arn)).secretString).toBe(text.versions.at(-1)!.secretString);
    const deleted = seed().find((s) => s.deletedMs !== null)!;
    expect((await client.describeSecret(deleted.name)).deletedDate?.getTime()).toBe(deleted.deletedMs);
    expect((await awsError(client.getSecretValue(deleted.name))).name).toBe('InvalidRequestException');
    const batch = await client.batchGetSecretValues([deleted.name, text.name]);
    expect([batch.values.map((v) => v.name), batch.errors.map((e) => [e.secretId, e.errorCode])]).toEqual([
      [text.name],
      [[deleted.name, 'InvalidRequestException']],
    ]);
  });

  it('returns 19 values and one Errors entry for 20 ids with one missing', async () => {
    const ids = active()
      .slice(0, 19)
      .map((s) => s.name);
    const result = await client.batchGetSecretValues([...ids.slice(0, 10), 'prod/missing/secret', ...ids.slice(10)]);
    expect(result.values.map((v) => v.name)).toEqual(ids);
    expect(result.errors).toEqual([
      {
        secretId: 'prod/missing/secret',
        errorCode: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      },
    ]);
    for (const value of result.values) {
      const secret = seed().find((s) => s.name === value.name)!;
      const current = secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
      expect([value.versionId, value.secretString, value.secretBinaryBase64]).toEqual([
        current.versionId,
        current.secretString,
        current.secretBinaryBase64,
      ]);
      expect(value.createdDate?.getTime()).toBe(current.createdMs);
    }
  });

  it('rejects 21 ids (the emulator with InvalidParameterException; the client before calling)', async () => {
    const ids = active()
      .slice(0, 21)
      .map((s) => s.name);
    const error = await awsError(client.sdk.send(new BatchGetSecretValueCommand({ SecretIdList: ids })));
    expect(error.name).toBe('InvalidParameterException');
    await expect(client.batchGetSecretValues(ids)).rejects.toThrow(RangeError);
    const both = await awsError(
      client.sdk.send(
        new BatchGetSecretValueCommand({
          SecretIdList: ids.slice(0, 1),
          Filters: [{ Key: 'name', Values: ['prod/'] }],
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
  });

  it('pages through Filters with MaxResults and NextToken', async () => {
    const filters = [{ Key: 'name' as const, Values: ['prod/'] }];
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.sdk.send(
        new BatchGetSecretValueCommand({ Filters: filters, MaxResults: 3, NextToken: token }),
      );
      expect(page.SecretValues!.length).toBeLessThanOrEqual(3);
      names.push(...page.SecretValues!.map((v) => v.Name!));
      token = page.NextToken;
    } while (token);
    expect(names).toEqual(
      byCreation(active())
        .filter((s) => s.name.startsWith('prod/'))
        .map((s) => s.name),
    );
  });
});

describe('SigV4', () => {
  it('refuses a wrong secret key with InvalidSignatureException', async () => {
    const error = await awsError(clientWith({ ...KEYS, secretAccessKey: 'wrong-secret' }).listSecretsPage());
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
    expect(error.message).not.toContain(KEYS.secretAccessKey);
    expect(classify(readProviderError(error, readAwsError), AWS_SECRETS_MANAGER_ERROR_CODES)).toBe(
      'UPSTREAM_AUTH_FAILED',
    );
  });

  it('refuses an unknown access key id with UnrecognizedClientException', async () => {
    const error = await awsError(
      clientWith({ ...KEYS, accessKeyId: 'AKIAUNKNOWN000000000' }).describeSecret('prod/db/password'),
    );
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.message).toBe('The security token included in the request is invalid.');
  });

  it('accepts temporary credentials only with their own unexpired session token', async () => {
    const temporary = started.emulator.issueTemporaryCredentials(600);
    expect((await clientWith(temporary).listSecretsPage({ maxResults: 1 })).secrets).toHaveLength(1);
    const withoutToken = await awsError(
      clientWith({ accessKeyId: temporary.accessKeyId, secretAccessKey: temporary.secretAccessKey }).listSecretsPage(),
    );
    expect(withoutToken.name).toBe('UnrecognizedClientException');
    const otherToken = started.emulator.issueTemporaryCredentials(600).sessionToken;
    expect((await awsError(clientWith({ ...temporary, sessionToken: otherToken }).listSecretsPage())).name).toBe(
      'UnrecognizedClientException',
    );
    const expired = started.emulator.issueTemporaryCredentials(0);
    expect((await awsError(clientWith(expired).listSecretsPage())).name).toBe('ExpiredTokenException');
    expect((await awsError(clientWith({ ...KEYS, sessionToken: temporary.sessionToken }).listSecretsPage())).name).toBe(
      'UnrecognizedClientException',
    );
  });

  /**
   * A request signed by the SDK's signer at `date`, sent over HTTP with `sentBody` (default: the
   * signed one); `payloadHashHeader` false leaves out x-amz-content-sha256, so that only the
   * recomputed body hash can catch a change.
   */
  async function signedFetch(
    body: string,
    date: Date,
    { sentBody = body, payloadHashHeader = true }: { sentBody?: string; payloadHashHeader?: boolean } = {},
  ): Promise<{ status: number; headers: Headers; body: Record<string, any> }> {
    const url = new URL(started.url);
    const signer = new SignatureV4({
      credentials: KEYS,
      region: REGION,
      service: 'secretsmanager',
      sha256: NodeSha256,
      applyChecksum: payloadHashHeader,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.ListSecrets',
        },
        body,
      },
      { signingDate: date },
    );
    const response = await fetch(started.url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: sentBody,
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  }

  it('accepts a hand-signed request, and refuses one signed 10 minutes ago as expired', async () => {
    // The wire shape too: JSON 1.1, epoch-second numbers, a request id.
    const fresh = await signedFetch('{"MaxResults":1}', new Date());
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(fresh.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof fresh.body.SecretList[0].CreatedDate).toBe('number');
    expect(fresh.body.SecretList[0].CreatedDate * 1000).toBe(byCreation(active())[0].createdMs);

    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const { status, body } = await signedFetch('{"MaxResults":1}', tenMinutesAgo);
    expect(status).toBe(400);
    expect(body.__type).toBe('InvalidSignatureException');
    expect(body.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });

  it('refuses a request signed 10 minutes ahead as not yet current', async () => {
    const { body } = await signedFetch('{"MaxResults":1}', new Date(Date.now() + 10 * 60_000));
    expect(body.__type).toBe('InvalidSignatureException');
    expect(body.message).toMatch(/^Signature not yet current: /);
  });

  it('refuses a body changed after signing, with or without a signed x-amz-content-sha256', async () => {
    for (const payloadHashHeader of [true, false]) {
      expect((await signedFetch('{"MaxResults":1}', new Date(), { payloadHashHeader })).status).toBe(200);
      const { status, body } = await signedFetch('{"MaxResults":1}', new Date(), {
        sentBody: '{"MaxResults":2}',
        payloadHashHeader,
      });
      expect(status).toBe(400);
      expect(body.__type).toBe('InvalidSignatureException');
    }
  });

  it('refuses a credential scoped to another region', async () => {
    const other = createAwsSecretsManagerClient({ region: 'eu-west-1', endpoint: started.url, credentials: KEYS });
    clients.push(other);
    const error = await awsError(other.listSecretsPage());
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^Credential should be scoped to a valid region/);
  });
});

describe('faults', () => {
  it('answers the throttling fault with ThrottlingException, surfaced by the SDK after one attempt', async () => {
    started.server.setFaults({ throttleRate: 1 });
    const before = started.server.calls('ListSecrets');
    const error = await awsError(client.listSecretsPage());
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$metadata.attempts).toBe(1);
    expect(started.server.calls('ListSecrets') - before).toBe(1);
    expect(classify(readProviderError(error, readAwsError), AWS_SECRETS_MANAGER_ERROR_CODES)).toBe(
      'UPSTREAM_THROTTLED',
    );
  });

  it('answers the server-error fault with InternalServiceError (500)', async () => {
    started.server.setFaults({ serverErrorRate: 1 });
    const error = await awsError(client.describeSecret('prod/db/password'));
    expect(error.name).toBe('InternalServiceError');
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(classify(readProviderError(error, readAwsError), AWS_SECRETS_MANAGER_ERROR_CODES)).toBe(
      'UPSTREAM_UNAVAILABLE',
    );
  });

  it('answers forced errors per operation, then recovers', async () => {
    started.emulator.failNext('ThrottlingException', { operation: 'DescribeSecret', times: 2 });
    expect((await client.listSecretsPage({ maxResults: 1 })).secrets).toHaveLength(1);
    for (let i = 0; i < 2; i++)
      expect((await awsError(client.describeSecret('prod/db/password'))).name).toBe('ThrottlingException');
    expect((await client.describeSecret('prod/db/password')).name).toBe('prod/db/password');
  });
});

describe('client', () => {
  it("uses the SDK's default provider chain when no keys are configured (here: the environment)", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', KEYS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', KEYS.secretAccessKey);
    const fromChain = createAwsSecretsManagerClient({ region: REGION, endpoint: started.url });
    clients.push(fromChain);
    expect((await fromChain.listSecretsPage({ maxResults: 1 })).secrets).toHaveLength(1);
  });

  it('fails below HTTP in ways the gateway classifies: hung socket, refused port, HTML 502', async () => {
    const failureOf = async (call: Promise<unknown>) =>
      classify(
        readProviderError(
          await call.then(
            () => null,
            (e: unknown) => e,
          ),
          readAwsError,
        ),
        AWS_SECRETS_MANAGER_ERROR_CODES,
      );
    const impatient = createAwsSecretsManagerClient({
      region: REGION,
      endpoint: started.url,
      credentials: KEYS,
      requestTimeoutMs: 300,
    });
    const nowhere = createAwsSecretsManagerClient({
      region: REGION,
      endpoint: 'http://127.0.0.1:1',
      credentials: KEYS,
    });
    clients.push(impatient, nowhere);
    started.server.setFaults({ hang: true });
    expect(await failureOf(impatient.listSecretsPage())).toBe('UPSTREAM_TIMEOUT');
    started.server.setFaults({ hang: false, malformed: 'html-502' });
    expect(await failureOf(client.listSecretsPage())).toBe('UPSTREAM_BAD_RESPONSE');
    expect(await failureOf(nowhere.listSecretsPage())).toBe('UPSTREAM_UNAVAILABLE');
  });
});
