export * from './bundle-demux.js';
export * from './header-extension.js';
export * from './rtp-header.js';
export * from './rtx.js';
export * from './send-streams.js';
