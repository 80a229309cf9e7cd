export * from './agent.js';
export * from './candidate.js';
export * from './credentials.js';
export * from './tuple.js';
