#!/bin/sh
# Regenerates the signature-bearing seed corpora of the fuzz targets
# (bundle_trust, cades_data, manifest_xml) and their trust data (data/root.pem,
# data/now.txt) from a real bundle sealed by our own tools, as
# tests/e2e/bundle_verify.sh makes it. Not run by ctest; run by hand:
#   DOSSIER=BUILD/dossier DS_MKSCAN=BUILD/tests/ds-mkscan DS_BUILD_DIR=BUILD \
#   DS_SOURCE_DIR=. sh tests/fuzz/mkseeds.sh
. "$DS_SOURCE_DIR/tests/e2e/lib.sh"
F="$DS_SOURCE_DIR/tests/fuzz"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
"$SETUP" "$DOSSIER_HOME"
PKI="$DOSSIER_HOME/pki"
echo "Trang." > "$T/text"
"$MK" -o "$T/a.tif" --pages 1 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "Lê Văn C" "$T/a.tif" | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"
B=$("$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$PKI/approvers/an.pass" | tail -n 1)
"$D" verify "$B" >/dev/null || fail "the good bundle does not verify"
mkdir -p "$F/data" "$F/corpus/bundle_trust" "$F/corpus/cades_data" "$F/corpus/manifest_xml"
cp "$PKI/root.pem" "$F/data/root.pem"
echo $(( $(date +%s) + 3600 )) > "$F/data/now.txt"
cp "$B" "$F/corpus/bundle_trust/good.asice"
mkdir "$T/x" && (cd "$T/x" && unzip -q "$B")
(cd "$T/x" && zip -q -0 "$T/rz.asice" mimetype && zip -q -r -9 "$T/rz.asice" . -x mimetype)
cp "$T/rz.asice" "$F/corpus/bundle_trust/rezipped.asice"
(cd "$T/x" && zip -q -r "$T/ml.asice" . -x mimetype && zip -q -0 "$T/ml.asice" mimetype)
cp "$T/ml.asice" "$F/corpus/bundle_trust/mimetype_last.asice"
head -c 3000 "$B" > "$F/corpus/bundle_trust/truncated.asice"
# a few small hostile cases of tests/archive/hostile.py
mkdir "$T/h" && python3 "$DS_SOURCE_DIR/tests/archive/hostile.py" "$B" "$T/h" >/dev/null
for h in "$T"/h/*.asice; do
	[ "$(wc -c < "$h")" -lt 65536 ] && cp "$h" "$F/corpus/bundle_trust/hostile_$(basename "$h")"
done
# manifests and signatures
for m in "$T"/x/META-INF/ASiCManifest*.xml; do
	n=$(basename "$m" .xml | sed 's/ASiCManifest//')
	cp "$m" "$F/corpus/manifest_xml/manifest$n.xml"
	python3 - "$T/x/META-INF/signature$n.p7s" "$m" "$F/corpus/cades_data/sig$n.bin" <<'PY'
import struct, sys
p7s, data, out = sys.argv[1:]
s = open(p7s, "rb").read(); d = open(data, "rb").read()
open(out, "wb").write(struct.pack(">I", len(s)) + s + d)
# the same signature over other content, and truncated
open(out + ".otherdata", "wb").write(struct.pack(">I", len(s)) + s + d[:-1] + b"X")
open(out + ".trunc", "wb").write(struct.pack(">I", len(s)) + s[: len(s) // 2])
PY
done
m="$T/x/META-INF/ASiCManifest001.xml"
sed 's/xmlenc#sha256/xmlenc#sha512/' "$m" > "$F/corpus/manifest_xml/sha512_short.xml"
head -c 200 "$m" > "$F/corpus/manifest_xml/truncated.xml"
printf '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY e "x">]>\n<a>&e;</a>\n' > "$F/corpus/manifest_xml/dtd.xml"
openssl cms -sign -binary -cades -nosmimecap -md sha256 -outform DER -in "$m" \
	-signer "$PKI/seals/untrusted.pem" -inkey "$PKI/seals/untrusted.key" \
	-passin "file:$PKI/seals/untrusted.pass" -out "$T/u.p7s"
python3 - "$T/u.p7s" "$m" "$F/corpus/cades_data/untrusted.bin" <<'PY'
import struct, sys
p7s, data, out = sys.argv[1:]
s = open(p7s, "rb").read()
open(out, "wb").write(struct.pack(">I", len(s)) + s + open(data, "rb").read())
PY
du -sh "$F/corpus/bundle_trust" "$F/corpus/cades_data" "$F/corpus/manifest_xml"
