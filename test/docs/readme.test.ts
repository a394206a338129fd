import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  validate,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { configSchema, loadConfigFile, parseConfig } from '../../src/config.js';
import { buildSchema } from '../../src/schema/index.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';

const { schema } = buildSchema(PROVIDER_CATALOG);

/**
 * The README as a newcomer follows it: every YAML, JSON and GraphQL block, every `curl` line and the
 * schema tables are checked against the code that serves them.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  body: string;
  /** "README.md:123", for failure messages. */
  at: string;
}

const blocks: Block[] = [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({
  lang: match[1],
  body: match[2],
  at: `README.md:${README.slice(0, match.index).split('\n').length}`,
}));
const blocksOf = (lang: string): Block[] => blocks.filter((block) => block.lang === lang);

/** Every `${NAME}` gets a value of the shape its field needs (a hex digest for the *_SHA256 ones). */
function placeholderEnv(text: string): Record<string, string> {
  const names = new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
  return Object.fromEntries(
    [...names].map((name) => [
      name,
      name.endsWith('SHA256') ? 'ab'.repeat(32) : `readme-${name.toLowerCase()}-0123456789abcdef0123456789`,
    ]),
  );
}

const CONFIG_KEYS = new Set(Object.keys(configSchema(PROVIDER_CATALOG).shape));
const isGatewayConfig = (value: unknown): value is Record<string, unknown> =>
  !!value &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length > 0 &&
  Object.keys(value).every((key) => CONFIG_KEYS.has(key));

describe('README.md, block by block', () => {
  it('every YAML block is valid YAML; each gateway configuration passes the configuration schema with its variables set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-config-'));
    const yamlBlocks = blocksOf('yaml');
    // A block may hold several documents (Kubernetes manifests separated by ---).
    const documents = yamlBlocks.flatMap((block) =>
      parseAllDocuments(block.body).map((document) => {
        if (document.errors.length > 0) throw new Error(`${block.at}: ${document.errors[0].message}`);
        return { block, value: document.toJS() as unknown };
      }),
    );
    const configs = documents.flatMap(({ block, value }) => (isGatewayConfig(value) ? [{ block, value }] : []));
    const full = configs.filter(({ value }) => 'auth' in value);
    expect(full.length, 'the README shows one complete configuration').toBe(1);
    // Loaded the way `--config` loads it: the file, the YAML parser, the variables, the schema.
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, full[0].block.body);
    const example = loadConfigFile(path, PROVIDER_CATALOG, placeholderEnv(full[0].block.body));
    expect(example.sources.map((s) => s.id)).toEqual(['sae-prod', 'apig-prod', 'kms-prod', 'csms-bj']);

    // A fragment (one source's cache settings, say) is checked inside the complete example, its sources matched by id.
    const fragments = configs.filter(({ value }) => !('auth' in value));
    expect(fragments.length).toBeGreaterThan(0);
    for (const { block, value } of fragments) {
      const merged = parseYaml(full[0].block.body) as { sources: Array<Record<string, unknown>> } & Record<
        string,
        unknown
      >;
      for (const [key, part] of Object.entries(value)) {
        if (key !== 'sources') merged[key] = { ...(merged[key] as object), ...(part as object) };
        else
          for (const source of part as Array<Record<string, unknown>>)
            Object.assign(
              merged.sources.find((s) => s.id === source.id) ??
                expect.fail(`${block.at}: no source ${String(source.id)} in the example`),
              source,
            );
      }
      expect(() => parseConfig(merged, PROVIDER_CATALOG, placeholderEnv(full[0].block.body)), block.at).not.toThrow();
    }
  });

  it('the router and rover examples name files that exist', () => {
    const files = blocksOf('yaml').flatMap((block) =>
      [...block.body.matchAll(/^\s*file:\s*\.\/(\S+)/gm)].map((m) => m[1]),
    );
    expect(files).toContain('subgraph.graphql');
    for (const file of files) expect(existsSync(join(ROOT, file)), file).toBe(true);
  });

  it('every JSON block is valid JSON', () => {
    const jsonBlocks = blocksOf('json');
    expect(jsonBlocks.length).toBeGreaterThan(0);
    for (const block of jsonBlocks) expect(() => JSON.parse(block.body), block.at).not.toThrow();
  });

  it('every GraphQL query is valid against the served schema; SDL for other subgraphs keys on fields we have', () => {
    const graphqlBlocks = blocksOf('graphql');
    let queries = 0;
    for (const block of graphqlBlocks) {
      const document = parse(block.body);
      const executable = document.definitions.every(
        (d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION,
      );
      if (executable) {
        queries++;
        expect(
          validate(schema, document).map((e) => e.message),
          block.at,
        ).toEqual([]);
        continue;
      }
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
        const ours = schema.getType(definition.name.value);
        if (!ours || !(isObjectType(ours) || isInterfaceType(ours))) continue;
        for (const key of definition.directives?.filter((d) => d.name.value === 'key') ?? []) {
          const fields = key.arguments?.find((a) => a.name.value === 'fields')?.value;
          const names = fields?.kind === Kind.STRING ? fields.value.split(/\s+/) : [];
          for (const name of names) expect(ours.getFields()[name], `${block.at}: ${ours.name}.${name}`).toBeDefined();
        }
      }
    }
    expect(queries).toBeGreaterThanOrEqual(3);
  });

  it('every `Type.field` the text names exists', () => {
    const references = [...README.matchAll(/`([A-Z]\w*)\.(\w+)/g)].filter((m) => schema.getType(m[1]));
    expect(references.length).toBeGreaterThan(3);
    for (const [, type, field] of references)
      expect(fieldsOf(schema.getType(type)!)[field], `${type}.${field}`).toBeDefined();
  });

  it('the schema table lists every field each type adds, and only fields that exist', () => {
    const section = README.slice(README.indexOf('## The schema in short'));
    const rows = [
      ...section
        .slice(0, section.indexOf('\n\n', section.indexOf('| Type |')))
        .matchAll(/^\| `(\w+)`[^|]*\| (.*) \|$/gm),
    ];
    expect(rows.map((r) => r[1])).toEqual([
      'Secret',
      'SaeSecret',
      'ApigSecret',
      'KmsSecret',
      'CsmsSecret',
      'Namespace',
      'RelatedApp',
      'Source',
      'SecretConnection',
    ]);
    for (const [, typeName, description] of rows) {
      const type = schema.getType(typeName)!;
      const fields = fieldsOf(type);
      // Fields the type inherits from an interface with its own row are listed there.
      const inherited = new Set(
        isObjectType(type)
          ? type
              .getInterfaces()
              .filter((i) => i.name !== 'Node')
              .flatMap((i) => Object.keys(i.getFields()))
          : [],
      );
      const named = [...description.matchAll(/`([a-z]\w*)/g)].map((m) => m[1]);
      for (const name of named) expect(fields[name], `${typeName}.${name} in the table`).toBeDefined();
      const missing = Object.keys(fields).filter((name) => !inherited.has(name) && !named.includes(name));
      expect(missing, `${typeName}: fields the table leaves out`).toEqual([]);
    }
  });
});

function fieldsOf(type: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown> | GraphQLInputField> {
  return isObjectType(type) || isInterfaceType(type) || isInputObjectType(type) ? type.getFields() : {};
}

describe('README.md commands against the demo', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('every curl line answers with data and no errors, given the token npm start prints', async () => {
    const lines = blocksOf('sh')
      .flatMap((block) => block.body.replace(/\\\n\s*/g, ' ').split('\n'))
      .map((line) => line.trim())
      .filter((line) => line.startsWith('curl '));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const command = line.replaceAll('http://127.0.0.1:4000', stack.server.url);
      const token = stack.authHeaders.authorization.replace(/^Bearer /, '');
      const { stdout } = await promisify(execFile)('bash', ['-c', command], { env: { ...process.env, TOKEN: token } });
      const body = JSON.parse(stdout) as { data?: unknown; errors?: unknown };
      expect(body.errors, line).toBeUndefined();
      expect(body.data, line).toBeTruthy();
    }
  });

  it('the Kubernetes probe paths answer 200', async () => {
    const probes = blocksOf('yaml').flatMap((block) =>
      [...block.body.matchAll(/httpGet: \{ path: (\S+),/g)].map((m) => m[1]),
    );
    expect([...new Set(probes)]).toEqual(['/healthz', '/readyz']);
    for (const path of probes) expect((await fetch(`${stack.server.url}${path}`)).status, path).toBe(200);
  });
});
