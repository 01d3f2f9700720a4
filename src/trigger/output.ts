// What `npm run trigger` prints: log lines and the final status on stdout (the run's own output, one
// line each), everything about the command itself on stderr, with one progress line while waiting
// (rewritten in place on a terminal, every few seconds otherwise).
import type { Writable } from 'node:stream';

export interface TriggerStreams {
  stdout: Writable;
  stderr: Writable;
  /** stderr is a terminal: the progress line is redrawn in place. */
  tty: boolean;
}

const PLAIN_PROGRESS_EVERY_MS = 10_000;

export class TriggerOutput {
  private progressShown = false;
  private since = Date.now();
  private status = 'waiting';
  private label: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The run being followed, once it exists. */
  runId = '';

  constructor(private readonly io: TriggerStreams) {}

  /** A line of the run (a log line, the final status). */
  line(text: string): void {
    this.clearProgress();
    this.io.stdout.write(`${text}\n`);
    if (this.io.tty) this.drawProgress();
  }

  note(text: string): void {
    this.clearProgress();
    this.io.stderr.write(`${text}\n`);
  }

  /** Starts the progress line for a run; `update` changes what it says. */
  waiting(runId: string): void {
    this.runId = runId;
    this.since = Date.now();
    this.timer = setInterval(() => this.drawProgress(), this.io.tty ? 1000 : PLAIN_PROGRESS_EVERY_MS);
    this.timer.unref();
    if (this.io.tty) this.drawProgress();
  }

  update(status: string, label: string | null): void {
    this.status = status;
    this.label = label;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clearProgress();
  }

  private text(): string {
    const secs = Math.round((Date.now() - this.since) / 1000);
    return `… run ${this.runId}: ${this.status}, ${secs} s${this.label ? ` (${this.label})` : ''}`;
  }

  private drawProgress(): void {
    if (!this.timer) return;
    if (this.io.tty) {
      this.io.stderr.write(`\r\x1b[2K${this.text()}`);
      this.progressShown = true;
    } else {
      this.io.stderr.write(`${this.text()}\n`);
    }
  }

  private clearProgress(): void {
    if (this.progressShown) this.io.stderr.write('\r\x1b[2K');
    this.progressShown = false;
  }
}

export function finalLine(status: string, label: string | null | undefined): string {
  return label ? `${status}: ${label}` : status;
}
