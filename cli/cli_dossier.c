/* Views of dossiers for show and list. */
#include <string.h>

#include "cli.h"
#include "cli_dossier.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"

int ds_cli_overdue(const struct ds_dossier *d, int64_t now)
{
	return now > d->due_at && strcmp(d->state, DS_STATE_RETURNED) != 0 &&
	       strcmp(d->state, DS_STATE_REJECTED) != 0;
}

const char *ds_cli_time(const ds_home *h, int64_t t, char *buf, size_t n)
{
	(void)h; /* the zone was taken from h's config when it was opened */
	return ds_cli_time_at(t, buf, n);
}

json_t *ds_cli_dossier_summary(const ds_home *h, const struct ds_dossier *d, int64_t now)
{
	char rec[40], due[40];
	return json_pack("{s:s, s:s, s:b, s:{s:s, s:s}, s:s, s:{s:s, s:s}, s:s, s:s, s:i}", "code",
			 d->code, "state", d->state, "overdue", ds_cli_overdue(d, now), "procedure",
			 "code", d->procedure, "name", d->procedure_name, "department",
			 d->department, "applicant", "id", d->applicant_id, "name",
			 d->applicant_name, "received_at", ds_cli_time(h, d->received_at, rec, sizeof rec),
			 "due_at", ds_cli_time(h, d->due_at, due, sizeof due), "pages", d->npages);
}

static json_t *page_json(const struct ds_page *p)
{
	json_t *o = json_pack("{s:i, s:s, s:i, s:i, s:i, s:i, s:s}", "number", p->number, "sha256",
			      p->sha256, "width", p->width, "height", p->height, "dpi", p->dpi,
			      "bits", p->bits, "ocr_state", p->ocr_state);
	if (!o)
		return NULL;
	json_object_set_new(o, "language", p->language[0] ? json_string(p->language) : json_null());
	json_object_set_new(o, "ocr_confidence", strcmp(p->ocr_state, "done") == 0
							 ? json_real(p->ocr_confidence)
							 : json_null());
	json_object_set_new(o, "rotation", json_integer(p->rotation));
	json_object_set_new(o, "skew", json_real(p->skew));
	json_object_set_new(o, "binarized", json_boolean(p->binarized));
	json_object_set_new(o, "blank", json_boolean(p->blank));
	json_object_set_new(o, "dpi_estimated", json_boolean(p->dpi_estimated));
	if (p->ocr_error[0])
		json_object_set_new(o, "ocr_error", json_string(p->ocr_error));
	return o;
}

int ds_cli_dossier_full(ds_home *h, const char *code, json_t **out)
{
	struct ds_dossier d;
	struct ds_page *pages = NULL;
	struct ds_event *events = NULL;
	size_t npages = 0, nevents = 0;
	json_t *o = NULL, *pa = NULL, *ca = NULL, *ea = NULL;
	int err;
	char buf[40];

	if ((err = ds_catalog_dossier_get(h->catalog, code, &d)) < 0 ||
	    (err = ds_catalog_page_list(h->catalog, code, NULL, &pages, &npages)) < 0 ||
	    (err = ds_catalog_event_list(h->catalog, code, &events, &nevents)) < 0)
		goto done;
	o = ds_cli_dossier_summary(h, &d, ds_now());
	pa = json_array();
	ca = json_array();
	ea = json_array();
	if (!o || !pa || !ca || !ea) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < npages; i++) {
		json_t *p = page_json(&pages[i]);
		if (!p) {
			err = ds_error_set(DS_ENOMEM, "out of memory");
			goto done;
		}
		json_array_append_new(strcmp(pages[i].kind, DS_PAGE_KIND_COVER) == 0 ? ca : pa, p);
	}
	for (size_t i = 0; i < nevents; i++)
		json_array_append_new(ea, json_pack("{s:s, s:s, s:o, s:s, s:s}", "at",
						    ds_cli_time(h, events[i].at, buf, sizeof buf),
						    "actor", events[i].actor, "on_behalf_of",
						    events[i].on_behalf_of[0]
							    ? json_string(events[i].on_behalf_of)
							    : json_null(),
						    "action", events[i].action, "detail",
						    events[i].detail));
	json_object_set_new(o, "pages", pa);
	json_object_set_new(o, "cover_sheets", ca);
	json_object_set_new(o, "events", ea);
	pa = ca = ea = NULL;
	*out = o;
	o = NULL; /* transferred */
done:
	json_decref(o);
	json_decref(pa);
	json_decref(ca);
	json_decref(ea);
	free(pages);
	free(events);
	return err;
}

int ds_cli_check_field(const char *what, const char *value, size_t max)
{
	size_t len = value ? strlen(value) : 0;
	if (len == 0)
		return ds_error_set(DS_EINVALID, "%s is empty", what);
	if (len >= max)
		return ds_error_set(DS_ETOOBIG, "%s is too long (%zu bytes, at most %zu)", what, len,
				    max - 1);
	if (!ds_text_valid(value, len))
		return ds_error_set(DS_EINVALID, "%s is not valid UTF-8 text", what);
	return 0;
}

int ds_cli_state_run(struct ds_cli *cli, const struct ds_cli_state_cmd *sc, int argc, char **argv)
{
	const struct option opts[] = {{"actor", required_argument, NULL, 'a'},
				      {sc->note, required_argument, NULL, 'n'},
				      {"help", no_argument, NULL, 'h'},
				      {0}};
	const char *actor = NULL, *note = NULL;
	int c, err, rc = 0;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'a': actor = optarg; break;
		case 'n': note = optarg; break;
		case 'h': return ds_cli_help(sc->cmd, sc->note_help);
		default: return ds_cli_usage(cli, sc->cmd);
		}
	}
	if (argc - optind != 1 || (sc->note_required && !note))
		return ds_cli_usage(cli, sc->cmd);
	if (note && (err = ds_cli_check_field(sc->note, note, DS_DETAIL_MAX)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_catalog_dossier_set_state(h->catalog, argv[optind], sc->state,
						ds_cli_actor(actor), sc->action, note ? note : "")) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	printf("%s %s\n", argv[optind], sc->printed);
done:
	ds_home_free(h);
	return rc;
}
