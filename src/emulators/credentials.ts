/** Fixed demo credentials the emulators accept. They open nothing outside this machine. */
export const EMULATOR_CREDENTIALS = {
  alibaba: {
    accessKeyId: 'LTAI5tEMULATOR0000000001',
    accessKeySecret: 'emulator-alibaba-secret-not-for-cloud',
  },
  huawei: {
    ak: 'HWEMULATORAK0000000001',
    sk: 'emulator-huawei-sk-not-for-cloud',
    projectId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    domainName: 'emulator-domain',
    userName: 'emulator-user',
    password: 'emulator-password-not-for-cloud',
  },
} as const;
