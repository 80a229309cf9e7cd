/**
 * @rtcseal/ice-lite: one-port ICE-lite WebRTC transport.
 * STUN codec (RFC 8489), ICE-lite agent (RFC 8445 §2.5), RFC 7983 mux, SDP offer/answer (JSEP, BUNDLE),
 * the BUNDLE demux and send check, RTX, and RTCP parsing, routing and feedback builders.
 */
export * from './ice/index.js';
export * from './mux/index.js';
export * from './rtcp/index.js';
export * from './rtp/index.js';
export * from './sdp/index.js';
export * from './stun/index.js';
export * from './transport/index.js';
