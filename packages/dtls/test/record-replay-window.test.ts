import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { ReplayWindow } from '../src/record/replay-window.js';

test('drops a record replayed inside the window', () => {
  const w = new ReplayWindow(64);
  assert.ok(w.check(5));
  w.accept(5);
  assert.equal(w.check(5), false);
  assert.ok(w.check(4));
  w.accept(4);
  assert.equal(w.check(4), false);
});

test('drops records older than the window and accepts late ones inside it', () => {
  const w = new ReplayWindow(64);
  w.accept(100);
  assert.equal(w.check(36), false, '100 - 36 = 64 is outside a 64-wide window');
  assert.ok(w.check(37));
  w.accept(37);
  assert.equal(w.check(37), false);
});

test('a jump larger than the window forgets everything below', () => {
  const w = new ReplayWindow(32);
  for (let s = 0; s < 10; s++) w.accept(s);
  w.accept(1000);
  assert.equal(w.highest, 1000);
  assert.ok(w.check(999));
  assert.equal(w.check(9), false);
});

test('handles 48-bit sequence numbers', () => {
  const w = new ReplayWindow();
  const top = 2 ** 48 - 1;
  w.accept(top - 1);
  assert.ok(w.check(top));
  w.accept(top);
  assert.equal(w.check(top), false);
  assert.equal(w.check(top - 1), false);
});

test('rejects a width outside 32..4096', () => {
  assert.throws(() => new ReplayWindow(16), /width/);
});

test('agrees with a set-based model on random sequences', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), (seqs) => {
      const w = new ReplayWindow(64);
      const seen = new Set<number>();
      let top = -1;
      for (const s of seqs) {
        const expected = !seen.has(s) && (s > top || top - s < 64);
        assert.equal(w.check(s), expected);
        if (expected) {
          w.accept(s);
          seen.add(s);
          top = Math.max(top, s);
        }
      }
    }),
  );
});
