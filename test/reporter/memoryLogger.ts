// A real winston logger whose lines are kept in memory, for asserting on local warnings.
import Transport from 'winston-transport';
import { createLogger, type Logger } from '../../src/logger.js';

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

class MemoryTransport extends Transport {
  constructor(private readonly lines: LogLine[]) {
    super();
  }
  override log(info: LogLine, next: () => void): void {
    this.lines.push(info);
    next();
  }
}

export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: createLogger({ level: 'debug', transports: [new MemoryTransport(lines)] }), lines };
}
