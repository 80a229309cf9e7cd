import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fuzzDirectory, loadCorpus } from './corpus.js';
import { encodeFragment, splitFragments, splitRecords, WholeMessages } from './dtls-wire.js';
import { findingClass } from './finding.js';
import { makeContext } from './inputs.js';
import { KNOWN_OPEN, knownOpen } from './known-open.js';
import type { Reproducer } from './run.js';
import type { DtlsInput } from './targets/dtls-engine.js';
import { type FuzzContext, findTarget } from './targets/index.js';
import type { TransportInput } from './targets/transport.js';

/*
 * The fuzzer's part of `pnpm test`: every corpus seed replays through the targets, every committed
 * reproducer replays (known-open ones as todo, fixed ones enforced), and a short deterministic run
 * (fixed seed, fixed number of inputs per target) in a child process under the watchdog must find
 * no class that is not known-open. Long runs: `pnpm fuzz --minutes N`.
 *
 * The engines use x25519 and secp256r1, as the long runs do (under the watchdog there).
 */

const GROUPS: FuzzContext['groups'] = ['x25519', 'secp256r1'];
let ctx: FuzzContext;

before(async () => {
  ctx = await makeContext(GROUPS);
});

/** The finding classes of a verdict that are not known-open. */
function unexpected(findings: readonly Parameters<typeof knownOpen>[0][]): string[] {
  return findings.filter((f) => knownOpen(f) === undefined).map(findingClass);
}

test('the committed corpus holds the browser captures and recorded handshakes for both roles', () => {
  const corpus = loadCorpus();
  assert.ok(corpus.files >= 19, `${corpus.files} corpus files`);
  assert.ok(corpus.toServer.length >= 20 && corpus.toClient.length >= 20);
  // The three browser captures are ClientHellos (record type 22, handshake type 1).
  const hellos = corpus.toServer.filter((d) => d[0] === 22 && d[13] === 1);
  assert.ok(hellos.length >= 3 + 8, `${hellos.length} ClientHellos`);
});

test('every corpus seed, injected before the hello into either role, breaks no invariant', () => {
  const engine = findTarget('dtls-engine');
  const corpus = loadCorpus();
  let runs = 0;
  for (const [role, pool] of [
    ['server', corpus.toServer],
    ['client', corpus.toClient],
  ] as const) {
    for (let seed = 0; seed < pool.length; seed++) {
      for (const cookieExchange of [true, false]) {
        const input: DtlsInput = {
          scenario: {
            role,
            cookieExchange,
            requireClientCertificate: true,
            peerCertificate: 'expected',
            mtu: 1200,
          },
          steps: [{ k: 'inject', seed, muts: [] }, { k: 'deliver' }, { k: 'deliver' }],
        };
        const verdict = engine.run(input, ctx);
        assert.deepEqual(unexpected(verdict.findings), [], `${role} seed ${seed} cookie ${cookieExchange}`);
        runs++;
      }
    }
  }
  assert.ok(runs >= 80);
});

test('every corpus seed, sent to the transport from the peer and from a stranger, breaks no invariant', () => {
  const transport = findTarget('transport');
  const corpus = loadCorpus();
  const pool = [...corpus.toServer, ...corpus.toMux];
  for (let seed = 0; seed < pool.length; seed++) {
    for (const from of ['peer', 'stranger'] as const) {
      const input: TransportInput = { dtlsRole: 'server', steps: [{ k: 'inject', from, seed, muts: [] }] };
      const verdict = transport.run(input, ctx);
      assert.deepEqual(unexpected(verdict.findings), [], `seed ${seed} from ${from}`);
      assert.equal(verdict.connected, true, `seed ${seed} from ${from}: the call still connects`);
    }
  }
});

test('a hello the peer sent in two fragments counts as a whole hello, one whose fragments disagree does not', () => {
  // A browser's captured ClientHello: one datagram, two records, one fragment each.
  const hello = loadCorpus().toServer.find((d) => {
    const rs = splitRecords(d).records;
    return rs.length === 2 && rs.every((r) => splitFragments(r.body)[0]?.msgType === 1);
  });
  assert.ok(hello, 'a ClientHello in two fragments in the corpus');
  const ofServer = new WholeMessages([1]);
  assert.equal(ofServer.note(hello), true);
  assert.equal(new WholeMessages([2, 3]).note(hello), false, 'not a hello of the server');
  // The same two fragments, the second one's last byte changed and overlapping the first by one byte.
  const [a, b] = splitRecords(hello).records.map((r) => splitFragments(r.body)[0]!);
  const tail = new Uint8Array(b!.body.length + 1);
  tail[0] = a!.body[a!.body.length - 1]! ^ 0xff;
  tail.set(b!.body, 1);
  const parts = new WholeMessages([1]);
  assert.equal(parts.note(recordOf(encodeFragment(a!))), false, 'half a hello');
  assert.equal(
    parts.note(recordOf(encodeFragment({ ...b!, fragmentOffset: b!.fragmentOffset - 1, body: tail }))),
    false,
    'bytes that disagree do not complete it',
  );
  assert.equal(parts.note(recordOf(encodeFragment(b!))), true, 'the genuine rest, in another datagram, does');
  // A whole hello that disagrees with a partial one held before is whole all the same (a rival).
  const rival = new WholeMessages([1]);
  assert.equal(rival.note(recordOf(encodeFragment(a!))), false);
  const other = { ...a!, body: new Uint8Array(a!.length).fill(7) };
  assert.equal(rival.note(recordOf(encodeFragment({ ...other, fragmentOffset: 0 }))), true);
});

/** One epoch-0 handshake record around `body`. */
function recordOf(body: Uint8Array): Uint8Array {
  const r = new Uint8Array(13 + body.length);
  r.set([22, 0xfe, 0xfd], 0);
  r[11] = body.length >> 8;
  r[12] = body.length & 0xff;
  r.set(body, 13);
  return r;
}

test('a forgery after the hello was accepted is not blamed on one sent before it', () => {
  const engine = findTarget('dtls-engine');
  const scenario = {
    role: 'client',
    cookieExchange: true,
    requireClientCertificate: false,
    peerCertificate: 'expected',
    mtu: 300,
    maxVersion: 'DTLS 1.2',
  } as const;
  const before: DtlsInput['steps'] = [
    { k: 'deliver' },
    { k: 'inject', seed: 843, muts: [{ op: 'truncate', keep: 54 }] },
    { k: 'deliver' },
  ];
  // The forgery before the ServerHello alone: dropped, the handshake connects.
  const alone = engine.run({ scenario, steps: before } satisfies DtlsInput, ctx);
  assert.deepEqual(alone.findings, []);
  assert.equal(alone.connected, true);
  // A recorded plaintext message injected after the ServerHello was accepted ends the handshake
  // (the accepted limit of DTLS 1.2), and that is not reported as the earlier forgery's doing.
  const both = engine.run(
    { scenario, steps: [...before, { k: 'inject', seed: 491, muts: [] }] } satisfies DtlsInput,
    ctx,
  );
  assert.equal(both.connected, false);
  assert.deepEqual(both.findings, []);
  // DTLS 1.3 encrypts every handshake message after the ServerHello, so the same plaintext
  // injection is dropped there and the handshake connects.
  const v13 = engine.run(
    {
      scenario: { ...scenario, maxVersion: 'DTLS 1.3' },
      steps: [...before, { k: 'inject', seed: 491, muts: [] }],
    } satisfies DtlsInput,
    ctx,
  );
  assert.deepEqual(v13.findings, []);
  assert.equal(v13.connected, true);
});

test('a genuine handshake through each target connects with no finding (the harness itself is sound)', () => {
  for (const role of ['server', 'client'] as const) {
    for (const cookieExchange of [true, false]) {
      const v = findTarget('dtls-engine').run(
        {
          scenario: {
            role,
            cookieExchange,
            requireClientCertificate: true,
            peerCertificate: 'expected',
            mtu: 300,
          },
          steps: [{ k: 'deliver' }],
        } satisfies DtlsInput,
        ctx,
      );
      assert.deepEqual(v.findings, [], `${role} cookie ${cookieExchange}`);
      assert.equal(v.connected, true);
    }
    const t = findTarget('transport').run(
      { dtlsRole: role, steps: [{ k: 'deliver' }] } satisfies TransportInput,
      ctx,
    );
    assert.deepEqual(t.findings, []);
    assert.equal(t.connected, true, `transport as ${role}`);
  }
});

test('the invariants catch what they are for: another certificate, and a forged fragment shadowing the ClientHello', () => {
  const engine = findTarget('dtls-engine');
  // The peer presents a certificate whose fingerprint is not the expected one: never connected.
  const other = engine.run(
    {
      scenario: {
        role: 'client',
        cookieExchange: true,
        requireClientCertificate: true,
        peerCertificate: 'other',
        mtu: 1200,
      },
      steps: [{ k: 'deliver' }],
    } satisfies DtlsInput,
    ctx,
  );
  assert.equal(other.connected, false);
  assert.deepEqual(other.findings, []);
  // A zero-length fragment of a ClientHello declared 200 bytes long, before the real one: the
  // handshake must still complete, and the harness reports it when it does not.
  const shadow = engine.run(
    {
      scenario: {
        role: 'server',
        cookieExchange: false,
        requireClientCertificate: true,
        peerCertificate: 'expected',
        mtu: 1200,
      },
      steps: [
        {
          k: 'forge',
          frag: {
            msgType: 1,
            messageSeq: 0,
            length: 200,
            fragmentOffset: 0,
            fragmentLength: 0,
            fill: 0,
            recordSeq: 0,
          },
        },
      ],
    } satisfies DtlsInput,
    ctx,
  );
  assert.ok(
    shadow.connected || shadow.findings.some((f) => f.kind === 'handshake-wedged'),
    JSON.stringify(shadow.findings),
  );
});

test('the memory probe measures what one more engine holds: pinned buffers count, datagrams sent and dropped do not', () => {
  // In a child process: the probe needs --expose-gc.
  const probe = new URL('./targets/dtls-memory.js', import.meta.url).href;
  const code = `
    import { heldPerEngine, MEMORY_SLACK, MEMORY_PER_BYTE } from ${JSON.stringify(probe)};
    const bound = MEMORY_SLACK + MEMORY_PER_BYTE * 4 * 25;
    const make = () => ({ pinned: [] });
    const pin = (size) => (e) => { for (let i = 0; i < 4; i++) e.pinned.push(new Uint8Array(size)); };
    const r = {
      bound,
      pinning: heldPerEngine(make, pin(65536), bound),
      small: heldPerEngine(make, pin(1200), bound),
      dropped: heldPerEngine(make, () => { for (let i = 0; i < 4; i++) new Uint8Array(1200).fill(1); }, bound),
    };
    console.log(JSON.stringify(r));`;
  const out = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    timeout: 60_000,
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, out.stderr);
  const r = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  const what = JSON.stringify(r);
  // Four 25-byte datagrams that each pin 64 KiB, as the reassembler once did: 256 KiB per engine.
  assert.ok(r.pinning! > r.bound! && Math.abs(r.pinning! - 4 * 65536) < 32 * 1024, what);
  assert.ok(Math.abs(r.small! - 4 * 1200) < 2048, what);
  // Sent datagrams the engine no longer references are garbage, not memory it holds (two GCs:
  // one alone leaves the backing stores it freed counted).
  assert.ok(r.dropped! < 2048, what);
});

// ---- committed reproducers ----------------------------------------------------------------------

const findingsDir = fuzzDirectory('findings');
const reproducers = readdirSync(findingsDir)
  .filter((n) => n.endsWith('.json'))
  .sort()
  .map((name) => ({ name, r: JSON.parse(readFileSync(join(findingsDir, name), 'utf8')) as Reproducer }));

for (const { name, r } of reproducers) {
  const open = r.status === 'open' ? KNOWN_OPEN.find((k) => k.id === r.knownOpen) : undefined;
  test(
    `reproducer ${name} (${r.class}) no longer breaks its invariant`,
    open ? { todo: `known open: ${open.id}: ${open.description}` } : {},
    () => {
      if (r.class === 'hang' || r.target === 'dtls-memory') {
        // Replayed in a child process: an input that deadlocked must not take the test run down,
        // and the memory probe needs --expose-gc.
        const replay = fileURLToPath(new URL('./replay.js', import.meta.url));
        const out = spawnSync(process.execPath, ['--expose-gc', replay, join(findingsDir, name)], {
          timeout: 60_000,
          encoding: 'utf8',
        });
        assert.equal(out.signal, null, 'the replay finished');
        assert.equal(JSON.parse(out.stdout.trim().split('\n').at(-1)!).reproduced, false);
        return;
      }
      const classes = findTarget(r.target).run(r.input, ctx).findings.map(findingClass);
      assert.ok(!classes.includes(r.class), classes.join('; '));
    },
  );
}

test('every open reproducer names a known-open entry, and every known-open entry has a reproducer', () => {
  for (const { name, r } of reproducers) {
    if (r.status !== 'open') continue;
    assert.ok(
      KNOWN_OPEN.some((k) => k.id === r.knownOpen),
      `${name}: ${r.knownOpen}`,
    );
  }
  for (const k of KNOWN_OPEN) {
    if (k.nondeterministic) continue;
    assert.ok(
      reproducers.some(({ r }) => r.knownOpen === k.id),
      `known-open ${k.id} has a reproducer in test/fuzz/findings`,
    );
  }
});

// ---- the short run -----------------------------------------------------------------------------

test('a short deterministic fuzz run (fixed seed, 100 inputs per target) finds nothing that is not known-open', () => {
  const runner = fileURLToPath(new URL('./run.js', import.meta.url));
  const out = spawnSync(
    process.execPath,
    [
      runner,
      '--runs',
      '100',
      '--seed',
      '20261202',
      '--groups',
      'x25519,secp256r1',
      '--no-save',
      '--reduce-ms',
      '0',
      '--hang-seconds',
      '30',
    ],
    { timeout: 240_000, encoding: 'utf8' },
  );
  const text = `${out.stdout}\n${out.stderr}`;
  assert.equal(out.signal, null, text);
  assert.match(text, /dtls-engine: 100 inputs/);
  assert.match(text, /transport: 100 inputs/);
  assert.match(text, /total: 300 inputs; 0 new finding classes/, text);
  assert.equal(out.status, 0, text);
});
