/**
 * core/: what every other folder shares — the error types and their codes (errors.ts), JSON
 * encoding of non-finite numbers (json.ts), the terminal progress bar (progress.ts) and the
 * package version (version.ts). File helpers (fs.ts) and Python-compatible JSON (python.ts) stay
 * internal.
 * Imports nothing from the project; every other folder may import from here.
 */
export * from './errors.js';
export * from './json.js';
export { createProgress, type Progress } from './progress.js';
export { VERSION } from './version.js';
