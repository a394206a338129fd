import { providerDemo } from '../../emulators/demo.js';
import { AWS_EMULATOR_CREDENTIALS } from './credentials.js';
import { generateAwsSecretsManagerSeed } from './data.js';
import { createAwsSecretsManagerEmulator } from './emulator.js';

/** AWS Secrets Manager in the demo set (src/emulators/index.ts). */
export const awsDemo = providerDemo({
  key: 'aws',
  provider: 'aws-secrets-manager',
  label: 'AWS SM',
  seed: generateAwsSecretsManagerSeed,
  emulator: createAwsSecretsManagerEmulator,
  faultSeed: 5,
  source: (url, seed, { rateLimit }) => ({
    region: seed.region,
    endpoint: url,
    rateLimit,
    credentials: {
      accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
      secretAccessKey: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
    },
  }),
  summary: (seed) => `region ${seed.region}, ${seed.secrets.length} secrets`,
  credentials: `AWS access key ${AWS_EMULATOR_CREDENTIALS.accessKeyId}  secret ${AWS_EMULATOR_CREDENTIALS.secretAccessKey}`,
});
