/**
 * A status area at the bottom of the terminal: log lines scroll above it,
 * and it is redrawn in place. When the output is not a terminal (a pipe, a
 * CI log), only the log lines are written.
 */

const useColor = (stream) => stream.isTTY && !('NO_COLOR' in process.env);

/** ANSI styles, or plain text when the stream is not a color terminal. */
export function painter(stream = process.stdout) {
  const style = (open, close) => (text) => (useColor(stream) ? `\x1b[${open}m${text}\x1b[${close}m` : String(text));
  return { bold: style(1, 22), dim: style(2, 22), green: style(32, 39), red: style(31, 39), yellow: style(33, 39), cyan: style(36, 39) };
}

/** Visible length of a line, without its ANSI codes. */
const visible = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');

/** Cuts a line to `width` visible characters, so that it cannot wrap and break the redraw. */
function fit(line, width) {
  if (visible(line).length <= width) return line;
  let out = '';
  let shown = 0;
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) out += part;
    else {
      out += part.slice(0, Math.max(0, width - 1 - shown));
      shown += part.length;
    }
  }
  return `${out}…\x1b[0m`;
}

/**
 * @param {() => string[]} render the status area's lines, asked for at each redraw
 */
export function statusArea(render, stream = process.stdout) {
  const live = Boolean(stream.isTTY);
  let drawn = 0;
  let timer;

  const clear = () => {
    // Up to the first line of the area, then erase to the end of the screen.
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (!live) return;
    const lines = render().map((line) => fit(line, (stream.columns || 80) - 1));
    stream.write(lines.map((line) => `${line}\n`).join(''));
    drawn = lines.length;
  };

  return {
    /** Writes a line above the status area. */
    log(line) {
      clear();
      stream.write(`${line}\n`);
      draw();
    },
    /** Redraws now, and every `ms` while running (for elapsed times). */
    start(ms = 200) {
      draw();
      if (live) timer = setInterval(() => (clear(), draw()), ms).unref();
    },
    refresh() {
      clear();
      draw();
    },
    /** Removes the status area for good. */
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}
