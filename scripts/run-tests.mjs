#!/usr/bin/env node
// Runs every compiled test file of the workspace with Node's own test runner.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = [
  'examples/voice-call/dist/test',
  'examples/video-room/dist/test',
  'packages/srtp/dist/test',
  'packages/dtls/dist/test',
  'packages/ice-lite/dist/test',
  'test/dist',
];
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = roots
  .filter((r) => existsSync(r))
  .flatMap((r) => walk(r, []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error('no test files found: run `pnpm build` first');
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
