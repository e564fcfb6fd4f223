// The plumbing the three servers share (core/json-server.ts), on a toy server whose routes the
// test controls: answers that cannot be sent, strict JSON, the Host check, admission and clients
// that leave. The servers' own tests check the same behaviours through their real routes.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpError, startJsonServer, type JsonRequest, type RunningJsonServer } from '../../toolkit/src/core/index.js';
import { isLoopbackAddress, refusedHost } from '../../toolkit/src/core/loopback-host.js';
import { gate, rawRequest, until } from './http.js';

const JSON_TYPE = { 'content-type': 'application/json' };

interface Toy {
  server: RunningJsonServer;
  /** Bodies the `/work` route started on. */
  started: unknown[];
  /** The signal of each request the `/work` route started on. */
  signals: AbortSignal[];
  /** What the `/work` route saw of its signal when its gate opened. */
  abortedAtEnd: boolean[];
  /** Statuses the log saw, in order. */
  logged: number[];
  hold: ReturnType<typeof gate>;
}

async function toyServer(limits: { maxInFlight: number; maxQueue: number }, host = '127.0.0.1'): Promise<Toy> {
  const toy: Omit<Toy, 'server'> = { started: [], signals: [], abortedAtEnd: [], logged: [], hold: gate() };
  const work = async ({ body, signal }: JsonRequest): Promise<{ body: unknown }> => {
    toy.started.push(body);
    toy.signals.push(signal);
    await toy.hold.promise;
    toy.abortedAtEnd.push(signal.aborted);
    return { body: { done: body } };
  };
  const server = await startJsonServer<never>({
    host, port: 0, maxBodyBytes: 1024, maxResponseBytes: 4096, ...limits,
    health: (load) => ({ ok: true, load }),
    routes: {
      '/echo': { method: 'POST', handle: ({ body }) => ({ body: { echo: body } }) },
      '/work': { method: 'POST', handle: work },
      '/bigint': { method: 'POST', handle: () => ({ body: { n: 1n } }) },
      '/circular': { method: 'POST', handle: () => { const o: Record<string, unknown> = {}; o.self = o; return { body: o }; } },
      '/huge': { method: 'POST', handle: () => ({ body: { text: 'x'.repeat(10_000) } }) },
      '/throws': { method: 'POST', handle: () => { throw new Error('the route broke'); } },
      '/teapot': { method: 'GET', handle: () => { throw new RangeError('short and stout'); } },
    },
    errorBody: (error) => ({ error: error.message, ...(error.code ? { code: error.code } : {}) }),
    toHttpError: (error) => (error instanceof RangeError ? new HttpError(418, error.message) : undefined),
    onRequest: (info) => toy.logged.push(info.status),
  });
  return { ...toy, server };
}

const post = (url: string, path: string, body: unknown, signal?: AbortSignal) => rawRequest(url, { path, headers: JSON_TYPE, body: JSON.stringify(body), signal });

describe('json-server: answers and errors', () => {
  let toy: Toy;
  before(async () => {
    toy = await toyServer({ maxInFlight: 2, maxQueue: 2 });
  });
  after(async () => toy.server.close());

  it('an answer that cannot be serialized is a JSON 500, one over the size limit a 413, and the server keeps serving', async () => {
    for (const [path, status, pattern] of [
      ['/bigint', 500, /cannot be written as JSON.*BigInt/u],
      ['/circular', 500, /cannot be written as JSON.*circular/u],
      ['/huge', 413, /over this server's limit of 4096/u],
      ['/throws', 500, /^internal error: the route broke$/u],
      ['/teapot', 418, /short and stout/u],
    ] as const) {
      const answer = await rawRequest(toy.server.url, { method: path === '/teapot' ? 'GET' : 'POST', path, headers: JSON_TYPE, body: path === '/teapot' ? undefined : '{}' });
      assert.equal(answer.status, status, path);
      assert.equal(answer.headers['content-type'], 'application/json');
      assert.match(String(answer.json?.error), pattern);
    }
    assert.deepEqual((await post(toy.server.url, '/echo', { a: [1] })).json, { echo: { a: [1] } });
  });

  it('only JSON bodies are read: form-urlencoded, text/plain and a missing type are 415 saying what to send', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/jsonp', 'text/json', undefined]) {
      const answer = await rawRequest(toy.server.url, { path: '/echo', headers: type === undefined ? {} : { 'content-type': type }, body: '{"a": 1}' });
      assert.equal(answer.status, 415, String(type));
      assert.match(String(answer.json?.error), /-H 'content-type: application\/json'/u);
      assert.equal(answer.json?.code, 'unsupported_media_type');
    }
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.s3lab+json']) {
      const answer = await rawRequest(toy.server.url, { path: '/echo', headers: { 'content-type': type }, body: '{"a": 1}' });
      assert.equal(answer.status, 200, type);
    }
    const tooBig = await rawRequest(toy.server.url, { path: '/echo', headers: JSON_TYPE, body: JSON.stringify({ a: 'x'.repeat(2000) }) });
    assert.equal(tooBig.status, 413);
    assert.equal((await rawRequest(toy.server.url, { path: '/echo', headers: JSON_TYPE, body: '{"a": ' })).status, 400);
  });

  it('what Node cannot parse (an unknown method, huge headers) and a missing Host still get JSON errors', async () => {
    const port = Number(new URL(toy.server.url).port);
    const exchange = (text: string): Promise<string> => new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.write(text);
    });
    const cases: [string, RegExp, RegExp][] = [
      [`BREW /echo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, /^HTTP\/1\.1 400 /u, /unknown method/u],
      [`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, /^HTTP\/1\.1 431 /u, /headers are over the size/u],
      ['GET /health HTTP/1.1\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 403 /u, /a request without a Host header/u],
    ];
    for (const [request, status, message] of cases) {
      const answer = await exchange(request);
      assert.match(answer, status);
      assert.match(answer, /content-type: application\/json/iu);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: string };
      assert.match(body.error, message);
    }
    assert.equal((await rawRequest(toy.server.url, { method: 'GET', path: '/health' })).status, 200);
  });

  it('unknown routes are 404 listing the routes, a wrong method is 405 with Allow', async () => {
    const missing = await rawRequest(toy.server.url, { method: 'GET', path: '/nope?x=1' });
    assert.equal(missing.status, 404);
    assert.match(String(missing.json?.error), /no route GET \/nope; use POST \/echo, .* or GET \/health/u);
    for (const path of ['/__proto__', '/constructor', '/toString']) assert.equal((await rawRequest(toy.server.url, { method: 'GET', path })).status, 404, path);
    const wrong = await rawRequest(toy.server.url, { method: 'PUT', path: '/echo', headers: JSON_TYPE, body: '{}' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'POST');
    assert.equal((await rawRequest(toy.server.url, { method: 'POST', path: '/health', headers: JSON_TYPE, body: '{}' })).status, 405);
  });
});

describe('json-server: the Host check', () => {
  it('a loopback server answers loopback names with its port only; 403 names the Host and --host 0.0.0.0', async () => {
    const toy = await toyServer({ maxInFlight: 1, maxQueue: 0 });
    try {
      const port = new URL(toy.server.url).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
        assert.equal((await rawRequest(toy.server.url, { method: 'GET', path: '/health', headers: { host } })).status, 200, host);
      }
      for (const host of [`evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost', `attacker.localhost:${port}`, `127.0.0.1.nip.io:${port}`]) {
        for (const path of ['/health', '/echo']) {
          const answer = await rawRequest(toy.server.url, { method: path === '/health' ? 'GET' : 'POST', path, headers: { host, ...JSON_TYPE }, body: path === '/echo' ? '{}' : undefined });
          assert.equal(answer.status, 403, `${host} ${path}`);
          assert.ok(String(answer.json?.error).includes(JSON.stringify(host)), String(answer.json?.error));
          assert.match(String(answer.json?.error), /--host 0\.0\.0\.0/u);
        }
      }
    } finally {
      await toy.server.close();
    }
  });

  it('a server opened with another address skips the check', async () => {
    const toy = await toyServer({ maxInFlight: 1, maxQueue: 0 }, '0.0.0.0');
    try {
      const url = toy.server.url.replace('0.0.0.0', '127.0.0.1');
      const answer = await rawRequest(url, { path: '/echo', headers: { host: 'my-lab-box.example:8000', ...JSON_TYPE }, body: '[1]' });
      assert.equal(answer.status, 200);
    } finally {
      await toy.server.close();
    }
  });

  it('which bind addresses are loopback, and what a refusal says', () => {
    assert.deepEqual(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '0.0.0.0', '::', '192.168.1.4', 'example.com'].map(isLoopbackAddress), [true, true, true, true, true, false, false, false, false]);
    assert.equal(refusedHost('localhost:80', '127.0.0.1', 80), undefined);
    assert.equal(refusedHost('localhost', '127.0.0.1', 80), undefined, 'port 80 may be left out');
    assert.equal(refusedHost('127.0.0.2:9', '127.0.0.2', 9), undefined, 'the bound address itself');
    assert.match(refusedHost(undefined, '127.0.0.1', 9) ?? '', /^a request without a Host header/u);
    assert.equal(refusedHost('anything', '10.0.0.1', 9), undefined);
  });
});

describe('json-server: admission and clients that leave', () => {
  it('beyond max in flight and max queue: an immediate 503 with Retry-After naming the limits; /health answers meanwhile', async () => {
    const toy = await toyServer({ maxInFlight: 1, maxQueue: 1 });
    try {
      const first = post(toy.server.url, '/work', 1);
      await until(() => toy.started.length === 1);
      const second = post(toy.server.url, '/work', 2);
      await until(() => toy.server.load().queued === 1);
      const third = await post(toy.server.url, '/work', 3);
      assert.equal(third.status, 503);
      assert.equal(third.headers['retry-after'], '1');
      assert.match(String(third.json?.error), /^server busy: at its limits, max in flight 1 and max queue 1 \(s3lab serve: --max-in-flight, --max-queue\); retry after 1 s$/u);
      const order: string[] = [];
      const health = await rawRequest(toy.server.url, { method: 'GET', path: '/health' });
      order.push('health');
      assert.deepEqual(health.json, { ok: true, load: { maxInFlight: 1, maxQueue: 1, inFlight: 1, queued: 1 } });
      assert.deepEqual(toy.started, [1], 'the queued request has not started');
      toy.hold.open();
      const answers = await Promise.all([first, second]);
      order.push('work');
      assert.deepEqual(answers.map((a) => [a.status, a.json]), [[200, { done: 1 }], [200, { done: 2 }]]);
      assert.deepEqual(order, ['health', 'work']);
      assert.deepEqual(toy.server.load(), { maxInFlight: 1, maxQueue: 1, inFlight: 0, queued: 0 });
    } finally {
      await toy.server.close();
    }
  });

  it('a queued request whose client left never starts; a running one sees its signal aborted', async () => {
    const toy = await toyServer({ maxInFlight: 1, maxQueue: 4 });
    try {
      const leaveRunning = new AbortController();
      const running = post(toy.server.url, '/work', 'running', leaveRunning.signal).catch((error: Error) => error.name);
      await until(() => toy.started.length === 1);
      const leaveQueued = new AbortController();
      const queued = post(toy.server.url, '/work', 'queued', leaveQueued.signal).catch((error: Error) => error.name);
      const stays = post(toy.server.url, '/work', 'stays');
      await until(() => toy.server.load().queued === 2);
      leaveQueued.abort();
      await until(() => toy.logged.includes(499));
      assert.equal(toy.server.load().queued, 1);
      leaveRunning.abort();
      await until(() => toy.signals[0]?.aborted === true);
      toy.hold.open();
      assert.equal((await stays).status, 200);
      assert.deepEqual(toy.logged.filter((s) => s === 499).length, 2);
      assert.deepEqual(toy.started, ['running', 'stays'], 'the queued request of the client that left never started');
      assert.deepEqual(toy.abortedAtEnd, [true, false]);
      assert.deepEqual([await running, await queued], ['AbortError', 'AbortError']);
      assert.deepEqual(toy.server.load(), { maxInFlight: 1, maxQueue: 4, inFlight: 0, queued: 0 });
    } finally {
      await toy.server.close();
    }
  });
});
