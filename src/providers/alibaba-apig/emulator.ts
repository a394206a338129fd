import type { EmulatorRequest, EmulatorResponse } from '../../emulators/core.js';
import {
  createAlibabaEmulator,
  failWith,
  POP_GATEWAY_ERRORS,
  intParam,
  jsonResponse,
  newRequestId,
  popErrorBody,
  type AlibabaEmulator,
  type AlibabaEmulatorOptions,
  type ApiError,
  type ErrorCatalog,
} from '../alibaba/emulator-common.js';
import type { ApigSecretSeed, ApigSeed } from '../alibaba/emulator-data.js';

/**
 * Emulator of the cloud-native API Gateway (APIG) 2024-03-27, ROA style with lowerCamel fields:
 * ListSecrets, GetSecret and GetSecretValue (by name). See docs alibaba-apig-ListSecrets.txt and
 * wire-protocols.md §2.2.
 *
 * Two points the documentation leaves open are options, so that tests can cover both readings:
 * the success `code` (the SDK model says "Ok", the doc example shows the number 200) and the unit
 * of the timestamps (the doc example 1234567890 looks like seconds; the console uses ms).
 */

export const APIG_API_VERSION = '2024-03-27';

export type ApigOperation = 'ListSecrets' | 'GetSecret' | 'GetSecretValue';

export const APIG_MAX_PAGE_SIZE = 100;
export const APIG_DEFAULT_PAGE_SIZE = 10;

/**
 * APIG documents no error codes of its own; these are the ones it plausibly returns (lowerCamel
 * body) and the POP gateway codes (capitalised body) that the emulator produces.
 */
export const APIG_ERRORS: ErrorCatalog = {
  InvalidParameter: { status: 400, origin: 'product', message: 'The parameter pageSize is invalid.' },
  'NotFound.Secret': { status: 404, origin: 'product', message: 'The specified secret does not exist.' },
  'Throttling.User': { status: 400, origin: 'pop', message: 'Request was denied due to user flow control.' },
  InternalError: {
    status: 500,
    origin: 'pop',
    message: 'The request processing has failed due to some unknown error, exception or failure.',
  },
  ...POP_GATEWAY_ERRORS,
};

export interface ApigEmulatorOptions extends AlibabaEmulatorOptions {
  /** The `code` of a successful answer. Default "Ok" (SDK model); the doc example shows 200. */
  successCode?: 'Ok' | 200 | '200';
  /** Unit of createTimestamp/updateTimestamp. Default 'ms'. */
  timestampUnit?: 'ms' | 's';
}

export type ApigEmulator = AlibabaEmulator;

const GATEWAY_TYPES = new Set(['AI', 'API']);

export function createApigEmulator(data: ApigSeed, options: ApigEmulatorOptions = {}): ApigEmulator {
  const regionId = data.regionId;
  const hostId = `apig.${regionId}.aliyuncs.com`;
  const successCode = options.successCode ?? 'Ok';
  const toUnit = options.timestampUnit === 's' ? (ms: number) => Math.floor(ms / 1000) : (ms: number) => ms;

  // The order pages are cut from: creation time, then id.
  let ordered: ApigSecretSeed[] = [];
  const byId = new Map<string, ApigSecretSeed>();
  const byName = new Map<string, ApigSecretSeed>();
  const dataChanged = () => {
    ordered = [...data.secrets].sort(
      (a, b) => a.createTimestamp - b.createTimestamp || (a.secretId < b.secretId ? -1 : 1),
    );
    byId.clear();
    byName.clear();
    for (const secret of ordered) byId.set(secret.secretId, secret), byName.set(secret.name, secret);
  };
  dataChanged();

  function errorResponse(error: ApiError): EmulatorResponse {
    if (error.origin === 'pop') return jsonResponse(error.status, popErrorBody(error, hostId, 'APIG'));
    // The product's own errors follow its lowerCamel envelope; pop-core ROA reads only Code/errorCode,
    // so callers see err.code === '' and must look at err.result.
    return jsonResponse(error.status, { requestId: newRequestId(), code: error.code, message: error.message });
  }

  const fail = failWith(APIG_ERRORS, errorResponse);

  function ok(payload: unknown): EmulatorResponse {
    return jsonResponse(200, { requestId: newRequestId(), code: successCode, message: 'success', data: payload });
  }

  function item(secret: ApigSecretSeed): Record<string, unknown> {
    return {
      secretId: secret.secretId,
      name: secret.name,
      gatewayType: secret.gatewayType,
      secretSource: secret.secretSource,
      status: secret.status,
      referenceCount: secret.referenceCount,
      createTimestamp: toUnit(secret.createTimestamp),
      updateTimestamp: toUnit(secret.updateTimestamp),
      kmsConfig: { ...secret.kmsConfig },
    };
  }

  function listSecrets(params: Record<string, string>): EmulatorResponse {
    const pageNumber = intParam(params.pageNumber, 1, 1, 1_000_000);
    if (pageNumber === null)
      return fail('InvalidParameter', `The parameter pageNumber is invalid: ${params.pageNumber}.`);
    const pageSize = intParam(params.pageSize, APIG_DEFAULT_PAGE_SIZE, 1, APIG_MAX_PAGE_SIZE);
    if (pageSize === null)
      return fail(
        'InvalidParameter',
        `The parameter pageSize is invalid: ${params.pageSize}, it must be between 1 and ${APIG_MAX_PAGE_SIZE}.`,
      );
    const gatewayType = params.gatewayType || null;
    if (gatewayType !== null && !GATEWAY_TYPES.has(gatewayType)) {
      return fail('InvalidParameter', `The parameter gatewayType is invalid: ${gatewayType}, it must be AI or API.`);
    }
    const nameLike = (params.nameLike ?? '').toLowerCase();

    // Unfiltered, a page is a slice: a sync of 100,000 secrets should not cost the emulator a pass per page.
    const matching =
      gatewayType === null && nameLike === ''
        ? ordered
        : ordered.filter(
            (secret) =>
              (gatewayType === null || secret.gatewayType === gatewayType) &&
              secret.name.toLowerCase().includes(nameLike),
          );
    const start = (pageNumber - 1) * pageSize;
    return ok({
      items: matching.slice(start, start + pageSize).map(item),
      pageNumber,
      pageSize,
      totalSize: matching.length,
    });
  }

  function getSecret(_params: Record<string, string>, req: EmulatorRequest): EmulatorResponse {
    const segment = req.path.slice('/v1/secrets/'.length);
    let secretId: string;
    try {
      secretId = decodeURIComponent(segment);
    } catch {
      return fail('InvalidParameter', 'The parameter secretId is invalid.');
    }
    const secret = byId.get(secretId);
    return secret ? ok(item(secret)) : fail('NotFound.Secret', `The specified secret ${secretId} does not exist.`);
  }

  /** `GET /v1/secrets/name/{name}/value`: `data: { secretData }`. */
  function getSecretValue(_params: Record<string, string>, req: EmulatorRequest): EmulatorResponse {
    const segment = req.path.slice('/v1/secrets/name/'.length, -'/value'.length);
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      return fail('InvalidParameter', 'The parameter name is invalid.');
    }
    const secret = byName.get(name);
    return secret
      ? ok({ secretData: data.values[secret.name] ?? '' })
      : fail('NotFound.Secret', `The specified secret ${name} does not exist.`);
  }

  return createAlibabaEmulator<ApigOperation>({
    name: 'alibaba-apig',
    regionId,
    style: 'roa',
    apiVersion: APIG_API_VERSION,
    catalog: APIG_ERRORS,
    errorResponse,
    operationOf(req: EmulatorRequest): ApigOperation | null {
      if (req.method !== 'GET') return null;
      if (req.path === '/v1/secrets') return 'ListSecrets';
      if (/^\/v1\/secrets\/[^/]+$/.test(req.path)) return 'GetSecret';
      if (/^\/v1\/secrets\/name\/[^/]+\/value$/.test(req.path)) return 'GetSecretValue';
      return null;
    },
    operations: {
      ListSecrets: listSecrets,
      GetSecret: getSecret,
      GetSecretValue: getSecretValue,
    },
    throttleCode: 'Throttling.User',
    serverErrorCode: 'InternalError',
    options,
    dataChanged,
  });
}
