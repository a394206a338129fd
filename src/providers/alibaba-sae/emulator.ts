import { randomBytes } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../../emulators/core.js';
import {
  boolParam,
  createAlibabaEmulator,
  failWith,
  POP_GATEWAY_ERRORS,
  jsonResponse,
  newRequestId,
  popErrorBody,
  type AlibabaEmulator,
  type AlibabaEmulatorOptions,
  type ApiError,
  type ErrorCatalog,
} from '../alibaba/emulator-common.js';
import { compareIds, type SaeNamespaceSeed, type SaeSecretSeed, type SaeSeed } from '../alibaba/emulator-data.js';

/**
 * Emulator of Serverless App Engine (SAE) 2019-05-06, ROA style: the secret and namespace reads
 * the gateway uses. See docs alibaba-sae-ListSecrets.txt, alibaba-sae-DescribeSecret.txt and
 * wire-protocols.md §2.1.
 */

export const SAE_API_VERSION = '2019-05-06';

export type SaeOperation = 'ListSecrets' | 'DescribeSecret' | 'DescribeNamespaceList';

const ROUTES: Record<string, SaeOperation> = {
  '/pop/v1/sam/secret/secrets': 'ListSecrets',
  '/pop/v1/sam/secret/secret': 'DescribeSecret',
  '/pop/v1/sam/namespace/describeNamespaceList': 'DescribeNamespaceList',
};

/** Documented SAE error codes, plus the POP gateway codes the emulator itself produces. */
export const SAE_ERRORS: ErrorCatalog = {
  'InvalidParameter.NotEmpty': {
    status: 400,
    origin: 'product',
    message: 'You must specify the parameter NamespaceId.',
  },
  'InvalidParameter.Obviously': {
    status: 400,
    origin: 'product',
    message: 'The specified parameter is invalid {SecretId}.',
  },
  'InvalidParameter.WithMessage': {
    status: 400,
    origin: 'product',
    message: 'The parameter is invalid {SecretId}: must be an integer',
  },
  'InvalidNamespaceId.NotFound': {
    status: 404,
    origin: 'product',
    message: 'The specified NamespaceId does not exist.',
  },
  'InvalidSecretId.NotFound': {
    status: 400,
    origin: 'product',
    message: 'The specified SecretId [16] does not exist in our records.',
  },
  'Throttling.User': { status: 400, origin: 'pop', message: 'Request was denied due to user flow control.' },
  InternalError: {
    status: 500,
    origin: 'pop',
    message: 'The request processing has failed due to some unknown error, exception or failure.',
  },
  ...POP_GATEWAY_ERRORS,
};

export type SaeEmulatorOptions = AlibabaEmulatorOptions;

export type SaeEmulator = AlibabaEmulator;

export function createSaeEmulator(data: SaeSeed, options: SaeEmulatorOptions = {}): SaeEmulator {
  const regionId = data.regionId;
  const hostId = `sae.${regionId}.aliyuncs.com`;

  const namespaces = new Map<string, SaeNamespaceSeed>();
  // Per namespace, in the order ListSecrets returns them: creation time, then id.
  const byNamespace = new Map<string, SaeSecretSeed[]>();
  const byId = new Map<string, SaeSecretSeed>();
  const dataChanged = () => {
    // Namespaces too: one created or deleted in the seed is what the next calls answer.
    namespaces.clear();
    for (const ns of data.namespaces) namespaces.set(ns.NamespaceId, ns);
    byNamespace.clear();
    for (const ns of data.namespaces) byNamespace.set(ns.NamespaceId, []);
    for (const secret of data.secrets) byNamespace.get(secret.NamespaceId)?.push(secret);
    for (const list of byNamespace.values())
      list.sort((a, b) => a.CreateTime - b.CreateTime || compareIds(a.SecretId, b.SecretId));
    byId.clear();
    for (const secret of data.secrets) byId.set(`${secret.NamespaceId}\u0000${secret.SecretId}`, secret);
  };
  dataChanged();

  /** SAE answers every error, POP or product, in one body: the POP fields plus SAE's ErrorCode/Success. */
  function errorResponse(error: ApiError): EmulatorResponse {
    return jsonResponse(error.status, { ...popErrorBody(error, hostId, 'sae'), ErrorCode: error.code, Success: false });
  }

  const fail = failWith(SAE_ERRORS, errorResponse);

  function ok(payload: unknown): EmulatorResponse {
    return jsonResponse(200, {
      RequestId: newRequestId(),
      Message: 'success',
      TraceId: randomBytes(15).toString('hex'),
      Data: payload,
      Code: '200',
      Success: true,
    });
  }

  function notEmpty(name: string): EmulatorResponse {
    return fail('InvalidParameter.NotEmpty', `You must specify the parameter ${name}.`);
  }

  /** The namespace named by the NamespaceId parameter, or the error to answer with. */
  function namespaceOf(params: Record<string, string>): SaeNamespaceSeed | EmulatorResponse {
    const id = params.NamespaceId;
    if (!id) return notEmpty('NamespaceId');
    return namespaces.get(id) ?? fail('InvalidNamespaceId.NotFound');
  }

  function listItem(secret: SaeSecretSeed): Record<string, unknown> {
    return {
      NamespaceId: secret.NamespaceId,
      SecretId: secret.SecretId,
      SecretName: secret.SecretName,
      SecretType: secret.SecretType,
      RelateApps: secret.RelateApps.map((app) => ({ AppName: app.AppName, AppId: app.AppId })),
      CreateTime: secret.CreateTime,
      UpdateTime: secret.UpdateTime,
    };
  }

  function listSecrets(params: Record<string, string>): EmulatorResponse {
    const namespace = namespaceOf(params);
    if ('status' in namespace) return namespace;
    // Not paginated: the whole namespace in one answer, as upstream.
    return ok({ Secrets: (byNamespace.get(namespace.NamespaceId) ?? []).map(listItem) });
  }

  function describeSecret(params: Record<string, string>): EmulatorResponse {
    if (!params.NamespaceId) return notEmpty('NamespaceId');
    const rawId = params.SecretId;
    if (!rawId) return notEmpty('SecretId');
    // Compared as a decimal string: ids beyond 2^53 must not be rounded into a neighbour.
    if (!/^\d{1,19}$/.test(rawId))
      return fail('InvalidParameter.Obviously', 'The specified parameter is invalid {SecretId}.');
    const namespace = namespaceOf(params);
    if ('status' in namespace) return namespace;
    const secret = byId.get(`${namespace.NamespaceId}\u0000${BigInt(rawId)}`);
    if (!secret)
      return fail('InvalidSecretId.NotFound', `The specified SecretId [${rawId}] does not exist in our records.`);
    return ok({ ...listItem(secret), SecretData: { ...secret.SecretData } });
  }

  function describeNamespaceList(params: Record<string, string>): EmulatorResponse {
    const containCustom = boolParam(params.ContainCustom, false);
    if (containCustom === null)
      return fail('InvalidParameter.Obviously', 'The specified parameter is invalid {ContainCustom}.');
    const hybridExclude = boolParam(params.HybridCloudExclude, false);
    if (hybridExclude === null)
      return fail('InvalidParameter.Obviously', 'The specified parameter is invalid {HybridCloudExclude}.');
    const list = data.namespaces
      .filter((ns) => containCustom || !ns.Custom)
      .filter((ns) => !hybridExclude || !ns.HybridCloudEnable)
      .map((ns) => ({
        NamespaceId: ns.NamespaceId,
        NamespaceName: ns.NamespaceName,
        NameSpaceShortId: ns.NameSpaceShortId,
        RegionId: ns.RegionId,
        VpcId: ns.VpcId,
        VSwitchId: ns.VSwitchId,
        SecurityGroupId: ns.SecurityGroupId,
        Custom: ns.Custom,
        // Deprecated upstream ("no special meaning"); always false.
        Current: false,
        HybridCloudEnable: ns.HybridCloudEnable,
        AgentInstall: ns.AgentInstall,
      }));
    return ok(list);
  }

  return createAlibabaEmulator<SaeOperation>({
    name: 'alibaba-sae',
    regionId,
    style: 'roa',
    apiVersion: SAE_API_VERSION,
    catalog: SAE_ERRORS,
    errorResponse,
    operationOf: (req: EmulatorRequest) => (req.method === 'GET' ? (ROUTES[req.path] ?? null) : null),
    operations: {
      ListSecrets: listSecrets,
      DescribeSecret: describeSecret,
      DescribeNamespaceList: describeNamespaceList,
    },
    throttleCode: 'Throttling.User',
    serverErrorCode: 'InternalError',
    options,
    dataChanged,
  });
}
