export * from './compound.js';
export * from './feedback-builders.js';
export * from './reception-statistics.js';
export * from './rtcp-packet.js';
export * from './rtcp-routing.js';
