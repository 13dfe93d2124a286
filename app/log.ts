/**
 * @module log
 * Lower-case one-line logs with a component prefix, MediaMTX style. Never pass secrets here:
 * URLs are logged through redact() which drops Signature/secret query values.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: Level = (process.env.LOG_LEVEL as Level) in ORDER ? (process.env.LOG_LEVEL as Level) : 'info';

export function setLogLevel(l: Level) {
  threshold = l;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function logger(component: string): Logger {
  const emit = (level: Level, msg: string) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${msg}\n`;
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}

/** strip signatures and secrets from a URL or query before logging */
export function redact(s: string): string {
  return s.replace(/((?:Signature|X-Amz-Signature|X-Amz-Security-Token|SecurityToken|security-token|secret|Secret)=)[^&\s]*/g, '$1***');
}
