/**
 * The Content-Type of a downloaded artifact, chosen as MLflow's `_guess_mime_type`
 * (mlflow/utils/mime_type_utils.py) chooses it: the text formats MLflow's UI previews (and the
 * extension-less `MLmodel` / `MLproject` files) are `text/plain`; other names go through Python's
 * `mimetypes.guess_type` table (the common entries are reproduced below); anything unknown is
 * `application/octet-stream`. Downloads are always sent as attachments with
 * `X-Content-Type-Options: nosniff`, so even `text/html` is never rendered on the server's origin.
 */

/** mime_type_utils.get_text_extensions(), MLMODEL_FILE_NAME and MLPROJECT_FILE_NAME included. */
const TEXT_EXTENSIONS = new Set([
  'txt',
  'log',
  'err',
  'cfg',
  'conf',
  'cnf',
  'cf',
  'ini',
  'properties',
  'prop',
  'hocon',
  'toml',
  'yaml',
  'yml',
  'xml',
  'json',
  'js',
  'py',
  'py3',
  'csv',
  'tsv',
  'md',
  'rst',
  'MLmodel',
  'MLproject',
]);

/** Python's mimetypes defaults (Lib/mimetypes.py `_types_map_default`) for the types artifacts use. */
const PYTHON_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.mjs': 'text/javascript',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
  '.ico': 'image/vnd.microsoft.icon',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.sh': 'application/x-sh',
  '.c': 'text/plain',
  '.h': 'text/plain',
  '.bat': 'text/plain',
};

/** The MIME type MLflow's server sends for a file of this name (`path` may hold folders). */
export function guessMimeType(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  // os.path.splitext: a leading dot starts no extension (".bashrc" has none).
  const ext = dot > 0 ? name.slice(dot) : '';
  const bare = ext === '' ? name : ext.slice(1);
  if (TEXT_EXTENSIONS.has(bare)) return 'text/plain';
  // guess_type tries the extension as written, then lower-cased.
  return PYTHON_TYPES[ext] ?? PYTHON_TYPES[ext.toLowerCase()] ?? 'application/octet-stream';
}

/**
 * `Content-Disposition: attachment; filename=…` as MLflow sends it (werkzeug's send_file), made safe
 * for any name: a plain ASCII token is written as MLflow writes it; anything else is quoted, with
 * an RFC 6266 / 5987 `filename*` for non-ASCII names (a raw non-ASCII or control byte would be an
 * invalid header that Node refuses to send).
 */
export function attachmentDisposition(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/^[!#$&+.^_`|~0-9A-Za-z-]+$/.test(name)) return `attachment; filename=${name}`;
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
