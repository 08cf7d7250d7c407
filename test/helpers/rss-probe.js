// Preloaded with `node -r` into a CLI run: writes the process's peak resident set (KiB) to $EDGELOCK_RSS_FILE at exit.
// On Linux it reads VmHWM, the high-water mark of this process's own address space. getrusage's maxRSS is not used
// there: Linux carries it across fork and exec, so a child spawned by a 1 GB jest worker reports 1 GB whatever it
// did itself (measured: a 900 MB parent made this probe report 904 MiB for a run whose own peak was 340 MiB).
const fs = require('fs');
function peakKiB() {
  try {
    const m = /^VmHWM:\s*(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall back to getrusage below
  }
  return process.resourceUsage().maxRSS;
}
process.on('exit', () => {
  if (process.env.EDGELOCK_RSS_FILE) fs.writeFileSync(process.env.EDGELOCK_RSS_FILE, String(peakKiB()));
});
