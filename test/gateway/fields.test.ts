import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorSetOptions } from '../../src/emulators/index.js';
import {
  CsmsDetailsDocument,
  KmsDetailsDocument,
  NamespacesDocument,
  ProviderFieldsDocument,
  type ProviderFieldsQuery,
} from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

type Node = ProviderFieldsQuery['secrets']['nodes'][number];
const iso = (ms: number | null | undefined, unit: 'ms' | 's' = 'ms') =>
  ms === null || ms === undefined ? null : new Date(unit === 's' ? Math.floor(ms / 1000) * 1000 : ms).toISOString();

async function allNodes(stack: Stack, source: string): Promise<Node[]> {
  const nodes: Node[] = [];
  // One page of 100 per source is enough to compare every field shape.
  const data = expectData(await stack.execute(ProviderFieldsDocument, { first: 100, filter: { sources: [source] } }));
  nodes.push(...data.secrets.nodes);
  return nodes;
}

for (const unit of ['ms', 's'] as const) {
  describe(`every documented list field arrives normalised (provider times in ${unit})`, () => {
    let stack: Stack;
    beforeAll(async () => {
      const options: EmulatorSetOptions =
        unit === 's' ? { apig: { timestampUnit: 's', successCode: '200' }, csms: { timestampUnit: 's' } } : {};
      stack = await startStack(options);
    });
    afterAll(() => stack.close());

    it('SAE', async () => {
      for (const node of await allNodes(stack, SOURCE.sae)) {
        if (node.__typename !== 'SaeSecret') throw new Error(node.__typename);
        const seed = stack.emulators.data.sae.secrets.find((s) => String(s.SecretId) === node.secretId)!;
        expect(node).toMatchObject({
          name: seed.SecretName,
          type: seed.SecretType,
          createdAt: iso(seed.CreateTime),
          updatedAt: iso(seed.UpdateTime),
        });
        expect(node.relatedApps).toEqual(seed.RelateApps.map((a) => ({ appId: a.AppId, appName: a.AppName })));
      }
    });

    it('SAE SecretIds beyond 2^53 survive exactly', async () => {
      const big = stack.emulators.data.sae.secrets.find((s) => typeof s.SecretId === 'bigint')!;
      expect(big).toBeDefined();
      const data = expectData(
        await stack.execute(ProviderFieldsDocument, {
          first: 100,
          filter: { sources: [SOURCE.sae], names: [big.SecretName] },
        }),
      );
      expect(data.secrets.nodes.map((n) => (n.__typename === 'SaeSecret' ? n.secretId : null))).toContain(
        String(big.SecretId),
      );
    });

    it('APIG', async () => {
      for (const node of await allNodes(stack, SOURCE.apig)) {
        if (node.__typename !== 'ApigSecret') throw new Error(node.__typename);
        const seed = stack.emulators.data.apig.secrets.find((s) => s.secretId === node.secretId)!;
        expect(node).toMatchObject({
          name: seed.name,
          gatewayType: seed.gatewayType,
          status: seed.status,
          secretSource: seed.secretSource,
          referenceCount: seed.referenceCount,
          createdAt: iso(seed.createTimestamp, unit),
          updatedAt: iso(seed.updateTimestamp, unit),
        });
        expect(node.kmsConfig).toEqual({
          kmsInstanceId: seed.kmsConfig.kmsInstanceId || null,
          kmsKeyId: seed.kmsConfig.kmsKeyId || null,
        });
      }
    });

    it('KMS, with tags and DescribeSecret fields', async () => {
      for (const node of await allNodes(stack, SOURCE.kms)) {
        if (node.__typename !== 'KmsSecret') throw new Error(node.__typename);
        const seed = stack.emulators.data.kms.secrets.find((s) => s.SecretName === node.name)!;
        expect(node).toMatchObject({
          type: seed.SecretType,
          createdAt: iso(seed.CreateTime, 's'),
          plannedDeleteTime: iso(seed.PlannedDeleteTime, 's'),
          owingService: seed.OwingService || null,
        });
        expect(node.tags).toEqual(seed.Tags.map((t) => ({ key: t.TagKey, value: t.TagValue })));
      }
      const details = expectData(
        await stack.execute(KmsDetailsDocument, { first: 30, filter: { sources: [SOURCE.kms] } }),
      );
      for (const node of details.secrets.nodes) {
        if (node.__typename !== 'KmsSecret') throw new Error(node.__typename);
        const seed = stack.emulators.data.kms.secrets.find((s) => s.SecretName === node.name)!;
        expect(node).toMatchObject({
          description: seed.Description || null,
          arn: seed.Arn,
          encryptionKeyId: seed.EncryptionKeyId || null,
          automaticRotation: seed.AutomaticRotation,
          rotationInterval: seed.RotationInterval || null,
          nextRotationDate: iso(seed.NextRotationDate, 's'),
          dkmsInstanceId: seed.DKMSInstanceId || null,
        });
      }
    });

    it('CSMS, with every state and the ShowSecret fields', async () => {
      const nodes = await allNodes(stack, SOURCE.csms);
      for (const node of nodes) {
        if (node.__typename !== 'CsmsSecret') throw new Error(node.__typename);
        const seed = stack.emulators.data.csms.secrets.find((s) => s.name === node.name)!;
        expect(node).toMatchObject({
          secretId: seed.id,
          state: seed.state,
          kmsKeyId: seed.kmsKeyId,
          createdAt: iso(seed.createTimeMs, unit),
        });
      }
      const states = new Set(stack.emulators.data.csms.secrets.map((s) => s.state));
      expect(states).toEqual(new Set(['ENABLED', 'DISABLED', 'PENDING_DELETE', 'FROZEN']));
      const details = expectData(
        await stack.execute(CsmsDetailsDocument, { first: 20, filter: { sources: [SOURCE.csms] } }),
      );
      for (const node of details.secrets.nodes) {
        if (node.__typename !== 'CsmsSecret') throw new Error(node.__typename);
        const seed = stack.emulators.data.csms.secrets.find((s) => s.name === node.name)!;
        expect(node.type).toBe(seed.secretType);
        expect(node.autoRotation).toBe(seed.autoRotation);
        expect(node.eventSubscriptions).toEqual(seed.eventSubscriptions);
      }
    });

    it('namespaces of every kind', async () => {
      const data = expectData(await stack.execute(NamespacesDocument, {}));
      const byKind = (kind: string) => data.namespaces.filter((n) => n.kind === kind).map((n) => n.namespaceId);
      expect(byKind('SAE_NAMESPACE').sort()).toEqual(
        stack.emulators.data.sae.namespaces.map((n) => n.NamespaceId).sort(),
      );
      expect(byKind('PROJECT')).toEqual([stack.emulators.data.csms.projectId]);
      expect(byKind('REGION')).toEqual(['cn-hangzhou', 'cn-hangzhou', stack.emulators.data.aws.region]);
    });
  });
}
