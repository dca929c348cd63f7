// Providers keyed by the config's `type:` (upstream client/factory.go). Each provider validates its own `config:`
// map and builds a Bucket from the result; an unknown type gets an error listing the supported ones.
import type { Logger } from '../runtime/logger.js';
import type { Bucket } from './bucket.js';
import type { FieldReader } from './config-fields.js';

export interface ProviderDeps {
  readonly logger: Logger;
}

export interface Provider<C> {
  /** Canonical, upper-case type name (`S3`). Config files may spell it in any case. */
  readonly type: string;
  /** Validates the `config:` map; must call `fields.done()` so unknown fields are rejected. Throws ConfigError. */
  parse(fields: FieldReader): C;
  /** Builds the bucket. May check connectivity; never logs secrets. */
  create(config: C, deps: ProviderDeps): Promise<Bucket>;
}

export class ProviderRegistry {
  // Method-syntax members make Provider<C> assignable to Provider<unknown>; each entry is only ever called with
  // the value its own parse() returned, which is what BucketConfig carries.
  private readonly providers = new Map<string, Provider<unknown>>();

  register(provider: Provider<unknown>): this {
    this.providers.set(provider.type.toUpperCase(), provider);
    return this;
  }

  /** The provider for a type name in any case, or undefined. */
  get(type: string): Provider<unknown> | undefined {
    return this.providers.get(type.toUpperCase());
  }

  types(): string[] {
    return [...this.providers.keys()].sort();
  }
}
