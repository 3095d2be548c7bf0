/** Unit specs sit next to the code; e2e specs boot the real app and live in test/. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: 'src',
      testRegex: '.*\\.spec\\.ts$',
      moduleFileExtensions: ['js', 'json', 'ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      testRegex: '.*\\.e2e-spec\\.ts$',
      // Some specs run the built service as a real process.
      globalSetup: '<rootDir>/test/support/build.ts',
      moduleFileExtensions: ['js', 'json', 'ts'],
      transform,
    },
  ],
  testTimeout: 30000,
};
