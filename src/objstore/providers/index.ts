// The built-in providers, keyed by `type:`. MEMORY is internal (tests, demos) as upstream's in-memory bucket.
import { InMemoryBucket } from '../inmem.js';
import type { Provider } from '../registry.js';
import { ProviderRegistry } from '../registry.js';
import { azureProvider } from './azure.js';
import { filesystemProvider } from './filesystem.js';
import { gcsProvider } from './gcs.js';
import type { S3Config } from './s3-config.js';
import { parseS3Config } from './s3-config.js';
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

/** S3 as registered: parsing is light; the AWS SDK (slow to load) comes in only when an S3 bucket is made. */
const lazyS3Provider: Provider<S3Config> = {
  type: 'S3',
  parse: parseS3Config,
  async create(config, deps) {
    const { s3Provider } = await import('./s3.js');
    return s3Provider.create(config, deps);
  },
};

export function builtinProviders(): ProviderRegistry {
  return new ProviderRegistry()
    .register(filesystemProvider)
    .register(lazyS3Provider)
    .register(gcsProvider)
    .register(azureProvider)
    .register(swiftProvider)
    .register(memoryProvider);
}
