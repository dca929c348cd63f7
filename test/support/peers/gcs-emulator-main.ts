// Entry point run in a child process: serves firebase-tools' Cloud Storage emulator's GCS JSON API alone.
// `firebase emulators:start` needs Java 21 and a rules-runtime jar from Google; the JSON API routes use the
// emulator's admin storage layer, which evaluates no rules, so the Express app can run without them.
// Usage: node --import tsx gcs-emulator-main.ts <firebase-tools dir> <port> <project>
import path from 'node:path';
import { createRequire } from 'node:module';

interface StorageEmulatorLike { getPersistenceTmpDir(): string; _persistence: { deleteAll(): unknown } }
interface ServerModule { createApp(projectId: string, emu: unknown): Promise<{ listen(port: number, host: string, cb: () => void): { close(): void } }> }

const [base, portArg, projectId = 'demo-thanos'] = process.argv.slice(2);
if (!base || !portArg) {
  console.error('usage: gcs-emulator-main.ts <firebase-tools dir> <port> [project]');
  process.exit(2);
}
const port = Number(portArg);
const host = '127.0.0.1';
const req = createRequire(path.join(base, 'package.json'));
const { StorageEmulator } = req(path.join(base, 'lib/emulator/storage/index.js')) as { StorageEmulator: new (o: object) => StorageEmulatorLike };
const { createApp } = req(path.join(base, 'lib/emulator/storage/server.js')) as ServerModule;
const { EmulatorRegistry } = req(path.join(base, 'lib/emulator/registry.js')) as { EmulatorRegistry: { set(name: string, e: unknown): void } };

const emu = new StorageEmulator({ projectId, host, port, rules: { name: 'storage.rules', content: '' }, auto_download: false });
// Object metadata (selfLink, mediaLink) asks the registry for the emulator's host and port.
EmulatorRegistry.set('storage', emu);
const app = await createApp(projectId, emu);
const server = app.listen(port, host, () => console.log(`GCS emulator on http://${host}:${port} project=${projectId} blobs=${emu.getPersistenceTmpDir()}`));
const stop = (): void => {
  server.close();
  void Promise.resolve(emu._persistence.deleteAll()).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
