import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import type { DemoShared } from '../../emulators/demo.js';

/** The demo source of a regional Alibaba API (SAE, APIG, KMS): the seed's region, its emulator, the emulators' key. */
export const alibabaDemoSource = <Seed extends { regionId: string }>(
  url: string,
  seed: Seed,
  { rateLimit }: DemoShared,
) => ({
  region: seed.regionId,
  endpoint: url,
  credentials: EMULATOR_CREDENTIALS.alibaba,
  rateLimit,
});
