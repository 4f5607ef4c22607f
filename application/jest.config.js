const base = require('../jest.preset.js')(__dirname, 'application');

// The dev ledger is used from its build output: plain CommonJS that needs no transform.
module.exports = { ...base, transformIgnorePatterns: [...base.transformIgnorePatterns, '/devledger/dist/', '/chaincode/dist/'] };
