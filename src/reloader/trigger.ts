// How Prometheus is told to reload: POST /-/reload (needs --web.enable-lifecycle) or SIGHUP to a process by name.
import { readdir, readFile } from 'node:fs/promises';
import { UnavailableError, errorMessage } from '../runtime/errors.js';
import { HttpClient } from '../runtime/http-client.js';

export type ReloadTrigger = (signal: AbortSignal) => Promise<void>;

/**
 * POSTs to `<base>/-/reload` with the sidecar's HTTP client (its auth and TLS); a non-2xx answer rejects with
 * Prometheus's own message.
 */
export function httpReloadTrigger(prometheusUrl: string, http: HttpClient = new HttpClient()): ReloadTrigger {
  const url = new URL('-/reload', prometheusUrl.endsWith('/') ? prometheusUrl : prometheusUrl + '/').toString();
  return async (signal) => {
    let res: Response;
    try {
      res = await http.fetch(url, { method: 'POST', signal });
    } catch (err) {
      throw new UnavailableError(`trigger reload: ${errorMessage(err)}`, { cause: err });
    }
    const body = await res.text();
    if (res.status < 200 || res.status >= 300) {
      throw new UnavailableError(`trigger reload: POST ${url}: status ${res.status}: ${body.trim()}`);
    }
  };
}

/** Sends SIGHUP to every process whose /proc/<pid>/comm is `processName` (Linux only, as upstream). */
export function signalReloadTrigger(processName: string): ReloadTrigger {
  return async () => {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const comm = (await readFile(`/proc/${entry}/comm`, 'utf8')).trim();
        if (comm === processName) pids.push(Number(entry));
      } catch {
        // The process exited while we looked.
      }
    }
    if (pids.length === 0) throw new UnavailableError(`trigger reload: no process named ${JSON.stringify(processName)}`);
    for (const pid of pids) process.kill(pid, 'SIGHUP');
  };
}
