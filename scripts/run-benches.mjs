#!/usr/bin/env node
// Runs every compiled benchmark of the workspace, one after the other.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = ['packages/srtp/dist/bench', 'packages/dtls/dist/bench', 'packages/ice-lite/dist/bench'];
let failed = false;
for (const dir of dirs) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.bench.js'))
    .sort()) {
    console.log(`\n=== ${join(dir, name)} ===`);
    const r = spawnSync(process.execPath, [join(dir, name)], { stdio: 'inherit' });
    if (r.status !== 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
