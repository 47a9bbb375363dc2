/* Small helpers shared by the unit tests. */
#ifndef DOSSIER_TESTUTIL_H
#define DOSSIER_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temp folder (mkdtemp) under $TMPDIR; caller removes it with rm_rf. */
static inline char *ds_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	if (snprintf(tmpl, sizeof tmpl, "%s/dossier-test-XXXXXX", base ? base : "/tmp") >= (int)sizeof tmpl)
		abort();
	char *d = mkdtemp(tmpl);
	if (!d)
		abort();
	return strdup(d);
}

static inline void ds_test_rm_rf(const char *dir)
{
	char cmd[4200];
	if (snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir) < (int)sizeof cmd && system(cmd) != 0)
		fprintf(stderr, "rm -rf %s failed\n", dir);
}

#endif
