/** Load generator for the voice-call demo: browser-like callers over real UDP on loopback. */
export { Caller, type CallerContext, type CallerState } from './caller.js';
export { type LoadCommand, parseLoadArgs } from './cli.js';
export { LatencyHistogram, MediaLedger, quantile } from './ledger.js';
export { detailLines, summaryLine } from './report.js';
export { type LoadOptions, type LoadResult, runLoad } from './run.js';
export {
  type AnswerParameters,
  buildOffer,
  type OfferParameters,
  parseAnswer,
  type ServerFigures,
  SignallingClient,
} from './signalling.js';
export { capacity, pointOf, runSweep, SWEEP_LIMITS, type SweepPoint, sweepSvg } from './sweep.js';
