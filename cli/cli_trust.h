/* The site's trust anchors and certificate profiles from dossier.conf
 * ([pki] trust, seal_policy, approver_policy, seal_org_id; [anchor FILE]
 * seal, approver), and the recorded switch to the profiles. */
#ifndef DOSSIER_CLI_TRUST_H
#define DOSSIER_CLI_TRUST_H

#include "cli.h"
#include "dossier/config.h"
#include "dossier/pki.h"

/* The trust of the home at cli->home_dir: `cfg` (NULL: HOME/dossier.conf
 * when it exists, else defaults). `only` (verify --trust FILE) replaces the
 * configured anchors for this run; its markers are those of an
 * [anchor FILE] section naming the same file, else the defaults. */
int ds_cli_trust_load(struct ds_cli *cli, const ds_config *cfg, const char *only,
		      ds_trust **out);

/* The anchors for enrolment (approver add, seal-key add): only the
 * configured ones. A --trust FILE may narrow them to that file's
 * certificates, each of which must be a configured anchor (else DS_EPERM). */
int ds_cli_trust_enrol(struct ds_cli *cli, ds_home *h, const char *trust_opt, ds_trust **out);

/* The organizationIdentifier of a seal of `dept` ([pki] seal_org_id, default
 * NTRVN-{agency}-{dept}). */
int ds_cli_seal_org_id(const ds_config *cfg, const char *dept, char *out, size_t n);

/* The switch to the certificate profiles: the first `pki_profiles` event.
 * *at = 0 when none is recorded. */
int ds_cli_profiles_since(ds_home *h, int64_t *at);
/* Records it (once): called by init, pki, approver add and seal-key add. */
int ds_cli_profiles_switch(ds_home *h);

/* Appends `trust = REL` to [pki] of HOME/dossier.conf unless configured. */
int ds_cli_trust_add_conf(ds_home *h, const char *rel);

#endif
