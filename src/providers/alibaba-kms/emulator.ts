import { derivedView, type EmulatorResponse } from '../../emulators/core.js';
import {
  boolParam,
  createAlibabaEmulator,
  failWith,
  intParam,
  isoSeconds,
  jsonResponse,
  newRequestId,
  POP_GATEWAY_ERRORS,
  popErrorBody,
  type AlibabaEmulator,
  type AlibabaEmulatorOptions,
  type ApiError,
  type ErrorCatalog,
} from '../alibaba/emulator-common.js';
import type { KmsSecretSeed, KmsSecretVersion, KmsSeed } from '../alibaba/emulator-data.js';

/**
 * Emulator of Key Management Service (KMS) 2016-01-20, RPC style (GET query or POST form; the
 * `Action` parameter picks the operation): ListSecrets, DescribeSecret, GetSecretValue.
 * See docs alibaba-kms-ListSecrets.txt and wire-protocols.md §2.3.
 */

export const KMS_API_VERSION = '2016-01-20';

export type KmsOperation = 'ListSecrets' | 'DescribeSecret' | 'GetSecretValue';

export const KMS_MAX_PAGE_SIZE = 100;
export const KMS_DEFAULT_PAGE_SIZE = 10;
/** Documented: with a tag filter, at most this many secrets are returned. */
export const KMS_TAG_FILTER_LIMIT = 4000;

export const KMS_FILTER_KEYS = [
  'SecretName',
  'Description',
  'TagKey',
  'TagValue',
  'DKMSInstanceId',
  'SecretType',
  'Creator',
] as const;
export type KmsFilterKey = (typeof KMS_FILTER_KEYS)[number];
export interface KmsFilter {
  Key: KmsFilterKey;
  Values: string[];
}
const MAX_FILTERS = 10;
const MAX_FILTER_VALUES = 10;

/** Documented KMS error codes (one body shape for POP and product errors alike). */
export const KMS_ERRORS: ErrorCatalog = {
  InvalidParameter: {
    status: 400,
    origin: 'product',
    message: 'some of the specified parameters "PageSize" is not valid',
  },
  InternalFailure: { status: 500, origin: 'product', message: 'Internal Failure' },
  'Forbidden.NoPermission': {
    status: 403,
    origin: 'product',
    message: 'This operation is forbidden by permission system',
  },
  'Forbidden.ResourceNotFound': { status: 404, origin: 'product', message: 'Resource not found' },
  MissingSecretName: { status: 400, origin: 'pop', message: 'SecretName is mandatory for this action.' },
  'Rejected.Throttling': { status: 429, origin: 'pop', message: 'QPS Limit Exceeded' },
  ServiceUnavailableTemporary: { status: 503, origin: 'product', message: 'Service unavailable temporarily.' },
  ...POP_GATEWAY_ERRORS,
};

export type KmsEmulatorOptions = AlibabaEmulatorOptions;

export type KmsEmulator = AlibabaEmulator;

/** Parses the Filters parameter; a string result is the reason it is invalid. */
export function parseKmsFilters(raw: string | undefined): KmsFilter[] | string {
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return 'Filters is not valid JSON';
  }
  if (!Array.isArray(parsed)) return 'Filters must be a JSON array';
  if (parsed.length > MAX_FILTERS) return `Filters can contain at most ${MAX_FILTERS} key-value pairs`;
  const filters: KmsFilter[] = [];
  for (const entry of parsed as unknown[]) {
    if (entry === null || typeof entry !== 'object') return 'each filter must be an object';
    const { Key: key, Values: values } = entry as Record<string, unknown>;
    if (typeof key !== 'string' || !(KMS_FILTER_KEYS as readonly string[]).includes(key))
      return `unsupported filter key ${String(key)}`;
    if (values === undefined) {
      filters.push({ Key: key as KmsFilterKey, Values: [] });
      continue;
    }
    if (!Array.isArray(values) || values.some((value) => typeof value !== 'string'))
      return `Values of ${key} must be an array of strings`;
    if (values.length > MAX_FILTER_VALUES) return `Values of ${key} can contain at most ${MAX_FILTER_VALUES} items`;
    filters.push({ Key: key as KmsFilterKey, Values: values as string[] });
  }
  return filters;
}

/**
 * Filters combine with AND, the values of one filter with OR; a filter without values matches
 * everything. SecretName, DKMSInstanceId, SecretType and Creator match exactly, TagKey/TagValue
 * match any of the secret's tags, Description matches a case-insensitive substring.
 */
export function matchesKmsFilters(secret: KmsSecretSeed, filters: readonly KmsFilter[]): boolean {
  return filters.every(({ Key: key, Values: values }) => {
    if (values.length === 0) return true;
    switch (key) {
      case 'SecretName':
        return values.includes(secret.SecretName);
      case 'Description':
        return values.some((value) => secret.Description.toLowerCase().includes(value.toLowerCase()));
      case 'TagKey':
        return secret.Tags.some((tag) => values.includes(tag.TagKey));
      case 'TagValue':
        return secret.Tags.some((tag) => values.includes(tag.TagValue));
      case 'DKMSInstanceId':
        return values.includes(secret.DKMSInstanceId);
      case 'SecretType':
        return values.includes(secret.SecretType);
      case 'Creator':
        return values.includes(secret.Creator);
      default:
        return false;
    }
  });
}

export function createKmsEmulator(data: KmsSeed, options: KmsEmulatorOptions = {}): KmsEmulator {
  const regionId = data.regionId;
  const hostId = `kms.${regionId}.aliyuncs.com`;

  const view = derivedView(data.secrets, (secrets) => {
    // The order pages are cut from: creation time, then name.
    const ordered = [...secrets].sort((a, b) => a.CreateTime - b.CreateTime || (a.SecretName < b.SecretName ? -1 : 1));
    // DescribeSecret and GetSecretValue accept the name or the ARN.
    const byName = new Map<string, KmsSecretSeed>();
    for (const secret of ordered) {
      byName.set(secret.SecretName, secret);
      byName.set(secret.Arn, secret);
    }
    return { ordered, byName };
  });

  function errorResponse(error: ApiError): EmulatorResponse {
    return jsonResponse(error.status, { HttpStatus: error.status, ...popErrorBody(error, hostId, 'Kms') });
  }

  const fail = failWith(KMS_ERRORS, errorResponse);

  function invalid(parameter: string): EmulatorResponse {
    return fail('InvalidParameter', `some of the specified parameters "${parameter}" is not valid`);
  }

  const time = (ms: number | null) => (ms === null ? '' : isoSeconds(ms));
  const tags = (secret: KmsSecretSeed) => ({
    Tag: secret.Tags.map((tag) => ({ TagKey: tag.TagKey, TagValue: tag.TagValue })),
  });

  function rotationFields(secret: KmsSecretSeed): Record<string, string> {
    return {
      AutomaticRotation: secret.AutomaticRotation,
      RotationInterval: secret.RotationInterval ?? '',
      LastRotationDate: time(secret.LastRotationDate),
      NextRotationDate: time(secret.NextRotationDate),
    };
  }

  function listSecrets(params: Record<string, string>): EmulatorResponse {
    const pageNumber = intParam(params.PageNumber, 1, 1, 1_000_000);
    if (pageNumber === null) return invalid('PageNumber');
    const pageSize = intParam(params.PageSize, KMS_DEFAULT_PAGE_SIZE, 1, KMS_MAX_PAGE_SIZE);
    if (pageSize === null) return invalid('PageSize');
    const fetchTags = boolParam(params.FetchTags, false);
    if (fetchTags === null) return invalid('FetchTags');
    const filters = parseKmsFilters(params.Filters);
    if (typeof filters === 'string')
      return fail('InvalidParameter', `some of the specified parameters "Filters" is not valid: ${filters}`);

    // Unfiltered, a page is a slice: a sync of 100,000 secrets should not cost the emulator a pass per page.
    const { ordered } = view();
    let matching = filters.length === 0 ? ordered : ordered.filter((secret) => matchesKmsFilters(secret, filters));
    if (filters.some((filter) => (filter.Key === 'TagKey' || filter.Key === 'TagValue') && filter.Values.length > 0)) {
      matching = matching.slice(0, KMS_TAG_FILTER_LIMIT);
    }
    const start = (pageNumber - 1) * pageSize;
    const page = matching.slice(start, start + pageSize).map((secret) => ({
      SecretName: secret.SecretName,
      SecretType: secret.SecretType,
      CreateTime: isoSeconds(secret.CreateTime),
      UpdateTime: isoSeconds(secret.UpdateTime),
      // Present only for secrets scheduled for deletion, like the documented example.
      PlannedDeleteTime: secret.PlannedDeleteTime === null ? undefined : isoSeconds(secret.PlannedDeleteTime),
      OwingService: secret.OwingService,
      // Documented: "not returned if FetchTags is set to false or is not specified".
      Tags: fetchTags ? tags(secret) : undefined,
    }));
    return jsonResponse(200, {
      RequestId: newRequestId(),
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: matching.length,
      SecretList: { Secret: page },
    });
  }

  /** The secret named by SecretName (name or ARN), or the error to answer with. */
  function secretOf(params: Record<string, string>): KmsSecretSeed | EmulatorResponse {
    if (!params.SecretName) return fail('MissingSecretName');
    return view().byName.get(params.SecretName) ?? fail('Forbidden.ResourceNotFound');
  }

  /** Every DescribeSecret field is present; those that do not apply are empty strings. */
  function describeSecret(params: Record<string, string>): EmulatorResponse {
    const fetchTags = boolParam(params.FetchTags, false);
    if (fetchTags === null) return invalid('FetchTags');
    const secret = secretOf(params);
    if ('status' in secret) return secret;
    return jsonResponse(200, {
      RequestId: newRequestId(),
      SecretName: secret.SecretName,
      Arn: secret.Arn,
      SecretType: secret.SecretType,
      Description: secret.Description,
      EncryptionKeyId: secret.EncryptionKeyId,
      CreateTime: isoSeconds(secret.CreateTime),
      UpdateTime: isoSeconds(secret.UpdateTime),
      PlannedDeleteTime: time(secret.PlannedDeleteTime),
      ...rotationFields(secret),
      ExtendedConfig: secret.ExtendedConfig ?? '',
      DKMSInstanceId: secret.DKMSInstanceId,
      OwingService: secret.OwingService,
      Tags: fetchTags ? tags(secret) : undefined,
    });
  }

  function getSecretValue(params: Record<string, string>): EmulatorResponse {
    const fetchExtendedConfig = boolParam(params.FetchExtendedConfig, false);
    if (fetchExtendedConfig === null) return invalid('FetchExtendedConfig');
    const secret = secretOf(params);
    if ('status' in secret) return secret;

    let version: KmsSecretVersion | undefined;
    // Documented: managed (RAM, database, ECS) secrets ignore VersionId.
    if (params.VersionId && secret.SecretType === 'Generic') {
      version = secret.Versions.find((candidate) => candidate.VersionId === params.VersionId);
      if (!version) return fail('Forbidden.ResourceNotFound');
      if (params.VersionStage && !version.VersionStages.includes(params.VersionStage)) return invalid('VersionStage');
    } else {
      const stage = params.VersionStage || 'ACSCurrent';
      version = secret.Versions.find((candidate) => candidate.VersionStages.includes(stage));
      if (!version) return fail('Forbidden.ResourceNotFound');
    }

    return jsonResponse(200, {
      RequestId: newRequestId(),
      SecretName: secret.SecretName,
      SecretType: secret.SecretType,
      SecretData: version.SecretData,
      SecretDataType: version.SecretDataType,
      VersionId: version.VersionId,
      VersionStages: { VersionStage: [...version.VersionStages] },
      CreateTime: isoSeconds(version.CreateTime),
      ExtendedConfig: fetchExtendedConfig ? (secret.ExtendedConfig ?? '') : undefined,
      ...rotationFields(secret),
    });
  }

  // RPC: the Action parameter of `GET|POST /` names the operation (createAlibabaEmulator's default).
  return createAlibabaEmulator<KmsOperation>({
    name: 'alibaba-kms',
    regionId,
    style: 'rpc',
    apiVersion: KMS_API_VERSION,
    catalog: KMS_ERRORS,
    errorResponse,
    operations: {
      ListSecrets: listSecrets,
      DescribeSecret: describeSecret,
      GetSecretValue: getSecretValue,
    },
    throttleCode: 'Rejected.Throttling',
    serverErrorCode: 'InternalFailure',
    options,
    // The view above notices a changed seed by itself.
    dataChanged: () => {},
  });
}
