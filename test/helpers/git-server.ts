/**
 * A real git smart-HTTP server for tests: `git http-backend` (Debian git) run as CGI behind a
 * small Node HTTP server, with receive-pack enabled, plus helpers that drive the real `git` CLI
 * for working copies (clone, write, commit, push).
 *
 * Repositories live as bare repos under `rootDir`; `createRepo(rootDir, 'gateway-a')` makes
 * `<rootDir>/gateway-a.git`, served at `${server.url}/gateway-a.git` (or `server.repoUrl('gateway-a')`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface GitRequest {
  method: string;
  /** Path and query as requested, e.g. `/gateway-a.git/info/refs?service=git-upload-pack`. */
  path: string;
}

export interface GitServerOptions {
  /**
   * Called before the request is handed to git http-backend. Return true when the hook has
   * answered the request itself (for example to simulate an outage with a 503); the request is
   * recorded in `requests` either way.
   */
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;
  /** Listen on this port (e.g. to bring a stopped server back at the same URL); default: any free port. */
  port?: number;
  /**
   * Require this credential on every request (401 with a Basic challenge otherwise), as a
   * private repository on a forge does: HTTP basic, or `Authorization: Bearer <token>`.
   */
  auth?: { username: string; password: string } | { token: string };
  /** Serve HTTPS with this key and certificate (PEM); `url` is then `https://127.0.0.1:PORT`. */
  tls?: { key: string; cert: string };
}

/** Whether `header` is the credential `auth` asks for. */
function authorised(auth: NonNullable<GitServerOptions['auth']>, header: string | undefined): boolean {
  const expected =
    'token' in auth
      ? `Bearer ${auth.token}`
      : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return header === expected;
}

export interface GitServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Every request received, in order. Clear with `requests.length = 0`. */
  requests: GitRequest[];
  /** URL of the repository `name` (`.git` is appended unless present). */
  repoUrl(name: string): string;
  stop(): Promise<void>;
}

/** `name` → `name.git` unless it already ends with `.git`. */
function repoDirName(name: string): string {
  return name.endsWith('.git') ? name : `${name}.git`;
}

/** Environment for git child processes: no inherited GIT_* variables, no user/system config. */
function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    LC_ALL: 'C',
    ...extra,
  };
}

export async function startGitServer(rootDir: string, options: GitServerOptions = {}): Promise<GitServer> {
  const requests: GitRequest[] = [];
  const children = new Set<ChildProcess>();
  const root = path.resolve(rootDir);

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const rawUrl = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path: rawUrl });
    void handle(req, res, rawUrl).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git server error: ${err instanceof Error ? err.message : String(err)}\n`);
      } else {
        res.destroy();
      }
    });
  };
  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawUrl: string): Promise<void> {
    if (options.intercept && (await options.intercept(req, res))) return;
    if (options.auth && !authorised(options.auth, req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="spin-test"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }

    const url = new URL(rawUrl, 'http://127.0.0.1');
    const env = gitEnv({
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      // Receive-pack is off for anonymous users unless enabled explicitly.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      SERVER_SOFTWARE: 'spin-test-git-server',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.startsWith('?') ? url.search.slice(1) : url.search,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    });
    const contentLength = req.headers['content-length'];
    if (contentLength !== undefined) env.CONTENT_LENGTH = contentLength;
    const contentEncoding = req.headers['content-encoding'];
    if (contentEncoding !== undefined) env.HTTP_CONTENT_ENCODING = contentEncoding;
    const gitProtocol = req.headers['git-protocol'];
    if (typeof gitProtocol === 'string') env.GIT_PROTOCOL = gitProtocol;

    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {
      /* http-backend may answer (e.g. 403) without reading the body */
    });
    req.pipe(child.stdin);
    res.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    await new Promise<void>((resolve, reject) => {
      let head = Buffer.alloc(0);
      let headersDone = false;

      const onData = (chunk: Buffer): void => {
        if (headersDone) return;
        head = Buffer.concat([head, chunk]);
        const crlf = head.indexOf('\r\n\r\n');
        const lf = head.indexOf('\n\n');
        let end = -1;
        let sepLen = 0;
        if (crlf !== -1 && (lf === -1 || crlf < lf)) {
          end = crlf;
          sepLen = 4;
        } else if (lf !== -1) {
          end = lf;
          sepLen = 2;
        }
        if (end === -1) return;
        headersDone = true;
        child.stdout.off('data', onData);

        let status = 200;
        let statusText: string | undefined;
        const headers: Record<string, string | string[]> = {};
        for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') {
            const m = /^(\d{3})\s*(.*)$/.exec(value);
            if (m) {
              status = Number(m[1]);
              statusText = m[2] || undefined;
            }
          } else {
            const prev = headers[name];
            headers[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
          }
        }
        if (statusText) res.writeHead(status, statusText, headers);
        else res.writeHead(status, headers);
        const rest = head.subarray(end + sepLen);
        if (rest.length > 0) res.write(rest);
        child.stdout.pipe(res);
      };
      child.stdout.on('data', onData);

      child.on('error', reject);
      child.on('close', (code, signal) => {
        children.delete(child);
        if (!headersDone) {
          const message = Buffer.concat(stderr).toString('utf8');
          if (!res.headersSent) {
            res.writeHead(500, { 'Content-Type': 'text/plain' });
            res.end(`git http-backend exited (${code ?? signal}) without headers\n${message}`);
          }
        } else if (!res.writableEnded) {
          // pipe() ends res when stdout ends; this covers a stdout that never emitted 'end'.
          res.end();
        }
        resolve();
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('git server: no TCP address');
  const port = address.port;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    repoUrl: (name: string) => `${url}/${repoDirName(name)}`,
    stop: async () => {
      for (const child of children) child.kill('SIGKILL');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// git CLI helpers

/** Runs `git ARGS` (in `cwd` when given) with a hermetic environment; resolves to stdout. */
export async function runGit(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileP('git', args, {
      cwd,
      env: gitEnv(),
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(
      `git ${args.join(' ')} failed${cwd ? ` in ${cwd}` : ''}: ${e.stderr?.trim() || e.message}`,
      {
        cause: err,
      },
    );
  }
}

/** Creates the bare repository `<rootDir>/<name>.git` with HEAD on `branch`; returns its path. */
export async function createRepo(rootDir: string, name: string, branch = 'main'): Promise<string> {
  const dir = path.join(path.resolve(rootDir), repoDirName(name));
  await mkdir(path.dirname(dir), { recursive: true });
  await runGit(['init', '--bare', '--quiet', '-b', branch, dir]);
  await runGit(['config', 'http.receivepack', 'true'], dir);
  return dir;
}

/** `git ls-remote URL` as a map ref → sha (includes `HEAD` when advertised). */
export async function lsRemote(url: string): Promise<Record<string, string>> {
  const out = await runGit(['ls-remote', url]);
  const refs: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref) refs[ref] = sha;
  }
  return refs;
}

/** Writes files (POSIX paths relative to `dir`), creating parent folders. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Deletes files or folders (relative to `dir`); missing ones are ignored. */
export async function removeFiles(dir: string, paths: string[]): Promise<void> {
  for (const rel of paths) await rm(path.join(dir, rel), { recursive: true, force: true });
}

/** `git add -A` + commit (empty commits allowed); resolves to the new commit's full sha. */
export async function commitAll(dir: string, message: string): Promise<string> {
  await runGit(['add', '-A'], dir);
  await runGit(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message], dir);
  return (await runGit(['rev-parse', 'HEAD'], dir)).trim();
}

/** Pushes the current HEAD to `refs/heads/<branch>` on origin. */
export async function push(dir: string, branch = 'main', opts: { force?: boolean } = {}): Promise<void> {
  await runGit(
    ['push', '--quiet', ...(opts.force ? ['--force'] : []), 'origin', `HEAD:refs/heads/${branch}`],
    dir,
  );
}

/**
 * A local clone driven by the git CLI. Create with `cloneWorkingCopy(url, dir)`; the clone has
 * user.name/email configured locally and, when the remote is empty, HEAD on `branch` (default main).
 */
export class WorkingCopy {
  constructor(readonly dir: string) {}

  git(args: string[]): Promise<string> {
    return runGit(args, this.dir);
  }

  writeFiles(files: Record<string, string>): Promise<void> {
    return writeFiles(this.dir, files);
  }

  removeFiles(paths: string[]): Promise<void> {
    return removeFiles(this.dir, paths);
  }

  commitAll(message: string): Promise<string> {
    return commitAll(this.dir, message);
  }

  push(branch = 'main', opts: { force?: boolean } = {}): Promise<void> {
    return push(this.dir, branch, opts);
  }

  /** writeFiles + commitAll + push; resolves to the pushed sha. */
  async commitAndPush(files: Record<string, string>, message: string, branch = 'main'): Promise<string> {
    await this.writeFiles(files);
    const sha = await this.commitAll(message);
    await this.push(branch);
    return sha;
  }

  /** Full sha of HEAD. */
  async head(): Promise<string> {
    return (await this.git(['rev-parse', 'HEAD'])).trim();
  }

  /** Switches to `branch`: the local one, else tracking origin's, else a new one from HEAD. */
  async checkout(branch: string): Promise<void> {
    if (await this.refExists(`refs/heads/${branch}`)) {
      await this.git(['checkout', '--quiet', branch]);
    } else if (await this.refExists(`refs/remotes/origin/${branch}`)) {
      await this.git(['checkout', '--quiet', '-b', branch, '--track', `origin/${branch}`]);
    } else {
      await this.git(['checkout', '--quiet', '-b', branch]);
    }
  }

  /** `git fetch origin` (branches and notes) then fast-forward the current branch when it tracks one. */
  async pull(): Promise<void> {
    await this.git(['fetch', '--quiet', 'origin', '+refs/notes/*:refs/notes/*']).catch(() => undefined);
    await this.git(['pull', '--quiet', '--ff-only']);
  }

  private async refExists(ref: string): Promise<boolean> {
    try {
      await this.git(['rev-parse', '--quiet', '--verify', ref]);
      return true;
    } catch {
      return false;
    }
  }
}

/** Clones `url` into `dir` and configures the clone for committing. */
export async function cloneWorkingCopy(
  url: string,
  dir: string,
  opts: { branch?: string } = {},
): Promise<WorkingCopy> {
  const branch = opts.branch ?? 'main';
  await mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  await runGit(['clone', '--quiet', url, dir]);
  const wc = new WorkingCopy(path.resolve(dir));
  await wc.git(['config', 'user.name', 'Spin Test']);
  await wc.git(['config', 'user.email', 'spin-test@example.invalid']);
  await wc.git(['config', 'commit.gpgsign', 'false']);
  await wc.git(['config', 'core.autocrlf', 'false']);
  let empty = false;
  try {
    await wc.git(['rev-parse', '--quiet', '--verify', 'HEAD']);
  } catch {
    empty = true;
  }
  if (empty) await wc.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  else if (opts.branch) await wc.checkout(branch);
  return wc;
}
