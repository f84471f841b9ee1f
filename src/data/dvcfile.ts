/**
 * `.dvc` files: reading, validating and writing them as DVC 3 does.
 *
 * Writing: the keys of an output in `Output.dumpd` order — md5, size, nfiles, isexec (only when
 * true), hash: md5, path, then desc, type, labels, meta, cache (only false), remote, push (only
 * false) — and the file's top-level keys in `get_dump` order — desc, md5, wdir, frozen, deps,
 * outs, meta [dvc `dvc/output.py` `dumpd`, `dvc/stage/utils.py` `get_dump`]; the text is
 * ruamel.yaml's (yaml-writer.ts). Re-adding over an existing file keeps its other keys and key
 * order, as DVC's `apply_diff` does; comments in it are not kept (DVC keeps them).
 *
 * Reading: DVC's single-stage schema [dvc `dvc/schema.py` SINGLE_STAGE_SCHEMA, `dvc/output.py`
 * SCHEMA]: unknown keys are errors, checksums may be written as YAML integers (DVC turns them
 * into strings) but not as floats. mlship handles DVC 3 entries (`hash: md5`) only.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { InvalidInputError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { type PyJson, pyJsonDumps } from '../core/python.js';
import { md5Hex } from './hash.js';
import { dumpYaml, type YamlValue } from './yaml-writer.js';

export const DVC_FILE_SUFFIX = '.dvc';

type Dict = { [key: string]: YamlValue };

export interface DvcOut {
  /** as written, relative to the stage's working directory */
  path: string;
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** 'md5' for DVC 3 entries */
  hash?: string;
  /** false: not cached (and never pushed) */
  cache: boolean;
  /** per-output remote name */
  remote?: string;
  /** false: never pushed */
  push: boolean;
}

export interface DvcDep {
  path: string;
  md5?: string;
  etag?: string;
  checksum?: string;
  size?: number;
  hash?: string;
}

export interface DvcFile {
  /** absolute path of the `.dvc` file */
  file: string;
  /** absolute directory that output and dependency paths are relative to */
  wdir: string;
  md5?: string;
  frozen: boolean;
  deps: DvcDep[];
  outs: DvcOut[];
  /** the parsed document, kept so a rewrite preserves keys mlship does not interpret */
  raw: Dict;
}

const TOP_KEYS = new Set([
  'outs',
  'deps',
  'wdir',
  'md5',
  'frozen',
  'desc',
  'meta',
  'always_changed',
  'locked',
]);
/** Keys a dependency may have (dvc/schema.py); an output allows these and more. */
const DEP_KEY_LIST = [
  'md5',
  'etag',
  'checksum',
  'size',
  'nfiles',
  'isexec',
  'version_id',
  'path',
  'hash',
  'files',
  'fs_config',
];
const DEP_KEYS = new Set(DEP_KEY_LIST);
const OUT_KEYS = new Set([
  ...DEP_KEY_LIST,
  'cache',
  'remote',
  'push',
  'persist',
  'desc',
  'type',
  'labels',
  'meta',
  'cloud',
]);

const CHECKSUM_KEYS = ['md5', 'checksum', 'etag'] as const;

class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

/** DVC's CHECKSUM_SCHEMA: str (md5/checksum lower-cased) or int coerced to str, at least 3 chars. */
function checksum(value: unknown, key: string, where: string): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'bigint') s = value.toString();
  else if (typeof value === 'number' && Number.isInteger(value)) s = String(value);
  else fail(`${where}: ${key} must be a string, got ${JSON.stringify(value)}`);
  if (s.length < 3) fail(`${where}: ${key} "${s}" is too short`);
  return key === 'etag' ? s : s.toLowerCase();
}

function optInt(value: unknown, key: string, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    fail(`${where}: ${key} must be a whole number`);
  return n;
}

function optBool(value: unknown, key: string, where: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') fail(`${where}: ${key} must be true or false`);
  return value;
}

function entryPath(e: Dict, where: string): string {
  if (typeof e.path !== 'string' || e.path === '') fail(`${where}: missing path`);
  return e.path;
}

function checkKeys(e: Dict, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(e)) if (!allowed.has(k)) fail(`${where}: unknown key "${k}"`);
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseOut(e: unknown, i: number): DvcOut {
  const where = `outs[${i}]`;
  if (!isDict(e)) fail(`${where}: expected a mapping with a path`);
  checkKeys(e, OUT_KEYS, where);
  const path = entryPath(e, where);
  const out: DvcOut = {
    path,
    md5: checksum(e.md5, 'md5', where),
    size: optInt(e.size, 'size', where),
    nfiles: optInt(e.nfiles, 'nfiles', where),
    isexec: optBool(e.isexec, 'isexec', where, false),
    hash: typeof e.hash === 'string' ? e.hash : undefined,
    cache: optBool(e.cache, 'cache', where, true),
    remote: typeof e.remote === 'string' ? e.remote.toLowerCase() : undefined,
    push: optBool(e.push, 'push', where, true),
  };
  if (e.files !== undefined || e.cloud !== undefined) {
    fail(`${where} (${path}): cloud-versioned outputs ("files"/"cloud") are not supported by mlship`);
  }
  return out;
}

function parseDep(e: unknown, i: number): DvcDep {
  const where = `deps[${i}]`;
  if (!isDict(e)) fail(`${where}: expected a mapping with a path`);
  checkKeys(e, DEP_KEYS, where);
  const dep: DvcDep = { path: entryPath(e, where), size: optInt(e.size, 'size', where) };
  for (const k of CHECKSUM_KEYS) {
    const v = checksum(e[k], k, where);
    if (v !== undefined) dep[k] = v;
  }
  if (typeof e.hash === 'string') dep.hash = e.hash;
  return dep;
}

/** Parse and validate `.dvc` text; `file` is its absolute path (for messages and wdir). */
export function parseDvcFile(text: string, file: string): DvcFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = err.linePos?.[0];
    const reason = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new InvalidInputError(`not valid YAML: ${reason}`, {
      file,
      line: pos?.line ?? 1,
      column: pos?.col,
    });
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new InvalidInputError('a .dvc file must be a YAML mapping with "outs"', { file, line: 1 });
  }
  const raw = (doc.toJS() ?? {}) as Dict;
  try {
    checkKeys(raw, TOP_KEYS, 'top level');
    if (!Array.isArray(raw.outs) || raw.outs.length === 0) {
      fail('no "outs": a .dvc file must list at least one output');
    }
    if (raw.deps !== undefined && raw.deps !== null && !Array.isArray(raw.deps))
      fail('"deps" must be a list');
    if (raw.wdir !== undefined && raw.wdir !== null && typeof raw.wdir !== 'string')
      fail('"wdir" must be a string');
    const outs = raw.outs.map(parseOut);
    const deps = ((raw.deps as unknown[] | null | undefined) ?? []).map(parseDep);
    return {
      file,
      wdir: resolve(dirname(file), typeof raw.wdir === 'string' ? raw.wdir : '.'),
      md5: checksum(raw.md5, 'md5', 'top level'),
      frozen: optBool(raw.frozen, 'frozen', 'top level', false),
      deps,
      outs,
      raw,
    };
  } catch (e) {
    if (e instanceof Invalid) {
      const line = lineOf(doc, e.message, lineCounter);
      throw new InvalidInputError(e.message, { file, line });
    }
    throw e;
  }
}

/** Best-effort line of the entry an error names ("outs[1]: …"), for the file:line prefix. */
function lineOf(doc: ReturnType<typeof parseDocument>, message: string, lc: LineCounter): number {
  const m = /^(outs|deps)\[(\d+)\]/.exec(message);
  if (!m) return 1;
  const seq = doc.get(m[1], true);
  if (!isSeq(seq)) return 1;
  const item = seq.items[Number(m[2])] as { range?: [number, number, number] } | undefined;
  return item?.range ? lc.linePos(item.range[0]).line : 1;
}

export async function readDvcFile(path: string): Promise<DvcFile> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidInputError(`${path}: no such .dvc file`);
    }
    throw e;
  }
  return parseDvcFile(text, file);
}

/** A new output entry in `Output.dumpd` order. */
export function outEntry(o: {
  md5: string;
  size: number;
  nfiles?: number;
  isexec?: boolean;
  path: string;
}): Dict {
  const e: Dict = { md5: o.md5, size: o.size };
  if (o.nfiles !== undefined) e.nfiles = o.nfiles;
  if (o.isexec) e.isexec = true;
  e.hash = 'md5';
  e.path = o.path;
  return e;
}

/**
 * DVC's `apply_diff(src, dest)`: update `dest` in place to equal `src`, keeping dest's key order
 * for keys both have; new keys go last, keys missing from src are removed.
 */
export function applyDiff(src: YamlValue, dest: YamlValue): YamlValue {
  if (Array.isArray(src) && Array.isArray(dest)) {
    if (src.length !== dest.length) return src;
    return src.map((v, i) => (sameContainer(v, dest[i]) ? applyDiff(v, dest[i]) : v));
  }
  if (isDict(src) && isDict(dest)) {
    const out: Dict = {};
    for (const k of Object.keys(dest))
      if (k in src) out[k] = sameContainer(src[k], dest[k]) ? applyDiff(src[k], dest[k]) : src[k];
    for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
    return out;
  }
  return src;
}

function sameContainer(a: YamlValue, b: YamlValue): boolean {
  return (Array.isArray(a) && Array.isArray(b)) || (isDict(a) && isDict(b));
}

/** The `.dvc` text for a top-level dict (already in DVC's key order). */
export function dvcFileText(doc: Dict): string {
  return dumpYaml(doc);
}

export async function writeDvcFile(path: string, doc: Dict): Promise<void> {
  await writeFileAtomic(path, dvcFileText(doc));
}

/** Keys DVC leaves out of a stage checksum, at every depth [dvc `dvc/stage/utils.py` `compute_md5`]. */
const STAGE_MD5_EXCLUDE = new Set([
  'desc',
  'type',
  'labels',
  'meta',
  'locked',
  'frozen',
  'metric',
  'persist',
  'isexec',
  'size',
  'nfiles',
]);

function filterKeys(v: YamlValue): PyJson {
  if (Array.isArray(v)) return v.map(filterKeys);
  if (isDict(v)) {
    const out: { [k: string]: PyJson } = {};
    for (const [k, x] of Object.entries(v)) if (!STAGE_MD5_EXCLUDE.has(k)) out[k] = filterKeys(x);
    return out;
  }
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * The top-level `md5` of an import stage: md5 of `json.dumps(d, sort_keys=True)` of the stage as
 * dumped, without md5/meta/desc and `wdir: .`, and without STAGE_MD5_EXCLUDE keys at any depth
 * [dvc `compute_md5`, `dict_md5`].
 */
export function stageMd5(doc: Dict): string {
  const d: Dict = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'md5' || k === 'meta' || k === 'desc') continue;
    if (k === 'wdir' && v === '.') continue;
    d[k] = v;
  }
  return md5Hex(pyJsonDumps(filterKeys(d), { sortKeys: true }));
}

/** Top-level keys in DVC's `get_dump` order, empty values dropped as DVC does. */
export function orderStage(doc: Dict): Dict {
  const order = ['desc', 'md5', 'cmd', 'wdir', 'frozen', 'deps', 'outs', 'always_changed', 'meta'];
  const out: Dict = {};
  for (const k of order) {
    const v = doc[k];
    if (v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  for (const [k, v] of Object.entries(doc)) if (!(k in out) && !order.includes(k)) out[k] = v;
  return out;
}
