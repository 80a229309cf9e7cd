export * from './answer.js';
export * from './offer.js';
