/**
 * Thrown by the wire decoders when bytes from the network do not form a valid
 * structure. The engine catches it at its boundary and turns it into the alert
 * the RFC names (decode_error unless the decoder says otherwise); it never
 * escapes to the embedding program.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** TLS alert description to send (RFC 5246 §7.2): 50 decode_error, 47 illegal_parameter. */
  readonly alert: number;

  constructor(message: string, alert = 50) {
    super(message);
    this.alert = alert;
  }
}
