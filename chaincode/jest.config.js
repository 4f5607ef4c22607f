/** Chaincode unit and contract tests; also runs as a project of the root jest config. */
module.exports = {
  displayName: 'chaincode',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': [require.resolve('ts-jest'), { tsconfig: '<rootDir>/tsconfig.json' }] },
};
