/* Test fixture for the archive end-to-end tests, standing in for the
 * signer's `dossier pki` commands: under HOME/pki a root, a CRL, the seals
 * STNMT-1 and STP-1 (registered for departments STNMT and STP), approver
 * "an" listed for STNMT-1 and STP-1, and for negative tests a revoked and
 * an expired STNMT seal certificate and a seal under another root.
 * Passphrases are in *.pass files (0600). Departments must exist.
 *
 * usage: ds_archive_setup HOME
 * Also a time-stamping certificate pki/tsa.{key,pem,pass} for ds_tsa_server.
 *        ds_archive_setup --digitize HOME CODE   (stands in for OCR: marks it digitized)
 *        ds_archive_setup --log-proof HOME CODE DIR
 *            (stands in for `dossier log`: a log key in HOME/pki/log.{key,pub}, a signed
 *             checkpoint DIR/checkpoint and CODE's inclusion proof DIR/proof) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dossier/catalog_signer.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"
#include "dossier/pki.h"
#include "dossier/seallog.h"

static const char *home;
static const char pass[] = "correct horse battery staple";

static void die(const char *what, int err)
{
	fprintf(stderr, "ds_archive_setup: %s: %s (%s)\n", what, ds_error_last(), ds_error_name(err));
	exit(1);
}

static const char *p(const char *rel)
{
	static char buf[8][DS_PATH_MAX];
	static int k;
	char *b = buf[k++ % 8];
	if (ds_path_join(b, DS_PATH_MAX, home, rel) < 0)
		die(rel, DS_ETOOBIG);
	return b;
}

static void issue(const char *ca, const char *name, const char *ou, enum ds_cert_kind kind,
		  int64_t nb, int64_t na, char serial[DS_SERIAL_HEX_MAX])
{
	char key[256], cert[256], cakey[256], cacert[256], pf[256];
	struct ds_cert_req r = {.kind = kind, .cn = name, .o = "UBND tỉnh Bắc Ninh", .ou = ou, .org_id = ou,
				.not_before = nb, .not_after = na};
	if (ds_fmt(key, sizeof key, "pki/%s.key", name) < 0 ||
	    ds_fmt(cert, sizeof cert, "pki/%s.pem", name) < 0 ||
	    ds_fmt(cakey, sizeof cakey, "pki/%s.key", ca) < 0 ||
	    ds_fmt(cacert, sizeof cacert, "pki/%s.pem", ca) < 0 ||
	    ds_fmt(pf, sizeof pf, "pki/%s.pass", name) < 0)
		die(name, DS_ETOOBIG);
	int err = ds_pki_issue(p(cakey), p(cacert), pass, strlen(pass), &r, p(key), p(cert), pass,
			       strlen(pass), serial);
	if (err < 0)
		die(name, err);
	if ((err = ds_secret_file_create(p(pf), pass, strlen(pass))) < 0)
		die(pf, err);
}

static void seal_add(ds_catalog *c, const char *id, const char *dept, const char *name)
{
	struct ds_seal s = {0};
	struct ds_cert_info ci;
	char rel[256];
	int err;
	snprintf(s.seal_id, sizeof s.seal_id, "%s", id);
	snprintf(s.department, sizeof s.department, "%s", dept);
	memcpy(s.store, "file", 5);
	if (ds_fmt(rel, sizeof rel, "pki/%s.key", name) < 0 ||
	    ds_fmt(s.key_path, sizeof s.key_path, "%s", p(rel)) < 0 ||
	    ds_fmt(rel, sizeof rel, "pki/%s.pem", name) < 0 ||
	    ds_fmt(s.cert_path, sizeof s.cert_path, "%s", p(rel)) < 0 ||
	    ds_fmt(rel, sizeof rel, "pki/%s.pass", name) < 0 ||
	    ds_fmt(s.secret_path, sizeof s.secret_path, "%s", p(rel)) < 0)
		die(id, DS_ETOOBIG);
	if ((err = ds_cert_info_file(s.cert_path, &ci)) < 0)
		die(s.cert_path, err);
	memcpy(s.cert_sha256, ci.sha256, sizeof s.cert_sha256);
	snprintf(s.cert_serial, sizeof s.cert_serial, "%s", ci.serial);
	s.not_after = ci.not_after;
	s.active = 1;
	if ((err = ds_catalog_seal_add(c, &s)) < 0)
		die(id, err);
}

static void approver_add(ds_catalog *c, const char *user, const char *seal)
{
	struct ds_approver a = {0};
	struct ds_cert_info ci;
	char rel[256];
	int err;
	snprintf(a.user, sizeof a.user, "%s", user);
	snprintf(a.seal_id, sizeof a.seal_id, "%s", seal);
	if (ds_fmt(rel, sizeof rel, "pki/approvers/%s.pem", user) < 0 ||
	    ds_fmt(a.cert_path, sizeof a.cert_path, "%s", p(rel)) < 0)
		die(user, DS_ETOOBIG);
	if ((err = ds_cert_info_file(a.cert_path, &ci)) < 0)
		die(a.cert_path, err);
	memcpy(a.cert_sha256, ci.sha256, sizeof a.cert_sha256);
	snprintf(a.cert_serial, sizeof a.cert_serial, "%s", ci.serial);
	snprintf(a.subject, sizeof a.subject, "%s", ci.subject);
	a.not_after = ci.not_after;
	if ((err = ds_catalog_approver_add(c, &a)) < 0)
		die(user, err);
}

int main(int argc, char **argv)
{
	ds_home *h = NULL;
	int err;
	char serial[DS_SERIAL_HEX_MAX], revoked_serial[DS_SERIAL_HEX_MAX];
	int64_t now = (int64_t)time(NULL);

	if (argc == 4 && strcmp(argv[1], "--digitize") == 0) {
		home = argv[2];
		if ((err = ds_home_open(&h, home)) < 0)
			die(home, err);
		if ((err = ds_catalog_dossier_set_state(h->catalog, argv[3], "digitized", "ocr-test",
							NULL, "test fixture")) < 0)
			die(argv[3], err);
		ds_home_free(h);
		return 0;
	}
	/* --register HOME SEAL_ID DEPT NAME USER: records seal SEAL_ID from
	 * pki/NAME.{key,pem,pass} and approver USER (pki/approvers/USER.pem) as
	 * a home of before the certificate profiles did, without checks */
	if (argc == 7 && strcmp(argv[1], "--register") == 0) {
		home = argv[2];
		if ((err = ds_home_open(&h, home)) < 0)
			die(home, err);
		seal_add(h->catalog, argv[3], argv[4], argv[5]);
		approver_add(h->catalog, argv[6], argv[3]);
		ds_home_free(h);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "--log-proof") == 0) {
		ds_seallog_key *k = NULL;
		struct ds_checkpoint cp;
		struct ds_seallog_proof pr;
		char *note = NULL, *text = NULL, out[DS_PATH_MAX];
		home = argv[2];
		if ((err = ds_home_open(&h, home)) < 0)
			die(home, err);
		if (access(p("pki/log.key"), F_OK) != 0 &&
		    (err = ds_pki_make_ed25519(p("pki/log.key"), p("pki/log.pub"), pass, strlen(pass))) < 0)
			die("log key", err);
		if ((err = ds_seallog_key_load_private(&k, p("pki/log.key"), DS_SEALLOG_DEFAULT_ORIGIN,
						       pass, strlen(pass))) < 0 ||
		    (err = ds_seallog_checkpoint(h->catalog, k, DS_SEALLOG_DEFAULT_ORIGIN, now, &note,
						 &cp)) < 0 ||
		    (err = ds_seallog_prove(h->catalog, argv[3], NULL, 0, &pr, NULL)) < 0 ||
		    (err = ds_seallog_proof_format(&text, &pr)) < 0)
			die("seal log", err);
		if ((err = ds_path_join(out, sizeof out, argv[4], "checkpoint")) < 0 ||
		    (err = ds_file_write_atomic(out, note, strlen(note), 0644)) < 0 ||
		    (err = ds_path_join(out, sizeof out, argv[4], "proof")) < 0 ||
		    (err = ds_file_write_atomic(out, text, strlen(text), 0644)) < 0)
			die("writing proof", err);
		free(note);
		free(text);
		ds_seallog_key_free(k);
		ds_home_free(h);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: ds_archive_setup HOME\n");
		return 64;
	}
	home = argv[1];
	if ((err = ds_home_open(&h, home)) < 0)
		die(home, err);
	if ((err = ds_mkdirs(p("pki/seals"), 0700)) < 0 || (err = ds_mkdirs(p("pki/approvers"), 0700)) < 0)
		die("pki", err);
	struct ds_cert_req root = {.kind = DS_CERT_CA, .cn = "Bac Ninh Test Root", .o = "UBND tỉnh Bắc Ninh"};
	if ((err = ds_pki_make_root(p("pki/root.key"), p("pki/root.pem"), &root, pass, strlen(pass))) < 0)
		die("root", err);
	struct ds_cert_req other = {.kind = DS_CERT_CA, .cn = "Another Root", .o = "Elsewhere"};
	if ((err = ds_pki_make_root(p("pki/other-root.key"), p("pki/other-root.pem"), &other, pass,
				    strlen(pass))) < 0)
		die("other root", err);
	issue("root", "seals/STNMT-1", "STNMT", DS_CERT_SEAL, 0, 0, serial);
	issue("root", "seals/STP-1", "STP", DS_CERT_SEAL, 0, 0, serial);
	issue("root", "approvers/an", "STNMT", DS_CERT_APPROVER, 0, 0, serial);
	issue("root", "seals/revoked", "STNMT", DS_CERT_SEAL, now - 10 * 86400, 0, revoked_serial);
	issue("root", "seals/expired", "STNMT", DS_CERT_SEAL, now - 400 * 86400, now - 30 * 86400,
	      serial);
	issue("other-root", "seals/untrusted", "STNMT", DS_CERT_SEAL, 0, 0, serial);
	issue("root", "tsa", "TSA", DS_CERT_TSA, 0, 0, serial);
	struct ds_revoked rv = {.revoked_at = now - 5 * 86400, .reason = 1};
	memcpy(rv.serial, revoked_serial, sizeof rv.serial);
	if ((err = ds_pki_crl(p("pki/root.key"), p("pki/root.pem"), pass, strlen(pass), NULL, 0, 1,
			      now - 60, 0, p("pki/crl.pem"))) < 0)
		die("crl", err);
	if ((err = ds_pki_crl(p("pki/root.key"), p("pki/root.pem"), pass, strlen(pass), &rv, 1, 2,
			      now - 60, 0, p("pki/crl-revoked.pem"))) < 0)
		die("crl-revoked", err);
	/* as `dossier pki init` does: this root is the home's trust anchor */
	FILE *conf = fopen(p("dossier.conf"), "a");
	if (!conf || fputs("\n[pki]\ntrust = pki/root.pem\n", conf) < 0 || fclose(conf) != 0)
		die("dossier.conf", DS_EIO);
	seal_add(h->catalog, "STNMT-1", "STNMT", "seals/STNMT-1");
	seal_add(h->catalog, "STP-1", "STP", "seals/STP-1");
	approver_add(h->catalog, "an", "STNMT-1");
	approver_add(h->catalog, "an", "STP-1");
	ds_home_free(h);
	return 0;
}
