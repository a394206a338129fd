import type { ProviderEmulator } from './core.js';

/**
 * How one provider takes part in the demo set (src/emulators/index.ts): its sample data, its
 * emulator, and its source in the embedded demo's configuration. Each provider folder exports one
 * from `demo.ts`, a module only the emulator side imports, so that a configured gateway never
 * loads emulator code.
 */
export interface ProviderDemo<Key extends string, Provider extends string, Seed, Emulator, Options> {
  /** Its name in the demo set: `emulators.urls.<key>`, `emulators.providers.<key>`, the source id `<key>-demo`. */
  readonly key: Key;
  /** The provider of its demo source (`alibaba-sae`). */
  readonly provider: Provider;
  /** `npm run emulators` prints this before the URL. */
  readonly label: string;
  /** Its sample data, deterministic for given options. */
  seed(options: { scale: number; seed?: number }): Seed;
  emulator(seed: Seed, options?: Options): Emulator;
  /** Seeds the PRNG of injected faults (each emulator its own, so that patterns repeat run to run). */
  readonly faultSeed: number;
  /** The demo source's fields other than `id` and `provider` (parseConfig checks them against the provider's schema). */
  source(url: string, seed: Seed, shared: DemoShared): Record<string, unknown>;
  /** `npm run emulators` prints this after the URL: what the sample data holds. */
  summary(seed: Seed): string;
  /** Credentials the emulator accepts that are not in src/emulators/credentials.ts, for `npm run emulators` to print. */
  readonly credentials?: string;
}

/** What every demo source shares. */
export interface DemoShared {
  rateLimit: { perSecond: number; burst: number };
}

/** What the demo set needs of every emulator besides serving requests: `reset()` clears forced errors. */
export interface DemoEmulator extends ProviderEmulator {
  clearForcedErrors(): void;
  /**
   * Call after changing the seed's secrets (created, edited or deleted "at the cloud"), so that the
   * next calls answer with the change: what an inventory and its change feed are tested against.
   */
  dataChanged(): void;
}

/** Declares a provider's demo, inferring its key, seed, emulator and options types from what is given. */
export function providerDemo<Key extends string, Provider extends string, Seed, Emulator extends DemoEmulator, Options>(
  demo: ProviderDemo<Key, Provider, Seed, Emulator, Options>,
): ProviderDemo<Key, Provider, Seed, Emulator, Options> {
  return demo;
}
