#!/usr/bin/env bash
# Installs the real servers the tests talk to, when missing: Debian's Prometheus/promtool 2.42, Alertmanager,
# memcached, OpenStack Swift and Keystone (python3-keystone: no service, started by the tests), dnsmasq (DNS discovery tests); npm's Azurite, s3rver and firebase-tools (GCS emulator) in $PEERS_NPM_DIR.
# Idempotent and quick when everything is there. Needs root for apt-get (CI and these machines run as root).
set -euo pipefail
PEERS_NPM_DIR="${PEERS_NPM_DIR:-/tmp/thanos-peers/npm}"
export DEBIAN_FRONTEND=noninteractive

APT_PKGS=(prometheus prometheus-alertmanager memcached curl swift-proxy swift-object swift-container swift-account python3-swiftclient python3-keystone python3-keystonemiddleware chromium dnsmasq-base)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-test-deps: apt-get install ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then echo "install-test-deps: need root for apt-get (missing: ${missing[*]})" >&2; exit 1; fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

NPM_PEERS=(s3rver@3.7.1 azurite@3.35.0 firebase-tools@15.34.2)
need_npm=0
for p in "${NPM_PEERS[@]}"; do [[ -f "$PEERS_NPM_DIR/node_modules/${p%@*}/package.json" ]] || need_npm=1; done
if [[ $need_npm == 1 ]]; then
  echo "install-test-deps: npm install ${NPM_PEERS[*]} into $PEERS_NPM_DIR" >&2
  mkdir -p "$PEERS_NPM_DIR"
  (cd "$PEERS_NPM_DIR" && { [[ -f package.json ]] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --loglevel=error "${NPM_PEERS[@]}" >/dev/null)
fi
