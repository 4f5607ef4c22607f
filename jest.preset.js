/** Shared jest settings for the Node workspaces (devledger, application, test-network-scripts). */
const path = require('path');

module.exports = (dir, displayName) => ({
  displayName,
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  transform: {
    '^.+\\.ts$': [require.resolve('ts-jest'), { tsconfig: path.join(dir, 'tsconfig.test.json') }],
    // fastify's inject and @fastify/static pull in ESM-only packages jest cannot load as-is.
    '^.+\\.m?js$': [require.resolve('ts-jest'), { tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cookie|content-disposition)/)'],
});
