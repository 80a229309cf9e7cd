import assert from 'node:assert/strict';
import type { DtlsCertificate } from '@rtcseal/dtls';
import { DtlsEngine } from '@rtcseal/dtls';
import { SrtpSession } from '@rtcseal/srtp';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/candidate.js';
import { UdpMuxRouter } from '../src/mux/router.js';
import { HmacSha1Key, Sha1Workspace, StunMessageBuilder, StunMessageType } from '../src/stun/index.js';
import { type AnswerResult, WebRtcTransport, type WebRtcTransportOptions } from '../src/transport/index.js';
import { ControllingPeer, isBindingRequest } from './controlling-peer.js';
import { readSdpFixture, type SdpFixture } from './fixtures.js';

/**
 * A browser stand-in for bundled calls, made of the project's own engines: it offers what headless
 * Chromium or Firefox offered (a captured fixture with its own ICE credentials and fingerprint),
 * runs ICE as the controlling side and answers our requests, DTLS in the role the answer leaves it,
 * and SRTP with the exported keys. One router, loopback addresses, no sockets.
 */

export const PEER = { address: '127.0.0.1', port: 50_000 };
export const OURS = { address: '127.0.0.1', port: 5000 };

export interface PeerCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/** A captured browser offer with the stand-in's ICE credentials, fingerprint and setup. */
export function fixtureOffer(
  name: SdpFixture,
  certificate: DtlsCertificate,
  ice: PeerCredentials,
  setup = 'actpass',
): string {
  return readSdpFixture(name)
    .replace(/a=ice-ufrag:.*/g, `a=ice-ufrag:${ice.ufrag}`)
    .replace(/a=ice-pwd:.*/g, `a=ice-pwd:${ice.pwd}`)
    .replace(/a=fingerprint:.*/g, `a=fingerprint:${certificate.fingerprint('sha-256')}`)
    .replace(/a=setup:.*/g, `a=setup:${setup}`);
}

export class BundlePeer {
  readonly router: UdpMuxRouter;
  /** Datagrams we sent to the peer (at any of its tuples), not yet taken by `pump`. */
  readonly toPeer: Array<{ bytes: Uint8Array; port: number }> = [];
  /** The peer's ICE agents by generation (an ICE restart adds one); each answers its own requests. */
  readonly icePeers: ControllingPeer[] = [];
  readonly result: AnswerResult;
  dtls: DtlsEngine;
  readonly dtlsRole: 'client' | 'server';
  icePeer: ControllingPeer;
  ice: PeerCredentials;
  /** Our credentials as the peer knows them from the latest answer. */
  ourUfrag: string;
  ourPwd: string;
  private tx: SrtpSession | undefined;
  private rx: SrtpSession | undefined;
  private readonly ws = new Sha1Workspace();

  constructor(
    offer: string,
    ice: PeerCredentials,
    certificate: DtlsCertificate,
    options: Omit<WebRtcTransportOptions, 'mux'>,
    private readonly now: () => number = Date.now,
  ) {
    this.ice = ice;
    this.router = new UdpMuxRouter({
      send: (bytes, address, port) => {
        assert.equal(address, PEER.address);
        this.toPeer.push({ bytes, port });
      },
    });
    this.result = WebRtcTransport.answer(offer, {
      ...options,
      mux: {
        addSession: (o) => this.router.addSession(o, this.now()),
        candidates: hostCandidates([OURS]),
      },
    } as WebRtcTransportOptions);
    assert.ok(this.result.ok, this.result.ok ? '' : this.result.error);
    const m = sdpTransform.parse(this.result.answer).media.find((x) => x.port !== 0)!;
    this.ourUfrag = String(m.iceUfrag);
    this.ourPwd = String(m.icePwd);
    this.icePeer = new ControllingPeer(ice.ufrag, ice.pwd);
    this.icePeers.push(this.icePeer);
    this.dtlsRole = m.setup === 'passive' ? 'client' : 'server';
    this.dtls = new DtlsEngine({
      role: this.dtlsRole,
      certificate,
      expectedFingerprint: `${m.fingerprint!.type} ${m.fingerprint!.hash}`,
      cookieExchange: false,
    });
  }

  get transport(): WebRtcTransport {
    assert.ok(this.result.ok);
    return this.result.transport;
  }

  /** Takes a new answer (re-offer): new ICE credentials of ours and, on restart, of the peer's. */
  applyAnswer(answer: string, ice: PeerCredentials): void {
    const m = sdpTransform.parse(answer).media.find((x) => x.port !== 0)!;
    this.ourUfrag = String(m.iceUfrag);
    this.ourPwd = String(m.icePwd);
    this.ice = ice;
    this.icePeer = new ControllingPeer(ice.ufrag, ice.pwd);
    this.icePeers.push(this.icePeer);
  }

  /** A Binding request of the controlling peer, signed with our password from the latest answer. */
  check(useCandidate: boolean, creds?: { ourUfrag: string; ourPwd: string; ufrag: string }): Uint8Array {
    const c = creds ?? { ourUfrag: this.ourUfrag, ourPwd: this.ourPwd, ufrag: this.ice.ufrag };
    const b = new StunMessageBuilder(
      StunMessageType.BindingRequest,
      globalThis.crypto.getRandomValues(new Uint8Array(12)),
    )
      .username(`${c.ourUfrag}:${c.ufrag}`)
      .iceControlling(42n)
      .priority(1_000_000);
    if (useCandidate) b.useCandidate();
    return b.finish({
      sha1: { key: new HmacSha1Key(new TextEncoder().encode(c.ourPwd), this.ws), workspace: this.ws },
      fingerprint: true,
    });
  }

  fromPeer(bytes: Uint8Array, from = PEER): string {
    return this.router.handleDatagram(bytes, from.address, from.port, this.now());
  }

  /** Moves datagrams both ways until neither side has anything to say; answers our requests. */
  pump(): void {
    for (let rounds = 0; rounds < 50; rounds++) {
      let moved = false;
      for (let d = this.dtls.pollTransmit(); d; d = this.dtls.pollTransmit()) {
        this.fromPeer(d);
        moved = true;
      }
      while (this.toPeer.length > 0) {
        const { bytes: d, port } = this.toPeer.shift()!;
        const at = { address: PEER.address, port };
        if (d[0]! >= 20 && d[0]! <= 63) this.dtls.handleDatagram(d, this.now());
        else if (isBindingRequest(d)) {
          if (this.unanswered.has(port)) continue;
          for (const p of this.icePeers) {
            const a = p.answer(d, OURS);
            if (a) this.fromPeer(a, at);
          }
        } else if (d[0]! >= 128 && d[0]! <= 191) {
          this.media.push(d);
          this.mediaPorts.push(port);
        }
        moved = true;
      }
      if (!moved) return;
    }
  }

  /** SRTP and SRTCP we sent, still protected, in order, and the peer's port each went to. */
  readonly media: Uint8Array[] = [];
  readonly mediaPorts: number[] = [];
  /** Ports of the peer whose requests from us go unanswered (a path not yet usable). */
  readonly unanswered = new Set<number>();

  /** Nominating check, then DTLS: returns once both sides are connected. */
  connect(): void {
    this.fromPeer(this.check(true));
    if (this.dtlsRole === 'client') this.dtls.start(this.now());
    this.pump();
    assert.equal(this.dtls.state, 'connected');
  }

  private srtp(): { tx: SrtpSession; rx: SrtpSession } {
    if (!this.tx || !this.rx) {
      const keys = this.dtls.srtpKeyingMaterial();
      assert.ok(keys, 'peer has SRTP keys');
      this.tx = new SrtpSession({
        profile: keys.profile,
        masterKey: keys.localMasterKey,
        masterSalt: keys.localMasterSalt,
      });
      this.rx = new SrtpSession({
        profile: keys.profile,
        masterKey: keys.remoteMasterKey,
        masterSalt: keys.remoteMasterSalt,
      });
    }
    return { tx: this.tx, rx: this.rx };
  }

  sendRtp(plain: Uint8Array): string {
    return this.fromPeer(this.srtp().tx.protectRtp(plain));
  }

  sendRtcp(plain: Uint8Array): string {
    return this.fromPeer(this.srtp().tx.protectRtcp(plain));
  }

  /** Our media that reached the peer, decrypted (RTP and RTCP told apart by RFC 5761 §4). */
  received(): { rtp: Uint8Array[]; rtcp: Uint8Array[] } {
    const { rx } = this.srtp();
    const out = { rtp: [] as Uint8Array[], rtcp: [] as Uint8Array[] };
    this.mediaPorts.length = 0;
    for (const d of this.media.splice(0)) {
      const pt = d[1]! & 0x7f;
      if (pt >= 64 && pt <= 95) {
        const r = rx.unprotectRtcp(d);
        if (r.ok) out.rtcp.push(Uint8Array.from(r.packet));
      } else {
        const r = rx.unprotectRtp(d);
        if (r.ok) out.rtp.push(Uint8Array.from(r.packet));
      }
    }
    return out;
  }
}
