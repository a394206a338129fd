import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { SaeSeed } from '../../src/providers/alibaba/emulator-data.js';
import type { AwsSecretsManagerSeed } from '../../src/providers/aws-secrets-manager/data.js';
import { listenOnLoopback } from './loopback.js';

/**
 * A second subgraph, as another team would own it: deployments of SAE applications. It extends
 * RelatedApp (by appId) with deployments, adds `usedByDeployments` to every secret through the
 * Secret entity interface, references secrets by global id (`secrets`) and by natural key
 * (`mounts`, as a manifest names them), and has a Relay `node` field of its own.
 *
 * It owns none of Secret's key fields: they are `@external`, and each field that returns
 * references `@provides` the key its references carry, so a router never asks this subgraph for
 * a key field it does not hold.
 *
 * Its SDL is frozen as written before AWS Secrets Manager existed: its `Provider` has four values.
 * It composes because we use `Provider` as an output only (README "What other subgraphs may copy").
 */
export const APPS_SDL = readFileSync(new URL('./apps-subgraph.graphql', import.meta.url), 'utf8');
export const APPS_TYPE_DEFS = parse(APPS_SDL);

function replaceOnce(text: string, search: string | RegExp, replacement: string): string {
  const replaced = text.replace(search, replacement);
  if (replaced === text) throw new Error(`no ${String(search)} to replace`);
  return replaced;
}

/**
 * The same subgraph referencing secrets by id only, which it stores and so owns: one @key on
 * Secret, no @external, no @provides, no `mounts`. Part of the shape Hive Gateway 2.12.1 needs.
 */
export const APPS_SDL_BY_ID = [
  [' @key(fields: "provider sourceId namespaceId name")', ''],
  [
    /\n {2}provider: Provider! @external\n {2}sourceId: ID! @external\n {2}namespaceId: String! @external\n {2}name: String! @external/,
    '',
  ],
  ['id: ID! @external', 'id: ID!'],
  [' @provides(fields: "id")', ''],
  [/\n {2}"By natural key.*\n {2}mounts:.*/, ''],
].reduce((sdl, [search, replacement]) => replaceOnce(sdl, search as string | RegExp, replacement as string), APPS_SDL);

export interface NaturalKey {
  provider: string;
  sourceId: string;
  namespaceId: string;
  name: string;
}

/** Both keys of one secret: this subgraph returns one or the other, and is entered by either. */
export interface SecretKeys {
  id: string;
  naturalKey: NaturalKey;
}

export interface Deployment {
  id: string;
  environment: string;
  appId: string;
  secrets: SecretKeys[];
}

export function secretGlobalId(sourceId: string, namespaceId: string, key: string, typename = 'SaeSecret'): string {
  return Buffer.from(`${typename}:${JSON.stringify([sourceId, namespaceId, key])}`).toString('base64url');
}

export const PLATFORM_BUNDLE = 'platform-bundle/prod';

/** Deployments for every SAE app in the seed, plus one (PLATFORM_BUNDLE) that mounts 100 secrets of one namespace. */
export function deploymentsFrom(seed: SaeSeed, sourceId: string): Deployment[] {
  const keysOf = (s: SaeSeed['secrets'][number]): SecretKeys => ({
    id: secretGlobalId(sourceId, s.NamespaceId, String(s.SecretId)),
    naturalKey: { provider: 'ALIBABA_SAE', sourceId, namespaceId: s.NamespaceId, name: s.SecretName },
  });
  const byApp = new Map<string, SecretKeys[]>();
  for (const secret of seed.secrets) {
    for (const app of secret.RelateApps) byApp.set(app.AppId, [...(byApp.get(app.AppId) ?? []), keysOf(secret)]);
  }
  const deployments: Deployment[] = [...byApp].flatMap(([appId, secrets]) =>
    ['prod', 'staging'].map((environment) => ({ id: `${appId}/${environment}`, environment, appId, secrets })),
  );
  const defaultNamespace = seed.namespaces[0].NamespaceId;
  deployments.push({
    id: PLATFORM_BUNDLE,
    environment: 'prod',
    appId: seed.secrets.find((s) => s.RelateApps.length > 0)!.RelateApps[0].AppId,
    secrets: seed.secrets
      .filter((s) => s.NamespaceId === defaultNamespace)
      .slice(0, 100)
      .map(keysOf),
  });
  return deployments;
}

export const AWS_DEPLOYMENT = 'billing-export/prod';

/**
 * A deployment of `appId` that uses the first `count` AWS secrets. This team's Provider predates
 * AWS, so it holds them by global id: ask for its `secrets`, not its `mounts` (which would have to
 * spell AWS_SECRETS_MANAGER in an enum that lacks it).
 */
export function awsDeploymentFrom(seed: AwsSecretsManagerSeed, sourceId: string, appId: string, count = 3): Deployment {
  const listed = seed.secrets.filter((s) => s.deletedMs === null).slice(0, count);
  return {
    id: AWS_DEPLOYMENT,
    environment: 'prod',
    appId,
    secrets: listed.map((s) => ({
      id: secretGlobalId(sourceId, seed.region, s.name, 'AwsSecret'),
      naturalKey: { provider: 'AWS_SECRETS_MANAGER', sourceId, namespaceId: seed.region, name: s.name },
    })),
  };
}

function sameNaturalKey(a: NaturalKey, b: Partial<NaturalKey>): boolean {
  return a.provider === b.provider && a.sourceId === b.sourceId && a.namespaceId === b.namespaceId && a.name === b.name;
}

/**
 * `strayReferences` are appended to the platform bundle's `secrets` (ids) and `mounts` (natural
 * keys): references this subgraph holds but the secrets subgraph does not know, or cannot read.
 */
export async function startAppsSubgraph(
  deployments: Deployment[],
  strayReferences: { ids?: string[]; naturalKeys?: NaturalKey[] } = {},
  sdl = APPS_SDL,
): Promise<{ url: string; close(): Promise<void> }> {
  const view = (d: Deployment) => ({
    ...d,
    app: { appId: d.appId },
    secretsById: [
      ...d.secrets.map((s) => ({ id: s.id })),
      ...(d.id === PLATFORM_BUNDLE ? (strayReferences.ids ?? []).map((id) => ({ id })) : []),
    ],
    mountsByName: [
      ...d.secrets.map((s) => s.naturalKey),
      ...(d.id === PLATFORM_BUNDLE ? (strayReferences.naturalKeys ?? []) : []),
    ],
  });
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: {
      Query: {
        deployments: () => deployments.map(view),
        deployment: (_: unknown, { id }: { id: string }) => {
          const found = deployments.find((d) => d.id === id);
          return found ? view(found) : null;
        },
        node: () => null,
      },
      Node: { __resolveType: () => 'Deployment' },
      RelatedApp: {
        __resolveReference: (ref: { appId: string }) => ref,
        deployments: (app: { appId: string }) => deployments.filter((d) => d.appId === app.appId).map(view),
      },
      Secret: {
        __resolveReference: (ref: { id?: string } & Partial<NaturalKey>) => ref,
        // The router enters by either key: match the one the representation carries.
        usedByDeployments: (ref: { id?: string } & Partial<NaturalKey>) =>
          deployments
            .filter((d) =>
              d.secrets.some((s) => (ref.id !== undefined ? s.id === ref.id : sameNaturalKey(s.naturalKey, ref))),
            )
            .map(view),
      },
      Deployment: {
        secrets: (d: ReturnType<typeof view>) => d.secretsById,
        mounts: (d: ReturnType<typeof view>) => d.mountsByName,
      },
    },
  });
  return listenOnLoopback(createYoga({ schema, graphqlEndpoint: '/graphql', logging: false }));
}
