import type { Socket } from 'node:dgram';

/**
 * Sends datagrams on one UDP socket and closes it only after the datagrams
 * already handed to it (a final close_notify, say) have been sent.
 */
export class UdpSender {
  private pending = 0;
  private closeRequested = false;
  private closedFlag = false;
  /** Datagrams whose send reported an error (UDP send errors are transient; retransmission covers them). */
  sendErrors = 0;

  constructor(readonly socket: Socket) {
    socket.once('close', () => {
      this.closedFlag = true;
    });
  }

  send(datagram: Uint8Array, port?: number, address?: string): void {
    if (this.closedFlag) return;
    this.pending++;
    const done = (err: Error | null) => {
      this.pending--;
      if (err !== null) this.sendErrors++;
      if (this.pending === 0 && this.closeRequested) this.closeNow();
    };
    if (port === undefined) this.socket.send(datagram, done);
    else this.socket.send(datagram, port, address, done);
  }

  /** Closes once every pending send completed; resolves when the socket is closed. */
  close(): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.pending === 0) this.closeNow();
    else this.closeRequested = true;
    return closed;
  }

  private closeNow(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    try {
      this.socket.close();
    } catch {
      // already closed by someone else
    }
  }
}
