#!/usr/bin/env bash
# System packages the tests use: Debian's docker-registry (the OCI registry the distribution
# tests push to and pull from), apache2-utils (htpasswd), chromium (drives the real VS Code), openssl
# (a certificate for the HTTPS download test).
set -euo pipefail
needed=()
command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ] || needed+=(docker-registry)
command -v htpasswd >/dev/null || needed+=(apache2-utils)
command -v chromium >/dev/null || needed+=(chromium)
command -v openssl >/dev/null || needed+=(openssl)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || needed+=(libkrb5-dev)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${needed[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
else
  echo "The tests need these system packages: ${needed[*]}" >&2
  echo "Install them with: sudo apt-get install ${needed[*]}" >&2
  exit 1
fi
