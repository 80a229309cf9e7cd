export * from './classify.js';
export * from './router.js';
export * from './udp-mux.js';
