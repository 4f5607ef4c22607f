module.exports = require('../jest.preset.js')(__dirname, 'test-network-scripts');
