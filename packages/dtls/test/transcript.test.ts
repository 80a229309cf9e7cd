import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { DROP_REASONS, newStats } from '../src/events.js';
import { Transcript } from '../src/handshake/transcript.js';

const digest = (algorithm: 'sha256' | 'sha384', bytes: Uint8Array) =>
  new Uint8Array(createHash(algorithm).update(bytes).digest());

test('the running transcript hash always equals a hash of every message so far, in either algorithm', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          body: fc.uint8Array({ maxLength: 64 }),
          algorithm: fc.constantFrom('sha256' as const, 'sha384' as const),
          ask: fc.boolean(),
        }),
        { maxLength: 12 },
      ),
      (steps) => {
        const t = new Transcript();
        let seq = 0;
        for (const s of steps) {
          t.add(1, seq++, s.body);
          // Hashes are asked for between messages, the way the handshake asks (EMS, Finished).
          if (s.ask) assert.deepEqual(t.hash(s.algorithm), digest(s.algorithm, t.bytes()));
        }
        assert.deepEqual(t.hash('sha256'), digest('sha256', t.bytes()));
        assert.deepEqual(t.hash('sha384'), digest('sha384', t.bytes()));
      },
    ),
    { numRuns: 200 },
  );
});

test('engine stats count every drop reason, each from zero', () => {
  const stats = newStats();
  assert.deepEqual(Object.keys(stats.drops).sort(), [...DROP_REASONS].sort());
  assert.ok(Object.values(stats.drops).every((n) => n === 0));
  assert.notEqual(newStats().drops, stats.drops);
});
