// Go's crypto/tls names for TLS versions, cipher suites and curves, as upstream's flags (--remote-write.server-tls-
// ciphers/-curves) and YAML configs (web config, tls_config) take them, turned into what Node's TLS options want.

export type NodeTlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Version names in YAML configs (Prometheus common config's and exporter-toolkit's TLSVersion) → Node's. */
export const CONFIG_TLS_VERSIONS: Readonly<Record<string, NodeTlsVersion>> = {
  TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3',
};

/**
 * Go's cipher suite names (tls.CipherSuites(), the ones Go considers secure) → OpenSSL's. As in Go, the list only
 * restricts TLS 1.0–1.2; TLS 1.3's suites are not configurable and stay enabled.
 */
const CIPHERS: Readonly<Record<string, string | null>> = {
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const CURVES: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

export const GO_CIPHER_NAMES: readonly string[] = Object.keys(CIPHERS);
export const GO_CURVE_NAMES: readonly string[] = Object.keys(CURVES);

/**
 * Node's `ciphers` for Go cipher suite names; undefined when they restrict nothing (none given, or TLS 1.3 ones
 * only). An unknown name goes to `unknown`, which throws.
 */
export function opensslCiphers(names: readonly string[], unknown: (name: string) => never): string | undefined {
  const list = names.map((name) => {
    const openssl = CIPHERS[name];
    return openssl === undefined ? unknown(name) : openssl;
  }).filter((c): c is string => c !== null);
  return list.length > 0 ? `${TLS13_SUITES}:${list.join(':')}` : undefined;
}

/** Node's `ecdhCurve` for Go curve names; undefined when none are given. */
export function opensslCurves(names: readonly string[], unknown: (name: string) => never): string | undefined {
  const list = names.map((name) => CURVES[name] ?? unknown(name));
  return list.length > 0 ? list.join(':') : undefined;
}
