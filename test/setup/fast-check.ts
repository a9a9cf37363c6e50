/**
 * Property tests explore new random cases on every local run. In CI they use
 * one fixed seed (override with FC_SEED), so a landing is decided by the code,
 * not by the draw; a failure prints its seed and path to replay it locally.
 */
import fc from 'fast-check';

if (process.env.CI || process.env.FC_SEED) {
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env.FC_SEED ?? 20261122) });
}
