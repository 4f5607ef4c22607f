#!/usr/bin/env node
'use strict';
/**
 * Writes a per-node copy of one of Fabric's sample configuration files (core.yaml, orderer.yaml)
 * with some settings changed, keeping every other setting and comment of the release's file.
 *
 *   node render-node-config.js <source.yaml> <target.yaml> key.path=value ...
 *
 * A value is read as YAML ("[a, b]", "true", "{...}"); an empty value writes an empty string.
 * Settings go into the file rather than CORE_ or ORDERER_ variables because Fabric ignores an
 * empty environment variable (it cannot clear vm.endpoint to disable Docker), and lists such as
 * chaincode.externalBuilders cannot be expressed as one.
 */
const fs = require('node:fs');
const YAML = require('yaml');

function parseSetting(arg) {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`setting "${arg}" is not key.path=value`);
  const key = arg.slice(0, eq).split('.');
  const raw = arg.slice(eq + 1);
  return { key, value: raw === '' ? '' : YAML.parse(raw) };
}

function main(argv) {
  const [source, target, ...settings] = argv;
  if (!source || !target) throw new Error('usage: render-node-config.js <source.yaml> <target.yaml> key.path=value ...');
  const doc = YAML.parseDocument(fs.readFileSync(source, 'utf8'));
  if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
  for (const { key, value } of settings.map(parseSetting)) {
    if (!doc.hasIn(key.slice(0, -1)) && key.length > 1) {
      throw new Error(`${source} has no section ${key.slice(0, -1).join('.')} (is it Fabric's sample config?)`);
    }
    doc.setIn(key, value);
  }
  fs.writeFileSync(target, doc.toString({ lineWidth: 0 }));
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`render-node-config: ${err.message}\n`);
  process.exit(1);
}
