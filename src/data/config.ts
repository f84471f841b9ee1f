/**
 * DVC's configuration: four INI files merged in order system < global < repo (`.dvc/config`) <
 * local (`.dvc/config.local`, git-ignored, for credentials) [dvc `dvc/config.py` `LEVELS`].
 *
 * What DVC does and we do the same way:
 * - keys and section names are lower-cased on load (`_lower_keys`), so remote names are too;
 * - `['remote "name"']` sections become remotes (`_parse_named`); on save plain sections come
 *   first in their order, then remotes, machines, dbs (`_pack_named`), empty sections dropped;
 * - relative paths (`url` of a local remote, `cache.dir`, credential files) are relative to the
 *   directory of the file that holds them (`_load_paths`); a relative path given on the command
 *   line is relative to the working directory and is stored relative to the config file's
 *   directory (`_save_paths`): `remote add r ../store` run in the root writes `url = ../../store`;
 * - unknown options of the remote types mlship knows are rejected, as DVC's schema does.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidInputError, InvalidParameterError, NotFoundError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { type Ini, type IniValue, parseIni, writeIni } from './ini.js';

export type ConfigLevel = 'system' | 'global' | 'repo' | 'local';
export const LEVELS: readonly ConfigLevel[] = ['system', 'global', 'repo', 'local'];

type Section = Map<string, IniValue>;
const NAMED_KINDS = ['remote', 'machine', 'db'] as const;
type NamedKind = (typeof NAMED_KINDS)[number];

/** One config file, split as DVC's `_parse_named` does. */
export interface ConfigData {
  /** core, cache, … in file order */
  sections: Map<string, Section>;
  named: Record<NamedKind, Map<string, Section>>;
}

function emptyData(): ConfigData {
  return { sections: new Map(), named: { remote: new Map(), machine: new Map(), db: new Map() } };
}

/** `[remote "name"]` or `['remote "name"']` → ['remote', 'name'] */
const NAMED_RE = /^\s*(remote|machine|db)\s*"(.*)"\s*$/;

export function parseConfig(text: string, file: string): ConfigData {
  const data = emptyData();
  for (const [name, section] of parseIni(text, file)) {
    const lowered: Section = new Map();
    for (const [k, v] of section) lowered.set(k.toLowerCase(), v);
    const lname = name.toLowerCase();
    const m = NAMED_RE.exec(lname);
    if (m) data.named[m[1] as NamedKind].set(m[2], lowered);
    else data.sections.set(lname, lowered);
  }
  return data;
}

export function serializeConfig(data: ConfigData): string {
  const ini: Ini = new Map();
  for (const [name, section] of data.sections) if (section.size > 0) ini.set(name, section);
  for (const kind of NAMED_KINDS)
    for (const [name, section] of data.named[kind]) ini.set(`${kind} "${name}"`, section);
  return writeIni(ini);
}

/** Options holding paths, resolved against the config file's directory [dvc `Config._map_dirs`]. */
const REMOTE_PATH_KEYS = new Set([
  'url',
  'gdrive_user_credentials_file',
  'gdrive_service_account_json_file_path',
  'credentialpath',
  'configpath',
  'keyfile',
  'cert_path',
  'key_path',
]);

const HAS_SCHEME = /^\w+:\/\//;

function isPathValue(v: IniValue): v is string {
  return typeof v === 'string' && !HAS_SCHEME.test(v) && !v.startsWith('~');
}

/** Map every path-valued option through `fn` (DVC's `_map_dirs`). */
function mapPaths(data: ConfigData, fn: (p: string) => string): void {
  const dir = data.sections.get('cache')?.get('dir');
  if (dir !== undefined && isPathValue(dir)) data.sections.get('cache')!.set('dir', fn(dir));
  for (const section of data.named.remote.values()) {
    for (const [k, v] of section) if (REMOTE_PATH_KEYS.has(k) && isPathValue(v)) section.set(k, fn(v));
  }
}

const toPosix = (p: string) => p.split('\\').join('/');

// ---- validation (the parts of dvc/config_schema.py that apply to what mlship reads) ----

const BOOL_RE = /^(true|false)$/i;
const REMOTE_COMMON = ['url', 'checksum_jobs', 'jobs', 'worktree', 'no_traverse', 'version_aware'];
const LOCAL_COMMON = ['type', 'protected', 'shared', 'slow_link_warning', 'verify'];
const HTTP_COMMON = [
  'auth',
  'custom_auth_header',
  'user',
  'password',
  'ask_password',
  'ssl_verify',
  'method',
  'connect_timeout',
  'read_timeout',
  'verify',
];
const S3_KEYS = [
  'region',
  'profile',
  'credentialpath',
  'configpath',
  'endpointurl',
  'access_key_id',
  'secret_access_key',
  'session_token',
  'listobjects',
  'use_ssl',
  'allow_anonymous_login',
  'ssl_verify',
  'sse',
  'sse_kms_key_id',
  'sse_customer_algorithm',
  'sse_customer_key',
  'acl',
  'grant_read',
  'grant_read_acp',
  'grant_write_acp',
  'grant_full_control',
  'cache_regions',
  'read_timeout',
  'connect_timeout',
  'verify',
];
/** Options DVC accepts per URL scheme ('' = a local path). Schemes mlship cannot open are not checked here. */
const REMOTE_KEYS: Record<string, Set<string>> = {
  '': new Set([...LOCAL_COMMON, ...REMOTE_COMMON]),
  s3: new Set([...S3_KEYS, ...REMOTE_COMMON]),
  http: new Set([...HTTP_COMMON, ...REMOTE_COMMON]),
  https: new Set([...HTTP_COMMON, ...REMOTE_COMMON]),
};
const DVC_SCHEMES = new Set([
  's3',
  'gs',
  'ssh',
  'hdfs',
  'webhdfs',
  'azure',
  'oss',
  'gdrive',
  'http',
  'https',
  'webdav',
  'webdavs',
  'remote',
]);
const BOOL_KEYS = new Set([
  'worktree',
  'no_traverse',
  'version_aware',
  'protected',
  'slow_link_warning',
  'verify',
  'ask_password',
  'listobjects',
  'use_ssl',
  'allow_anonymous_login',
  'no_scm',
  'analytics',
  'interactive',
  'hardlink_lock',
  'autostage',
  'check_update',
]);
const POSITIVE_INT_KEYS = new Set(['jobs', 'checksum_jobs']);
const CORE_KEYS = new Set([
  'remote',
  'checksum_jobs',
  'interactive',
  'analytics',
  'hardlink_lock',
  'no_scm',
  'autostage',
  'experiments',
  'check_update',
  'site_cache_dir',
  'machine',
]);
const CACHE_KEYS = new Set(['local', 's3', 'gs', 'hdfs', 'webhdfs', 'ssh', 'azure', 'dir', ...LOCAL_COMMON]);
const LINK_TYPES = new Set(['reflink', 'hardlink', 'symlink', 'copy']);
const KNOWN_SECTIONS = new Set([
  'core',
  'cache',
  'state',
  'index',
  'feature',
  'plots',
  'exp',
  'parsing',
  'hydra',
  'studio',
]);

export function urlScheme(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  return m && m[1].length > 1 ? m[1].toLowerCase() : '';
}

function checkValue(where: string, key: string, value: IniValue): void {
  const s = Array.isArray(value) ? value.join(',') : value;
  if (BOOL_KEYS.has(key) && !BOOL_RE.test(s)) {
    throw new InvalidParameterError(`${where}: ${key} must be true or false, got "${s}"`);
  }
  if (POSITIVE_INT_KEYS.has(key) && !(/^\d+$/.test(s.trim()) && Number(s) >= 1)) {
    throw new InvalidParameterError(`${where}: ${key} must be a whole number ≥ 1, got "${s}"`);
  }
  if (key === 'type') {
    const bad = s
      .split(',')
      .map((t) => t.trim())
      .filter((t) => !LINK_TYPES.has(t));
    if (bad.length > 0)
      throw new InvalidParameterError(`${where}: Unsupported cache type(s): ${bad.join(', ')}`);
  }
}

/** DVC's schema check of a merged config, for the sections mlship reads. */
export function validateConfig(data: ConfigData, where: string): void {
  for (const [name, section] of data.sections) {
    if (!KNOWN_SECTIONS.has(name)) throw new InvalidParameterError(`${where}: unknown section [${name}]`);
    const allowed = name === 'core' ? CORE_KEYS : name === 'cache' ? CACHE_KEYS : null;
    for (const [k, v] of section) {
      if (allowed && !allowed.has(k))
        throw new InvalidParameterError(`${where}: unknown option ${k} in [${name}]`);
      if (allowed) checkValue(`${where} [${name}]`, k, v);
    }
  }
  for (const [name, section] of data.named.remote) {
    const url = section.get('url');
    if (typeof url !== 'string') throw new InvalidParameterError(`${where}: remote "${name}" has no url`);
    const scheme = urlScheme(url);
    if (scheme !== '' && !DVC_SCHEMES.has(scheme)) {
      throw new InvalidParameterError(`${where}: remote "${name}": Unsupported URL type ${scheme}://`);
    }
    const allowed = REMOTE_KEYS[scheme];
    for (const [k, v] of section) {
      if (allowed && !allowed.has(k)) {
        throw new InvalidParameterError(
          `${where}: remote "${name}" has unknown option ${k} for a ${scheme || 'local'} remote`,
        );
      }
      checkValue(`${where} remote "${name}"`, k, v);
    }
  }
}

// ---- files and levels ----

/** platformdirs' directories for DVC on Linux/macOS, overridable as DVC allows [dvc `dvc/dirs.py`]. */
function levelFile(level: ConfigLevel, dvcDir: string): string {
  switch (level) {
    case 'system': {
      const dir =
        process.env.DVC_SYSTEM_CONFIG_DIR ||
        join((process.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':')[0] || '/etc/xdg', 'dvc');
      return join(dir, 'config');
    }
    case 'global': {
      const dir =
        process.env.DVC_GLOBAL_CONFIG_DIR ||
        join(process.env.XDG_CONFIG_HOME || join(os.homedir(), '.config'), 'dvc');
      return join(dir, 'config');
    }
    case 'repo':
      return join(dvcDir, 'config');
    case 'local':
      return join(dvcDir, 'config.local');
  }
}

async function readLevel(file: string): Promise<ConfigData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyData();
    throw e;
  }
  return parseConfig(text, file);
}

/** A remote as the transfer code needs it: absolute url for local paths, options as strings. */
export interface RemoteSpec {
  name: string;
  url: string;
  options: Record<string, string>;
}

/** The merged configuration of a repository. */
export class DvcConfig {
  private constructor(
    readonly dvcDir: string,
    readonly merged: ConfigData,
  ) {}

  static async load(dvcDir: string): Promise<DvcConfig> {
    const merged = emptyData();
    for (const level of LEVELS) {
      const file = levelFile(level, dvcDir);
      const data = await readLevel(file);
      const confDir = dirname(file);
      mapPaths(data, (p) => (isAbsolute(p) ? p : resolve(confDir, p)));
      mergeInto(merged, data);
    }
    validateConfig(merged, join(dvcDir, 'config'));
    return new DvcConfig(dvcDir, merged);
  }

  get defaultRemote(): string | undefined {
    const r = this.merged.sections.get('core')?.get('remote');
    return typeof r === 'string' && r !== '' ? r.toLowerCase() : undefined;
  }

  get remoteNames(): string[] {
    return [...this.merged.named.remote.keys()];
  }

  /** The remote `name`, or the default one; a clear error when there is none. */
  remote(name?: string): RemoteSpec {
    const chosen = name?.toLowerCase() ?? this.defaultRemote;
    if (chosen === undefined) {
      throw new InvalidParameterError(
        'no remote given and no default remote set: use -r NAME or `mlship data remote add -d NAME URL`',
      );
    }
    const section = this.merged.named.remote.get(chosen);
    if (!section) {
      const known = this.remoteNames;
      throw new NotFoundError(
        `remote '${chosen}' doesn't exist${known.length ? ` (configured: ${known.join(', ')})` : ' (no remotes configured)'}`,
      );
    }
    const options: Record<string, string> = {};
    for (const [k, v] of section) options[k] = Array.isArray(v) ? v.join(',') : v;
    const url = options.url;
    delete options.url;
    return { name: chosen, url, options };
  }

  /** `cache.dir`, absolute; DVC's default is `.dvc/cache`. */
  get cacheDir(): string {
    const d = this.merged.sections.get('cache')?.get('dir');
    return typeof d === 'string' ? d : join(this.dvcDir, 'cache');
  }

  /** `cache.type`: link types to try in order; DVC's default is reflink then copy. */
  get cacheTypes(): string[] {
    const t = this.merged.sections.get('cache')?.get('type');
    if (t === undefined) return ['reflink', 'copy'];
    return (Array.isArray(t) ? t : t.split(',')).map((s) => s.trim()).filter(Boolean);
  }
}

function mergeInto(into: ConfigData, from: ConfigData): void {
  const mergeSection = (target: Map<string, Section>, name: string, section: Section) => {
    const existing = target.get(name);
    if (!existing) target.set(name, new Map(section));
    else for (const [k, v] of section) existing.set(k, v);
  };
  for (const [name, s] of from.sections) mergeSection(into.sections, name, s);
  for (const kind of NAMED_KINDS)
    for (const [name, s] of from.named[kind]) mergeSection(into.named[kind], name, s);
}

/**
 * Edit one level's file as `dvc config`/`dvc remote` do (`Config.edit`): load that file alone,
 * let `fn` change it (paths it sets are relative to the working directory, as typed), store paths
 * relative to the file's directory, check the merged result, write atomically.
 */
export async function editConfig(
  dvcDir: string,
  level: ConfigLevel,
  fn: (data: ConfigData, merged: ConfigData) => void,
  cwd: string = process.cwd(),
): Promise<void> {
  const file = levelFile(level, dvcDir);
  const confDir = dirname(file);
  const data = await readLevel(file);
  mapPaths(data, (p) => (isAbsolute(p) ? p : resolve(confDir, p)));
  const merged = emptyData();
  for (const l of LEVELS) {
    if (l === level) break;
    const f = levelFile(l, dvcDir);
    const d = await readLevel(f);
    mapPaths(d, (p) => (isAbsolute(p) ? p : resolve(dirname(f), p)));
    mergeInto(merged, d);
  }
  fn(data, mergedWith(merged, data));
  // Values fn set are relative to the working directory; loaded ones are absolute by now.
  mapPaths(data, (p) => toPosix(relative(confDir, resolve(cwd, p))) || '.');
  const check = emptyData();
  mergeInto(check, merged);
  mergeInto(check, data);
  validateConfig(check, file);
  await writeFileAtomic(file, serializeConfig(data));
}

function mergedWith(base: ConfigData, top: ConfigData): ConfigData {
  const m = emptyData();
  mergeInto(m, base);
  mergeInto(m, top);
  return m;
}

export function section(data: ConfigData, name: string): Section {
  let s = data.sections.get(name);
  if (!s) {
    s = new Map();
    data.sections.set(name, s);
  }
  return s;
}

export function checkRemoteName(name: string): string {
  if (name === '' || /["\n\r]/.test(name)) {
    throw new InvalidInputError(`invalid remote name ${JSON.stringify(name)}`);
  }
  return name.toLowerCase();
}
