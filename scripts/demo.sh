#!/bin/sh
# `make demo`: runs the pipeline on a sample the project makes itself
# (synthetic Vietnamese pages rendered by ds-mkscan), as far as the pipeline
# exists in this build, and says what it did.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
D="$here/$build/dossier"
MK="$here/$build/tests/ds-mkscan"
home=$(mktemp -d "${TMPDIR:-/tmp}/dossier-demo.XXXXXX")
export DOSSIER_HOME="$home"
has() { "$D" help | grep -q "^  $1 "; }
step() { printf '\n==> %s\n' "$*"; }

step "dossier init  (home: $home)"
"$D" init
step "register a department and a procedure"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường"
"$D" procedure add 1.004227 --name "Đăng ký biến động quyền sử dụng đất" --department STNMT --days 15

step "make a 2-page sample scan (300 dpi, CCITT G4) with ds-mkscan"
cat > "$home/sample.txt" <<'TXT'
ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT

Kính gửi: Văn phòng đăng ký đất đai tỉnh Bắc Ninh.

Người sử dụng đất: Nguyễn Văn An, số căn cước 001090000001,
địa chỉ: số 12 đường Lý Thái Tổ, phường Suối Hoa, thành phố Bắc Ninh.

Nội dung biến động: chuyển nhượng quyền sử dụng đất thửa số 215,
tờ bản đồ số 7, diện tích 120 mét vuông.
TXT
"$MK" -o "$home/sample.tif" --pages 2 < "$home/sample.txt"

step "intake at the counter"
code=$("$D" intake --procedure 1.004227 --applicant-id 001090000001 \
	--applicant-name "Nguyễn Văn An" --actor clerk1 "$home/sample.tif" | tail -n 1)
echo "dossier code: $code"

if has receipt && [ -x "$here/$build/dossierd" ] && [ -x "$here/$build/tests/ds-mkbatch" ]; then
	step "a second dossier registered before scanning; its receipt (giấy tiếp nhận) with a QR code"
	code2=$("$D" intake --procedure 1.004227 --applicant-id 001090000002 \
		--applicant-name "Trần Thị Bình" --actor clerk1 | tail -n 1)
	"$D" receipt "$code2" -o "$home/receipt.png"
	echo "receipt: $home/receipt.png"
	step "the scanner drops the receipt and a page into the inbox; dossierd routes it by the QR code"
	printf '[daemon]\nocr = false\nsettle_ms = 0\n' >> "$home/dossier.conf"
	echo "Bản sao hợp đồng chuyển nhượng quyền sử dụng đất." | "$MK" -o "$home/page.png" --bits 8 --dpi 150 >/dev/null
	"$here/$build/tests/ds-mkbatch" -o "$home/inbox/scan-0001.tif" "$home/receipt.png" "$home/page.png"
	"$here/$build/dossierd" --once
	"$D" show "$code2" | head -n 12
fi
if has ocr; then
	step "OCR (Vietnamese/English, worker pool)"
	"$D" ocr "$code"
	"$D" text "$code" --page 1 | head -n 5
fi
if has search; then
	step "search without diacritics: 'dang ky bien dong'"
	"$D" search "dang ky bien dong"
fi
if has pki && has seal; then
	step "demo PKI, a department seal, an approver, and sealing"
	umask 077
	printf 'demo passphrase for the root\n' > "$home/root.pass"
	printf 'demo passphrase for the seal\n' > "$home/seal.pass"
	printf 'demo passphrase for the approver\n' > "$home/approver.pass"
	"$D" pki init --name "Ủy ban nhân dân tỉnh Bắc Ninh" --passphrase-file "$home/root.pass"
	"$D" pki issue seal STNMT --seal-id STNMT-1 --passphrase-file "$home/seal.pass" \
		--ca-passphrase-file "$home/root.pass"
	cert=$("$D" pki issue approver lan --department STNMT --full-name "Nguyễn Thị Lan" --passphrase-file "$home/approver.pass" \
		--ca-passphrase-file "$home/root.pass" | tail -n 1)
	"$D" approver add lan --cert "$cert" --seal STNMT-1
	bundle=$("$D" seal "$code" --seal STNMT-1 --approver lan \
		--approver-passphrase-file "$home/approver.pass" | tail -n 1)
	echo "bundle: $bundle"
	if has verify; then
		step "verify the bundle offline, as an auditor would"
		"$D" verify "$bundle"
	fi
	if has log; then
		step "seal log: a signed checkpoint, an inclusion proof, and an auditor's offline check"
		"$D" log checkpoint --passphrase-file "$home/root.pass" -o "$home/checkpoint"
		"$D" log prove "$code" -o "$home/proof"
		mkdir "$home/auditor"
		cp "$bundle" "$home/pki/root.pem" "$home/pki/log.pub" "$home/checkpoint" "$home/proof" "$home/auditor/"
		(cd "$home/auditor" && DOSSIER_HOME=/nonexistent "$D" verify --trust root.pem \
			--log-key log.pub --checkpoint checkpoint --proof proof "$(basename "$bundle")")
	fi
fi

step "the dossier now"
"$D" show "$code"
printf '\nDemo home left at %s (remove it when done).\n' "$home"
