import type { DtlsEngine } from '../../src/engine.js';
import type { DtlsEvent } from '../../src/events.js';
import { encodeHandshakeFragment, parseHandshakeFragment } from '../../src/handshake/fragment.js';
import { encodeRecord, splitDatagram } from '../../src/record/record-header.js';

/** A handshake message as seen on the wire (unfragmented flights at MTU 1200). */
export interface WireMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  readonly epoch: number;
}

/** The plaintext (epoch 0) handshake messages in some datagrams; protected records are skipped. */
export function handshakeMessages(datagrams: readonly Uint8Array[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const d of datagrams) {
    for (const r of splitDatagram(d).records) {
      if (r.contentType !== 22 || r.epoch !== 0) continue;
      let pos = 0;
      while (pos < r.fragment.length) {
        const p = parseHandshakeFragment(r.fragment, pos);
        if (!p.ok) break;
        const f = p.fragment;
        if (f.fragmentOffset === 0 && f.fragmentLength === f.length) {
          out.push({ msgType: f.msgType, messageSeq: f.messageSeq, body: f.body.slice(), epoch: 0 });
        }
        pos = p.next;
      }
    }
  }
  return out;
}

/** One plaintext epoch-0 record carrying a whole handshake message, as a datagram. */
export function messageDatagram(
  msgType: number,
  messageSeq: number,
  body: Uint8Array,
  recordSeq: number,
): Uint8Array {
  return encodeRecord(
    22,
    0xfefd,
    0,
    recordSeq,
    encodeHandshakeFragment(msgType, messageSeq, body, 0, body.length),
  );
}

/** Everything an engine wants to send, now. */
export function drain(e: DtlsEngine): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = e.pollTransmit(); d; d = e.pollTransmit()) out.push(d);
  return out;
}

export function events(e: DtlsEngine): DtlsEvent[] {
  const out: DtlsEvent[] = [];
  for (let ev = e.pollEvent(); ev; ev = e.pollEvent()) out.push(ev);
  return out;
}
