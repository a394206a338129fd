import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { PROVIDER_CATALOG } from '../src/providers/index.js';
import { buildSchema } from '../src/schema/index.js';
import { ACCEPT_ENV, breakingChanges } from './schema-guard.js';

const { subgraphSdl } = buildSchema(PROVIDER_CATALOG);

/** `npm run schema:accept -- "reason"`: records the breaking changes and regenerates the SDL. */
const reason = process.argv.slice(2).join(' ').trim();
if (!reason) {
  console.error('Say why the break is acceptable: npm run schema:accept -- "reason"');
  process.exit(2);
}
const committed = existsSync('subgraph.graphql') ? readFileSync('subgraph.graphql', 'utf8') : '';
const breaking = committed ? await breakingChanges(committed, subgraphSdl) : [];
if (breaking.length === 0) {
  console.log('No breaking changes to accept.');
} else {
  const entry = `\n## ${new Date().toISOString().slice(0, 10)}\n\n${reason}\n\n${breaking.map((c) => `- ${c.message}`).join('\n')}\n`;
  appendFileSync(
    'SCHEMA_CHANGES.md',
    existsSync('SCHEMA_CHANGES.md') ? entry : `# Accepted breaking changes to subgraph.graphql\n${entry}`,
  );
  console.log(`Recorded ${breaking.length} breaking change(s) in SCHEMA_CHANGES.md.`);
}
execFileSync('npx', ['graphql-codegen', '--config', 'codegen.ts'], {
  stdio: 'inherit',
  env: { ...process.env, [ACCEPT_ENV]: '1' },
});
