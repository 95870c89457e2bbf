#!/usr/bin/env bash
# Regenerates the test certificates in this directory (see README.md).
# Needs only `openssl` (tested with OpenSSL 3.0). File names are fixed; the key
# material is random, so every run changes the bytes but not what each file means.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$DIR"

# A fixed window starting in the past (not "now") keeps the fixtures valid even on a
# machine whose clock lags the one that made them; 100 years so the tests never rot.
START=20200101000000Z
END=21200101000000Z

# --- keys --------------------------------------------------------------------

# ec_key FILE [sec1]: EC P-256 key; PKCS#8 by default, SEC1 ("EC PRIVATE KEY") with "sec1".
ec_key() {
  if [[ "${2:-}" == sec1 ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$1"
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
  fi
}

# rsa_key FILE BITS [pkcs1]: RSA key; PKCS#8 by default, PKCS#1 ("RSA PRIVATE KEY") with "pkcs1".
rsa_key() {
  if [[ "${3:-}" == pkcs1 ]]; then
    openssl genrsa -traditional -out "$1" "$2" 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "$1" 2>/dev/null
  fi
}

# --- issuing -----------------------------------------------------------------

# Every certificate is issued by `openssl ca`: in OpenSSL 3.0 it is the only command
# that sets an explicit validity window (needed for the expired / not-yet-valid ones).
cat > "$TMP/ca.cnf" <<EOF
[ req ]
distinguished_name     = req_dn
[ req_dn ]

[ ca ]
default_ca             = test_ca
[ test_ca ]
dir                    = $TMP/db
database               = $TMP/db/index.txt
serial                 = $TMP/db/serial
new_certs_dir          = $TMP/db
default_md             = sha256
policy                 = anything
unique_subject         = no
email_in_dn            = no
[ anything ]
commonName             = supplied

[ root_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ intermediate_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = \${ENV::SAN}
EOF

# issue OUT KEY CN ISSUER SECTION [SAN [START END [DIGEST]]]
#   Certificate with subject CN=CN for KEY, using extension SECTION, signed by
#   ISSUER.crt/ISSUER.key, or self-signed when ISSUER is "self".
issue() {
  local out=$1 key=$2 cn=$3 issuer=$4 section=$5 san=${6:-none}
  local start=${7:-$START} end=${8:-$END} digest=${9:-sha256}
  rm -rf "$TMP/db"; mkdir -p "$TMP/db"; : > "$TMP/db/index.txt"
  SAN="$san" openssl req -new -key "$key" -subj "/CN=$cn" -config "$TMP/ca.cnf" -out "$TMP/req.csr"
  local signer
  if [[ "$issuer" == self ]]; then
    signer=(-selfsign -keyfile "$key")
  else
    signer=(-cert "$issuer.crt" -keyfile "$issuer.key")
  fi
  SAN="$san" openssl ca -batch -notext -rand_serial -config "$TMP/ca.cnf" "${signer[@]}" \
    -extensions "$section" -startdate "$start" -enddate "$end" -md "$digest" \
    -in "$TMP/req.csr" -out "$out" 2>"$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
}

# --- authorities -------------------------------------------------------------

ec_key ca.key
issue ca.crt ca.key "Gatewarden Test Root CA" self root_ca

ec_key intermediate.key
issue intermediate.crt intermediate.key "Gatewarden Test Intermediate CA" ca intermediate_ca

# RSA root, so that the SHA-1 fixture is an honest sha1WithRSAEncryption signature.
rsa_key rsaca.key 2048
issue rsaca.crt rsaca.key "Gatewarden Test RSA Root CA" self root_ca

# --- leaves ------------------------------------------------------------------

ec_key valid.key
issue valid.crt valid.key myapp.example.com ca leaf DNS:myapp.example.com

# Leaf from the intermediate, then the intermediate (leaf first, as Istio expects).
ec_key valid-chain.key
issue "$TMP/valid-chain-leaf.crt" valid-chain.key myapp.example.com intermediate leaf DNS:myapp.example.com
cat "$TMP/valid-chain-leaf.crt" intermediate.crt > valid-chain.crt

# SEC1 key format on purpose, to exercise that parser path.
ec_key wildcard.key sec1
issue wildcard.crt wildcard.key "*.example.com" ca leaf "DNS:*.example.com"

ec_key multi.key
issue multi.crt multi.key myapp.example.com ca leaf \
  "DNS:myapp.example.com,DNS:api.example.com,DNS:shop.example.com"

ec_key expired.key
issue expired.crt expired.key myapp.example.com ca leaf DNS:myapp.example.com \
  20000101000000Z 20010101000000Z

ec_key notyetvalid.key
issue notyetvalid.crt notyetvalid.key myapp.example.com ca leaf DNS:myapp.example.com \
  20900101000000Z 20990101000000Z

ec_key wrongsan.key
issue wrongsan.crt wrongsan.key other.example.org ca leaf DNS:other.example.org

# mismatch.crt belongs to one key; mismatch.key is a different, unrelated one.
ec_key "$TMP/mismatch-real.key"
issue mismatch.crt "$TMP/mismatch-real.key" myapp.example.com ca leaf DNS:myapp.example.com
ec_key mismatch.key

# A good leaf from the intermediate, followed by a self-signed CA that did not issue it.
ec_key brokenchain.key
issue "$TMP/brokenchain-leaf.crt" brokenchain.key myapp.example.com intermediate leaf DNS:myapp.example.com
ec_key "$TMP/stranger.key"
issue "$TMP/stranger.crt" "$TMP/stranger.key" "Unrelated Test CA" self root_ca
cat "$TMP/brokenchain-leaf.crt" "$TMP/stranger.crt" > brokenchain.crt

rsa_key rsa1024.key 1024
issue rsa1024.crt rsa1024.key myapp.example.com ca leaf DNS:myapp.example.com
# The same weak leaf laid out as Gatewarden lays out what it issues: leaf, then the issuing CA.
cat rsa1024.crt ca.crt > rsa1024-chain.crt

# PKCS#1 key format on purpose, to exercise that parser path.
rsa_key rsa2048.key 2048 pkcs1
issue rsa2048.crt rsa2048.key myapp.example.com ca leaf DNS:myapp.example.com

rsa_key sha1.key 2048
issue sha1.crt sha1.key myapp.example.com rsaca leaf DNS:myapp.example.com "$START" "$END" sha1

# EC P-384 leaf, so key matching is exercised on a second curve.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key
issue p384.crt p384.key myapp.example.com ca leaf DNS:myapp.example.com

# Serving certificate for the webhook in tests.
ec_key server.key
issue server.crt server.key localhost ca leaf "DNS:localhost,IP:127.0.0.1"

# --- malformed inputs --------------------------------------------------------

cat > notpem.crt <<'EOF'
This is not a PEM file. It has no BEGIN CERTIFICATE line,
just text that someone pasted into tls.crt by mistake.
EOF

ec_key "$TMP/encrypted-plain.key"
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:gatewarden \
  -in "$TMP/encrypted-plain.key" -out encrypted.key

# Keys are test fixtures, committed on purpose; keep them readable for any checkout user.
chmod 644 ./*.key ./*.crt

# --- sanity checks -----------------------------------------------------------

openssl verify -CAfile ca.crt valid.crt multi.crt wildcard.crt wrongsan.crt mismatch.crt \
  rsa1024.crt rsa2048.crt p384.crt server.crt intermediate.crt >/dev/null
openssl verify -CAfile ca.crt -untrusted intermediate.crt valid-chain.crt >/dev/null
openssl x509 -in sha1.crt -noout -text | grep -q 'sha1WithRSAEncryption'
grep -q 'BEGIN RSA PRIVATE KEY' rsa2048.key
grep -q 'BEGIN EC PRIVATE KEY' wildcard.key
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' encrypted.key

echo "certificates written to $DIR"
