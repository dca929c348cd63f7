// Errors at the edges say where to look: a Prometheus that is down names --prometheus.url and what to check.
import { describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../src/store/prometheus/client.js';
import { freePort } from '../support/peers/process.js';

describe('error context', () => {
  it('a Prometheus that is down: the URL, the flag, and what to check', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(new PrometheusClient(url).flags()).rejects.toThrow(
      new RegExp(`GET ${url}/api/v1/status/flags: connect ECONNREFUSED.* \\(is Prometheus running, and does --prometheus\\.url=${url}/ reach it\\?\\)`));
  });
});
