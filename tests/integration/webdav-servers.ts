/**
 * Real WebDAV servers on 127.0.0.1 for tests of lib/sync/webdav.ts:
 * - `startWebdavServer`: npm `webdav-server` v2, in-process, in memory.
 * - `startApache`: Apache httpd with mod_dav/mod_dav_fs from a generated config in a temporary
 *   directory (Debian's `apache2` package); null when /usr/sbin/apache2 is missing.
 * Both use HTTP Basic authentication with one user and serve the WebDAV folder at `url`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebdavServer as startInProcess } from '../../scripts/webdav-server.mjs';

export interface RunningServer {
  /** The WebDAV folder, ending with '/'. */
  url: string;
  close(): Promise<void>;
}

export interface Credentials {
  user: string;
  password: string;
}

/** npm webdav-server v2, in memory, Basic auth, all rights for the user and none for anyone else. */
export const startWebdavServer: (credentials: Credentials) => Promise<RunningServer> = startInProcess;

export const APACHE_BIN = '/usr/sbin/apache2';
const APACHE_MODULES = '/usr/lib/apache2/modules';

/**
 * Apache httpd (mod_dav, mod_dav_fs) serving a fresh folder at `<url>` = http://127.0.0.1:<port>/dav/,
 * Basic auth from an htpasswd file with a `{SHA}` entry. Runs in the foreground as a child process;
 * as root its workers run as www-data (the data and lock folders are given to it). Resolves when the
 * server answers; `close()` stops it and removes the temporary folder. Null when apache2 is missing.
 */
export async function startApache({ user, password }: Credentials): Promise<RunningServer | null> {
  if (!existsSync(APACHE_BIN)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'backstory-apache-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const lock = join(dir, 'lock');
  const run = join(dir, 'run');
  const docroot = join(dir, 'www');
  for (const d of [data, lock, run, docroot]) mkdirSync(d);

  const root = process.getuid?.() === 0;
  let runAs = '';
  if (root) {
    // Apache will not serve as root: its workers switch to www-data (or nobody), who must own the data.
    const account = ['www-data', 'nobody'].find((name) => {
      try {
        execFileSync('id', ['-u', name], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!account) throw new Error('Apache as root needs a www-data or nobody account to run its workers as.');
    const uid = Number(execFileSync('id', ['-u', account]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', account]).toString().trim());
    for (const d of [data, lock]) chownSync(d, uid, gid);
    runAs = `User #${uid}\nGroup #${gid}\n`;
  }

  const sha = createHash('sha1').update(password, 'utf8').digest('base64');
  writeFileSync(join(dir, 'htpasswd'), `${user}:{SHA}${sha}\n`);
  chmodSync(join(dir, 'htpasswd'), 0o644);

  const port = await freePort();
  const modules = [
    ['mpm_event_module', 'mod_mpm_event.so'],
    ['authz_core_module', 'mod_authz_core.so'],
    ['authn_core_module', 'mod_authn_core.so'],
    ['authn_file_module', 'mod_authn_file.so'],
    ['auth_basic_module', 'mod_auth_basic.so'],
    ['authz_user_module', 'mod_authz_user.so'],
    ['alias_module', 'mod_alias.so'],
    ['dav_module', 'mod_dav.so'],
    ['dav_fs_module', 'mod_dav_fs.so'],
  ];
  const conf = `ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile "${join(run, 'httpd.pid')}"
DefaultRuntimeDir "${run}"
ErrorLog "${join(dir, 'error.log')}"
LogLevel warn
${runAs}${modules.map(([name, file]) => `LoadModule ${name} "${join(APACHE_MODULES, file!)}"`).join('\n')}
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
Timeout 30
DocumentRoot "${docroot}"
DavLockDB "${join(lock, 'DavLock')}"
<Directory />
  Require all denied
  AllowOverride None
</Directory>
Alias /dav/ "${data}/"
<Directory "${data}">
  Dav On
  Options None
  AuthType Basic
  AuthName "backstory-test"
  AuthBasicProvider file
  AuthUserFile "${join(dir, 'htpasswd')}"
  Require valid-user
</Directory>
`;
  const confPath = join(dir, 'httpd.conf');
  writeFileSync(confPath, conf);

  const pidFile = join(run, 'httpd.pid');
  const child = spawn('/bin/sh', ['-c', WATCHDOG, APACHE_BIN, confPath, dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, APACHE_RUN_DIR: run, APACHE_LOCK_DIR: lock, APACHE_LOG_DIR: dir, APACHE_PID_FILE: pidFile },
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const cleanup = async () => {
    await stop(child, exited, pidFile);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, 10_000);
  } catch (e) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
    await cleanup();
    throw new Error(`Apache did not start: ${(e as Error).message}\n${output}\n${log}`);
  }
  return { url: `http://127.0.0.1:${port}/dav/`, close: cleanup };
}

/**
 * Runs `$0 -f $1 -DFOREGROUND` and stops it (SIGTERM: Apache ends its workers) when its stdin
 * reaches EOF: when close() ends it, and also when the test process dies without cleaning up (a
 * crash, a kill, vitest's timeout), so that no Apache is ever left running; then removes the
 * temporary folder $2. The watcher reads a copy of stdin (fd 3): background commands of a
 * non-interactive shell get /dev/null as their stdin.
 */
const WATCHDOG = `exec 3<&0
"$0" -f "$1" -DFOREGROUND 3<&- </dev/null &
pid=$!
(cat <&3 >/dev/null; kill -TERM $pid 2>/dev/null) &
exec 3<&-
trap 'kill -TERM $pid 2>/dev/null' TERM INT HUP
wait $pid
wait $pid
rm -rf "$2"`;

/** Closes the watchdog's stdin (Apache stops); SIGKILL to Apache and the shell after 5 s. */
async function stop(child: ChildProcess, exited: Promise<void>, pidFile: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  const killer = setTimeout(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // already gone
    }
    child.kill('SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(killer);
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`apache2 exited with ${child.exitCode ?? child.signalCode}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
