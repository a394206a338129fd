/**
 * Fixed demo credentials the AWS Secrets Manager emulator accepts. They open nothing outside this
 * machine. (Kept beside the provider rather than in src/emulators/credentials.ts, so that adding
 * the provider touches no shared file.)
 */
export const AWS_EMULATOR_CREDENTIALS = {
  accessKeyId: 'AKIAEMULATOR0000AWS1',
  secretAccessKey: 'emulator-aws-secret-key-not-for-cloud',
  accountId: '123456789012',
  region: 'us-east-1',
} as const;
