/* Trust anchors and certificate profiles from dossier.conf (cli_trust.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_trust.h"
#include "dossier/catalog.h"
#include "dossier/error.h"
#include "dossier/fs.h"

#define PROFILES_ACTION "pki_profiles"

/* Calls fn for each comma-separated, trimmed item of list. */
static int each_item(const char *list, int (*fn)(void *, const char *), void *arg)
{
	const char *p = list;
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		char item[DS_PATH_MAX];
		if (len >= sizeof item)
			return ds_error_set(DS_ETOOBIG, "[pki] trust: a path too long");
		memcpy(item, p, len);
		item[len] = '\0';
		int err = fn(arg, item);
		if (err < 0)
			return err;
		p += strcspn(p, ",");
	}
	return 0;
}

struct loadctx {
	const char *home;
	const ds_config *cfg;
	ds_trust *t;
};

static int resolve(const char *home, const char *item, char *out, size_t n)
{
	if (item[0] == '/')
		return ds_fmt(out, n, "%s", item);
	return ds_path_join(out, n, home, item);
}

static int add_anchor(void *arg, const char *item)
{
	struct loadctx *c = arg;
	char path[DS_PATH_MAX], section[DS_PATH_MAX + 16];
	int err;
	if ((err = resolve(c->home, item, path, sizeof path)) < 0 ||
	    (err = ds_fmt(section, sizeof section, "anchor %s", item)) < 0)
		return err;
	const char *seal = ds_config_get(c->cfg, section, "seal", NULL);
	const char *appr = ds_config_get(c->cfg, section, "approver", NULL);
	if ((err = ds_trust_add_file(c->t, path, seal, appr)) < 0)
		return ds_error_set(err, "dossier.conf [pki] trust: %s", ds_error_last());
	return 0;
}

int ds_cli_trust_load(struct ds_cli *cli, const ds_config *cfg, const char *only,
		      ds_trust **out)
{
	ds_config *own = NULL;
	ds_trust *t = NULL;
	char conf[DS_PATH_MAX];
	int err;

	*out = NULL;
	if (!cfg) {
		if ((err = ds_path_join(conf, sizeof conf, cli->home_dir, "dossier.conf")) < 0)
			return err;
		if (access(conf, F_OK) == 0) {
			if ((err = ds_config_load(&own, conf)) < 0)
				return err;
		} else if ((err = ds_config_new(&own)) < 0) {
			return err;
		}
		cfg = own;
	}
	if ((err = ds_trust_new(&t, ds_config_get(cfg, "pki", "seal_policy", NULL),
				ds_config_get(cfg, "pki", "approver_policy", NULL))) < 0) {
		err = ds_error_set(err, "dossier.conf [pki]: %s", ds_error_last());
		goto done;
	}
	struct loadctx c = {.home = cli->home_dir, .cfg = cfg, .t = t};
	if (only) {
		char section[DS_PATH_MAX + 16];
		if ((err = ds_fmt(section, sizeof section, "anchor %s", only)) < 0 ||
		    (err = ds_trust_add_file(t, only, ds_config_get(cfg, section, "seal", NULL),
					     ds_config_get(cfg, section, "approver", NULL))) < 0)
			goto done;
	} else if ((err = each_item(ds_config_get(cfg, "pki", "trust", ""), add_anchor, &c)) < 0) {
		goto done;
	}
	*out = t;
	t = NULL; /* transferred */
done:
	ds_trust_free(t);
	ds_config_free(own);
	return err;
}

int ds_cli_trust_enrol(struct ds_cli *cli, ds_home *h, const char *trust_opt, ds_trust **out)
{
	ds_trust *conf = NULL;
	char which[256];
	int err;

	*out = NULL;
	if ((err = ds_cli_trust_load(cli, h->config, NULL, &conf)) < 0)
		return err;
	if (ds_trust_count(conf) == 0) {
		err = ds_error_set(DS_EPERM, "no trust anchors configured: add `trust = FILE` to "
				   "[pki] of dossier.conf (or run `dossier pki init`)");
		goto done;
	}
	if (trust_opt) {
		/* --trust may only name configured anchors */
		if ((err = ds_trust_covers_file(conf, trust_opt, which, sizeof which)) < 0)
			goto done;
		if (err == 0) {
			err = ds_error_set(DS_EPERM, "%s: '%s' is not a configured trust anchor "
					   "([pki] trust in dossier.conf)", trust_opt, which);
			goto done;
		}
		ds_trust_free(conf);
		conf = NULL;
		if ((err = ds_cli_trust_load(cli, h->config, trust_opt, &conf)) < 0)
			goto done;
	}
	*out = conf;
	conf = NULL; /* transferred */
	err = 0;
done:
	ds_trust_free(conf);
	return err;
}

int ds_cli_seal_org_id(const ds_config *cfg, const char *dept, char *out, size_t n)
{
	const char *tpl = ds_config_get(cfg, "pki", "seal_org_id", "NTRVN-{agency}-{dept}");
	const char *agency = ds_config_agency_id(cfg);
	size_t k = 0;
	for (const char *p = tpl; *p;) {
		const char *add = NULL;
		size_t len = 1;
		if (strncmp(p, "{agency}", 8) == 0) {
			add = agency;
			len = 8;
		} else if (strncmp(p, "{dept}", 6) == 0) {
			add = dept;
			len = 6;
		}
		size_t al = add ? strlen(add) : 1;
		if (k + al + 1 > n)
			return ds_error_set(DS_ETOOBIG, "[pki] seal_org_id: too long");
		memcpy(out + k, add ? add : p, al);
		k += al;
		p += len;
	}
	out[k] = '\0';
	if (k == 0 || k > 64)
		return ds_error_set(DS_EINVALID, "[pki] seal_org_id: 1 to 64 characters, got %zu", k);
	return 0;
}

int ds_cli_profiles_since(ds_home *h, int64_t *at)
{
	struct ds_event *ev = NULL;
	size_t n = 0;
	*at = 0;
	int err = ds_catalog_event_list(h->catalog, NULL, &ev, &n);
	if (err < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ev[i].action, PROFILES_ACTION) == 0) {
			*at = ev[i].at;
			break;
		}
	}
	free(ev);
	return 0;
}

int ds_cli_profiles_switch(ds_home *h)
{
	int64_t at;
	int err = ds_cli_profiles_since(h, &at);
	if (err < 0 || at != 0)
		return err;
	return ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), PROFILES_ACTION,
				    "certificate profiles (docs/signer.md) required from now on; "
				    "bundles sealed before verify as legacy_profile");
}

struct findctx {
	const char *home, *want;
	int found;
};

static int find_item(void *arg, const char *item)
{
	struct findctx *f = arg;
	char a[DS_PATH_MAX], b[DS_PATH_MAX];
	if (resolve(f->home, item, a, sizeof a) == 0 && resolve(f->home, f->want, b, sizeof b) == 0 &&
	    strcmp(a, b) == 0)
		f->found = 1;
	return 0;
}

int ds_cli_trust_add_conf(ds_home *h, const char *rel)
{
	char conf[DS_PATH_MAX], line[DS_PATH_MAX + 64];
	int fd = -1, err;
	struct findctx f = {.home = h->root, .want = rel};

	if ((err = each_item(ds_config_get(h->config, "pki", "trust", ""), find_item, &f)) < 0)
		return err;
	if (f.found)
		return 0;
	if ((err = ds_path_join(conf, sizeof conf, h->root, "dossier.conf")) < 0 ||
	    (err = ds_fmt(line, sizeof line,
			  "\n[pki]\n# added by `dossier pki init`: this home's own root\ntrust = %s\n",
			  rel)) < 0)
		return err;
	fd = open(conf, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", conf);
	size_t len = strlen(line);
	ssize_t w = write(fd, line, len);
	if (w != (ssize_t)len || fsync(fd) != 0)
		err = ds_error_set_errno(DS_EIO, errno, "%s: append", conf);
	if (close(fd) != 0 && err == 0)
		err = ds_error_set_errno(DS_EIO, errno, "%s: close", conf);
	return err;
}
