/**
 * Runs s3rver in its own process for the S3 tests, so that memory measured in the test process is
 * the client's alone. Usage: node --openssl-legacy-provider s3rver-child.mjs DIR BUCKET[,BUCKET…]
 *
 * --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 only offers through its legacy provider; without it every paged listing fails with an
 * InternalError.
 *
 * Prints {"port": N} on its first stdout line once it listens on 127.0.0.1:N. Exits when its stdin
 * closes, so it never outlives the test process. GET /__requests returns the requests served so far
 * as "METHOD /path query-keys" lines (values dropped), to tell single PUTs from multipart uploads.
 */
import { createServer } from 'node:http';
import S3rver from 's3rver';

const [directory, buckets] = process.argv.slice(2);
const s3rver = new S3rver({
  directory,
  silent: true,
  configureBuckets: buckets.split(',').map((name) => ({ name })),
});
await s3rver.configureBuckets();
const handle = s3rver.callback();
const log = [];
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/__requests') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(log.splice(0)));
    return;
  }
  log.push(`${req.method} ${url.pathname} ${[...url.searchParams.keys()].sort().join('&')}`.trim());
  handle(req, res);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
