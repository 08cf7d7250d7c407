// Preloaded with `node -r` into a CLI run: writes the process's peak resident set (KiB) to $EDGELOCK_RSS_FILE at exit.
const fs = require('fs');
process.on('exit', () => {
  if (process.env.EDGELOCK_RSS_FILE)
    fs.writeFileSync(process.env.EDGELOCK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
