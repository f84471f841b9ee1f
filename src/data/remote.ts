/**
 * A DVC remote: a blob store holding objects at the cache's own layout, `files/md5/ab/cdef…`
 * [dvc `dvc/data_cloud.py` `Remote.odb`]. The remote's `url` and options come from the config
 * (relative local paths already absolute); `jobs` there sets the default parallelism, as in DVC.
 */
import { InvalidParameterError } from '../core/errors.js';
import { openStore } from '../storage/index.js';
import type { BlobStore } from '../storage/types.js';
import type { DvcConfig, RemoteSpec } from './config.js';
import { defaultJobs } from './pool.js';

export interface Remote {
  name: string;
  store: BlobStore;
  /** parallel transfers: -j, else the remote's `jobs`, else DVC's 4 × CPUs */
  jobs: number;
}

export function openRemote(spec: RemoteSpec, jobs?: number): Remote {
  const { jobs: configured, ...options } = spec.options;
  return {
    name: spec.name,
    store: openStore(spec.url, options),
    jobs: jobs ?? (configured ? Number(configured) : defaultJobs()),
  };
}

export function checkJobs(jobs: number | undefined): number | undefined {
  if (jobs === undefined) return undefined;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new InvalidParameterError(`-j/--jobs must be a whole number ≥ 1, got ${jobs}`);
  return jobs;
}

/**
 * The remotes a command uses, opened once each: `-r NAME` when given, else an output's own
 * `remote:`, else the default remote.
 */
export class RemoteResolver {
  private readonly opened = new Map<string, Remote>();
  constructor(
    private readonly config: DvcConfig,
    private readonly explicit: string | undefined,
    private readonly jobs: number | undefined,
  ) {}

  /** The remote name an output uses, or undefined when none is configured. */
  nameFor(outRemote: string | undefined): string | undefined {
    return this.explicit?.toLowerCase() ?? outRemote ?? this.config.defaultRemote;
  }

  get(outRemote?: string): Remote {
    const spec = this.config.remote(this.nameFor(outRemote));
    let r = this.opened.get(spec.name);
    if (!r) {
      r = openRemote(spec, this.jobs);
      this.opened.set(spec.name, r);
    }
    return r;
  }
}
