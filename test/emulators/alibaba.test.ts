import { request as httpRequest } from 'node:http';
import PopCore from '@alicloud/pop-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorServer, type EmulatorRequest } from '../../src/emulators/core.js';
import { EMULATOR_CREDENTIALS } from '../../src/emulators/credentials.js';
import {
  SAE_BIG_SECRET_ID,
  generateApigSeed,
  generateKmsSeed,
  generateSaeSeed,
  type ApigSecretSeed,
  type KmsSecretSeed,
} from '../../src/providers/alibaba/emulator-data.js';
import {
  NonceStore,
  rpcEncode,
  verifyRoaRequest,
  verifyRpcRequest,
} from '../../src/providers/alibaba/emulator-signature.js';
import { toJson, type AlibabaEmulator } from '../../src/providers/alibaba/emulator-common.js';
import { createSaeEmulator, SAE_ERRORS } from '../../src/providers/alibaba-sae/emulator.js';
import { APIG_ERRORS, createApigEmulator } from '../../src/providers/alibaba-apig/emulator.js';
import { createKmsEmulator, KMS_ERRORS } from '../../src/providers/alibaba-kms/emulator.js';

// ---------------------------------------------------------------------------------------------
// pop-core typing: the package types only RPCClient; ROAClient and error fields are described here.
// ---------------------------------------------------------------------------------------------

interface ClientConfig {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
}
interface RoaClient {
  get(
    path: string,
    query?: Record<string, string | number>,
    headers?: Record<string, string>,
    opts?: object,
  ): Promise<unknown>;
}
// Parsed wire bodies, probed field by field in assertions; `any` keeps those probes readable.
type Json = Record<string, any>;
interface RoaError extends Error {
  code: string;
  statusCode: number;
  result: Json;
}
interface RpcError extends Error {
  code: string;
  data: Json;
  entry: { response: { statusCode: number } };
}

const ROAClient = (PopCore as unknown as { ROAClient: new (config: ClientConfig) => RoaClient }).ROAClient;
const RPCClient = PopCore as unknown as new (
  config: ClientConfig,
  verbose?: boolean,
) => { request(action: string, params?: object, opts?: object): Promise<unknown> };

const { accessKeyId, accessKeySecret } = EMULATOR_CREDENTIALS.alibaba;

/** Parsed pop-core bodies have null prototypes and BigNumbers; this gives plain JSON values. */
function plain<T = Json>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function rejection<E>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the call to fail');
}

function roa(
  endpoint: string,
  apiVersion: string,
  secret: string = accessKeySecret,
  ak: string = accessKeyId,
): RoaClient {
  return new ROAClient({ endpoint, apiVersion, accessKeyId: ak, accessKeySecret: secret });
}

function rpc(endpoint: string, secret: string = accessKeySecret, ak: string = accessKeyId, verbose = false) {
  return new RPCClient({ endpoint, apiVersion: '2016-01-20', accessKeyId: ak, accessKeySecret: secret }, verbose);
}

/** Wraps a provider so that the test can see (and replay) the last request it handled. */
function capturing<T extends AlibabaEmulator>(provider: T): T & { last: EmulatorRequest | null } {
  const wrapped = provider as T & { last: EmulatorRequest | null };
  const handle = provider.handle.bind(provider);
  wrapped.last = null;
  wrapped.handle = (req, operation) => {
    wrapped.last = req;
    return handle(req, operation);
  };
  return wrapped;
}

/** Sends a captured request again, byte for byte, over plain HTTP. */
function replay(url: string, req: EmulatorRequest): Promise<{ status: number; body: Json }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path + (req.rawQuery ? `?${req.rawQuery}` : ''),
        headers: req.headers,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const saeSeed = generateSaeSeed();
const apigSeed = generateApigSeed();
const kmsSeed = generateKmsSeed();

const sae = capturing(createSaeEmulator(saeSeed));
const apig = createApigEmulator(apigSeed);
const kms = createKmsEmulator(kmsSeed);
const saeServer = new EmulatorServer(sae);
const apigServer = new EmulatorServer(apig);
const kmsServer = new EmulatorServer(kms);
// Variants for options that change answers.
const apigNumericServer = new EmulatorServer(createApigEmulator(apigSeed, { successCode: 200, timestampUnit: 's' }));
const apigStringCodeServer = new EmulatorServer(createApigEmulator(apigSeed, { successCode: '200' }));
// Server clocks ahead of the client: SAE by 20 min (ROA window 15 min), KMS by 40 min (RPC window 31 min).
const skewedSaeServer = new EmulatorServer(createSaeEmulator(saeSeed, { now: () => Date.now() + 20 * 60_000 }));
const skewedKmsServer = new EmulatorServer(createKmsEmulator(kmsSeed, { now: () => Date.now() + 40 * 60_000 }));
const servers = [
  saeServer,
  apigServer,
  kmsServer,
  apigNumericServer,
  apigStringCodeServer,
  skewedSaeServer,
  skewedKmsServer,
];

beforeAll(async () => {
  await Promise.all(servers.map((server) => server.start(0)));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});
afterEach(() => {
  for (const server of servers) server.setFaults({ throttleRate: 0, serverErrorRate: 0, latencyMs: 0 });
  for (const provider of [sae, apig, kms]) provider.clearForcedErrors();
});

// ---------------------------------------------------------------------------------------------

describe('seed data', () => {
  it('is deterministic and sized as specified at scale 1', () => {
    expect(toJson(generateSaeSeed())).toBe(toJson(saeSeed));
    const perNamespace = new Map<string, number>();
    for (const secret of saeSeed.secrets)
      perNamespace.set(secret.NamespaceId, (perNamespace.get(secret.NamespaceId) ?? 0) + 1);
    expect(perNamespace.get('cn-hangzhou')).toBeGreaterThanOrEqual(260);
    for (const id of ['cn-hangzhou:prod', 'cn-hangzhou:staging', 'cn-hangzhou:dev']) {
      expect(perNamespace.get(id)).toBeGreaterThanOrEqual(40);
      expect(perNamespace.get(id)).toBeLessThanOrEqual(120);
    }
    expect(new Set(saeSeed.secrets.map((secret) => String(secret.SecretId))).size).toBe(saeSeed.secrets.length);
    expect(saeSeed.secrets.filter((secret) => typeof secret.SecretId === 'bigint')).toHaveLength(1);
    expect(apigSeed.secrets.length).toBeGreaterThanOrEqual(300);
    expect(kmsSeed.secrets.length).toBeGreaterThanOrEqual(320);
    expect(new Set(kmsSeed.secrets.map((secret) => secret.SecretName)).size).toBe(kmsSeed.secrets.length);
    expect(generateKmsSeed({ scale: 3 }).secrets.length).toBe(kmsSeed.secrets.length * 3);
  });

  it('writes bigint ids as bare JSON integers', () => {
    expect(toJson({ a: 1n << 60n, b: [undefined, 'x'], c: undefined })).toBe(
      '{"a":1152921504606846976,"b":[null,"x"]}',
    );
  });
});

describe('signature verifiers (direct)', () => {
  const secrets = new Map([[accessKeyId, accessKeySecret]]);
  const base: EmulatorRequest = {
    method: 'GET',
    path: '/',
    rawQuery: '',
    query: new URLSearchParams(),
    headers: {},
    body: '',
  };

  it('RPC: reports a missing signature and missing parameters', () => {
    expect(verifyRpcRequest({ ...base, rawQuery: 'Action=ListSecrets' }, secrets)).toMatchObject({
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
    });
    expect(verifyRpcRequest({ ...base, rawQuery: 'Action=ListSecrets&Signature=x' }, secrets)).toMatchObject({
      ok: false,
      status: 400,
      code: 'MissingParameter',
    });
  });

  it('RPC: encodes like pop-core', () => {
    expect(rpcEncode("a b!'()*~/+=")).toBe('a%20b%21%27%28%29%2A~%2F%2B%3D');
  });

  it('ROA: reports a missing or malformed Authorization header', () => {
    expect(verifyRoaRequest(base, secrets)).toMatchObject({ ok: false, status: 400, code: 'MissingAuthorization' });
    expect(verifyRoaRequest({ ...base, headers: { authorization: 'Bearer abc' } }, secrets)).toMatchObject({
      ok: false,
      code: 'IncompleteSignature',
    });
  });

  it('nonce store forgets nonces once the window has passed', () => {
    const store = new NonceStore(1000);
    expect(store.use('ak', 'n1', 0)).toBe(true);
    expect(store.use('ak', 'n1', 500)).toBe(false);
    expect(store.use('other', 'n1', 500)).toBe(true);
    expect(store.use('ak', 'n1', 2000)).toBe(true);
  });

  it('nonce store holds at most its limit, the oldest going first', () => {
    const store = new NonceStore(60_000, 3);
    for (const nonce of ['n1', 'n2', 'n3', 'n4']) expect(store.use('ak', nonce, 0)).toBe(true);
    expect(store.size).toBe(3);
    expect(store.use('ak', 'n4', 1)).toBe(false);
    // n1 was let go for n4: within the window, but past the limit.
    expect(store.use('ak', 'n1', 1)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('SAE emulator with pop-core ROAClient', () => {
  const client = () => roa(saeServer.url, '2019-05-06');
  const defaultSecrets = saeSeed.secrets.filter((secret) => secret.NamespaceId === 'cn-hangzhou');

  it('lists the whole default namespace in one unpaged answer, in seed order', async () => {
    const body = plain(await client().get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }));
    expect(body).toMatchObject({ Code: '200', Message: 'success', Success: true });
    expect(body.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(typeof body.TraceId).toBe('string');
    expect(body.Data.Secrets).toHaveLength(defaultSecrets.length);
    expect(body.Data.Secrets.map((secret: Json) => String(secret.SecretId))).toEqual(
      defaultSecrets.map((secret) => String(secret.SecretId)),
    );
    const first = body.Data.Secrets[0];
    expect(Object.keys(first).sort()).toEqual([
      'CreateTime',
      'NamespaceId',
      'RelateApps',
      'SecretId',
      'SecretName',
      'SecretType',
      'UpdateTime',
    ]);
    expect(Number.isInteger(first.CreateTime) && first.CreateTime > 1.6e12).toBe(true);
  });

  it('returns the id beyond 2^53 as a bare integer, which json-bigint turns into a BigNumber', async () => {
    const body = (await client().get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' })) as Json;
    const big = (body.Data.Secrets as Json[]).find(
      (secret) => String(secret.SecretId) === SAE_BIG_SECRET_ID.toString(),
    );
    expect(big).toBeDefined();
    expect(typeof big!.SecretId).toBe('object'); // BigNumber, not a rounded double
  });

  it('lists a custom namespace (":" in the signed query value stays raw)', async () => {
    const body = plain(await client().get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou:prod' }));
    expect(body.Data.Secrets.length).toBe(
      saeSeed.secrets.filter((secret) => secret.NamespaceId === 'cn-hangzhou:prod').length,
    );
  });

  it('rejects an unknown or missing namespace with the documented codes', async () => {
    const unknown = await rejection<RoaError>(
      client().get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou:nope' }),
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.code).toBe('InvalidNamespaceId.NotFound');
    expect(unknown.result).toMatchObject({
      HostId: 'sae.cn-hangzhou.aliyuncs.com',
      ErrorCode: 'InvalidNamespaceId.NotFound',
      Success: false,
    });
    expect(unknown.result.Recommend).toContain('InvalidNamespaceId.NotFound');

    const missing = await rejection<RoaError>(client().get('/pop/v1/sam/secret/secrets', {}));
    expect([missing.statusCode, missing.code]).toEqual([400, 'InvalidParameter.NotEmpty']);
  });

  it('describes a secret with its base64 SecretData', async () => {
    const seed = defaultSecrets.find((secret) => secret.SecretType === 'kubernetes.io/dockerconfigjson')!;
    const body = plain(
      await client().get('/pop/v1/sam/secret/secret', { NamespaceId: 'cn-hangzhou', SecretId: String(seed.SecretId) }),
    );
    expect(body.Data).toMatchObject({
      SecretName: seed.SecretName,
      SecretType: seed.SecretType,
      SecretData: seed.SecretData,
    });
    const config = JSON.parse(
      Buffer.from(body.Data.SecretData['.dockerconfigjson'], 'base64').toString('utf8'),
    ) as Json;
    expect(Object.keys(config.auths)).toHaveLength(1);
  });

  it('describes the big-id secret by its exact decimal id, and not its rounded neighbour', async () => {
    const body = (await client().get('/pop/v1/sam/secret/secret', {
      NamespaceId: 'cn-hangzhou',
      SecretId: SAE_BIG_SECRET_ID.toString(),
    })) as Json;
    expect(String(body.Data.SecretId)).toBe('9007199254740993');
    const rounded = await rejection<RoaError>(
      client().get('/pop/v1/sam/secret/secret', { NamespaceId: 'cn-hangzhou', SecretId: '9007199254740992' }),
    );
    expect([rounded.statusCode, rounded.code]).toEqual([400, 'InvalidSecretId.NotFound']);
  });

  it('rejects a malformed or unknown SecretId with the documented codes', async () => {
    const bad = await rejection<RoaError>(
      client().get('/pop/v1/sam/secret/secret', { NamespaceId: 'cn-hangzhou', SecretId: 'abc' }),
    );
    expect([bad.statusCode, bad.code]).toEqual([400, 'InvalidParameter.Obviously']);
    const unknown = await rejection<RoaError>(
      client().get('/pop/v1/sam/secret/secret', { NamespaceId: 'cn-hangzhou', SecretId: '1' }),
    );
    expect([unknown.statusCode, unknown.code]).toEqual([400, 'InvalidSecretId.NotFound']);
    expect(unknown.result.Message).toBe('The specified SecretId [1] does not exist in our records.');
  });

  it('lists namespaces as an array, custom ones only on request', async () => {
    const all = plain(await client().get('/pop/v1/sam/namespace/describeNamespaceList', { ContainCustom: 'true' }));
    expect(Array.isArray(all.Data)).toBe(true);
    expect(all.Data.map((ns: Json) => ns.NamespaceId)).toEqual([
      'cn-hangzhou',
      'cn-hangzhou:prod',
      'cn-hangzhou:staging',
      'cn-hangzhou:dev',
    ]);
    expect(Object.keys(all.Data[1]).sort()).toEqual(
      [
        'AgentInstall',
        'Current',
        'Custom',
        'HybridCloudEnable',
        'NameSpaceShortId',
        'NamespaceId',
        'NamespaceName',
        'RegionId',
        'SecurityGroupId',
        'VSwitchId',
        'VpcId',
      ].sort(),
    );
    const defaultOnly = plain(
      await client().get('/pop/v1/sam/namespace/describeNamespaceList', { ContainCustom: 'false' }),
    );
    expect(defaultOnly.Data.map((ns: Json) => ns.NamespaceId)).toEqual(['cn-hangzhou']);
  });

  it('rejects a wrong secret, an unknown AccessKeyId and a wrong API version', async () => {
    const wrong = await rejection<RoaError>(
      roa(saeServer.url, '2019-05-06', 'not-the-secret').get('/pop/v1/sam/secret/secrets', {
        NamespaceId: 'cn-hangzhou',
      }),
    );
    expect([wrong.statusCode, wrong.code, wrong.result.Message]).toEqual([
      400,
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation.',
    ]);
    const unknown = await rejection<RoaError>(
      roa(saeServer.url, '2019-05-06', accessKeySecret, 'LTAI5tUNKNOWN').get('/pop/v1/sam/secret/secrets', {
        NamespaceId: 'cn-hangzhou',
      }),
    );
    expect([unknown.statusCode, unknown.code]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
    const version = await rejection<RoaError>(
      roa(saeServer.url, '2017-01-01').get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }),
    );
    expect([version.statusCode, version.code]).toEqual([400, 'InvalidVersion']);
  });

  it('rejects a replayed request (same nonce) and a date outside the 15-minute window', async () => {
    await client().get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou:dev' });
    const again = await replay(saeServer.url, sae.last!);
    expect([again.status, again.body.Code]).toEqual([400, 'SignatureNonceUsed']);

    const skewed = await rejection<RoaError>(
      roa(skewedSaeServer.url, '2019-05-06').get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }),
    );
    expect([skewed.statusCode, skewed.code]).toEqual([400, 'IllegalTimestamp']);
  });

  it('answers an unknown route with a POP 404', async () => {
    const error = await rejection<RoaError>(client().get('/pop/v1/sam/secret/nothing', {}));
    expect([error.statusCode, error.code]).toEqual([404, 'InvalidAction.NotFound']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('APIG emulator with pop-core ROAClient', () => {
  const client = (url = apigServer.url) => roa(url, '2024-03-27');

  it('pages through every secret exactly once, in seed order', async () => {
    const seen: string[] = [];
    let total = -1;
    for (let page = 1; ; page++) {
      const body = plain(await client().get('/v1/secrets', { pageNumber: page, pageSize: 37 }));
      expect(body).toMatchObject({ code: 'Ok', message: 'success' });
      expect(body.data).toMatchObject({ pageNumber: page, pageSize: 37 });
      total = body.data.totalSize;
      seen.push(...body.data.items.map((item: Json) => item.secretId as string));
      if (body.data.items.length < 37) break;
    }
    expect(total).toBe(apigSeed.secrets.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(apigSeed.secrets.map((secret) => secret.secretId));
  });

  it('defaults to page 1 of 10 and returns documented item fields', async () => {
    const body = plain(await client().get('/v1/secrets', {}));
    expect(body.data).toMatchObject({ pageNumber: 1, pageSize: 10, totalSize: apigSeed.secrets.length });
    expect(body.data.items).toHaveLength(10);
    const seed = apigSeed.secrets[0];
    expect(body.data.items[0]).toEqual({ ...seed });
    expect(body.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('returns an empty page past the end', async () => {
    const body = plain(await client().get('/v1/secrets', { pageNumber: 1000, pageSize: 100 }));
    expect(body.data.items).toEqual([]);
    expect(body.data.totalSize).toBe(apigSeed.secrets.length);
  });

  it.each([['0'], ['101'], ['abc'], ['1.5'], ['-3']])(
    'rejects pageSize=%s with a lowerCamel InvalidParameter',
    async (pageSize) => {
      const error = await rejection<RoaError>(client().get('/v1/secrets', { pageSize }));
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe(''); // pop-core reads only Code/errorCode
      expect(error.result).toMatchObject({ code: 'InvalidParameter' });
      expect(typeof error.result.requestId).toBe('string');
    },
  );

  it('accepts the page size bounds 1 and 100 and rejects pageNumber 0', async () => {
    expect(plain(await client().get('/v1/secrets', { pageSize: 1 })).data.items).toHaveLength(1);
    expect(plain(await client().get('/v1/secrets', { pageSize: 100 })).data.items).toHaveLength(100);
    const error = await rejection<RoaError>(client().get('/v1/secrets', { pageNumber: 0 }));
    expect([error.statusCode, error.result.code]).toEqual([400, 'InvalidParameter']);
  });

  it('filters by nameLike (case-insensitive substring) and gatewayType', async () => {
    const expected = apigSeed.secrets.filter(
      (secret) => secret.name.toLowerCase().includes('oauth') && secret.gatewayType === 'API',
    );
    expect(expected.length).toBeGreaterThan(0);
    const body = plain(await client().get('/v1/secrets', { nameLike: 'OAuth', gatewayType: 'API', pageSize: 100 }));
    expect(body.data.totalSize).toBe(expected.length);
    expect(body.data.items.map((item: Json) => item.secretId)).toEqual(
      expected.slice(0, 100).map((secret) => secret.secretId),
    );

    const ai = plain(await client().get('/v1/secrets', { gatewayType: 'AI', pageSize: 100 }));
    expect(ai.data.totalSize).toBe(apigSeed.secrets.filter((secret) => secret.gatewayType === 'AI').length);
    expect(ai.data.items.every((item: Json) => item.gatewayType === 'AI')).toBe(true);

    const bad = await rejection<RoaError>(client().get('/v1/secrets', { gatewayType: 'WEB' }));
    expect([bad.statusCode, bad.result.code]).toEqual([400, 'InvalidParameter']);
  });

  it('gets one secret by id, and answers an unknown (percent-encoded) id with lowerCamel NotFound.Secret', async () => {
    const seed: ApigSecretSeed = apigSeed.secrets[42];
    const body = plain(await client().get(`/v1/secrets/${encodeURIComponent(seed.secretId)}`, {}));
    expect(body).toMatchObject({ code: 'Ok', data: { secretId: seed.secretId, name: seed.name } });

    const error = await rejection<RoaError>(client().get(`/v1/secrets/${encodeURIComponent('no such/secret')}`, {}));
    expect(error.statusCode).toBe(404);
    expect(error.result).toMatchObject({ code: 'NotFound.Secret' });
    expect(error.result.message).toContain('no such/secret');
  });

  it('can answer with code 200 (number or string) and timestamps in seconds', async () => {
    const numeric = plain(await client(apigNumericServer.url).get('/v1/secrets', { pageSize: 1 }));
    expect(numeric.code).toBe(200);
    expect(numeric.data.items[0].createTimestamp).toBe(Math.floor(apigSeed.secrets[0].createTimestamp / 1000));
    const text = plain(await client(apigStringCodeServer.url).get('/v1/secrets', { pageSize: 1 }));
    expect(text.code).toBe('200');
    expect(text.data.items[0].createTimestamp).toBe(apigSeed.secrets[0].createTimestamp);
  });

  it('rejects a wrong secret with the POP body', async () => {
    const error = await rejection<RoaError>(roa(apigServer.url, '2024-03-27', 'nope').get('/v1/secrets', {}));
    expect([error.statusCode, error.code]).toEqual([400, 'SignatureDoesNotMatch']);
    expect(error.result.HostId).toBe('apig.cn-hangzhou.aliyuncs.com');
  });
});

// ---------------------------------------------------------------------------------------------

describe('KMS emulator with pop-core RPCClient', () => {
  const client = () => rpc(kmsServer.url);
  const isoSeconds = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

  it('lists the first page by default, without tags', async () => {
    const body = plain(await client().request('ListSecrets', {}));
    expect(body).toMatchObject({ PageNumber: 1, PageSize: 10, TotalCount: kmsSeed.secrets.length });
    const secrets = body.SecretList.Secret as Json[];
    expect(secrets.map((secret) => secret.SecretName)).toEqual(
      kmsSeed.secrets.slice(0, 10).map((secret) => secret.SecretName),
    );
    for (const secret of secrets) {
      expect(secret.CreateTime).toMatch(isoSeconds);
      expect(secret.UpdateTime).toMatch(isoSeconds);
      expect(secret).not.toHaveProperty('Tags');
      expect(typeof secret.OwingService).toBe('string');
    }
  });

  it('pages through every secret, and includes tags with FetchTags=true', async () => {
    const names: string[] = [];
    for (let page = 1; ; page++) {
      const body = plain(await client().request('ListSecrets', { PageNumber: page, PageSize: 100, FetchTags: 'true' }));
      for (const secret of body.SecretList.Secret as Json[]) {
        const seed = kmsSeed.secrets.find((candidate) => candidate.SecretName === secret.SecretName)!;
        expect(secret.Tags).toEqual({ Tag: seed.Tags });
        expect(secret.PlannedDeleteTime !== undefined).toBe(seed.PlannedDeleteTime !== null);
        names.push(secret.SecretName as string);
      }
      if (page * 100 >= body.TotalCount) break;
    }
    expect(names).toEqual(kmsSeed.secrets.map((secret) => secret.SecretName));
  });

  it('accepts a POST form body', async () => {
    const body = plain(await client().request('ListSecrets', { PageSize: 5, FetchTags: 'false' }, { method: 'POST' }));
    expect(body.SecretList.Secret).toHaveLength(5);
    expect(body.SecretList.Secret[0]).not.toHaveProperty('Tags');
  });

  it.each([[0], [101], ['x']])('rejects PageSize=%s with InvalidParameter 400', async (PageSize) => {
    const error = await rejection<RpcError>(client().request('ListSecrets', { PageSize }));
    expect(error.code).toBe('InvalidParameter');
    expect(error.entry.response.statusCode).toBe(400);
    expect(error.data).toMatchObject({
      HttpStatus: 400,
      Code: 'InvalidParameter',
      HostId: 'kms.cn-hangzhou.aliyuncs.com',
    });
    expect(error.data.Message).toContain('PageSize');
  });

  it('applies Filters: OR within a key, AND across keys', async () => {
    const [a, b] = [kmsSeed.secrets[3], kmsSeed.secrets[200]];
    const byName = plain(
      await client().request('ListSecrets', {
        Filters: JSON.stringify([{ Key: 'SecretName', Values: [a.SecretName, b.SecretName, 'missing'] }]),
      }),
    );
    expect(byName.TotalCount).toBe(2);
    expect(byName.SecretList.Secret.map((secret: Json) => secret.SecretName)).toEqual([a.SecretName, b.SecretName]);

    const wanted = (secret: KmsSecretSeed) =>
      ['Rds', 'PolarDB'].includes(secret.SecretType) && secret.Tags.some((tag) => tag.TagKey === 'env');
    const combined = plain(
      await client().request('ListSecrets', {
        PageSize: 100,
        Filters: JSON.stringify([
          { Key: 'SecretType', Values: ['Rds', 'PolarDB'] },
          { Key: 'TagKey', Values: ['env'] },
        ]),
      }),
    );
    expect(combined.TotalCount).toBe(kmsSeed.secrets.filter(wanted).length);
    expect(combined.TotalCount).toBeGreaterThan(0);
  });

  it.each([
    ['malformed JSON', '[{"Key":"SecretName"'],
    ['an unknown key', JSON.stringify([{ Key: 'Owner', Values: ['x'] }])],
    [
      'more than 10 pairs',
      JSON.stringify(Array.from({ length: 11 }, () => ({ Key: 'SecretType', Values: ['Generic'] }))),
    ],
    [
      'more than 10 values',
      JSON.stringify([{ Key: 'SecretName', Values: Array.from({ length: 11 }, (_, i) => `s${i}`) }]),
    ],
  ])('rejects Filters with %s', async (_label, Filters) => {
    const error = await rejection<RpcError>(client().request('ListSecrets', { Filters }));
    expect([error.code, error.entry.response.statusCode]).toEqual(['InvalidParameter', 400]);
  });

  it('describes a secret (name with / + @ characters included) with every documented field', async () => {
    const awkward = kmsSeed.secrets.find((secret) => /[+@]/.test(secret.SecretName))!;
    const body = plain(await client().request('DescribeSecret', { SecretName: awkward.SecretName, FetchTags: 'true' }));
    expect(body.SecretName).toBe(awkward.SecretName);
    expect(Object.keys(body).sort()).toEqual(
      [
        'RequestId',
        'SecretName',
        'Arn',
        'SecretType',
        'Description',
        'EncryptionKeyId',
        'CreateTime',
        'UpdateTime',
        'PlannedDeleteTime',
        'AutomaticRotation',
        'RotationInterval',
        'LastRotationDate',
        'NextRotationDate',
        'ExtendedConfig',
        'DKMSInstanceId',
        'OwingService',
        'Tags',
      ].sort(),
    );
    expect(body.Arn).toBe(`acs:kms:cn-hangzhou:1234567890123456:secret/${awkward.SecretName}`);

    const rotating = kmsSeed.secrets.find((secret) => secret.AutomaticRotation === 'Enabled')!;
    const rotated = plain(await client().request('DescribeSecret', { SecretName: rotating.SecretName }));
    expect(rotated).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: rotating.RotationInterval });
    expect(rotated.NextRotationDate).toMatch(isoSeconds);
    expect(rotated).not.toHaveProperty('Tags');
  });

  it('answers DescribeSecret for an unknown or missing name with the documented codes', async () => {
    const unknown = await rejection<RpcError>(client().request('DescribeSecret', { SecretName: 'does-not-exist' }));
    expect([unknown.code, unknown.entry.response.statusCode, unknown.data.Message]).toEqual([
      'Forbidden.ResourceNotFound',
      404,
      'Resource not found',
    ]);
    const missing = await rejection<RpcError>(client().request('DescribeSecret', {}));
    expect([missing.code, missing.entry.response.statusCode]).toEqual(['MissingSecretName', 400]);
  });

  it('returns secret values by stage', async () => {
    const rotating = kmsSeed.secrets.find((secret) => secret.Versions.length > 1)!;
    const current = plain(await client().request('GetSecretValue', { SecretName: rotating.SecretName }));
    expect(current).toMatchObject({
      SecretData: rotating.Versions[0].SecretData,
      VersionStages: { VersionStage: ['ACSCurrent'] },
      SecretDataType: 'text',
    });
    const previous = plain(
      await client().request('GetSecretValue', { SecretName: rotating.SecretName, VersionStage: 'ACSPrevious' }),
    );
    expect(previous.VersionId).toBe(rotating.Versions[1].VersionId);
    const generic = kmsSeed.secrets.find((secret) => secret.Versions.length === 1)!;
    const none = await rejection<RpcError>(
      client().request('GetSecretValue', { SecretName: generic.SecretName, VersionStage: 'ACSPrevious' }),
    );
    expect(none.code).toBe('Forbidden.ResourceNotFound');
  });

  it('rejects a wrong secret, an unknown AccessKeyId and an unknown action', async () => {
    const wrong = await rejection<RpcError>(rpc(kmsServer.url, 'nope').request('ListSecrets', {}));
    expect([wrong.code, wrong.entry.response.statusCode, wrong.data.Message]).toEqual([
      'SignatureDoesNotMatch',
      400,
      'Specified signature is not matched with our calculation.',
    ]);
    const unknown = await rejection<RpcError>(
      rpc(kmsServer.url, accessKeySecret, 'LTAI5tUNKNOWN').request('ListSecrets', {}),
    );
    expect([unknown.code, unknown.entry.response.statusCode]).toEqual(['InvalidAccessKeyId.NotFound', 404]);
    const action = await rejection<RpcError>(client().request('ListKeys', {}));
    expect([action.code, action.entry.response.statusCode]).toEqual(['InvalidAction.NotFound', 404]);
  });

  it('rejects a replayed URL (same SignatureNonce) and a Timestamp outside the 31-minute window', async () => {
    const [, entry] = (await rpc(kmsServer.url, accessKeySecret, accessKeyId, true).request('ListSecrets', {
      PageSize: 1,
    })) as [unknown, { url: string }];
    const again = await fetch(entry.url);
    expect(again.status).toBe(400);
    expect(((await again.json()) as Json).Code).toBe('SignatureNonceUsed');

    const skewed = await rejection<RpcError>(rpc(skewedKmsServer.url).request('ListSecrets', {}));
    expect([skewed.code, skewed.entry.response.statusCode]).toEqual(['IllegalTimestamp', 400]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('forced errors', () => {
  it('fails the next call only, then recovers', async () => {
    sae.failNext('InvalidParameter.WithMessage');
    const client = roa(saeServer.url, '2019-05-06');
    const error = await rejection<RoaError>(client.get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }));
    expect([error.statusCode, error.code]).toEqual([400, 'InvalidParameter.WithMessage']);
    await expect(client.get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' })).resolves.toBeDefined();
  });

  it('can target one operation and repeat', async () => {
    kms.failNext('Forbidden.NoPermission', { operation: 'DescribeSecret', times: 2 });
    const client = rpc(kmsServer.url);
    await expect(client.request('ListSecrets', {})).resolves.toBeDefined();
    for (let i = 0; i < 2; i++) {
      const error = await rejection<RpcError>(
        client.request('DescribeSecret', { SecretName: kmsSeed.secrets[0].SecretName }),
      );
      expect([error.code, error.entry.response.statusCode, error.data.HttpStatus]).toEqual([
        'Forbidden.NoPermission',
        403,
        403,
      ]);
    }
    await expect(
      client.request('DescribeSecret', { SecretName: kmsSeed.secrets[0].SecretName }),
    ).resolves.toBeDefined();
  });

  it('refuses an undocumented code unless given a status', () => {
    expect(() => kms.failNext('Made.Up')).toThrow(/unknown error code/);
    expect(() => kms.failNext('Made.Up', { status: 418 })).not.toThrow();
  });

  it.each(Object.entries(SAE_ERRORS))('SAE answers forced %s with its documented status', async (code, spec) => {
    sae.failNext(code);
    const error = await rejection<RoaError>(
      roa(saeServer.url, '2019-05-06').get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }),
    );
    expect([error.statusCode, error.code, error.result.ErrorCode, error.result.Success]).toEqual([
      spec.status,
      code,
      code,
      false,
    ]);
  });

  it.each(Object.entries(APIG_ERRORS))(
    'APIG answers forced %s with its documented status and body',
    async (code, spec) => {
      apig.failNext(code);
      const error = await rejection<RoaError>(roa(apigServer.url, '2024-03-27').get('/v1/secrets', {}));
      expect(error.statusCode).toBe(spec.status);
      if (spec.origin === 'pop') expect([error.code, error.result.Code]).toEqual([code, code]);
      else expect([error.code, error.result.code]).toEqual(['', code]);
    },
  );

  it.each(Object.entries(KMS_ERRORS))('KMS answers forced %s with its documented status', async (code, spec) => {
    kms.failNext(code);
    const error = await rejection<RpcError>(rpc(kmsServer.url).request('ListSecrets', {}));
    expect([error.code, error.entry.response.statusCode, error.data.HttpStatus]).toEqual([
      code,
      spec.status,
      spec.status,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('core.ts faults through the Alibaba emulators', () => {
  it("throttling uses each provider's own body and status", async () => {
    for (const server of [saeServer, apigServer, kmsServer]) server.setFaults({ throttleRate: 1 });

    const saeError = await rejection<RoaError>(
      roa(saeServer.url, '2019-05-06').get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }),
    );
    expect([saeError.statusCode, saeError.code, saeError.result.Message, saeError.result.HostId]).toEqual([
      400,
      'Throttling.User',
      'Request was denied due to user flow control.',
      'sae.cn-hangzhou.aliyuncs.com',
    ]);
    expect(saeError.message).toContain('code: 400, Request was denied due to user flow control.');

    const apigError = await rejection<RoaError>(roa(apigServer.url, '2024-03-27').get('/v1/secrets', {}));
    expect([apigError.statusCode, apigError.code, apigError.result.HostId]).toEqual([
      400,
      'Throttling.User',
      'apig.cn-hangzhou.aliyuncs.com',
    ]);

    const kmsError = await rejection<RpcError>(rpc(kmsServer.url).request('ListSecrets', {}));
    expect([kmsError.code, kmsError.entry.response.statusCode, kmsError.data.Message]).toEqual([
      'Rejected.Throttling',
      429,
      'QPS Limit Exceeded',
    ]);

    expect(saeServer.getStats().operations.ListSecrets.throttled).toBeGreaterThan(0);
  });

  it("server errors use each provider's own body", async () => {
    saeServer.setFaults({ serverErrorRate: 1 });
    kmsServer.setFaults({ serverErrorRate: 1 });
    const saeError = await rejection<RoaError>(
      roa(saeServer.url, '2019-05-06').get('/pop/v1/sam/secret/secrets', { NamespaceId: 'cn-hangzhou' }),
    );
    expect([saeError.statusCode, saeError.code]).toEqual([500, 'InternalError']);
    const kmsError = await rejection<RpcError>(rpc(kmsServer.url).request('ListSecrets', {}));
    expect([kmsError.code, kmsError.entry.response.statusCode]).toEqual(['InternalFailure', 500]);
  });

  it('latency delays answers and calls are counted per operation', async () => {
    kmsServer.resetStats();
    kmsServer.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await rpc(kmsServer.url).request('DescribeSecret', { SecretName: kmsSeed.secrets[1].SecretName });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(kmsServer.calls('DescribeSecret')).toBe(1);
    expect(kmsServer.getStats().operations.DescribeSecret.ok).toBe(1);
  });
});
