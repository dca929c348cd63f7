// The built-in providers, keyed by `type:`. MEMORY is internal (tests, demos) as upstream's in-memory bucket.
import { InMemoryBucket } from '../inmem.js';
import type { Provider } from '../registry.js';
import { ProviderRegistry } from '../registry.js';
import { azureProvider } from './azure.js';
import { filesystemProvider } from './filesystem.js';
import { gcsProvider } from './gcs.js';
import { s3Provider } from './s3.js';
import { swiftProvider } from './swift.js';

export const memoryProvider: Provider<Record<string, never>> = {
  type: 'MEMORY',
  parse(f) {
    f.done();
    return {};
  },
  async create() {
    return new InMemoryBucket();
  },
};

export function builtinProviders(): ProviderRegistry {
  return new ProviderRegistry()
    .register(filesystemProvider)
    .register(s3Provider)
    .register(gcsProvider)
    .register(azureProvider)
    .register(swiftProvider)
    .register(memoryProvider);
}
