#!/usr/bin/env bash
# Makes the local broker's TLS material and SCRAM password in $1 (once; nothing here is ever
# committed): a CA, the broker's certificate (127.0.0.1 and localhost), a client certificate the
# broker trusts, one from a CA it does not know (for the tests of a refused client), and a random
# password for the SCRAM-SHA-512 user `smonnet`.
set -euo pipefail
dir=$1
[[ -f $dir/.complete ]] && exit 0
command -v openssl >/dev/null || { echo "services: openssl not found: it makes the local broker's certificates" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
days=3650
ossl() { openssl "$@" 2>/dev/null; }

ca() { # name subject
  ossl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days $days -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name subject ca extensions
  ossl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
  printf '%s\n' "$4" >"$1.ext"
  ossl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days $days -extfile "$1.ext"
  rm -f "$1.csr" "$1.ext"
}

ca ca 'smonnet local CA'
ca stranger-ca 'a CA the broker does not know'
leaf broker localhost ca 'subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth'
leaf client smonnet ca 'extendedKeyUsage=clientAuth'
leaf stranger stranger stranger-ca 'extendedKeyUsage=clientAuth'
# A client key with a passphrase, as an operator's key often is (ssl_key_password).
openssl rand -hex 16 >client-key.password
ossl pkcs8 -topk8 -in client.key -out client-encrypted.key -passout "file:client-key.password"

openssl rand -hex 16 >broker.password
ossl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
  -out broker.p12 -passout "file:broker.password"
openssl rand -hex 16 >scram.password
chmod 600 ./*
touch .complete
