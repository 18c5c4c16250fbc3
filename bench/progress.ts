/** A progress bar on stderr: redrawn in place on a terminal, a line every 10 % otherwise (CI logs). */
export function progressBar(label: string, total: number): { update(done: number): void; finish(): void } {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastDecile = -1;
  const render = (done: number) => {
    const ratio = total ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total}  ${secs.toFixed(1)} s  ${rate}/s`;
  };
  return {
    update(done) {
      if (tty) {
        process.stderr.write(`\r${render(done)}`);
        return;
      }
      const decile = Math.floor((done / Math.max(total, 1)) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${render(done)}\n`);
      }
    },
    finish() {
      if (tty) process.stderr.write(`\r${render(total)}\n`);
      else if (lastDecile < 10) process.stderr.write(`${render(total)}\n`);
    },
  };
}
