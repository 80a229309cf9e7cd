export * from './webrtc-transport.js';
