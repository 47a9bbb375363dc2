/* Secrets for the signer commands: a passphrase or PIN from a file
 * (ds_cli_read_secret), a file descriptor, or the terminal without echo.
 * Never from argv or the environment. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_secret.h"
#include "dossier/error.h"

/* Reads one line from fd into out (without the newline). */
static int read_line_fd(int fd, char *out, size_t n, const char *what)
{
	size_t len = 0;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ds_error_set_errno(DS_EIO, errno, "%s", what);
		if (r == 0 || ch == '\n')
			break;
		if (len + 1 >= n)
			return ds_error_set(DS_ETOOBIG, "%s: secret longer than %zu bytes", what, n - 1);
		out[len++] = ch;
	}
	if (len > 0 && out[len - 1] == '\r')
		len--;
	out[len] = '\0';
	if (len == 0)
		return ds_error_set(DS_EINVALID, "%s: empty secret", what);
	return 0;
}

const char *ds_cli_secret_why(int err)
{
	switch (err) {
	case DS_ENOTFOUND: return "no such file";
	case DS_EPERM: return "readable by group or others; chmod 600 it";
	case DS_ETOOBIG: return "longer than a secret may be";
	case DS_EINVALID: return "empty";
	default: return "cannot be read";
	}
}

int ds_cli_secret_get(const struct ds_cli_secret *src, const char *prompt, char *out, size_t n)
{
	char what[64];
	int err;
	if (n == 0)
		return ds_error_set(DS_EINVALID, "no room for a secret");
	out[0] = '\0';
	if (src->file) {
		if ((err = ds_cli_read_secret(src->file, out, n)) < 0)
			return ds_error_set(err, "the file of the %s: %s", prompt, ds_cli_secret_why(err));
		return 0;
	}
	if (src->fd >= 0) {
		if (snprintf(what, sizeof what, "file descriptor %d", src->fd) < 0)
			what[0] = '\0';
		return read_line_fd(src->fd, out, n, what);
	}
	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (tty < 0)
		return ds_error_set(DS_EINVALID,
				    "no terminal to ask for the %s: give --passphrase-file or --passphrase-fd",
				    prompt);
	struct termios old, noecho;
	if (tcgetattr(tty, &old) != 0) {
		close(tty);
		return ds_error_set_errno(DS_EIO, errno, "terminal");
	}
	noecho = old;
	noecho.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	dprintf(tty, "%s: ", prompt);
	if (tcsetattr(tty, TCSAFLUSH, &noecho) != 0) {
		close(tty);
		return ds_error_set_errno(DS_EIO, errno, "terminal");
	}
	err = read_line_fd(tty, out, n, "terminal");
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	dprintf(tty, "\n");
	close(tty);
	return err;
}
