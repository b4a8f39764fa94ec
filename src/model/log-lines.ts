/**
 * Containers' output as lines, the way `docker compose logs` shows it: each line after its
 * replica's name (`web-1  | listening on :80`), names padded to one width so the bars line up.
 * Pure: the API's log stream and the dashboard use it, the driver only hands over bytes.
 */

/**
 * A line longer than this is cut: a container that prints without newlines must not make Spin
 * keep all it prints in memory. 16 KiB is Docker's own line buffer in its json-file logs.
 */
export const MAX_LINE_BYTES = 16 * 1024;

/** Bytes -> complete lines, keeping the unfinished last one for the next push (per stream). */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(data: Uint8Array): string[] {
    this.pending += this.decoder.decode(data, { stream: true });
    const lines: string[] = [];
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      lines.push(this.pending.slice(0, newline).replace(/\r$/, ''));
      this.pending = this.pending.slice(newline + 1);
    }
    while (this.pending.length > MAX_LINE_BYTES) {
      lines.push(this.pending.slice(0, MAX_LINE_BYTES));
      this.pending = this.pending.slice(MAX_LINE_BYTES);
    }
    return lines;
  }

  /** What is left when the stream ends: a last line without its newline. */
  flush(): string[] {
    this.pending += this.decoder.decode();
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}

/** The name a replica's lines carry: `web-1`, Compose's container-number suffix. */
export const replicaLabel = (service: string, replica: number): string => `${service}-${replica}`;

/** The width that lines up the bars for these labels (Compose pads to the longest, plus one). */
export const labelWidth = (labels: readonly string[]): number =>
  labels.reduce((width, label) => Math.max(width, label.length), 0) + 1;

/**
 * One output line after its label. Control characters other than tab become `?`: what a
 * container prints is its own, but it must not be able to move an operator's cursor, rewrite
 * earlier lines or set a terminal's title (escape sequences in a `spin logs` terminal).
 */
export function prefixLine(label: string, width: number, line: string): string {
  return `${label.padEnd(width)} | ${safeText(line)}`;
}

export function safeText(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '?');
}
