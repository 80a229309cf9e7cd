export * from './answer.js';
export * from './media-answer.js';
export * from './media-offer.js';
export * from './media-section.js';
export * from './offer.js';
