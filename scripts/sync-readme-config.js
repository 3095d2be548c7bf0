#!/usr/bin/env node
// Rewrites the configuration table in README.md from the settings schema (run after a build).
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { configTableMarkdown } = require('../dist/config/config-docs.js');

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';
const readme = join(__dirname, '..', 'README.md');
const text = readFileSync(readme, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  console.error(`README.md has no ${START} … ${END} section`);
  process.exit(1);
}
writeFileSync(readme, `${text.slice(0, a + START.length)}\n${configTableMarkdown()}\n${text.slice(b)}`);
console.log('README.md configuration table updated');
