'use strict';
/**
 * Node flags the gateway app runs with (`node ${GATEWAY_NODE_FLAGS} application/dist/main.js`);
 * `npm start` and the benchmarks launch it with them.
 *
 * --max-semi-space-size=64: a request lives as long as its Fabric commit, about half a second
 * under load, and its objects outlived V8's default 16 MB young generation, so they were moved to
 * the old generation and died there. A 64 MB young generation lets them die young. Measured on
 * Fabric 3.1 at 128 orders in flight: the app's CPU per order went from 1.3–2.0 ms to 1.1–1.5 ms
 * (bench/README.md).
 */
module.exports.GATEWAY_NODE_FLAGS = ['--max-semi-space-size=64'];
