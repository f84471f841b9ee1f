/**
 * A blob store in an S3 bucket, or on any S3-compatible server (MinIO, Ceph RGW, s3rver, …), under
 * an optional key prefix: key "files/md5/d1/c4…" of s3://bucket/dvcstore is the object
 * "dvcstore/files/md5/d1/c4…", which is where DVC puts it.
 *
 * Configuration takes DVC's S3 remote option names, falling back on the environment variables
 * that the AWS CLI, boto3 and MLflow read. Precedence, highest first:
 * - endpoint: `endpointurl` > MLFLOW_S3_ENDPOINT_URL > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL >
 *   AWS itself. MLflow's variable ranks above the generic AWS ones because whoever sets it means
 *   this use of S3 specifically.
 * - region: `region` > AWS_REGION > AWS_DEFAULT_REGION > us-east-1. Requests to AWS follow
 *   S3's region redirects, so a bucket in another region still works (one extra round trip);
 *   a region set only in ~/.aws/config is therefore not needed and not read.
 * - credentials: `access_key_id` + `secret_access_key` (+ `session_token`) > `profile` >
 *   AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), unless AWS_PROFILE is set >
 *   the AWS SDK's default chain (AWS_PROFILE, ~/.aws/credentials, SSO, web identity, ECS/EC2
 *   instance roles). An explicit profile beating environment keys is botocore's rule, so DVC and
 *   mlship pick the same credentials.
 * Secrets are never put in messages or logs; endpoint URLs are shown without any user:password.
 */
import { pipeline as pipelineCb, Readable, Transform, type TransformCallback } from 'node:stream';
import type { ListObjectsV2CommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { InvalidInputError, InvalidParameterError, MlshipError, NotFoundError } from '../core/errors.js';
import { networkReason, StorageError } from './errors.js';
import { checkKey, checkPrefix } from './keys.js';
import { mapStreamErrors } from './streams.js';
import { etagValue, redactUrl } from './text.js';
import type { BlobInfo, BlobStore, PutOptions } from './types.js';

type ClientModule = typeof import('@aws-sdk/client-s3');
type UploadClass = typeof import('@aws-sdk/lib-storage').Upload;

/**
 * The AWS SDK, loaded on first use: it takes ~100 ms to import, which every CLI command that only
 * touches local or HTTP stores would otherwise pay at start-up.
 */
let sdkModules: Promise<{ s3: ClientModule; Upload: UploadClass }> | undefined;
function loadSdk(): Promise<{ s3: ClientModule; Upload: UploadClass }> {
  sdkModules ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(
    ([s3, storage]) => ({ s3, Upload: storage.Upload }),
  );
  return sdkModules;
}

interface Sdk {
  s3: ClientModule;
  Upload: UploadClass;
  client: S3Client;
}

/** DVC's S3 remote options (string values, as read from .dvc/config), plus two tuning knobs. */
export interface S3StoreOptions {
  endpointurl?: string;
  region?: string;
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
  profile?: string;
  /** seconds to establish a connection (DVC's option name); default 5 */
  connect_timeout?: string | number;
  /** seconds a connection may stay silent mid-request (DVC's option name); default 60 */
  read_timeout?: string | number;
  /** multipart part size in bytes (min 5 MiB); default 8 MiB. Memory per put is ~4 parts. */
  partSizeBytes?: number;
  /** attempts per request including the first, for throttling and dropped connections; default 3 */
  maxAttempts?: number;
}

/** Where the settings came from, without any secret, for messages and tests. */
export interface S3Settings {
  /** undefined = AWS itself */
  endpoint: string | undefined;
  endpointSource:
    | 'endpointurl'
    | 'MLFLOW_S3_ENDPOINT_URL'
    | 'AWS_ENDPOINT_URL_S3'
    | 'AWS_ENDPOINT_URL'
    | 'aws';
  region: string;
  regionSource: 'region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'default';
  credentialSource: 'options' | 'profile' | 'environment' | 'default chain';
  profile: string | undefined;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

const MiB = 1024 * 1024;
/** S3's floor for every part but the last. */
const MIN_PART_SIZE = 5 * MiB;
/** S3's ceiling on parts per multipart upload. */
const MAX_PARTS = 10_000;
const QUEUE_SIZE = 4;

function seconds(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback * 1000;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidParameterError(
      `S3 option ${name} must be a positive number of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(n * 1000);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Resolve endpoint, region and credentials from options and the environment (see the header). */
export function resolveS3Settings(options: S3StoreOptions, env: NodeJS.ProcessEnv = process.env): S3Settings {
  let endpoint: string | undefined;
  let endpointSource: S3Settings['endpointSource'] = 'aws';
  for (const [source, value] of [
    ['endpointurl', options.endpointurl],
    ['MLFLOW_S3_ENDPOINT_URL', env.MLFLOW_S3_ENDPOINT_URL],
    ['AWS_ENDPOINT_URL_S3', env.AWS_ENDPOINT_URL_S3],
    ['AWS_ENDPOINT_URL', env.AWS_ENDPOINT_URL],
  ] as const) {
    if (nonEmpty(value) !== undefined) {
      endpoint = value;
      endpointSource = source;
      break;
    }
  }
  if (endpoint !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new InvalidParameterError(
        `S3 endpoint from ${endpointSource} must be an http:// or https:// URL, got ${JSON.stringify(redactUrl(endpoint))}`,
      );
    }
  }

  let region = 'us-east-1';
  let regionSource: S3Settings['regionSource'] = 'default';
  for (const [source, value] of [
    ['region', options.region],
    ['AWS_REGION', env.AWS_REGION],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
  ] as const) {
    if (nonEmpty(value) !== undefined) {
      region = value as string;
      regionSource = source;
      break;
    }
  }

  const keyId = nonEmpty(options.access_key_id);
  const secret = nonEmpty(options.secret_access_key);
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new InvalidParameterError(
      `S3 options access_key_id and secret_access_key must be set together (only ${keyId ? 'access_key_id' : 'secret_access_key'} is set)`,
    );
  }
  let credentials: S3Settings['credentials'];
  let credentialSource: S3Settings['credentialSource'];
  const profile = nonEmpty(options.profile);
  if (keyId !== undefined && secret !== undefined) {
    credentials = { accessKeyId: keyId, secretAccessKey: secret };
    const token = nonEmpty(options.session_token);
    if (token) credentials.sessionToken = token;
    credentialSource = 'options';
  } else if (profile !== undefined) {
    credentialSource = 'profile';
  } else if (
    nonEmpty(env.AWS_ACCESS_KEY_ID) &&
    nonEmpty(env.AWS_SECRET_ACCESS_KEY) &&
    !nonEmpty(env.AWS_PROFILE)
  ) {
    credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
    if (nonEmpty(env.AWS_SESSION_TOKEN)) credentials.sessionToken = env.AWS_SESSION_TOKEN;
    credentialSource = 'environment';
  } else {
    credentialSource = 'default chain';
  }

  return {
    endpoint,
    endpointSource,
    region,
    regionSource,
    credentialSource,
    profile,
    credentials,
    connectTimeoutMs: seconds('connect_timeout', options.connect_timeout, 5),
    readTimeoutMs: seconds('read_timeout', options.read_timeout, 60),
  };
}

/** Errors the S3 API names when the caller's identity or signature is refused. */
const ACCESS_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'Forbidden',
]);

interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Counts the bytes going through, and fails at the end when they differ from the announced size. */
class SizeCheck extends Transform {
  private seen = 0;
  constructor(
    private readonly expected: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    // Failing here, before the stream ends, makes the upload abort instead of completing.
    if (this.seen !== this.expected) {
      cb(
        new InvalidInputError(`put ${this.what}: expected ${this.expected} bytes, the body had ${this.seen}`),
      );
    } else cb();
  }
}

function blobInfo(
  key: string,
  size: number | undefined,
  modified: Date | undefined,
  etag: string | undefined,
): BlobInfo {
  const info: BlobInfo = { key, size: size ?? 0 };
  if (modified) info.mtimeMs = modified.getTime();
  if (etag) info.etag = etagValue(etag);
  return info;
}

export class S3Store implements BlobStore {
  readonly url: string;
  readonly readOnly = false;
  readonly bucket: string;
  /** key prefix inside the bucket, without leading or trailing '/'; '' for the whole bucket */
  readonly prefix: string;
  readonly settings: Omit<S3Settings, 'credentials'>;
  private readonly clientConfig: S3ClientConfig;
  private sdkReady: Promise<Sdk> | undefined;
  private client: S3Client | undefined;
  private readonly partSize: number;
  /** set once the bucket is known to exist, so a 404 on an object can be told from a missing bucket */
  private bucketCheck: Promise<void> | undefined;

  constructor(
    bucket: string,
    prefix = '',
    options: S3StoreOptions = {},
    env: NodeJS.ProcessEnv = process.env,
  ) {
    if (bucket === '' || bucket.includes('/')) {
      throw new InvalidParameterError(`invalid S3 bucket name ${JSON.stringify(bucket)}`);
    }
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    if (trimmed !== '') {
      try {
        checkKey(trimmed);
      } catch (e) {
        throw new InvalidParameterError(
          `invalid S3 key prefix in s3://${bucket}/${prefix}: ${(e as Error).message}`,
        );
      }
    }
    this.bucket = bucket;
    this.prefix = trimmed;
    this.url = trimmed === '' ? `s3://${bucket}` : `s3://${bucket}/${trimmed}`;

    const { credentials, ...settings } = resolveS3Settings(options, env);
    this.settings = settings;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? 8 * MiB);

    // Under Node < 22 the SDK warns (once per process, at the first client) about its *future*
    // releases; the lock file pins this one, which supports Node 20, and the multi-line warning
    // would land in the stderr of every CLI command that touches S3. Whoever wants it back sets
    // the variable to "false".
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

    const config: S3ClientConfig = {
      region: settings.region,
      maxAttempts: options.maxAttempts ?? 3,
      // Bounded connect time is what makes an unreachable endpoint fail in seconds instead of
      // hanging; the socket timeout catches a server that stops sending mid-transfer.
      requestHandler: { connectionTimeout: settings.connectTimeoutMs, socketTimeout: settings.readTimeoutMs },
    };
    if (credentials) config.credentials = credentials;
    if (settings.profile) config.profile = settings.profile;
    if (settings.endpoint !== undefined) {
      config.endpoint = settings.endpoint;
      // S3-compatible servers rarely have wildcard DNS for bucket.host names.
      config.forcePathStyle = true;
      // Since early 2025 the SDK adds CRC checksums (and aws-chunked trailers to streamed
      // bodies) to every upload by default; many S3-compatible servers reject or mis-store
      // those. Only send them where the API requires them, as AWS advises for third parties.
      config.requestChecksumCalculation = 'WHEN_REQUIRED';
      config.responseChecksumValidation = 'WHEN_REQUIRED';
    } else {
      config.followRegionRedirects = true;
    }
    this.clientConfig = config;
  }

  /** The SDK and this store's client, created on first use. */
  private sdk(): Promise<Sdk> {
    this.sdkReady ??= loadSdk().then(({ s3, Upload }) => {
      this.client = new s3.S3Client(this.clientConfig);
      return { s3, Upload, client: this.client };
    });
    return this.sdkReady;
  }

  /** Release pooled connections (a long-running server should call this when done with a store). */
  async close(): Promise<void> {
    // Waits for a client still being created, so none is left behind with open sockets.
    const sdk = await this.sdkReady?.catch(() => undefined);
    sdk?.client.destroy();
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  private where(): string {
    return this.settings.endpoint === undefined
      ? `AWS S3 (region ${this.settings.region})`
      : `S3 endpoint ${redactUrl(this.settings.endpoint)}`;
  }

  /** One clear line for an SDK failure; `key` names the object when there is one. */
  private fail(e: unknown, operation: string, key?: string): Error {
    if (e instanceof MlshipError) return e;
    const target = key === undefined ? this.url : `s3://${this.bucket}/${this.objectKey(key)}`;
    const net = networkReason(e);
    if (net !== undefined) {
      return new StorageError(`cannot reach ${this.where()} to ${operation} ${target}: ${net}`, { cause: e });
    }
    const err = e as AwsError;
    const name = err.name ?? 'Error';
    const status = err.$metadata?.httpStatusCode;
    // Responses without a body (HEAD, some 403s) leave the SDK no error code: show the status.
    const label = name === 'Unknown' || name === 'Error' ? `HTTP ${status ?? '?'}` : name;
    if (name === 'NoSuchBucket') {
      return new NotFoundError(`S3 bucket "${this.bucket}" does not exist at ${this.where()}`);
    }
    if (name === 'NoSuchKey') return new NotFoundError(`${target} not found`);
    if (ACCESS_ERRORS.has(name) || status === 403) {
      return new StorageError(
        `access to ${target} denied by ${this.where()} (${label}): check the credentials (credentials from: ${this.settings.credentialSource})`,
        { cause: e },
      );
    }
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(err.message ?? '')) {
      return new StorageError(
        `no AWS credentials found for ${this.url}: set access_key_id and secret_access_key on the remote (in .dvc/config.local), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile`,
        { cause: e },
      );
    }
    const message = (err.message ?? '').split('\n')[0].slice(0, 200);
    const statusText = status !== undefined && label !== `HTTP ${status}` ? ` (HTTP ${status})` : '';
    return new StorageError(
      `${operation} ${target} at ${this.where()} failed: ${label}${statusText}: ${message}`,
      {
        cause: e,
      },
    );
  }

  /**
   * HEAD on an object answers a bare 404 both for a missing key and for a missing bucket; ask once
   * whether the bucket exists, so a misspelt bucket is reported instead of looking empty.
   */
  private ensureBucket(): Promise<void> {
    this.bucketCheck ??= (async () => {
      const { s3, client } = await this.sdk();
      try {
        await client.send(new s3.HeadBucketCommand({ Bucket: this.bucket }));
      } catch (e) {
        this.bucketCheck = undefined; // not cached: the next call may find it created
        const err = e as AwsError;
        if (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchBucket') {
          throw new NotFoundError(`S3 bucket "${this.bucket}" does not exist at ${this.where()}`);
        }
        throw this.fail(e, 'check bucket');
      }
    })();
    return this.bucketCheck;
  }

  async get(key: string): Promise<Readable> {
    const Key = this.objectKey(key);
    let body: unknown;
    try {
      const { s3, client } = await this.sdk();
      body = (await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key }))).Body;
    } catch (e) {
      throw this.fail(e, 'get', key);
    }
    if (!(body instanceof Readable)) {
      throw new StorageError(
        `get s3://${this.bucket}/${Key} at ${this.where()}: the response has no body stream`,
      );
    }
    return mapStreamErrors(body, (e) => this.fail(e, 'read', key));
  }

  async put(key: string, body: Readable | Uint8Array, options: PutOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    const what = `s3://${this.bucket}/${Key}`;
    let payload: Readable | Uint8Array = body;
    // The first error of the body (the caller's stream, or the size check) is the real cause of a
    // failed upload; Upload may replace it with a later one, e.g. when aborting the multipart
    // upload fails too, so it is caught here and reported instead.
    let bodyError: unknown;
    const noteError = (e: unknown) => {
      bodyError ??= e;
    };
    if (!(body instanceof Uint8Array)) body.once('error', noteError);
    if (options.size !== undefined) {
      if (body instanceof Uint8Array) {
        if (body.length !== options.size) {
          throw new InvalidInputError(
            `put ${what}: expected ${options.size} bytes, the body had ${body.length}`,
          );
        }
      } else {
        const check = new SizeCheck(options.size, what);
        check.once('error', noteError);
        pipelineCb(body, check, () => {}); // errors reach `check`, which the upload reads
        payload = check;
      }
    }
    // Parts must grow with a known size to stay within S3's 10,000-part limit.
    const partSize =
      options.size !== undefined
        ? Math.max(this.partSize, Math.ceil(options.size / MAX_PARTS))
        : this.partSize;
    const { Upload, client } = await this.sdk();
    const upload = new Upload({
      client,
      params: { Bucket: this.bucket, Key, Body: payload, ContentType: options.contentType },
      partSize,
      queueSize: QUEUE_SIZE,
      // On failure the multipart upload is aborted: no orphaned parts are billed, and the object
      // under Key is untouched because S3 publishes an object only when its upload completes.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      // Release the caller's source (a file handle, a socket) as a failed local put does.
      if (!(body instanceof Uint8Array)) body.destroy();
      if (bodyError !== undefined) throw bodyError;
      throw this.fail(e, 'put', key);
    } finally {
      if (!(body instanceof Uint8Array)) body.off('error', noteError);
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const Key = this.objectKey(key);
    try {
      const { s3, client } = await this.sdk();
      const head = await client.send(new s3.HeadObjectCommand({ Bucket: this.bucket, Key }));
      return blobInfo(key, head.ContentLength, head.LastModified, head.ETag);
    } catch (e) {
      const err = e as AwsError;
      if (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey') {
        await this.ensureBucket();
        return null;
      }
      throw this.fail(e, 'stat', key);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    checkPrefix(prefix);
    // The store prefix is a folder: s3://b/p lists "p/…", never "pq/…".
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        const { s3, client } = await this.sdk();
        page = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base + prefix,
            ContinuationToken: token,
          }),
        );
      } catch (e) {
        throw this.fail(e, 'list', undefined);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || !object.Key.startsWith(base)) continue;
        const key = object.Key.slice(base.length);
        // Folder markers ("dir/") and keys this interface refuses cannot be read back through
        // get(), so they are not listed.
        try {
          checkKey(key);
        } catch {
          continue;
        }
        yield blobInfo(key, object.Size, object.LastModified, object.ETag);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      const { s3, client } = await this.sdk();
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      throw this.fail(e, 'delete', key);
    }
  }
}
