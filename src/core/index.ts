/**
 * core/: errors, config and URI parsing shared by every other folder.
 * Imports nothing from the project; every other folder may import from here.
 */
export * from './errors.js';
export * from './json.js';
