/* dossier log checkpoint|prove|verify|audit|show|list — the seal log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cli.h"
#include "cli_seallog.h"
#include "dossier/catalog_seallog.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"
#include "dossier/seallog.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_log = {
	.name = "log",
	.usage = "checkpoint --passphrase-file F | --passphrase-fd N [-o FILE [--force]] [--json]"
		 " | prove CODE [--seal-id ID | --index I] [--size N] [-o FILE [--force]] [--json]"
		 " | consistency OLD_SIZE NEW_SIZE [-o FILE [--force]]"
		 " | verify OLD [NEW] [--proof FILE] [--key PUB]"
		 " | audit [--key PUB] [--json]"
		 " | show [--json] | list [CODE] [--json]",
	.summary = "the seal log: sign checkpoints, prove inclusion, check consistency, audit",
	.run = run,
};

static const char options[] =
	"  checkpoint            sign a checkpoint of the log as it is now and store it\n"
	"                        (the stored one again when nothing was sealed since)\n"
	"  prove CODE            inclusion proof of the dossier's latest seal: leaf index,\n"
	"                        tree size, then one hex hash a line\n"
	"  consistency OLD NEW   consistency proof between two tree sizes: old size,\n"
	"                        new size, then one hex hash a line\n"
	"  verify OLD [NEW]      check checkpoint files: signatures, and that this home's\n"
	"                        log (and NEW) still extend OLD: its leaves and its event\n"
	"                        chain head; exit 1 \"rolled back\" when not (with --proof\n"
	"                        the proof is read from the file: no home with --key)\n"
	"  audit                 recompute the event chain, every leaf hash and the head\n"
	"                        of every stored checkpoint; check the notes' signatures\n"
	"  show                  the latest checkpoint, the log size, the verifier key\n"
	"  list [CODE]           the leaves (of one dossier)\n"
	"  --passphrase-file F   the passphrase of pki/log.key (first line of F)\n"
	"  --passphrase-fd N     … or read from file descriptor N\n"
	"  -o, --output FILE     write the checkpoint or proof to FILE instead of stdout\n"
	"  --force               replace FILE if it exists (else refused, exit 73)\n"
	"  --seal-id ID          prove the latest leaf of this seal (default: of any seal)\n"
	"  --index I             prove leaf I (`log list CODE` shows a resealed dossier's)\n"
	"  --size N              prove against the tree of N leaves (default: the latest\n"
	"                        checkpoint's size)\n"
	"  --proof FILE          a consistency proof file (verify, offline)\n"
	"  --key PUB             the log's public key (default HOME/pki/log.pub)\n"

	"  --json                machine-readable output\n";

struct opts {
	const char *passphrase_file, *output, *seal_id, *key, *proof;
	uint64_t size, index;
	int json, have_index, force;
};

static int parse_size(const char *s, uint64_t *out, int allow_zero)
{
	char *end = NULL;
	unsigned long long v;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || (v == 0 && !allow_zero) || v > (unsigned long long)DS_SEALLOG_SIZE_MAX)
		return -1;
	*out = v;
	return 0;
}

static void hex32(const unsigned char *b, char out[65])
{
	ds_hex(b, DS_MERKLE_HASH_LEN, out);
}

static int o_force; /* --force: -o FILE may replace a file */

static int write_out(struct ds_cli *cli, const char *path, const char *text)
{
	if (path == NULL) {
		if (fputs(text, stdout) == EOF)
			return ds_cli_failf(cli, DS_EXIT_IOERR, "cannot write to standard output");
		return 0;
	}
	return ds_cli_output_write(cli, path, text, strlen(text), o_force);
}

static int cmd_checkpoint(struct ds_cli *cli, ds_home *h, const struct opts *o)
{
	struct ds_seallog_checkpoint_row *prev = NULL;
	ds_seallog_key *key = NULL;
	struct ds_checkpoint cp;
	char *note = NULL, hex[65], detail[256];
	int err, rc = 0, had_prev = 0;

	if (o->passphrase_file == NULL)
		return ds_cli_failf(cli, DS_EXIT_USAGE,
				    "checkpoint needs --passphrase-file or --passphrase-fd");
	if ((prev = malloc(sizeof *prev)) == NULL)
		return ds_cli_failf(cli, DS_EXIT_SOFTWARE, "out of memory");
	err = ds_catalog_seallog_checkpoint_latest(h->catalog, prev);
	if (err == 0)
		had_prev = 1;
	else if (err != DS_ENOTFOUND) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if ((err = ds_cli_seallog_load_private(h, o->passphrase_file, &key)) < 0 ||
	    (err = ds_seallog_checkpoint(h->catalog, key, ds_cli_seallog_origin(h), ds_now(), &note,
					 &cp)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	hex32(cp.root.b, hex);
	if (had_prev && prev->size == cp.size && prev->has_events == cp.has_events &&
	    prev->events == cp.events) {
		(void)fprintf(stderr, "dossier log: nothing sealed or recorded since the checkpoint "
			      "of %llu leaves; here it is again\n", (unsigned long long)cp.size);
	} else if (ds_fmt(detail, sizeof detail, "size %llu root %s events %llu",
			  (unsigned long long)cp.size, hex, (unsigned long long)cp.events) == 0 &&
		   (err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "log_checkpoint",
					       detail)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (o->json) {
		char ehex[65];
		hex32(cp.events_head.b, ehex);
		json_t *j = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s}", "origin", cp.origin, "size",
				      (json_int_t)cp.size, "root", hex, "events", (json_int_t)cp.events,
				      "events_head", ehex, "note", note);
		if (o->output != NULL && (rc = write_out(cli, o->output, note)) != 0) {
			json_decref(j);
			goto done;
		}
		rc = j ? ds_cli_print_json(j) : DS_EXIT_SOFTWARE;
		json_decref(j);
	} else {
		rc = write_out(cli, o->output, note);
	}
done:
	free(prev);
	free(note);
	ds_seallog_key_free(key);
	return rc;
}

static int cmd_prove(struct ds_cli *cli, ds_home *h, const struct opts *o, const char *code)
{
	struct ds_seallog_proof *p = calloc(1, sizeof *p);
	char leaf[DS_SEALLOG_LEAF_MAX], *txt = NULL;
	int err, rc = 0;

	if (p == NULL)
		return ds_cli_failf(cli, DS_EXIT_SOFTWARE, "out of memory");
	if (o->have_index) {
		char owner[DS_CODE_MAX];
		if ((err = ds_seallog_prove_index(h->catalog, o->index, o->size, p, leaf, owner)) < 0) {
			rc = ds_cli_fail(cli, err);
			goto done;
		}
		if (strcmp(owner, code) != 0) {
			rc = ds_cli_failf(cli, DS_EXIT_FAIL, "leaf %llu is a seal of %s, not of %s",
					  (unsigned long long)o->index, owner, code);
			goto done;
		}
	} else if ((err = ds_seallog_prove(h->catalog, code, o->seal_id, o->size, p, leaf)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if ((err = ds_seallog_proof_format(&txt, p)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (o->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:[]}", "code", code, "leaf", leaf,
				      "leaf_index", (json_int_t)p->index, "tree_size",
				      (json_int_t)p->size, "hashes");
		for (size_t i = 0; j && i < p->n; i++) {
			char hex[65];
			hex32(p->hash[i].b, hex);
			json_array_append_new(json_object_get(j, "hashes"), json_string(hex));
		}
		if (o->output != NULL && (rc = write_out(cli, o->output, txt)) != 0) {
			json_decref(j);
			goto done;
		}
		rc = j ? ds_cli_print_json(j) : DS_EXIT_SOFTWARE;
		json_decref(j);
	} else {
		rc = write_out(cli, o->output, txt);
	}
done:
	free(txt);
	free(p);
	return rc;
}

static int load_pub(struct ds_cli *cli, ds_home *h, const struct opts *o, ds_seallog_key **key)
{
	char path[4096];
	int err;
	/* Offline (no home): the key name is the checkpoint's origin. */
	const char *name = h ? ds_cli_seallog_key_name(h) : NULL;

	if (o->key != NULL)
		err = ds_seallog_key_load_public(key, o->key, name);
	else if ((err = ds_cli_seallog_pub_path(h, path, sizeof path)) == 0)
		err = ds_seallog_key_load_public(key, path, name);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int read_note(struct ds_cli *cli, const char *path, const ds_seallog_key *key,
		     struct ds_checkpoint *cp)
{
	unsigned char *text = NULL;
	char reason[DS_SEALLOG_REASON_MAX];
	size_t len = 0;
	int err, rc = 0;

	if ((err = ds_file_read(path, DS_SEALLOG_NOTE_MAX, &text, &len)) < 0)
		return ds_cli_fail(cli, err);
	if (ds_checkpoint_verify(cp, (const char *)text, len, key, reason, sizeof reason) < 0)
		rc = ds_cli_failf(cli, DS_EXIT_FAIL, "%s: %s", path, reason);
	free(text);
	return rc;
}

/* verify OLD NEW --proof P: everything from files, through the library's
 * offline check (the same one an auditor's own tool would make). */
static int verify_offline(struct ds_cli *cli, ds_home *h, const struct opts *o,
			  const char *old_path, const char *new_path)
{
	unsigned char *a = NULL, *b = NULL, *p = NULL;
	size_t al = 0, bl = 0, pl = 0;
	char keypath[4096], reason[DS_SEALLOG_REASON_MAX];
	const char *key = o->key;
	int err, rc = 0;

	if (key == NULL) {
		if ((err = ds_cli_seallog_pub_path(h, keypath, sizeof keypath)) < 0)
			return ds_cli_fail(cli, err);
		key = keypath;
	}
	if ((err = ds_file_read(old_path, DS_SEALLOG_NOTE_MAX, &a, &al)) < 0 ||
	    (err = ds_file_read(new_path, DS_SEALLOG_NOTE_MAX, &b, &bl)) < 0 ||
	    (err = ds_file_read(o->proof, DS_SEALLOG_PROOF_TEXT_MAX, &p, &pl)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	err = ds_seallog_verify_consistency((const char *)a, al, (const char *)b, bl, key,
					    h ? ds_cli_seallog_key_name(h) : NULL, (const char *)p, pl,
					    reason, sizeof reason);
	if (err == DS_ESIG || err == DS_EINVALID) {
		rc = ds_cli_failf(cli, err == DS_ESIG ? DS_EXIT_FAIL : DS_EXIT_DATAERR,
				  "NOT consistent: %s and %s: %s", old_path, new_path, reason);
	} else if (err < 0) {
		rc = ds_cli_fail(cli, err);
	} else {
		printf("consistent: %s -> %s (proof %s)\n", old_path, new_path, o->proof);
	}
done:
	free(a);
	free(b);
	free(p);
	return rc;
}

/* Whether this home's log still extends `cp`; exit 1 naming the file when
 * not ("rolled back"), or when a leaf or the event chain is broken. */
static int against_home(struct ds_cli *cli, ds_home *h, const char *path,
			const struct ds_checkpoint *cp)
{
	char reason[DS_SEALLOG_REASON_MAX];
	int err = ds_seallog_verify_against(h->catalog, cp, reason, sizeof reason);
	if (err == DS_ESIG || err == DS_ECORRUPT)
		return ds_cli_failf(cli, DS_EXIT_FAIL, "%s: %s", path,
				    reason[0] ? reason : ds_error_last());
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int cmd_verify(struct ds_cli *cli, ds_home *h, const struct opts *o, const char *old_path,
		      const char *new_path)
{
	struct ds_merkle_hash proof[DS_SEALLOG_PROOF_MAX];
	struct ds_checkpoint a, b;
	ds_seallog_key *key = NULL;
	size_t np = 0;
	int err, rc;

	if (o->proof != NULL)
		return verify_offline(cli, h, o, old_path, new_path);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if ((rc = load_pub(cli, h, o, &key)) != 0)
		return rc;
	if ((rc = read_note(cli, old_path, key, &a)) != 0)
		goto done;
	if (new_path == NULL) {
		/* OLD against the log as it is now. */
		if ((rc = against_home(cli, h, old_path, &a)) != 0)
			goto done;
		printf("extends: this home's log (its leaves and its events) still extends %s "
		       "(%llu leaves, events to %llu)\n", old_path, (unsigned long long)a.size,
		       (unsigned long long)a.events);
		goto done;
	}
	if ((rc = read_note(cli, new_path, key, &b)) != 0)
		goto done;
	if (strcmp(a.origin, b.origin) != 0) {
		rc = ds_cli_failf(cli, DS_EXIT_FAIL, "the checkpoints are of two logs (\"%s\", \"%s\")",
				  a.origin, b.origin);
		goto done;
	}
	if (a.size > b.size || (a.has_events && (!b.has_events || a.events > b.events))) {
		rc = ds_cli_failf(cli, DS_EXIT_FAIL, "rolled back: %s (%llu leaves, events to %llu) "
				  "does not extend %s (%llu leaves, events to %llu)", new_path,
				  (unsigned long long)b.size, (unsigned long long)b.events, old_path,
				  (unsigned long long)a.size, (unsigned long long)a.events);
		goto done;
	}
	if ((err = ds_seallog_consistency(h->catalog, a.size, b.size, proof, &np)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	/* Only the signed heads are trusted: the catalog supplies the proof. */
	if (ds_merkle_consistency_verify(a.size, b.size, &a.root, &b.root, proof, np) < 0) {
		rc = ds_cli_failf(cli, DS_EXIT_FAIL, "NOT consistent (rolled back or rewritten): "
				  "%s (%llu) and %s (%llu): %s", old_path, (unsigned long long)a.size,
				  new_path, (unsigned long long)b.size, ds_error_last());
		goto done;
	}
	/* Both against the catalog: one event chain passing through both heads. */
	if ((rc = against_home(cli, h, old_path, &a)) != 0 ||
	    (rc = against_home(cli, h, new_path, &b)) != 0)
		goto done;
	printf("consistent: %s (%llu leaves) -> %s (%llu leaves), %zu proof hashes\n", old_path,
	       (unsigned long long)a.size, new_path, (unsigned long long)b.size, np);
	rc = 0;
done:
	ds_seallog_key_free(key);
	return rc;
}

static int cmd_consistency(struct ds_cli *cli, ds_home *h, const struct opts *o, const char *a,
			   const char *b)
{
	struct ds_seallog_cproof *p = calloc(1, sizeof *p);
	char *txt = NULL;
	int err, rc = 0;

	if (p == NULL)
		return ds_cli_failf(cli, DS_EXIT_SOFTWARE, "out of memory");
	if (parse_size(a, &p->old_size, 1) < 0 || parse_size(b, &p->new_size, 0) < 0) {
		rc = ds_cli_failf(cli, DS_EXIT_USAGE, "consistency: OLD_SIZE and NEW_SIZE are tree sizes");
		goto done;
	}
	if ((err = ds_seallog_consistency(h->catalog, p->old_size, p->new_size, p->hash, &p->n)) < 0 ||
	    (err = ds_seallog_cproof_format(&txt, p)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	rc = write_out(cli, o->output, txt);
done:
	free(txt);
	free(p);
	return rc;
}

static int cmd_audit(struct ds_cli *cli, ds_home *h, const struct opts *o)
{
	ds_seallog_key *key = NULL;
	struct ds_event_head head;
	uint64_t n = 0, nev = 0;
	size_t ncp = 0;
	char path[4096];
	int err, rc = 0, have_key = 0;

	if (o->key != NULL ||
	    (ds_cli_seallog_pub_path(h, path, sizeof path) == 0 && access(path, F_OK) == 0)) {
		if ((rc = load_pub(cli, h, o, &key)) != 0)
			return rc;
		have_key = 1;
	} else {
		(void)fprintf(stderr, "dossier log: no pki/log.pub: checkpoint signatures not checked\n");
	}
	/* The event chain first: its first broken link is the news. */
	err = ds_catalog_event_chain_verify(h->catalog, &head, &nev);
	if (err == 0)
		err = ds_seallog_audit(h->catalog, key, &n, &ncp);
	if (err == DS_ECORRUPT) {
		rc = ds_cli_failf(cli, DS_EXIT_FAIL, "audit FAILED: %s", ds_error_last());
		goto done;
	} else if (err < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (o->json) {
		char ehex[65];
		hex32(head.hash, ehex);
		json_t *j = json_pack("{s:b, s:I, s:I, s:b, s:I, s:I, s:s}", "ok", 1, "leaves",
				      (json_int_t)n, "checkpoints", (json_int_t)ncp,
				      "signatures_checked", have_key, "events", (json_int_t)nev,
				      "events_last", (json_int_t)head.id, "events_head", ehex);
		rc = j ? ds_cli_print_json(j) : DS_EXIT_SOFTWARE;
		json_decref(j);
	} else {
		printf("seal log OK: %llu leaves, %zu checkpoints%s; event chain OK: %llu events\n",
		       (unsigned long long)n, ncp, have_key ? ", signatures verified" : "",
		       (unsigned long long)nev);
	}
done:
	ds_seallog_key_free(key);
	return rc;
}

static int cmd_show(struct ds_cli *cli, ds_home *h, const struct opts *o)
{
	struct ds_seallog_checkpoint_row *row = malloc(sizeof *row);
	ds_seallog_key *key = NULL;
	struct ds_event_head ev;
	char vkey[512] = "", path[4096], hex[65] = "";
	uint64_t n = 0;
	int err, rc = 0, have_cp = 0;

	if (row == NULL)
		return ds_cli_failf(cli, DS_EXIT_SOFTWARE, "out of memory");
	if ((err = ds_catalog_seallog_size(h->catalog, &n)) < 0 ||
	    (err = ds_catalog_event_head(h->catalog, &ev)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	err = ds_catalog_seallog_checkpoint_latest(h->catalog, row);
	if (err == 0) {
		have_cp = 1;
		hex32(row->root, hex);
	} else if (err != DS_ENOTFOUND) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (ds_cli_seallog_pub_path(h, path, sizeof path) == 0 && access(path, F_OK) == 0 &&
	    ds_seallog_key_load_public(&key, path, ds_cli_seallog_key_name(h)) == 0 &&
	    ds_seallog_key_vkey(key, vkey, sizeof vkey) < 0)
		vkey[0] = '\0';
	if (o->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "origin", ds_cli_seallog_origin(h),
				      "key_name", ds_cli_seallog_key_name(h), "leaves", (json_int_t)n,
				      "verifier_key", vkey);
		if (j && have_cp) {
			if (row->has_events)
				json_object_set_new(j, "checkpoint_events",
						    json_integer((json_int_t)row->events));
			json_object_set_new(j, "checkpoint_size", json_integer((json_int_t)row->size));
			json_object_set_new(j, "checkpoint_root", json_string(hex));
			json_object_set_new(j, "checkpoint", json_string(row->note));
		}
		rc = j ? ds_cli_print_json(j) : DS_EXIT_SOFTWARE;
		json_decref(j);
	} else {
		printf("origin:        %s\n", ds_cli_seallog_origin(h));
		printf("verifier key:  %s\n", vkey[0] ? vkey : "(no pki/log.pub)");
		printf("leaves:        %llu\n", (unsigned long long)n);
		if (have_cp) {
			printf("checkpoint:    %llu leaves, root %s%s\n", (unsigned long long)row->size, hex,
			       row->size < n ? "  (newer seals not yet covered)" : "");
			if (row->has_events)
				printf("events:        up to %llu%s\n", (unsigned long long)row->events,
				       (int64_t)row->events < ev.id ? "  (newer events not yet covered)" : "");
			printf("\n%s", row->note);
		} else {
			printf("checkpoint:    none (run `dossier log checkpoint`)\n");
		}
	}
done:
	ds_seallog_key_free(key);
	free(row);
	return rc;
}

static int cmd_list(struct ds_cli *cli, ds_home *h, const struct opts *o, const char *code)
{
	struct ds_seallog_leaf *l = NULL;
	size_t n = 0;
	int err, rc = 0;

	if ((err = ds_catalog_seallog_leaf_list(h->catalog, code, &l, &n)) < 0)
		return ds_cli_fail(cli, err);
	if (o->json) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < n; i++) {
			char hex[65];
			hex32(l[i].hash, hex);
			json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "index",
							   (json_int_t)l[i].index, "code", l[i].dossier_code,
							   "seal_id", l[i].seal_id, "leaf", l[i].leaf,
							   "sealed_at", (json_int_t)l[i].sealed_at,
							   "leaf_hash", hex));
		}
		rc = a ? ds_cli_print_json(a) : DS_EXIT_SOFTWARE;
		json_decref(a);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%6llu  %s\n", (unsigned long long)l[i].index, l[i].leaf);
	}
	free(l);
	return rc;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {{"passphrase-file", required_argument, NULL, 'p'},
					      {"passphrase-fd", required_argument, NULL, 'F'},
					      {"output", required_argument, NULL, 'o'},
					      {"seal-id", required_argument, NULL, 's'},
					      {"size", required_argument, NULL, 'n'},
					      {"index", required_argument, NULL, 'i'},
					      {"key", required_argument, NULL, 'k'},
					      {"proof", required_argument, NULL, 'P'},
					      {"json", no_argument, NULL, 'j'},
					      {"force", no_argument, NULL, 'f'},
					      {"help", no_argument, NULL, 'h'},
					      {0}};
	struct opts o = {0};
	char fdpath[32];
	ds_home *h = NULL;
	const char *sub;
	int c, err, rc = 0, nargs, offline;

	while ((c = ds_cli_getopt(cli, argc, argv, "ho:", lopts)) != -1) {
		switch (c) {
		case 'p': o.passphrase_file = optarg; break;
		case 'F': {
			long long fd = 0;
			if (ds_cli_opt_int(cli, "--passphrase-fd", optarg, 0, 1023, &fd) != 0)
				return DS_EXIT_USAGE;
			if (ds_fmt(fdpath, sizeof fdpath, "/dev/fd/%lld", fd) < 0)
				return ds_cli_failf(cli, DS_EXIT_USAGE, "--passphrase-fd: not a descriptor");
			o.passphrase_file = fdpath;
			break;
		}
		case 'o': o.output = optarg; break;
		case 's': o.seal_id = optarg; break;
		case 'n': {
			long long v;
			if (ds_cli_opt_int(cli, "--size", optarg, 1, INT64_MAX, &v) != 0)
				return DS_EXIT_USAGE;
			o.size = (uint64_t)v;
			break;
		}
		case 'i': {
			long long v;
			if (ds_cli_opt_int(cli, "--index", optarg, 0, INT64_MAX, &v) != 0)
				return DS_EXIT_USAGE;
			o.index = (uint64_t)v;
			o.have_index = 1;
			break;
		}
		case 'k': o.key = optarg; break;
		case 'P': o.proof = optarg; break;
		case 'j': o.json = 1; break;
		case 'f': o.force = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_log, options);
		default: return ds_cli_usage(cli, &ds_cmd_log);
		}
	}
	if (optind >= argc)
		return ds_cli_usage(cli, &ds_cmd_log);
	/* A wrong file given as an option is a usage error, not a verdict. */
	if ((o.key && (rc = ds_cli_option_file(cli, "--key", o.key, DS_FILE_LOG_KEY)) != 0) ||
	    (o.proof && (rc = ds_cli_option_file(cli, "--proof", o.proof, DS_FILE_PROOF)) != 0))
		return rc;
	sub = argv[optind];
	nargs = argc - optind - 1;
	if (!((strcmp(sub, "checkpoint") == 0 && nargs == 0) ||
	      (strcmp(sub, "prove") == 0 && nargs == 1) ||
	      (strcmp(sub, "verify") == 0 && (nargs == 2 || (nargs == 1 && o.proof == NULL))) ||
	      (strcmp(sub, "consistency") == 0 && nargs == 2) ||
	      (strcmp(sub, "audit") == 0 && nargs == 0) ||
	      (strcmp(sub, "show") == 0 && nargs == 0) ||
	      (strcmp(sub, "list") == 0 && nargs <= 1)))
		return ds_cli_usage(cli, &ds_cmd_log);
	o_force = o.force;
	if (o.output && (rc = ds_cli_output_check(cli, o.output, o.force)) != 0)
		return rc;
	/* An auditor with two checkpoints, a proof and the key needs no home. */
	offline = strcmp(sub, "verify") == 0 && o.proof != NULL && o.key != NULL;
	if (offline)
		return cmd_verify(cli, NULL, &o, argv[optind + 1], argv[optind + 2]);
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		return ds_cli_fail(cli, err);
	if (strcmp(sub, "checkpoint") == 0)
		rc = cmd_checkpoint(cli, h, &o);
	else if (strcmp(sub, "prove") == 0)
		rc = cmd_prove(cli, h, &o, argv[optind + 1]);
	else if (strcmp(sub, "verify") == 0)
		rc = cmd_verify(cli, h, &o, argv[optind + 1], nargs == 2 ? argv[optind + 2] : NULL);
	else if (strcmp(sub, "consistency") == 0)
		rc = cmd_consistency(cli, h, &o, argv[optind + 1], argv[optind + 2]);
	else if (strcmp(sub, "audit") == 0)
		rc = cmd_audit(cli, h, &o);
	else if (strcmp(sub, "show") == 0)
		rc = cmd_show(cli, h, &o);
	else
		rc = cmd_list(cli, h, &o, nargs == 1 ? argv[optind + 1] : NULL);
	ds_home_free(h);
	return rc;
}
