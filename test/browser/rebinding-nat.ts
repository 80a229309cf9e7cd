import { createSocket, type Socket } from 'node:dgram';

/**
 * A one-client NAT on loopback between a browser and our mux, whose outside port can be changed
 * mid-call (NAT rebinding as our side sees it). The browser talks to `insidePort` (announced as our
 * candidate); the NAT forwards what the browser sends to the mux from its current outside socket
 * and what the mux sends to that socket back to the browser from `insidePort`. After `rebind()` the
 * old mapping is gone: datagrams the mux still sends there are dropped and counted.
 */
export class RebindingNat {
  /** Datagrams the mux sent to an outside port after it stopped being the mapping. */
  toOldMapping = 0;
  /** When the first STUN success response from the browser left through the current mapping (ms). */
  firstAnswerOutAt: number | undefined;
  /** When the first RTP/RTCP from the mux reached the current mapping (ms). */
  firstMediaInAt: number | undefined;
  private browser: { address: string; port: number } | undefined;
  private current: Socket;
  private readonly old: Socket[] = [];

  private constructor(
    private readonly inside: Socket,
    first: Socket,
    private readonly mux: { address: string; port: number },
  ) {
    this.current = first;
    inside.on('message', (msg, rinfo) => {
      this.browser = { address: rinfo.address, port: rinfo.port };
      // A success response from the browser (an answer to our request) leaving through this mapping.
      if (this.firstAnswerOutAt === undefined && msg.length >= 20 && msg[0] === 0x01 && msg[1] === 0x01) {
        this.firstAnswerOutAt = Date.now();
      }
      this.current.send(msg, this.mux.port, this.mux.address);
    });
    this.attach(first);
  }

  static async open(mux: { address: string; port: number }): Promise<RebindingNat> {
    const inside = await bound();
    const first = await bound();
    return new RebindingNat(inside, first, mux);
  }

  get insidePort(): number {
    return this.inside.address().port;
  }

  /** The outside port the mux sees the browser at now. */
  get outsidePort(): number {
    return this.current.address().port;
  }

  /** Moves the mapping to a new outside port; the old one stops forwarding. */
  async rebind(): Promise<void> {
    const next = await bound();
    this.old.push(this.current);
    this.current = next;
    this.firstAnswerOutAt = undefined;
    this.firstMediaInAt = undefined;
    this.attach(next);
  }

  async close(): Promise<void> {
    await Promise.all(
      [this.inside, this.current, ...this.old].map((s) => new Promise<void>((r) => s.close(() => r()))),
    );
  }

  private attach(socket: Socket): void {
    socket.on('message', (msg) => {
      if (socket !== this.current) {
        this.toOldMapping++;
        return;
      }
      if (this.firstMediaInAt === undefined && msg[0]! >= 128 && msg[0]! <= 191)
        this.firstMediaInAt = Date.now();
      if (this.browser) this.inside.send(msg, this.browser.port, this.browser.address);
    });
  }
}

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.off('error', reject);
      resolve();
    });
  });
  return s;
}
