import { stringify } from 'node:querystring';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import { NO_FAULTS, sleep, type EmulatorRequest, type EmulatorServer } from '../../src/emulators/core.js';
import { EMULATOR_CREDENTIALS } from '../../src/emulators/credentials.js';
import {
  CSMS_ERRORS,
  startCsmsEmulator,
  type CsmsEmulator,
  type CsmsErrorCode,
} from '../../src/providers/huawei-csms/emulator.js';
import {
  CSMS_SECRET_NAME_PATTERN,
  CSMS_SECRET_STATES,
  CSMS_SECRET_TYPES,
  generateCsmsSeed,
} from '../../src/providers/huawei-csms/emulator-data.js';
import { verifyHuaweiAkSk } from '../../src/providers/huawei-csms/emulator-signature.js';
import {
  CsmsCallError,
  CsmsClient,
  InvalidCsmsNameError,
  type CsmsAuth,
  type CsmsClientConfig,
} from '../../src/providers/huawei-csms/client.js';

const HW = EMULATOR_CREDENTIALS.huawei;
const LIST_FIELDS = [
  'create_time',
  'description',
  'id',
  'kms_key_id',
  'name',
  'scheduled_delete_time',
  'state',
  'update_time',
];

type Started = { emulator: CsmsEmulator; server: EmulatorServer; url: string };
let main: Started;
const extra: Started[] = [];

async function startExtra(options: Parameters<typeof startCsmsEmulator>[0]): Promise<Started> {
  const started = await startCsmsEmulator(options);
  extra.push(started);
  return started;
}

beforeAll(async () => {
  main = await startCsmsEmulator();
});

afterAll(async () => {
  await main.server.stop();
  await Promise.all(extra.map((e) => e.server.stop()));
});

beforeEach(() => {
  main.emulator.clearForcedErrors();
  main.server.setFaults(NO_FAULTS);
  main.emulator.configure({ markerInclusive: false, timestampUnit: 'ms', tokenTtlSeconds: 86_400 });
});

function client(auth: CsmsAuth, overrides: Partial<CsmsClientConfig> = {}, target: Started = main): CsmsClient {
  return new CsmsClient({ endpoint: target.url, projectId: HW.projectId, timeoutMs: 5_000, auth, ...overrides });
}

const aksk = (overrides: Partial<{ ak: string; sk: string }> = {}): CsmsAuth => ({
  kind: 'aksk',
  ak: HW.ak,
  sk: HW.sk,
  ...overrides,
});
const password = (url: string, overrides: Partial<{ password: string }> = {}): CsmsAuth => ({
  kind: 'password',
  iamEndpoint: url,
  domainName: HW.domainName,
  userName: HW.userName,
  password: HW.password,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<CsmsCallError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CsmsCallError);
  return error as CsmsCallError;
}

function totalCalls(server: EmulatorServer): number {
  return Object.values(server.getStats().operations).reduce((sum, op) => sum + op.calls, 0);
}

/** Token straight from the emulator's IAM route, for static-token mode. */
async function iamToken(url: string): Promise<{ token: string; response: Response; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { domain: { name: HW.domainName }, name: HW.userName, password: HW.password } },
        },
        scope: { project: { id: HW.projectId } },
      },
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { token: response.headers.get('x-subject-token') ?? '', response, body };
}

/** Walks every page the way an adapter would: follow next_marker, de-duplicate by name. */
async function walk(c: CsmsClient, limit: number): Promise<{ names: string[]; rows: number; pages: number }> {
  const seen = new Set<string>();
  const names: string[] = [];
  let marker: string | undefined;
  let rows = 0;
  let pages = 0;
  for (;;) {
    const page = await c.listSecrets({ limit, marker });
    pages++;
    rows += page.secrets.length;
    for (const secret of page.secrets) {
      if (seen.has(secret.name)) continue;
      seen.add(secret.name);
      names.push(secret.name);
    }
    const next = page.page_info?.next_marker;
    if (!next || page.secrets.length === 0) break;
    if (next === marker) throw new Error(`no progress at marker ${next}`);
    marker = next;
    if (pages > 10_000) throw new Error('runaway pagination');
  }
  return { names, rows, pages };
}

describe('seed', () => {
  it('is deterministic, large enough, valid and sorted by name', () => {
    const seed = generateCsmsSeed({ scale: 1, seed: 7 });
    expect(generateCsmsSeed({ scale: 1, seed: 7 })).toEqual(seed);
    expect(seed.secrets.length).toBeGreaterThanOrEqual(300);
    const names = seed.secrets.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(CSMS_SECRET_NAME_PATTERN);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(seed.secrets.map((s) => s.state))).toEqual(new Set(CSMS_SECRET_STATES));
    expect(new Set(seed.secrets.map((s) => s.secretType))).toEqual(new Set(CSMS_SECRET_TYPES));
    for (const s of seed.secrets) {
      expect(s.scheduledDeleteTimeMs !== null).toBe(s.state === 'PENDING_DELETE');
      expect(s.versions.length).toBeGreaterThan(0);
      expect(s.kmsKeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(seed.secrets.some((s) => s.autoRotation && s.rotationPeriod)).toBe(true);
    // Tiny scales still carry every state and type.
    const tiny = generateCsmsSeed({ scale: 0.02 });
    expect(new Set(tiny.secrets.map((s) => s.state)).size).toBe(CSMS_SECRET_STATES.length);
  });
});

describe('signature verifier', () => {
  // Signs with core's own AKSKSigner, then checks the wire form the way the emulator sees it.
  function signed(query: Record<string, string>, sk: string = HW.sk, date?: string): EmulatorRequest {
    const path = `/v1/${HW.projectId}/secrets`;
    const credential = new BasicCredentials().withAk(HW.ak).withSk(sk).withProjectId(HW.projectId);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'X-Project-Id': HW.projectId };
    if (date) headers['X-Sdk-Date'] = date;
    const all = AKSKSigner.sign(
      { endpoint: `http://127.0.0.1:8443${path}`, method: 'GET', headers, queryParams: query },
      credential,
    ) as Record<string, string>;
    const rawQuery = stringify(query);
    return {
      method: 'GET',
      path,
      rawQuery,
      query: new URLSearchParams(rawQuery),
      headers: Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v])),
      body: '',
    };
  }
  const keys = new Map([[HW.ak, HW.sk]]);

  it("accepts the SDK's signature, including query characters querystring leaves unescaped", () => {
    expect(verifyHuaweiAkSk(signed({ limit: '7', marker: "it's(a)*!~ tést" }), keys)).toEqual({ ok: true, ak: HW.ak });
  });

  it('rejects a wrong secret key, a tampered query, and an unknown key', () => {
    expect(verifyHuaweiAkSk(signed({ limit: '7' }, 'wrong-sk'), keys)).toMatchObject({
      ok: false,
      status: 401,
      code: 'APIGW.0301',
    });
    const tampered = signed({ limit: '7' });
    expect(verifyHuaweiAkSk({ ...tampered, rawQuery: 'limit=8' }, keys)).toMatchObject({
      ok: false,
      code: 'APIGW.0301',
    });
    expect(verifyHuaweiAkSk(signed({}), new Map([['other', 'x']]))).toMatchObject({ ok: false, code: 'APIGW.0301' });
    const unsigned = { ...tampered, headers: { ...tampered.headers, authorization: undefined } };
    expect(verifyHuaweiAkSk(unsigned, keys)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Incorrect IAM authentication information: /),
    });
  });

  it('rejects an X-Sdk-Date more than 15 minutes away, saying it expired', () => {
    const req = signed({ limit: '1' });
    expect(verifyHuaweiAkSk(req, keys, { now: Date.now() + 14 * 60_000 }).ok).toBe(true);
    const late = verifyHuaweiAkSk(req, keys, { now: Date.now() + 16 * 60_000 });
    expect(late).toMatchObject({
      ok: false,
      status: 401,
      code: 'APIGW.0301',
      message: expect.stringMatching(/expired/),
    });
    const twentyMinutesAgo = new Date(Date.now() - 20 * 60_000).toISOString().replace(/[-:]|\.\d{3}/g, '');
    const old = signed({ limit: '1' }, HW.sk, twentyMinutesAgo);
    expect(verifyHuaweiAkSk(old, keys)).toMatchObject({ ok: false, message: expect.stringMatching(/expired/) });
  });
});

describe('CSMS over the real SDK core', () => {
  it('accepts AK/SK and returns only the documented list fields', async () => {
    const page = await client(aksk()).listSecrets({ limit: 5 });
    expect(page.secrets).toHaveLength(5);
    expect(page.page_info?.current_count).toBe(5);
    expect(page.page_info?.next_marker).toBe(page.secrets[4].name);
    for (const secret of page.secrets) expect(Object.keys(secret).sort()).toEqual(LIST_FIELDS);
    expect(page.secrets.map((s) => s.name)).toEqual(main.emulator.seed.secrets.slice(0, 5).map((s) => s.name));
  });

  it('accepts a temporary AK/SK: X-Security-Token is signed like any other header', async () => {
    const page = await client({
      kind: 'aksk',
      ak: HW.ak,
      sk: HW.sk,
      securityToken: 'temporary-security-token',
    }).listSecrets({ limit: 1 });
    expect(page.secrets).toHaveLength(1);
  });

  it('rejects a wrong SK with 401 APIGW.0301', async () => {
    const error = await failure(client(aksk({ sk: 'not-the-secret-key' })).listSecrets({ limit: 1 }));
    expect(error).toMatchObject({ kind: 'http', httpStatus: 401, errorCode: 'APIGW.0301', operation: 'ListSecrets' });
    expect(error.errorMessage).toMatch(/^Incorrect IAM authentication information/);
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('signs query values with characters that need strict re-encoding; an unknown marker is a position', async () => {
    const page = await client(aksk()).listSecrets({ limit: 3, marker: "m!x'(y)*" });
    const expected = main.emulator.seed.secrets.filter((s) => s.name > "m!x'(y)*").slice(0, 3);
    expect(page.secrets.map((s) => s.name)).toEqual(expected.map((s) => s.name));
  });

  it('answers a project that is not the credential project with 403 CSMS.0003', async () => {
    const error = await failure(
      client(aksk(), { projectId: 'ffffffffffffffffffffffffffffffff' }).listSecrets({ limit: 1 }),
    );
    expect(error).toMatchObject({ httpStatus: 403, errorCode: 'CSMS.0003' });
  });

  it('validates limit (1..200) with 400 CSMS.0002', async () => {
    for (const limit of [0, 201, 1.5]) {
      const error = await failure(client(aksk()).listSecrets({ limit }));
      expect(error).toMatchObject({ httpStatus: 400, errorCode: 'CSMS.0002' });
    }
    expect((await client(aksk()).listSecrets({})).secrets).toHaveLength(50);
  });

  it('filters by event_name', async () => {
    const expected = main.emulator.seed.secrets.filter((s) => s.eventSubscriptions.includes('secret-rotation-alerts'));
    expect(expected.length).toBeGreaterThan(0);
    const page = await client(aksk()).listSecrets({ limit: 200, eventName: 'secret-rotation-alerts' });
    expect(page.secrets.map((s) => s.name)).toEqual(expected.map((s) => s.name).slice(0, 200));
  });

  describe.each([false, true])('marker walk, markerInclusive=%s', (markerInclusive) => {
    it.each([1, 7, 100])('limit %i returns every secret exactly once after de-duplication', async (limit) => {
      main.emulator.configure({ markerInclusive });
      const { names, rows, pages } = await walk(client(aksk()), limit);
      expect(names).toEqual(main.emulator.seed.secrets.map((s) => s.name));
      // Inclusive mode really does repeat the marker row on every page after the first.
      expect(rows).toBe(names.length + (markerInclusive ? pages - 1 : 0));
    });
  });

  it('ShowSecret adds the full Secret object; times follow timestampUnit', async () => {
    const seeded = main.emulator.seed.secrets.find((s) => s.autoRotation && s.rotationConfig !== null)!;
    const { secret } = await client(aksk()).showSecret(seeded.name);
    expect(secret).toEqual({
      id: seeded.id,
      name: seeded.name,
      state: seeded.state,
      kms_key_id: seeded.kmsKeyId,
      description: seeded.description,
      create_time: seeded.createTimeMs,
      update_time: seeded.updateTimeMs,
      scheduled_delete_time: seeded.scheduledDeleteTimeMs,
      secret_type: seeded.secretType,
      auto_rotation: true,
      rotation_period: seeded.rotationPeriod,
      rotation_config: seeded.rotationConfig,
      rotation_time: seeded.rotationTimeMs,
      next_rotation_time: seeded.nextRotationTimeMs,
      event_subscriptions: seeded.eventSubscriptions,
      enterprise_project_id: seeded.enterpriseProjectId,
      rotation_func_urn: seeded.rotationFuncUrn,
    });
    const pending = main.emulator.seed.secrets.find((s) => s.state === 'PENDING_DELETE')!;
    main.emulator.configure({ timestampUnit: 's' });
    const shown = await client(aksk()).showSecret(pending.name);
    expect(shown.secret.create_time).toBe(Math.floor(pending.createTimeMs / 1000));
    expect(shown.secret.scheduled_delete_time).toBe(Math.floor(pending.scheduledDeleteTimeMs! / 1000));
  });

  it('ShowSecretVersion returns latest and named versions; an unknown version is CSMS.0005', async () => {
    const seeded = main.emulator.seed.secrets.find((s) => s.versions.length > 1)!;
    const c = client(aksk());
    const latest = await c.showSecretVersion(seeded.name);
    const newest = seeded.versions[seeded.versions.length - 1];
    expect(latest.version).toEqual({
      version_metadata: {
        id: newest.id,
        create_time: newest.createTimeMs,
        kms_key_id: newest.kmsKeyId,
        secret_name: seeded.name,
        version_stages: ['SYSCURRENT'],
      },
      secret_string: newest.secretString,
    });
    expect((await c.showSecretVersion(seeded.name, 'v1')).version.secret_string).toBe(seeded.versions[0].secretString);
    expect(await failure(c.showSecretVersion(seeded.name, 'v99'))).toMatchObject({
      httpStatus: 400,
      errorCode: 'CSMS.0005',
    });
  });

  it('an unknown secret name is 400 CSMS.0106', async () => {
    const error = await failure(client(aksk()).showSecret('no-such-secret-anywhere'));
    expect(error).toMatchObject({ kind: 'http', httpStatus: 400, errorCode: 'CSMS.0106', operation: 'ShowSecret' });
    expect(await failure(client(aksk()).showSecretVersion('no-such-secret-anywhere'))).toMatchObject({
      errorCode: 'CSMS.0106',
    });
  });

  it('rejects names that must not go into a path before any HTTP call', async () => {
    const before = totalCalls(main.server);
    const c = client(aksk());
    for (const name of ['', 'a/b', '../etc', 'a b', 'name?x=1', 'a%2Fb', 'tést', 'x'.repeat(65), '{project_id}']) {
      await expect(c.showSecret(name)).rejects.toBeInstanceOf(InvalidCsmsNameError);
      await expect(c.showSecretVersion(name)).rejects.toBeInstanceOf(InvalidCsmsNameError);
    }
    await expect(c.showSecretVersion('valid-name', '../v1')).rejects.toMatchObject({
      name: 'InvalidCsmsNameError',
      field: 'version_id',
    });
    expect(totalCalls(main.server)).toBe(before);
  });
});

describe('token auth', () => {
  it('IAM issues a token (201, X-Subject-Token) that CSMS accepts in static token mode', async () => {
    const { token, response, body } = await iamToken(main.url);
    expect(response.status).toBe(201);
    expect(token).not.toBe('');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(body.token).toMatchObject({
      methods: ['password'],
      project: { id: HW.projectId, name: 'cn-north-4', domain: { name: HW.domainName } },
      user: { name: HW.userName },
      catalog: [],
      expires_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
    });
    const page = await client({ kind: 'token', token }).listSecrets({ limit: 2 });
    expect(page.secrets).toHaveLength(2);
    const unknown = await failure(client({ kind: 'token', token: 'MIInot-a-real-token' }).listSecrets({ limit: 2 }));
    expect(unknown).toMatchObject({ httpStatus: 401, errorCode: 'APIGW.0301' });
  });

  it('password mode gets a token from IAM and reuses it; concurrent first calls share one login', async () => {
    const before = main.server.calls('KeystoneCreateUserTokenByPassword');
    const c = client(password(main.url));
    const pages = await Promise.all(Array.from({ length: 8 }, () => c.listSecrets({ limit: 1 })));
    expect(pages.every((p) => p.secrets.length === 1)).toBe(true);
    await c.showSecret(pages[0].secrets[0].name);
    expect(main.server.calls('KeystoneCreateUserTokenByPassword') - before).toBe(1);
  });

  it('scopes by project name too', async () => {
    const c = client({ ...(password(main.url) as Extract<CsmsAuth, { kind: 'password' }>), projectName: 'cn-north-4' });
    expect((await c.listSecrets({ limit: 1 })).secrets).toHaveLength(1);
  });

  it('a wrong password is IAM 401 "The username or password is wrong."', async () => {
    const error = await failure(client(password(main.url, { password: 'wrong-password' })).listSecrets({ limit: 1 }));
    expect(error).toMatchObject({
      kind: 'http',
      operation: 'KeystoneCreateUserTokenByPassword',
      httpStatus: 401,
      errorCode: '401',
      errorMessage: 'The username or password is wrong.',
    });
  });

  it('renews the token before it expires, and an expired static token is rejected', async () => {
    const short = await startExtra({ tokenTtlSeconds: 2 });
    const c = client(password(short.url), {}, short);
    await c.listSecrets({ limit: 1 });
    expect(short.emulator.tokensIssued()).toBe(1);
    await c.listSecrets({ limit: 1 });
    expect(short.emulator.tokensIssued()).toBe(1);
    await sleep(1_700); // past 80% of 2 s, before expiry
    await c.listSecrets({ limit: 1 });
    expect(short.emulator.tokensIssued()).toBe(2);
    // No call was ever refused: renewal happened before expiry.
    expect(short.server.getStats().operations.ListSecrets.failed).toBe(0);

    short.emulator.configure({ tokenTtlSeconds: 1 });
    const { token } = await iamToken(short.url);
    const staticClient = client({ kind: 'token', token }, {}, short);
    await staticClient.listSecrets({ limit: 1 });
    await sleep(1_100);
    const error = await failure(staticClient.listSecrets({ limit: 1 }));
    expect(error).toMatchObject({
      httpStatus: 401,
      errorCode: 'APIGW.0301',
      errorMessage: expect.stringMatching(/expired/),
    });
  });

  it('an unknown scope project is an IAM 400; a silent IAM is a timeout', async () => {
    const scoped = {
      ...(password(main.url) as Extract<CsmsAuth, { kind: 'password' }>),
      projectName: 'no-such-region',
    };
    expect(await failure(client(scoped).listSecrets())).toMatchObject({
      operation: 'KeystoneCreateUserTokenByPassword',
      httpStatus: 400,
    });
    main.server.setFaults({ hang: true });
    const error = await failure(client(password(main.url), { timeoutMs: 300 }).listSecrets());
    expect(error).toMatchObject({ kind: 'timeout', operation: 'KeystoneCreateUserTokenByPassword', httpStatus: null });
  });

  it('a 401 from CSMS is reported as such; once the token is forgotten, the next call logs in again', async () => {
    // The retry itself belongs to the upstream path (test/gateway/errors.test.ts counts it).
    const c = client(password(main.url));
    await c.listSecrets({ limit: 1 });
    const logins = main.server.calls('KeystoneCreateUserTokenByPassword');
    main.emulator.revokeTokens();
    expect(await failure(c.listSecrets({ limit: 1 }))).toMatchObject({ httpStatus: 401, errorCode: 'APIGW.0301' });
    expect(main.server.calls('KeystoneCreateUserTokenByPassword') - logins).toBe(0);
    expect(c.forgetToken()).toBe(true);
    expect((await c.listSecrets({ limit: 1 })).secrets).toHaveLength(1);
    expect(main.server.calls('KeystoneCreateUserTokenByPassword') - logins).toBe(1);
    // Nothing to renew with a fixed token or AK/SK.
    expect(client({ kind: 'token', token: 'fixed-token-0000' }).forgetToken()).toBe(false);
  });
  it('forgetToken(failure) forgets only the token that failed: a late 401 of the old token keeps the new one', async () => {
    const c = client(password(main.url));
    await c.listSecrets({ limit: 1 });
    const logins = () => main.server.calls('KeystoneCreateUserTokenByPassword');
    const before = logins();
    main.emulator.revokeTokens();
    // Two calls fail with the same revoked token.
    const [first, late] = await Promise.all([
      failure(c.listSecrets({ limit: 1 })),
      failure(c.listSecrets({ limit: 1 })),
    ]);
    expect(first).toMatchObject({ httpStatus: 401 });
    expect(late).toMatchObject({ httpStatus: 401 });
    expect(c.forgetToken(first)).toBe(true);
    expect((await c.listSecrets({ limit: 1 })).secrets).toHaveLength(1);
    expect(logins() - before).toBe(1);
    // The second failure is reported after the new token is in use: retry, but keep that token.
    expect(c.forgetToken(late)).toBe(true);
    expect((await c.listSecrets({ limit: 1 })).secrets).toHaveLength(1);
    expect(logins() - before).toBe(1);
    // While a login is under way, a failure of the old token waits for it rather than starting another.
    main.emulator.revokeTokens();
    const failures = await Promise.all([1, 2, 3].map(() => failure(c.listSecrets({ limit: 1 }))));
    expect(failures.map((f) => c.forgetToken(f))).toEqual([true, true, true]);
    const pages = await Promise.all([1, 2, 3].map(() => c.listSecrets({ limit: 1 })));
    expect(pages.map((p) => p.secrets.length)).toEqual([1, 1, 1]);
    expect(logins() - before).toBe(2);
  });
});

describe('errors', () => {
  it('throttling surfaces as 429 APIG.0308, forced or from the fault injector', async () => {
    main.emulator.failNext('ListSecrets', 'APIG.0308');
    const forced = await failure(client(aksk()).listSecrets({ limit: 1 }));
    expect(forced).toMatchObject({ kind: 'http', httpStatus: 429, errorCode: 'APIG.0308' });
    expect(forced.errorMessage).toMatch(
      /^The throttling threshold has been reached: policy user over ratelimit,limit:/,
    );
    main.server.setFaults({ throttleRate: 1 });
    expect(await failure(client(aksk()).showSecret('anything'))).toMatchObject({
      httpStatus: 429,
      errorCode: 'APIG.0308',
    });
    main.server.setFaults({ throttleRate: 0, serverErrorRate: 1 });
    expect(await failure(client(aksk()).listSecrets({ limit: 1 }))).toMatchObject({
      httpStatus: 500,
      errorCode: 'CSMS.0500',
    });
  });

  it('failNext can produce every catalogued code and any status', async () => {
    const c = client(aksk());
    for (const code of Object.keys(CSMS_ERRORS) as CsmsErrorCode[]) {
      main.emulator.failNext('ShowSecret', code);
      const error = await failure(c.showSecret('whatever'));
      expect(error).toMatchObject({
        kind: 'http',
        httpStatus: CSMS_ERRORS[code].status,
        errorCode: code,
        errorMessage: CSMS_ERRORS[code].message,
      });
      expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
    }
    main.emulator.failNext('ListSecrets', { status: 504, errorCode: 'APIGW.0201', errorMsg: 'Backend timeout' });
    expect(await failure(c.listSecrets())).toMatchObject({
      httpStatus: 504,
      errorCode: 'APIGW.0201',
      errorMessage: 'Backend timeout',
    });
  });

  it('an HTML 502 and truncated JSON are typed errors, never an empty success', async () => {
    main.server.setFaults({ malformed: 'html-502' });
    expect(await failure(client(aksk()).listSecrets({ limit: 1 }))).toMatchObject({
      kind: 'malformed-response',
      httpStatus: 502,
      errorCode: null,
    });
    expect(await failure(client(password(main.url)).listSecrets({ limit: 1 }))).toMatchObject({
      kind: 'malformed-response',
      operation: 'KeystoneCreateUserTokenByPassword',
      httpStatus: 502,
    });
    main.server.setFaults({ malformed: 'truncated-json' });
    expect(await failure(client(aksk()).showSecret('whatever'))).toMatchObject({
      kind: 'malformed-response',
      httpStatus: 200,
    });
  });

  it('a hanging server is a timeout', async () => {
    main.server.setFaults({ hang: true });
    const error = await failure(client(aksk(), { timeoutMs: 300 }).listSecrets({ limit: 1 }));
    expect(error).toMatchObject({ kind: 'timeout', httpStatus: null });
  });

  it('every answer, including unknown routes, carries X-Request-Id', async () => {
    for (const path of ['/v1/x/secrets', '/v2/nothing-here']) {
      const response = await fetch(`${main.url}${path}`);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.request_id).toBe(response.headers.get('x-request-id'));
    }
  });
});

describe('no credential ever reaches output or errors', () => {
  async function captureOutput(run: () => Promise<void>): Promise<string> {
    const chunks: string[] = [];
    const originals = {
      stdout: process.stdout.write,
      stderr: process.stderr.write,
      log: console.log,
      info: console.info,
      warn: console.warn,
      error: console.error,
      debug: console.debug,
    };
    const record = (...args: unknown[]) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
      return true;
    };
    process.stdout.write = record as typeof process.stdout.write;
    process.stderr.write = record as typeof process.stderr.write;
    Object.assign(console, { log: record, info: record, warn: record, error: record, debug: record });
    try {
      await run();
      await sleep(50); // let any asynchronous logger flush
    } finally {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
      Object.assign(console, {
        log: originals.log,
        info: originals.info,
        warn: originals.warn,
        error: originals.error,
        debug: originals.debug,
      });
    }
    return chunks.join('\n');
  }

  function describeError(error: unknown): string {
    return [
      String(error),
      (error as Error).stack ?? '',
      JSON.stringify(error),
      inspect(error, { depth: 8, showHidden: true }),
    ].join('\n');
  }

  it('the capture works: core with its default logger prints the Authorization header', async () => {
    const hc = new HcClient(new DefaultHttpClient({}, [main.url])).withEndpoints([main.url]);
    hc.withCredential(new BasicCredentials().withAk(HW.ak).withSk('wrong-sk').withProjectId(HW.projectId));
    const output = await captureOutput(async () => {
      await hc
        .sendRequest({
          method: 'GET',
          url: '/v1/{project_id}/secrets',
          contentType: 'application/json',
          queryParams: {},
          pathParams: {},
          headers: {},
        })
        .catch(() => undefined);
    });
    expect(output).toContain(`Access=${HW.ak}`);
  });

  it('failing calls in every auth mode leak no AK, SK, token or password', async () => {
    const { token } = await iamToken(main.url);
    const logged: string[] = [];
    const log = (level: string, message: string) => logged.push(`${level} ${message}`);
    const errors: unknown[] = [];
    const output = await captureOutput(async () => {
      const attempts: Array<() => Promise<unknown>> = [
        () => client(aksk({ sk: 'wrong-but-still-secret-sk' }), { log }).listSecrets({ limit: 1 }),
        () =>
          client(
            { kind: 'aksk', ak: HW.ak, sk: HW.sk, securityToken: 'secret-security-token' },
            { log, projectId: 'ffffffffffffffffffffffffffffffff' },
          ).listSecrets(),
        () => client(password(main.url, { password: 'wrong-but-secret-password' }), { log }).listSecrets(),
        () => client({ kind: 'token', token }, { log, projectId: 'ffffffffffffffffffffffffffffffff' }).showSecret('x'),
        async () => {
          main.emulator.revokeTokens();
          return client({ kind: 'token', token }, { log }).listSecrets();
        },
      ];
      for (const attempt of attempts) errors.push(await attempt().catch((e: unknown) => e));
      main.server.setFaults({ malformed: 'html-502' });
      errors.push(
        await client(aksk(), { log })
          .listSecrets()
          .catch((e: unknown) => e),
      );
      errors.push(
        await client(password(main.url), { log })
          .listSecrets()
          .catch((e: unknown) => e),
      );
      main.server.setFaults(NO_FAULTS);
    });
    expect(errors).toHaveLength(7);
    for (const error of errors) expect(error).toBeInstanceOf(CsmsCallError);
    // The sink did receive core's failure lines, redacted.
    expect(logged.some((line) => line.startsWith('error'))).toBe(true);

    const everything = [output, logged.join('\n'), ...errors.map(describeError)].join('\n');
    const secrets = [
      HW.ak,
      HW.sk,
      HW.password,
      token,
      'wrong-but-still-secret-sk',
      'secret-security-token',
      'wrong-but-secret-password',
    ];
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
