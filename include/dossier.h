/* dossier — the umbrella header: every public module header. */
#ifndef DOSSIER_H
#define DOSSIER_H

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/clock.h"
#include "dossier/config.h"
#include "dossier/catalog.h"
#include "dossier/store.h"
#include "dossier/home.h"
#include "dossier/check.h"
#include "dossier/scanner.h"
#include "dossier/intake.h"
#include "dossier/signer.h"
#include "dossier/pki.h"
#include "dossier/catalog_signer.h"
#include "dossier/archive.h"
#include "dossier/catalog_archive.h"
#include "dossier/pades.h"
#include "dossier/qr.h"
#include "dossier/receipt.h"
#include "dossier/inbox.h"
#include "dossier/catalog_daemon.h"

#endif
