import http from 'node:http';

/**
 * A real HTTP server standing in for a forge's statuses API (GitHub, Gitea, GitLab). It records
 * every request verbatim, so tests pin method, path, headers and body to what each forge
 * documents, and answers whatever a test scripts (errors, echoes of the request).
 */
export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export type Answer = { status: number; body?: string };

export class FakeForge {
  readonly requests: Recorded[] = [];
  /** Answers for the next requests, in order; afterwards 201 with a status object. */
  readonly script: Answer[] = [];
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* recorded as text */
        }
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const answer = this.script.shift() ?? { status: 201, body: '{"id":1,"state":"success"}' };
        // Echo the request headers back so a leaked token would show up in any error text.
        const echoed = (answer.body ?? '').replace('$HEADERS', JSON.stringify(req.headers));
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(echoed);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
