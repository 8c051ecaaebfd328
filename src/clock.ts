/**
 * Time as MARSYS records it: float seconds since the epoch (Python's
 * `time.time()`), and naive local ISO strings (`datetime.now().isoformat()`).
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now() / 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `datetime.fromtimestamp(seconds).isoformat()`: local time without offset,
 * `YYYY-MM-DDTHH:MM:SS.ffffff`, the fraction omitted when it is zero (as Python does).
 */
export function pythonIsoformat(seconds: number): string {
  const whole = Math.floor(seconds);
  const micros = Math.min(999_999, Math.round((seconds - whole) * 1e6));
  const d = new Date(whole * 1000);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return micros === 0 ? `${date}T${time}` : `${date}T${time}.${pad(micros, 6)}`;
}

const ISOFORMAT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{6}))?$/;

/** Seconds since the epoch of a `pythonIsoformat` string (local time), or `undefined` if it is not one. */
export function parsePythonIsoformat(text: string): number | undefined {
  const match = ISOFORMAT.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const local = new Date(year, month - 1, day, hour, minute, second);
  return local.getTime() / 1000 + (match[7] === undefined ? 0 : Number(match[7]) / 1e6);
}
