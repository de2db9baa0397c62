/**
 * A real mosquitto broker for tests: 127.0.0.1 on a random free port, generated config in a temp dir,
 * optional users (password file via `mosquitto_passwd -b`), optional TLS listener with a throwaway CA made
 * by `openssl` at test time (plus a client certificate and a second, unrelated CA for "untrusted" cases),
 * persistence so QoS 1 sessions survive stop()/start() on the same port. Killed on close() and on exit.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface MosquittoOptions {
  /** user → password; when given, anonymous clients are refused. */
  users?: Record<string, string>;
  /** Adds a TLS listener signed by a throwaway CA. */
  tls?: { requireClientCert?: boolean };
}

export interface TlsFiles {
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A CA that signed nothing this broker uses. */
  otherCaFile: string;
}

export interface Mosquitto {
  port: number;
  url: string;
  tlsPort?: number;
  tlsUrl?: string;
  tls?: TlsFiles;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP: the broker keeps its sockets open but answers nothing (no PUBACK). */
  pause(): void;
  /** kill -9 (works while paused): nothing is saved, clients see the connection drop. */
  crash(): Promise<void>;
  /** Changes or adds a user's password and makes the running broker reload the password file (SIGHUP). */
  setPassword(user: string, password: string): void;
  /** The broker's log so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Throwaway CA, server cert for 127.0.0.1/localhost, client cert, and an unrelated CA. */
function makeCertificates(dir: string): TlsFiles & { serverCert: string; serverKey: string } {
  const ca = (name: string): void =>
    openssl(dir, [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ]);
  const leaf = (name: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'test-ca.crt',
      '-CAkey',
      'test-ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  ca('test-ca');
  ca('other-ca');
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: join(dir, 'test-ca.crt'),
    otherCaFile: join(dir, 'other-ca.crt'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-mosquitto-'));
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  const lines = [
    'per_listener_settings false',
    `listener ${port} 127.0.0.1`,
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    `user ${userInfo().username}`,
  ];
  if (opts.users) {
    writeFileSync(passwd, '');
    for (const [u, p] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', passwd, u, p]);
    lines.push('allow_anonymous false', `password_file ${passwd}`);
  } else {
    lines.push('allow_anonymous true');
  }
  let tlsPort: number | undefined;
  let tls: TlsFiles | undefined;
  if (opts.tls) {
    tlsPort = await freePort();
    const files = makeCertificates(dir);
    tls = files;
    lines.push(
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${files.caFile}`,
      `certfile ${files.serverCert}`,
      `keyfile ${files.serverKey}`,
      `require_certificate ${opts.tls.requireClientCert ? 'true' : 'false'}`,
    );
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');

  let proc: ChildProcess | undefined;
  let logText = '';

  async function start(): Promise<void> {
    if (proc) return;
    const p = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    running.add(p);
    p.stdout?.on('data', (d: Buffer) => (logText += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (logText += d.toString()));
    p.once('exit', () => {
      running.delete(p);
      if (proc === p) proc = undefined;
    });
    for (let i = 0; i < 200; i++) {
      if (!proc) throw new Error(`mosquitto exited at start:\n${logText}`);
      const ok = (await canConnect(port)) && (tlsPort === undefined || (await canConnect(tlsPort)));
      if (ok) return;
      await sleep(25);
    }
    throw new Error(`mosquitto did not listen on ${port} within 5 s:\n${logText}`);
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = proc;
    if (!p) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    proc = undefined;
  }

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    ...(tlsPort !== undefined ? { tlsPort, tlsUrl: `mqtts://127.0.0.1:${tlsPort}` } : {}),
    ...(tls ? { tls } : {}),
    dir,
    start,
    stop: () => stop(),
    pause: () => void proc?.kill('SIGSTOP'),
    crash: () => stop('SIGKILL'),
    setPassword(user, password) {
      execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
      proc?.kill('SIGHUP');
    },
    log: () => logText,
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
