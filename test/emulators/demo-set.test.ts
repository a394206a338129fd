import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedConfig, type EmulatorSet, PROVIDER_DEMOS, startEmulators } from '../../src/emulators/index.js';
import { PROVIDER_MODULES } from '../../src/providers/index.js';

/** The files a module loads at start: static imports and re-exports, not `import type` nor `import()`. */
function staticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)(?!\s+type\b)[^'";]*?from\s+'(\.[^']+)'/gm)) {
      visit(resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
    }
    for (const match of text.matchAll(/^import\s+'(\.[^']+)'/gm)) {
      visit(resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
    }
  };
  visit(resolve(entry));
  return new Set([...seen].map((file) => relative(process.cwd(), file)));
}

describe('the demo set', () => {
  let emulators: EmulatorSet;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('has one demo per registered provider, with distinct keys and fault seeds', () => {
    expect(PROVIDER_DEMOS.map((demo) => demo.provider).sort()).toEqual(PROVIDER_MODULES.map((m) => m.id).sort());
    expect(new Set(PROVIDER_DEMOS.map((demo) => demo.key)).size).toBe(PROVIDER_DEMOS.length);
    expect(new Set(PROVIDER_DEMOS.map((demo) => demo.faultSeed)).size).toBe(PROVIDER_DEMOS.length);
  });

  it('starts each emulator and configures one source per demo, pointing at it', () => {
    const keys = PROVIDER_DEMOS.map((demo) => demo.key);
    expect(Object.keys(emulators.servers)).toEqual(keys);
    expect(Object.keys(emulators.providers)).toEqual(keys);
    expect(Object.keys(emulators.data)).toEqual(keys);
    const config = embeddedConfig(emulators);
    expect(config.sources.map((s) => [s.id, s.provider, s.endpoint])).toEqual(
      PROVIDER_DEMOS.map((demo) => [`${demo.key}-demo`, demo.provider, emulators.urls[demo.key]]),
    );
  });

  it('is not loaded by a configured gateway: only the demo imports it, dynamically', () => {
    const loaded = [...staticImports('src/gateway-main.ts')];
    expect(loaded).toContain('src/providers/index.ts');
    expect(loaded.filter((file) => /^src\/emulators\/|\/(demo|emulator[^/]*)\.ts$/.test(file))).toEqual([]);
  });
});

describe('the demo set, sized per provider', () => {
  let emulators: EmulatorSet;
  beforeAll(async () => {
    emulators = await startEmulators({ scale: 1, scales: { kms: 0.1 } });
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('seeds each provider at its own scale where one is given', () => {
    expect(emulators.data.kms.secrets.length).toBe(33);
    expect(emulators.data.apig.secrets.length).toBe(312);
  });
});
