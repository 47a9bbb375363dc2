/* The seal policy: a seal is applied only by an approver listed for it,
 * presenting the very certificate listed, valid and unrevoked. Every
 * attempt is an event. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dossier/catalog_signer.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/pki.h"
#include "signer/signer_int.h"

static int refuse(char *reason, size_t n, char *buf, size_t bn, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int refuse(char *reason, size_t n, char *buf, size_t bn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, bn, fmt, ap);
	va_end(ap);
	(void)r; /* a reason may be truncated */
	if (n) {
		r = snprintf(reason, n, "%s", buf);
		(void)r;
	}
	return DS_EPERM;
}

int ds_seal_policy_check(struct ds_catalog *c, const char *dossier_code, const char *seal_id,
			 const char *approver_user, const char *approver_cert_pem_path,
			 int64_t now, char *reason, size_t n)
{
	struct ds_seal seal;
	struct ds_approver ap;
	struct ds_revocation rev;
	struct ds_cert_info ci;
	char why[512] = "";
	char detail[DS_DETAIL_MAX];
	int err, verdict;

	if (n)
		reason[0] = '\0';
	if (!now)
		now = ds_now();
	if (!seal_id || !approver_user || !approver_cert_pem_path)
		return ds_error_set(DS_EINVALID, "seal policy: seal, approver and certificate needed");

	err = ds_catalog_seal_get(c, seal_id, &seal);
	if (err == DS_ENOTFOUND) {
		verdict = refuse(reason, n, why, sizeof why, "no seal %s", seal_id);
		goto record;
	} else if (err < 0) {
		return err;
	}
	if (dossier_code) {
		struct ds_dossier d;
		if ((err = ds_catalog_dossier_get(c, dossier_code, &d)) < 0)
			return err; /* no dossier: nothing to record the attempt on */
		if (strcmp(d.department, seal.department) != 0) {
			verdict = refuse(reason, n, why, sizeof why,
					 "seal %s belongs to %s, dossier %s to %s", seal_id,
					 seal.department, dossier_code, d.department);
			goto record;
		}
	}
	if (!seal.active) {
		verdict = refuse(reason, n, why, sizeof why, "seal %s is disabled", seal_id);
		goto record;
	}
	if (seal.not_after && now > seal.not_after) {
		verdict = refuse(reason, n, why, sizeof why, "the certificate of seal %s has expired",
				 seal_id);
		goto record;
	}
	if (ds_catalog_revocation_get(c, seal.cert_serial, &rev) == 0) {
		verdict = refuse(reason, n, why, sizeof why, "the certificate of seal %s is revoked",
				 seal_id);
		goto record;
	}
	err = ds_catalog_approver_get(c, approver_user, seal_id, &ap);
	if (err == DS_ENOTFOUND) {
		verdict = refuse(reason, n, why, sizeof why, "%s is not an approver of seal %s",
				 approver_user, seal_id);
		goto record;
	} else if (err < 0) {
		return err;
	}
	err = ds_cert_info_file(approver_cert_pem_path, &ci);
	if (err < 0) {
		verdict = refuse(reason, n, why, sizeof why, "cannot read the approver's certificate: %s",
				 ds_error_last());
		goto record;
	}
	if (strcmp(ci.sha256, ap.cert_sha256) != 0) {
		verdict = refuse(reason, n, why, sizeof why,
				 "%s presented a certificate other than the one listed for seal %s",
				 approver_user, seal_id);
		goto record;
	}
	if (now < ci.not_before || now > ci.not_after) {
		verdict = refuse(reason, n, why, sizeof why, "the certificate of %s is %s",
				 approver_user, now < ci.not_before ? "not yet valid" : "expired");
		goto record;
	}
	if (!ci.key_usage_ok) {
		verdict = refuse(reason, n, why, sizeof why,
				 "the certificate of %s is not for signatures", approver_user);
		goto record;
	}
	if (ds_catalog_revocation_get(c, ci.serial, &rev) == 0) {
		verdict = refuse(reason, n, why, sizeof why, "the certificate of %s is revoked",
				 approver_user);
		goto record;
	}
	verdict = 0;
record:
	if (verdict == 0)
		err = snprintf(detail, sizeof detail, "seal %s granted to %s", seal_id, approver_user);
	else
		err = snprintf(detail, sizeof detail, "seal %s refused: %s", seal_id, why);
	(void)err; /* a detail may be truncated */
	err = ds_catalog_event_add(c, dossier_code, approver_user,
				   verdict == 0 ? "seal_granted" : "seal_refused", detail);
	if (err < 0)
		return err;
	if (verdict < 0)
		return ds_error_set(DS_EPERM, "%s", why);
	return 0;
}
