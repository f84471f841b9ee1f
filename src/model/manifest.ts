/**
 * The package's checksum manifest: a `SHA256SUMS` file in the format `sha256sum` writes and
 * `sha256sum -c` verifies ("<64 hex>  <relative path>\n", sorted by path), so a package can be
 * checked with standard tools as well as by loadModel().
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelPackageError } from '../core/errors.js';

export const MANIFEST_FILE = 'SHA256SUMS';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function formatManifest(files: ReadonlyMap<string, Uint8Array | string>): string {
  return `${[...files.keys()]
    .sort()
    .map((name) => `${sha256(files.get(name)!)}  ${name}`)
    .join('\n')}\n`;
}

export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new ModelPackageError(`${MANIFEST_FILE} line ${i + 1}: not "<sha256>  <file>"`);
    const name = m[2];
    if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
      throw new ModelPackageError(`${MANIFEST_FILE} line ${i + 1}: file name "${name}" must be a plain name`);
    }
    out.set(name, m[1]);
  });
  return out;
}

/**
 * Reads the files a manifest lists from `dir`, checks each one's hash and returns their bytes.
 * `required` names files that must be listed. Files not listed are never read.
 */
export async function readVerified(
  dir: string,
  required: readonly string[],
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Map<string, Buffer>> {
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new ModelPackageError(`${dir}: no ${MANIFEST_FILE} checksum manifest; not an mlship model package`);
  }
  const manifest = parseManifest(manifestText);
  for (const name of required) {
    if (!manifest.has(name)) throw new ModelPackageError(`${dir}: ${MANIFEST_FILE} does not list ${name}`);
  }
  const out = new Map<string, Buffer>();
  for (const [name, expected] of manifest) {
    let data: Buffer;
    try {
      const st = await stat(join(dir, name));
      if (st.size > maxBytes) {
        throw new ModelPackageError(`${dir}: ${name} is ${st.size} bytes, over the ${maxBytes}-byte limit`);
      }
      data = await readFile(join(dir, name));
    } catch (e) {
      if (e instanceof ModelPackageError) throw e;
      throw new ModelPackageError(`${dir}: ${name} is listed in ${MANIFEST_FILE} but missing`);
    }
    const actual = sha256(data);
    if (actual !== expected) {
      throw new ModelPackageError(
        `${dir}: checksum mismatch for ${name} (expected sha256 ${expected}, found ${actual}); the package is corrupt or was modified`,
      );
    }
    out.set(name, data);
  }
  return out;
}
