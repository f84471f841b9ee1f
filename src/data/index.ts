/**
 * data/: DVC-compatible data versioning. Everything it writes is DVC 3's own format, so a
 * repository can be handled by mlship and by `dvc` interchangeably: `.dvc` files (dvcfile.ts,
 * yaml-writer.ts), `.dir` manifests (tree.ts; Python's json.dumps from core/python.ts), `.dvc/config` (config.ts, ini.ts), the
 * cache and remote layout `files/md5/ab/cdef…` (cache.ts, remote.ts), `.gitignore` entries
 * (gitignore.ts) and `.dvcignore` rules (ignore.ts). Commands: init (repo.ts), add, status,
 * push/fetch (transfer.ts), checkout, pull (api.ts), import-url, remote (remote-config.ts).
 *
 * It imports from core/ and storage/ only; pipeline/ and cli/ use it through this index.
 */
export { type AddResult, add } from './add.js';
export { ensurePulled, type PullResult, pull, verifyWorkspaceFile } from './api.js';
export { CorruptObjectError, LocalCache, objectKey } from './cache.js';
export { type CheckoutResult, changeLines, checkout } from './checkout.js';
export { type ConfigLevel, DvcConfig } from './config.js';
export { type DvcFile, type DvcOut, parseDvcFile, readDvcFile } from './dvcfile.js';
export { type FileHash, hashFile } from './hash.js';
export { type ImportResult, importUrl } from './import-url.js';
export { defaultJobs } from './pool.js';
export { checkJobs } from './remote.js';
export {
  type RemoteListEntry,
  remoteAdd,
  remoteDefault,
  remoteList,
  remoteListLines,
  remoteModify,
  remoteRemove,
} from './remote-config.js';
export { initRepo, openRepo, type Repo } from './repo.js';
export { collectOuts } from './stages.js';
export {
  type CloudStatus,
  cloudStatus,
  EMPTY_PROJECT_MSG,
  formatStatus,
  inSyncMsg,
  type LocalStatus,
  localStatus,
  orderCloudStatus,
  UP_TO_DATE_MSG,
} from './status.js';
export { fetch, push, summary, TransferError } from './transfer.js';
