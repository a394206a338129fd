import { providerDemo } from '../../emulators/demo.js';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import { createCsmsEmulator } from './emulator.js';
import { generateCsmsSeed } from './emulator-data.js';

/** CSMS in the demo set (src/emulators/index.ts). The emulator serves IAM's token endpoint on its own port. */
export const csmsDemo = providerDemo({
  key: 'csms',
  provider: 'huawei-csms',
  label: 'Huawei CSMS',
  seed: generateCsmsSeed,
  emulator: createCsmsEmulator,
  faultSeed: 4,
  source: (url, seed, { rateLimit }) => {
    const { domainName, userName, password } = EMULATOR_CREDENTIALS.huawei;
    return {
      region: 'cn-north-4',
      endpoint: url,
      iamEndpoint: url,
      projectId: seed.projectId,
      rateLimit,
      credentials: { domainName, userName, password },
    };
  },
  summary: (seed) => `project ${seed.projectId}, ${seed.secrets.length} secrets (IAM /v3/auth/tokens on the same port)`,
});
