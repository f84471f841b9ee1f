/**
 * Graceful shutdown (src/tracking/server/app.ts onClose, shutdown.ts closeOnSignals): closing stops
 * new connections at once, lets requests in flight finish — an upload still streaming, a write the
 * store is still committing — and only then closes the store.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeOnSignals } from '../../../src/tracking/server/shutdown.js';
import type { TrackingStore } from '../../../src/tracking/store/types.js';
import {
  createDatabase,
  type Database,
  openStoreAt,
  portOf,
  rawRequest,
  type ServerFixture,
  startServer,
} from './harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** A real store that records when it was closed and can hold log-batch back for a while. */
async function instrumentedStore(db: Database, batchDelayMs: number) {
  const real = await openStoreAt(db.uri);
  const events: string[] = [];
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'logBatch') {
        return async (...args: Parameters<TrackingStore['logBatch']>) => {
          events.push('batch started');
          await new Promise((r) => setTimeout(r, batchDelayMs));
          await target.logBatch(...args);
          events.push('batch committed');
        };
      }
      if (prop === 'close') {
        return async () => {
          events.push('store closed');
          await target.close();
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as TrackingStore;
  return { store, events };
}

describe('graceful close', () => {
  it('finishes a write in flight, refuses new connections, then closes the store', async () => {
    const db = await createDatabase('sqlite');
    cleanups.push(() => db.drop());
    const { store, events } = await instrumentedStore(db, 400);
    const fx: ServerFixture = await startServer('sqlite', { store, listen: true });
    cleanups.push(() => fx.close().catch(() => undefined));
    const port = portOf(fx.app);
    const run = (
      await rawRequest(port, 'POST', '/api/2.0/mlflow/runs/create', '{}', {
        'content-type': 'application/json',
      })
    ).json.run;
    const body = JSON.stringify({ run_id: run.info.run_id, metrics: [{ key: 'm', value: 1, timestamp: 1 }] });
    const inFlight = rawRequest(port, 'POST', '/api/2.0/mlflow/runs/log-batch', body, {
      'content-type': 'application/json',
    });
    await eventually(async () => events.includes('batch started'));
    const closing = fx.app.close();
    expect(await eventually(() => refused(port))).toBe(true);
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    await closing;
    expect(events).toEqual(['batch started', 'batch committed', 'store closed']);
    // The acknowledged write is in the database.
    const reopened = await openStoreAt(db.uri);
    expect((await reopened.getMetricHistory(run.info.run_id, 'm')).metrics).toHaveLength(1);
    await reopened.close();
  });

  it('lets an upload that is still streaming complete', async () => {
    const fx = await startServer('sqlite', { listen: true });
    cleanups.push(() => fx.close().catch(() => undefined));
    const port = portOf(fx.app);
    const path = '/api/2.0/mlflow-artifacts/artifacts/slow/upload.bin';
    const response = new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024, 1));
      // The rest arrives after the server was asked to close.
      setTimeout(() => req.end(Buffer.alloc(64 * 1024, 2)), 300);
    });
    await new Promise((r) => setTimeout(r, 100));
    const closing = fx.app.close();
    expect(await response).toBe(200);
    await closing;
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    expect((await readFile(join(fx.artifactDir!, 'slow', 'upload.bin'))).length).toBe(128 * 1024);
  });
});

describe('closeOnSignals', () => {
  it('closes on the signal and exits 0; a second signal exits 1 at once', async () => {
    const fx = await startServer('sqlite', { listen: true });
    cleanups.push(() => fx.close().catch(() => undefined));
    const port = portOf(fx.app);
    const exits: number[] = [];
    const remove = closeOnSignals(fx.app, { signals: ['SIGUSR2'], exit: (code) => exits.push(code) });
    cleanups.push(async () => remove());
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exits).toEqual([1]);
    expect(await eventually(async () => exits.length === 2)).toBe(true);
    expect(exits).toEqual([1, 0]);
    expect(await refused(port)).toBe(true);
  });

  it('exits 1 when requests outlive the grace period', async () => {
    const fx = await startServer('sqlite', { listen: true });
    cleanups.push(() => fx.close().catch(() => undefined));
    const port = portOf(fx.app);
    // An upload that never finishes keeps the close waiting.
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: '/api/2.0/mlflow-artifacts/artifacts/hang',
      agent: false,
    });
    req.on('error', () => undefined);
    req.write('partial');
    cleanups.push(async () => {
      req.destroy();
    });
    await new Promise((r) => setTimeout(r, 100));
    const exits: number[] = [];
    const remove = closeOnSignals(fx.app, {
      signals: ['SIGUSR2'],
      graceMs: 200,
      exit: (code) => exits.push(code),
    });
    cleanups.push(async () => remove());
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await eventually(async () => exits.length > 0)).toBe(true);
    expect(exits).toEqual([1]);
  });
});
